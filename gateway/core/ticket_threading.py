"""Ticket threading: which ticket an email to a support address continues, if any.

Owns the evidence and its order, strongest first (EMAIL-RULES 1.7 and section 6):

1. our reply token: the email came to a member's reply address of a ticket room;
2. Message-IDs in In-Reply-To / References that we sent for a ticket (the outbox keeps them
   with their room) or that belong to the requester's own emails which opened or answered
   it (kept in ``ticket_message_ids`` with whom they were addressed to), so a Cc'd
   colleague's reply-all threads too, but not a stranger who learnt the id;
3. a ``[#T-n]`` tag in the subject, believed only from the ticket's requester or one of its
   participants: anybody can type a tag, so a stranger's tag opens a new ticket.

Also owns reading a subject: reply and forward prefixes in many languages are removed, so a
ticket's title is what the person wrote. Must not import any adapter library.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store.models import Membership, OutboxEmail, Ticket, TicketMessageId

# Reply and forward prefixes mail clients write: English, German (AW, WG), Nordic (SV, VS,
# VB), Dutch (Antw, Doorst), French (Réf, TR), Spanish/Portuguese (RV, RES, ENC), Italian
# (R), Polish (Odp, PD), Turkish (YNT, ILT), Chinese (回复, 转发, 答复), Greek, Hebrew, Japanese.
# Each may carry a count ("Re[2]:", "Re(3):", "Re^2:") and come bracketed or repeated. Words
# people also write for themselves ("Ref:", Italian "I:") are left alone: a title keeps them.
_PREFIX_WORDS = (
    "re|fwd?|fw|aw|wg|sv|vs|vb|antw|antwort|doorst|réf|tr|rv|res|enc|r|odp|pd|ynt|ilt|"
    "πθ|σχετ|תשובה|הועבר|回复|回覆|转发|轉寄|答复|答覆|返信|転送"
)
_PREFIX_RE = re.compile(
    rf"^\s*(?:\[\s*)?(?:{_PREFIX_WORDS})\s*(?:\[\d{{1,4}}\]|\(\d{{1,4}}\)|\^\d{{1,4}})?"
    r"\s*[:：]\s*(?:\]\s*)?",
    re.IGNORECASE,
)
# "[Fwd: subject]": the whole subject bracketed, as some clients forward.
_WRAPPED_RE = re.compile(rf"^\[\s*(?:{_PREFIX_WORDS})\s*[:：]\s*(.*)\]$", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"\[#T-(\d{1,9})\]", re.IGNORECASE)
_BRACKET_TAG_RE = re.compile(r"^\s*\[#T-\d{1,9}\]\s*", re.IGNORECASE)
MAX_PREFIXES = 50  # bounded work on a hostile subject
MAX_REFERENCED_IDS = 30


def strip_reply_prefixes(subject: str) -> str:
    """`subject` without its reply/forward prefixes and our own leading ticket tag."""
    text = " ".join(subject.split())
    for _ in range(MAX_PREFIXES):
        shorter = _WRAPPED_RE.sub(r"\1", text, count=1)
        shorter = _BRACKET_TAG_RE.sub("", _PREFIX_RE.sub("", shorter, count=1), count=1)
        if shorter == text:
            break
        text = shorter
    return text.strip()


def ticket_tag(subject: str) -> int | None:
    """The ticket number a `[#T-n]` tag in the subject names (the first tag), if any."""
    match = _TAG_RE.search(subject[:2000])
    return int(match.group(1)) if match else None


def tagged_subject(number: int, subject: str) -> str:
    """The subject we write for a ticket: "[#T-12] original subject"."""
    return f"[#T-{number}] {strip_reply_prefixes(subject) or '(no subject)'}"


@dataclass(frozen=True, slots=True)
class ThreadingFacts:
    """What an email offers to thread it: all optional, strongest first."""

    token_room_id: int | None  # the ticket room whose reply address it came to
    referenced_ids: Sequence[str]  # In-Reply-To then References, bare
    subject: str
    sender_id: int | None  # the user the From address belongs to, if any
    sender_address: str | None = None  # the From address


@dataclass(frozen=True, slots=True)
class Threaded:
    """The ticket an email continues and the evidence that decided it."""

    room_id: int
    by: str  # "token", "message-id" or "subject tag"


def thread_email(session: Session, facts: ThreadingFacts) -> Threaded | None:
    """The ticket `facts` continue, or None: the email opens a new ticket."""
    if facts.token_room_id is not None and session.get(Ticket, facts.token_room_id):
        return Threaded(facts.token_room_id, "token")
    by_id = find_ticket_by_message_ids(
        session, facts.referenced_ids, facts.sender_id, facts.sender_address
    )
    if by_id is not None:
        return Threaded(by_id, "message-id")
    number = ticket_tag(facts.subject)
    if number is not None and facts.sender_id is not None:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        if ticket is not None and is_participant(session, ticket, facts.sender_id):
            return Threaded(ticket.room_id, "subject tag")
    return None


def find_ticket_by_message_ids(
    session: Session,
    ids: Sequence[str],
    sender_id: int | None = None,
    sender_address: str | None = None,
) -> int | None:
    """The ticket room the closest of `ids` (In-Reply-To first) belongs to. Our own ids
    were sent only to the people in the ticket, so they are believed from anyone. A
    requester's id went wherever they sent it: it is believed from a participant, or from
    somebody that email was addressed to (a colleague in its Cc answering all)."""
    wanted = [i.strip("<> ") for i in ids if i][:MAX_REFERENCED_IDS]
    if not wanted:
        return None
    known: dict[str, tuple[int, str, str]] = {
        row.message_id_header: (row.room_id, row.origin, row.recipients or "")
        for row in session.execute(
            select(
                TicketMessageId.message_id_header,
                TicketMessageId.room_id,
                TicketMessageId.origin,
                TicketMessageId.recipients,
            ).where(TicketMessageId.message_id_header.in_(wanted))
        )
    }
    sent = session.execute(
        select(OutboxEmail.message_id_header, OutboxEmail.room_id)
        .join(Ticket, Ticket.room_id == OutboxEmail.room_id)
        .where(OutboxEmail.message_id_header.in_(wanted))
    ).all()
    known.update({mid: (room_id, "ours", "") for mid, room_id in sent if room_id is not None})
    for mid in wanted:
        if mid not in known:
            continue
        room_id, origin, recipients = known[mid]
        if origin == "ours" or (sender_address or "").lower() in recipients.split():
            return room_id
        ticket = session.get(Ticket, room_id)
        if (
            ticket is not None
            and sender_id is not None
            and is_participant(session, ticket, sender_id)
        ):
            return room_id
    return None


def is_participant(session: Session, ticket: Ticket, user_id: int) -> bool:
    """The requester, or anybody who is (or was) a member of the ticket's room."""
    if ticket.requester_id == user_id:
        return True
    return (
        session.scalar(
            select(Membership.id).where(
                Membership.room_id == ticket.room_id, Membership.user_id == user_id
            )
        )
        is not None
    )


def referenced_ids(in_reply_to: Sequence[str], references: Sequence[str]) -> list[str]:
    """In-Reply-To first, then References newest first: the closest evidence first."""
    ordered = [*in_reply_to, *reversed(references)]
    return list(dict.fromkeys(i.strip("<> ") for i in ordered if i.strip("<> ")))
