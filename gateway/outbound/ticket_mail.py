"""Ticket mail: the acknowledgement of a new ticket and the refusal notice, composed and queued.

Owns turning what gateway.core.tickets decided is owed (TicketMail rows, state PENDING) into
outbox emails, as RFC 3834 auto-replies: `Auto-Submitted: auto-replied`, a null envelope
sender, In-Reply-To / References to the email answered, `X-Auto-Response-Suppress: All` and
our loop header (EMAIL-RULES sections 3 and 6). The acknowledgement's subject is
"[#T-n] original subject", its Reply-To the requester's reply address for the ticket room,
its References start with the ticket's root id, and its Message-ID is kept with the ticket
so an answer to it threads even without the reply address. Also owns the ticket job the
scheduler runs: this queueing and the closing of tickets solved long enough ago.
Rows are claimed with `FOR UPDATE SKIP LOCKED`, so each is composed once.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import find_membership, get_room
from gateway.core.ticket_states import close_solved_tickets
from gateway.core.ticket_threading import strip_reply_prefixes
from gateway.core.tickets import find_ticket, list_ticket_mail_owed, record_message_ids
from gateway.outbound.composition import (
    CATEGORY_HEADER,
    LOOP_HEADER,
    ComposedEmail,
    new_message_id,
    one_line,
    render_email_template,
    rendered_body,
    thread_root_id,
)
from gateway.outbound.email_bytes import BodyEncoder, address_line, date_line, header_line
from gateway.outbound.outbox import queue_email
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import AutoResponseState, TicketMail, TicketMailKind

logger = logging.getLogger(__name__)

ACKNOWLEDGEMENT_KIND = "ticket_ack"
REFUSAL_KIND = "ticket_refusal"
TICKET_CATEGORY = "ticket"
NULL_SENDER = ""  # MAIL FROM:<> (RFC 3834 section 3.3)
DEFAULT_LIMIT = 100
REFUSAL_REASON = "this support address does not take new requests from your address"


def run_ticket_jobs(
    database: Database, settings: Settings, keys: ReplyKeys, *, now: datetime
) -> int:
    """The scheduler's ticket job: queue owed ticket mail, close solved tickets whose time
    came; the number of emails queued."""
    with database.transaction() as session:
        queued = queue_ticket_mail(session, settings, keys, now=now)
        close_solved_tickets(session, close_after_days=settings.support.close_after_days, now=now)
    return queued


def queue_ticket_mail(
    session: Session,
    settings: Settings,
    keys: ReplyKeys,
    *,
    now: datetime,
    limit: int = DEFAULT_LIMIT,
) -> int:
    """Compose every owed acknowledgement and refusal notice into the outbox; how many."""
    queued = 0
    for owed in list_ticket_mail_owed(session, limit=limit):
        try:
            composed = _compose(session, owed, settings, keys, now)
        except ValueError:
            logger.warning("ticket mail %s not sent: an address cannot be written", owed.id)
            composed = None
        if composed is None:
            owed.state = AutoResponseState.NOTE  # nothing to answer with: the ticket stays
            continue
        kind = ACKNOWLEDGEMENT_KIND if owed.kind == TicketMailKind.ACKNOWLEDGEMENT else REFUSAL_KIND
        email = queue_email(
            session, kind, composed, settings, now=now, user_id=None,
            room_id=owed.room_id, envelope_from=NULL_SENDER,
        )  # fmt: skip
        if owed.room_id is not None:
            record_message_ids(session, owed.room_id, [composed.message_id], "ours", now=now)
        owed.state, owed.outbox_id = AutoResponseState.QUEUED, email.id
        queued += 1
    session.flush()
    return queued


def _compose(
    session: Session, owed: TicketMail, settings: Settings, keys: ReplyKeys, now: datetime
) -> ComposedEmail | None:
    subject = one_line(strip_reply_prefixes(owed.subject)) or "(no subject)"
    context: dict[str, Any] = {
        "site_name": one_line(settings.site_name),
        "original_subject": subject,
        "support_address": owed.support_address,
        "reason": REFUSAL_REASON,
    }
    headers: list[bytes] = []
    references: list[str] = []
    folder = "email/ticket_refusal"
    if owed.kind == TicketMailKind.ACKNOWLEDGEMENT:
        ticket = find_ticket(session, owed.room_id) if owed.room_id else None
        if ticket is None:
            return None
        room = get_room(session, ticket.room_id)
        membership = find_membership(session, ticket.room_id, ticket.requester_id)
        if membership is None or membership.left_at is not None:
            return None
        folder = "email/ticket_acknowledgement"
        context |= {
            "ticket_label": f"T-{ticket.number}",
            "title": one_line(room.title),
            "ticket_url": f"{settings.base_url}/rooms/{room.id}",
        }
        reply_to = reply_address(membership, keys, settings.mail_domain)
        headers.append(address_line("Reply-To", "", reply_to))
        references.append(f"<{thread_root_id(room, settings.mail_domain)}>")
    message_id = new_message_id(settings.mail_domain)
    lines = [
        address_line("From", f"{one_line(settings.site_name)} support", owed.support_address),
        address_line("To", "", owed.address),
        *headers,
        header_line("Subject", one_line(render_email_template(folder, "subject.txt", context))),
        date_line(now),
        header_line("Message-ID", f"<{message_id}>"),
    ]
    if owed.answered_id:
        answered = f"<{one_line(owed.answered_id).strip('<>')}>"
        lines.append(header_line("In-Reply-To", answered))
        references.append(answered)
    if references:
        lines.append(header_line("References", " ".join(references)))
    lines += [
        # RFC 3834 section 5: an auto-reply, so responders that honour the RFC stay quiet.
        header_line("Auto-Submitted", "auto-replied"),
        header_line("X-Auto-Response-Suppress", "All"),
        header_line(LOOP_HEADER, settings.mail_domain),
        header_line(CATEGORY_HEADER, TICKET_CATEGORY),
        rendered_body(folder, context, BodyEncoder()),
    ]
    return ComposedEmail(message_id=message_id, recipient=owed.address, raw=b"".join(lines))
