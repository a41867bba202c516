"""Support routing: what the intake does with mail to a support address or a ticket room.

Owns the two ticket steps of gateway.inbound.intake, so that a ticket's first message and
every reply go through the one intake pipeline (reply text, files, sender check, posting):

- `route_ticket_email`, before drafting: mail to a support address continues the ticket
  the strongest evidence names (gateway.core.ticket_threading) or opens a new one under the
  requester policy (a refused sender gets a refusal notice, at most one a day); a reply to a
  closed ticket reopens it within the reopen window, else opens a follow-up ticket; automated
  mail that threads into a ticket is kept on it as a system note and never moves its state.
- `after_ticket_posts`, after posting: the requester's Message-IDs are remembered for
  threading, the state moves (an agent's reply, the requester's), and a new ticket's one
  acknowledgement is owed.

Must not import aiosmtpd, aioimaplib, Flask or smtplib.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gateway.core.errors import DomainError, InvalidInput
from gateway.core.reply_addresses import ReplyTarget
from gateway.core.rooms import get_active_membership
from gateway.core.ticket_states import TicketEvent, apply_event, note_automated_mail
from gateway.core.ticket_threading import ThreadingFacts, referenced_ids, thread_email
from gateway.core.tickets import (
    find_requester,
    find_ticket,
    find_tickets,
    join_ticket,
    open_follow_up,
    open_ticket,
    owe_acknowledgement,
    owe_refusal,
    record_message_ids,
)
from gateway.core.users import find_user_by_email
from gateway.inbound.parsing import ParsedEmail
from gateway.inbound.preparation import IntakeConfig, PreparedEmail
from gateway.store.models import InboundOutcome, Ticket, TicketState, User
from gateway.support_settings import RequesterPolicy, SupportSettings

REFUSED_REASON = "the support desk takes no tickets from this address"


def support_of(config: IntakeConfig) -> SupportSettings:
    """The support settings the intake runs with (none: no support address)."""
    return config.support


def is_support_recipient(address: str, config: IntakeConfig) -> bool:
    """Whether RCPT TO names one of our support addresses (mail from anyone is taken)."""
    return support_of(config).is_support_address(address)


@dataclass(frozen=True, slots=True)
class TicketRoute:
    """What becomes of one email: posted as `target`, kept (`kept` says why), or refused."""

    target: ReplyTarget | None = None
    kept: str | None = None
    refusal: DomainError | None = None


def route_ticket_emails(
    session: Session,
    emails: Sequence[tuple[PreparedEmail, ReplyTarget | None]],
    support: SupportSettings,
    *,
    now: datetime,
) -> list[TicketRoute | None]:
    """`route_ticket_email` for each (prepared email, member its address names)."""
    if not support.addresses:
        return [None] * len(emails)  # no support desk, so no tickets
    room_ids = {target.room_id for _, target in emails if target is not None}
    tickets = {t.room_id: t for t in find_tickets(session, room_ids)}
    return [
        route_ticket_email(
            session, prepared, target, tickets.get(target.room_id) if target else None,
            support, now=now,
        )
        for prepared, target in emails
    ]  # fmt: skip


def route_ticket_email(
    session: Session,
    prepared: PreparedEmail,
    target: ReplyTarget | None,
    target_ticket: Ticket | None,
    support: SupportSettings,
    *,
    now: datetime,
) -> TicketRoute | None:
    """The ticket route of one email; None when it is no ticket's business."""
    to_support = support.is_support_address(prepared.envelope.recipient)
    if not to_support and target_ticket is None:
        return None
    parsed = prepared.parsed
    if parsed is None:
        return None  # unreadable: kept as failed
    automated = prepared.kept_as is not None and prepared.kept_as[0] in (
        InboundOutcome.AUTOMATED,
        InboundOutcome.BOUNCE,
    )
    sender = _sender(session, parsed)
    ticket = target_ticket
    if ticket is None:
        threaded = thread_email(session, _facts(parsed, sender))
        ticket = find_ticket(session, threaded.room_id) if threaded else None
    if automated:
        if ticket is not None:
            reason = prepared.kept_as[1] if prepared.kept_as else "automated"
            note_automated_mail(session, ticket, parsed.from_address or "", reason, now=now)
        return None
    if prepared.kept_as is not None:
        return None
    if prepared.content_refusal is not None:
        return TicketRoute(refusal=prepared.content_refusal)
    if parsed.from_address is None:
        return TicketRoute(refusal=InvalidInput("the email names no sender in From"))
    if target is not None and (sender is None or sender.id != target.user_id):
        return None  # not the member the address names: the sender check refuses it
    if ticket is None:
        return _open(session, prepared, parsed, sender, support, now)
    return _continue(session, parsed, sender, ticket, target, support, now)


