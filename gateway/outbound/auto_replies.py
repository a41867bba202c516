"""Auto-replies: the out-of-office email owed to someone who emailed an away user.

Owns composing and queueing what gateway.core.out_of_office decided (state PENDING) as RFC
3834 auto-replies: `Auto-Submitted: auto-replied`, a null envelope sender (so nothing ever
bounces back to us or to them), In-Reply-To / References to the message answered, the
subject "Auto: " and the original, plus `X-Auto-Response-Suppress: All` and our loop header
(EMAIL-RULES sections 3 and 4). Reply-To is the sender's own reply address for the
conversation, so answering the auto-reply still lands in the room. (A sender who asked for
no out-of-office replies is owed none: core decides that at intake.) Claimed with
`FOR UPDATE SKIP LOCKED`, so each reply is composed once whatever the number of workers.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.out_of_office import away_until_text
from gateway.core.presence import away_until
from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import find_membership
from gateway.outbound.composition import (
    LOOP_HEADER,
    NOTIFICATIONS_LOCAL_PART,
    ComposedEmail,
    new_message_id,
    one_line,
    render_email_template,
    rendered_body,
)
from gateway.outbound.email_bytes import (
    BodyEncoder,
    address_line,
    date_line,
    header_line,
)
from gateway.outbound.outbox import queue_email
from gateway.settings import Settings
from gateway.store.models import (
    AutoResponse,
    AutoResponseState,
    InboundEmail,
    Membership,
    OutboxEmail,
    User,
)

logger = logging.getLogger(__name__)

AUTO_REPLY_KIND = "auto_reply"
AUTO_REPLY_TEMPLATES = "email/auto_reply"
NULL_SENDER = ""  # MAIL FROM:<> (RFC 3834 section 3.3; RFC 5321 section 4.5.5)
HEADER_BYTES = 64 * 1024  # enough of the stored raw message to read its headers
DEFAULT_LIMIT = 100


def queue_auto_replies(
    session: Session,
    settings: Settings,
    keys: ReplyKeys,
    *,
    now: datetime,
    limit: int = DEFAULT_LIMIT,
) -> int:
    """Compose every owed auto-reply into the outbox; how many were queued."""
    owed = session.scalars(
        select(AutoResponse)
        .where(AutoResponse.state == AutoResponseState.PENDING)
        .order_by(AutoResponse.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()  # read whole before the loop queries and flushes
    queued = 0
    for response in owed:
        email = _queue_reply(session, response, settings, keys, now)
        if email is None:
            response.state = AutoResponseState.NOTE  # the note in the room stays the answer
            continue
        response.state, response.outbox_id = AutoResponseState.QUEUED, email.id
        queued += 1
    session.flush()
    return queued


def _queue_reply(
    session: Session, response: AutoResponse, settings: Settings, keys: ReplyKeys, now: datetime
) -> OutboxEmail | None:
    if response.message_id is None:  # the message was deleted: nothing left to answer
        return None
    away = session.get(User, response.user_id)
    original = session.scalar(
        select(InboundEmail).where(InboundEmail.message_id == response.message_id).limit(1)
    )
    membership = find_membership(session, response.room_id, response.sender_id)
    if away is None or original is None or membership is None or membership.left_at:
        return None  # a sender who left the room has no reply address to answer from
    headers = BytesHeaderParser(policy=default_policy).parsebytes(original.raw[:HEADER_BYTES])
    try:
        raw, message_id = _compose(
            away, original, headers, membership, response, settings, keys, now
        )
    except ValueError:
        logger.warning("auto-reply %s not sent: address cannot be written", response.id)
        return None
    composed = ComposedEmail(message_id=message_id, recipient=response.sender_address, raw=raw)
    return queue_email(
        session,
        AUTO_REPLY_KIND,
        composed,
        settings,
        now=now,
        user_id=response.sender_id,
        room_id=response.room_id,
        envelope_from=NULL_SENDER,
    )


def _compose(
    away: User,
    original: InboundEmail,
    headers: Message,
    membership: Membership,
    response: AutoResponse,
    settings: Settings,
    keys: ReplyKeys,
    now: datetime,
) -> tuple[bytes, str]:
    context = _context(away, str(headers.get("Subject", "") or ""), response, settings, now)
    message_id = new_message_id(settings.mail_domain)
    subject = one_line(render_email_template(AUTO_REPLY_TEMPLATES, "subject.txt", context))
    lines = [
        address_line(
            "From",
            f"{context['away_name']} (out of office)",
            f"{NOTIFICATIONS_LOCAL_PART}@{settings.mail_domain}",
        ),
        address_line("To", "", response.sender_address),
        address_line("Reply-To", "", reply_address(membership, keys, settings.mail_domain)),
        header_line("Subject", subject),
        date_line(now),
        header_line("Message-ID", f"<{message_id}>"),
    ]
    if original.message_id_header:
        # Stored bare by intake; a header needs the angle brackets (RFC 5322 section 3.6.4).
        answered = f"<{one_line(original.message_id_header).strip('<>')}>"
        references = one_line(str(headers.get("References", "") or ""))
        lines.append(header_line("In-Reply-To", answered))
        lines.append(header_line("References", f"{references} {answered}".strip()))
    lines += [
        # RFC 3834 section 5: an auto-reply, so responders that honour the RFC stay quiet.
        header_line("Auto-Submitted", "auto-replied"),
        header_line("X-Auto-Response-Suppress", "All"),
        header_line(LOOP_HEADER, settings.mail_domain),
    ]
    lines.append(rendered_body(AUTO_REPLY_TEMPLATES, context, BodyEncoder()))
    return b"".join(lines), message_id


def _context(
    away: User, subject: str, response: AutoResponse, settings: Settings, now: datetime
) -> dict[str, Any]:
    until = away_until(away, now=now) or response.created_at
    return {
        "site_name": one_line(settings.site_name),
        "away_name": one_line(away.display_name),
        "away_message": (away.ooo_message or "").strip(),
        "until": away_until_text(away, until),
        "original_subject": one_line(subject) or "(no subject)",
        "room_url": f"{settings.base_url}/rooms/{response.room_id}",
    }
