"""Ticket states: new, open, pending, solved, closed, and what moves a ticket between them.

Owns the state machine as one table (`TRANSITIONS`): an agent's reply opens a new ticket (or
makes it pending when they are waiting for the customer); a requester's or participant's
reply reopens a solved ticket and moves a pending one back to open; solving and closing are
their own events; automated mail (auto-replies, bounces) changes nothing and is kept as a
system note instead (EMAIL-RULES section 6). Also owns the scheduled closing of tickets
solved long enough ago. A reply to a closed ticket reopens it only within the reopen window
(REOPEN); after that it opens a follow-up ticket (gateway.core.tickets), so a reply to a
closed ticket never moves it otherwise. Must not import any adapter library.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.errors import NotAllowed, NotFound
from gateway.core.room_notes import post_system_note
from gateway.store.models import Ticket, TicketState


class TicketEvent(enum.StrEnum):
    AGENT_REPLY = "agent reply"
    AGENT_REPLY_WAITING = "agent reply, waiting for the customer"
    REQUESTER_REPLY = "requester reply"  # the requester or another participant
    AUTOMATED = "automated mail"  # auto-replies and bounces
    SOLVE = "solve"
    CLOSE = "close"
    REOPEN = "reopen"  # a reply to a closed ticket within the reopen window


_S = TicketState
_E = TicketEvent
# (state, event) -> next state; a pair not listed leaves the state as it is.
TRANSITIONS: dict[tuple[TicketState, TicketEvent], TicketState] = {
    (_S.NEW, _E.AGENT_REPLY): _S.OPEN,
    (_S.NEW, _E.AGENT_REPLY_WAITING): _S.PENDING,
    (_S.OPEN, _E.AGENT_REPLY_WAITING): _S.PENDING,
    (_S.PENDING, _E.AGENT_REPLY): _S.OPEN,
    (_S.SOLVED, _E.AGENT_REPLY): _S.OPEN,
    (_S.SOLVED, _E.AGENT_REPLY_WAITING): _S.PENDING,
    (_S.PENDING, _E.REQUESTER_REPLY): _S.OPEN,
    (_S.SOLVED, _E.REQUESTER_REPLY): _S.OPEN,
    (_S.NEW, _E.SOLVE): _S.SOLVED,
    (_S.OPEN, _E.SOLVE): _S.SOLVED,
    (_S.PENDING, _E.SOLVE): _S.SOLVED,
    (_S.SOLVED, _E.CLOSE): _S.CLOSED,
    (_S.CLOSED, _E.REOPEN): _S.OPEN,
}

REPLIES = frozenset(
    {TicketEvent.AGENT_REPLY, TicketEvent.AGENT_REPLY_WAITING, TicketEvent.REQUESTER_REPLY}
)


def next_state(state: TicketState, event: TicketEvent) -> TicketState:
    """The state a ticket in `state` moves to on `event` (the same state when none)."""
    return TRANSITIONS.get((state, event), state)


def apply_event(session: Session, ticket: Ticket, event: TicketEvent, *, now: datetime) -> None:
    """Move `ticket` on `event`, keeping solved_at / closed_at in step; flushed. A reply
    to a closed ticket is refused: it reopens (REOPEN) or goes to a follow-up ticket."""
    if ticket.state == TicketState.CLOSED and event in REPLIES:
        raise NotAllowed(f"ticket T-{ticket.number} is closed; a reply opens a new ticket")
    state = next_state(ticket.state, event)
    if state == ticket.state:
        return
    ticket.state = state
    if state == TicketState.SOLVED:
        ticket.solved_at = now
    elif state == TicketState.CLOSED:
        ticket.closed_at = now
    else:
        ticket.solved_at = ticket.closed_at = None
    session.flush()


def note_automated_mail(
    session: Session, ticket: Ticket, sender: str, reason: str, *, now: datetime
) -> None:
    """Keep an auto-reply or bounce on the ticket as a system note; the state stays."""
    apply_event(session, ticket, TicketEvent.AUTOMATED, now=now)
    who = " ".join(sender.split())[:320] or "an unknown sender"
    post_system_note(
        session, ticket.room_id, f"Automatic email from {who} kept ({reason[:200]})", now=now
    )


def close_solved_tickets(
    session: Session, *, close_after_days: int, now: datetime, limit: int = 500
) -> int:
    """Close the tickets solved at least `close_after_days` ago; how many were closed."""
    due = session.scalars(
        select(Ticket)
        .where(
            Ticket.state == TicketState.SOLVED,
            Ticket.solved_at <= now - timedelta(days=close_after_days),
        )
        .order_by(Ticket.solved_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for ticket in due:
        apply_event(session, ticket, TicketEvent.CLOSE, now=now)
    return len(due)


def change_ticket_state(
    session: Session, room_id: int, event: TicketEvent, *, now: datetime
) -> Ticket:
    """Apply `event` to the ticket of `room_id` (an agent solving it, or answering on the
    web with "waiting for the customer"); NotFound when the room is no ticket."""
    ticket = session.get(Ticket, room_id)
    if ticket is None:
        raise NotFound(f"room {room_id} is not a ticket")
    apply_event(session, ticket, event, now=now)
    return ticket