def _facts(parsed: ParsedEmail, sender: User | None) -> ThreadingFacts:
    return ThreadingFacts(
        token_room_id=None,
        referenced_ids=referenced_ids(parsed.in_reply_to, parsed.references),
        subject=parsed.subject,
        sender_id=sender.id if sender else None,
        sender_address=parsed.from_address,
    )


def _sender(session: Session, parsed: ParsedEmail) -> User | None:
    return find_user_by_email(session, parsed.from_address) if parsed.from_address else None


def _open(
    session: Session,
    prepared: PreparedEmail,
    parsed: ParsedEmail,
    sender: User | None,
    support: SupportSettings,
    now: datetime,
) -> TicketRoute:
    recipient = prepared.envelope.recipient
    if support.requesters is RequesterPolicy.REJECT:
        requester = None  # no new tickets by email at all; replies still thread
    else:
        requester = sender or _requester(session, parsed, support, now)
    if requester is None:
        assert parsed.from_address is not None
        answered = (parsed.message_id, parsed.subject)
        owe_refusal(
            session, address=parsed.from_address, support_address=recipient,
            answered=answered, now=now,
        )  # fmt: skip
        return TicketRoute(kept=REFUSED_REASON)
    ticket = open_ticket(
        session, requester, parsed.subject, support,
        queue=support.queue_for(recipient), now=now,
    )  # fmt: skip
    return TicketRoute(target=_target_of(session, ticket, requester))


def _continue(
    session: Session,
    parsed: ParsedEmail,
    sender: User | None,
    ticket: Ticket,
    target: ReplyTarget | None,
    support: SupportSettings,
    now: datetime,
) -> TicketRoute:
    """A reply into `ticket`: by token (`target` is set) or by Message-ID / tag."""
    if sender is None:
        sender = _requester(session, parsed, support, now)
        if sender is None:
            return TicketRoute(kept=REFUSED_REASON)
    if ticket.state == TicketState.CLOSED:
        window = timedelta(days=support.reopen_days)
        if ticket.closed_at is not None and now - ticket.closed_at <= window:
            apply_event(session, ticket, TicketEvent.REOPEN, now=now)
        elif support.is_agent(sender.email):
            return TicketRoute(target=target or _joined(session, ticket, sender, now))
        else:
            follow_up = open_follow_up(session, ticket, sender, parsed.subject, support, now=now)
            return TicketRoute(target=_target_of(session, follow_up, sender))
    return TicketRoute(target=target or _joined(session, ticket, sender, now))


def _requester(
    session: Session, parsed: ParsedEmail, support: SupportSettings, now: datetime
) -> User | None:
    assert parsed.from_address is not None
    return find_requester(
        session, parsed.from_address, parsed.from_name, support.requesters, now=now
    )


def _joined(session: Session, ticket: Ticket, user: User, now: datetime) -> ReplyTarget:
    membership = join_ticket(session, ticket, user, now=now)
    return ReplyTarget(membership.id, ticket.room_id, user.id, user.email)


def _target_of(session: Session, ticket: Ticket, user: User) -> ReplyTarget:
    membership = get_active_membership(session, ticket.room_id, user.id)
    return ReplyTarget(membership.id, ticket.room_id, user.id, user.email)


def after_ticket_posts(
    session: Session,
    posted: Sequence[tuple[PreparedEmail, ReplyTarget | None]],
    support: SupportSettings,
    *,
    now: datetime,
) -> None:
    """For each email posted into a ticket: remember its Message-ID, move the state, and
    owe the acknowledgement of a ticket it opened (a follow-up ticket too)."""
    if not support.addresses:
        return  # no support desk, so no tickets
    room_ids = {target.room_id for _, target in posted if target is not None}
    tickets = {t.room_id: t for t in find_tickets(session, room_ids)}
    for prepared, target in posted:
        ticket = tickets.get(target.room_id) if target is not None else None
        if target is None or ticket is None or prepared.parsed is None:
            continue
        parsed = prepared.parsed
        if parsed.message_id:
            addressed = [*parsed.to, *parsed.cc]
            record_message_ids(
                session, ticket.room_id, [parsed.message_id], "theirs", now=now,
                recipients=addressed,
            )  # fmt: skip
        if ticket.state == TicketState.CLOSED:
            continue  # an agent's late word; anyone else's reply was routed elsewhere
        agent = support.is_agent(target.user_email)
        event = TicketEvent.AGENT_REPLY if agent else TicketEvent.REQUESTER_REPLY
        apply_event(session, ticket, event, now=now)
        # The email that opened the ticket (in this same intake) is acknowledged, once.
        if target.user_id == ticket.requester_id and ticket.created_at == now:
            recipient = prepared.envelope.recipient
            if not support.is_support_address(recipient):  # a follow-up opened by a reply
                recipient = support.addresses[0]
            owe_acknowledgement(
                session, ticket, address=target.user_email, support_address=recipient,
                answered=(parsed.message_id, parsed.subject), now=now,
            )  # fmt: skip
