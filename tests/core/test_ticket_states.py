"""Ticket states (EMAIL-RULES section 6) as one table: every (state, event) pair and the
state it leads to; then the same moves made by real email through the SMTP listener, the
scheduled closing, and a late reply's follow-up ticket."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import select

from gateway.core.errors import NotAllowed
from gateway.core.ticket_states import TicketEvent, change_ticket_state, next_state
from gateway.core.users import add_user
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Origin, Ticket, TicketState

from recording_relay import RecordingRelay
from ticket_desk import AGENT, Desk, desk_settings

N, OP, P, S, C = (
    TicketState.NEW,
    TicketState.OPEN,
    TicketState.PENDING,
    TicketState.SOLVED,
    TicketState.CLOSED,
)
E = TicketEvent
# (state, event) -> expected next state, for every pair.
TABLE = [
    (N, E.AGENT_REPLY, OP), (N, E.AGENT_REPLY_WAITING, P), (N, E.REQUESTER_REPLY, N),
    (N, E.AUTOMATED, N), (N, E.SOLVE, S), (N, E.CLOSE, N), (N, E.REOPEN, N),
    (OP, E.AGENT_REPLY, OP), (OP, E.AGENT_REPLY_WAITING, P), (OP, E.REQUESTER_REPLY, OP),
    (OP, E.AUTOMATED, OP), (OP, E.SOLVE, S), (OP, E.CLOSE, OP), (OP, E.REOPEN, OP),
    (P, E.AGENT_REPLY, OP), (P, E.AGENT_REPLY_WAITING, P), (P, E.REQUESTER_REPLY, OP),
    (P, E.AUTOMATED, P), (P, E.SOLVE, S), (P, E.CLOSE, P), (P, E.REOPEN, P),
    (S, E.AGENT_REPLY, OP), (S, E.AGENT_REPLY_WAITING, P), (S, E.REQUESTER_REPLY, OP),
    (S, E.AUTOMATED, S), (S, E.SOLVE, S), (S, E.CLOSE, C), (S, E.REOPEN, S),
    (C, E.AGENT_REPLY, C), (C, E.AGENT_REPLY_WAITING, C), (C, E.REQUESTER_REPLY, C),
    (C, E.AUTOMATED, C), (C, E.SOLVE, C), (C, E.CLOSE, C), (C, E.REOPEN, OP),
]  # fmt: skip

PAT = "Pat Doe <pat@customer.example>"


def test_the_table_names_every_state_and_event_once() -> None:
    pairs = [(state, event) for state, event, _ in TABLE]
    assert sorted(pairs) == sorted((s, e) for s in TicketState for e in TicketEvent)


@pytest.mark.parametrize(("state", "event", "expected"), TABLE)
def test_each_event_moves_a_ticket_as_the_table_says(
    state: TicketState, event: TicketEvent, expected: TicketState
) -> None:
    assert next_state(state, event) == expected


@pytest.fixture
def desk(
    database: Database, settings: Settings, recording_relay: RecordingRelay, now: datetime
) -> Iterator[Desk]:
    with database.transaction() as session:
        add_user(session, AGENT, name="Agent Smith", now=now)
    desk = Desk(
        database,
        desk_settings(settings, recording_relay, close_after_days=4, reopen_days=7),
        recording_relay,
        now,
    )
    with desk.smtp:
        desk.send(PAT, "Printer is on fire", "It smokes.")
        yield desk


def _event(desk: Desk, event: TicketEvent, number: int = 1) -> None:
    with desk.database.transaction() as session:
        change_ticket_state(session, desk.ticket(number).room_id, event, now=desk.now)


def _agent_answers(desk: Desk, text: str = "Unplug it.") -> None:
    address = desk.reply_address(1, AGENT)
    assert desk.send(f"Agent Smith <{AGENT}>", "Re: fire", text, to=address).final[0] == 250


def _pat_answers(desk: Desk, text: str = "Done.") -> None:
    address = desk.reply_address(1, "pat@customer.example")
    assert desk.send(PAT, "Re: fire", text, to=address).final[0] == 250


def test_an_agents_email_reply_opens_a_new_ticket(desk: Desk) -> None:
    assert desk.ticket(1).state == N
    _agent_answers(desk)
    assert desk.ticket(1).state == OP


def test_the_requesters_reply_moves_pending_to_open_and_reopens_solved(desk: Desk) -> None:
    _event(desk, E.AGENT_REPLY_WAITING)
    assert desk.ticket(1).state == P
    _pat_answers(desk)
    assert desk.ticket(1).state == OP
    _event(desk, E.SOLVE)
    assert desk.ticket(1).solved_at == desk.now
    _pat_answers(desk, "It is back.")
    ticket = desk.ticket(1)
    assert (ticket.state, ticket.solved_at) == (OP, None)


def test_solved_tickets_close_after_the_configured_days(desk: Desk) -> None:
    _event(desk, E.SOLVE)
    desk.later(days=3, hours=23)
    desk.run_jobs()
    assert desk.ticket(1).state == S
    desk.later(hours=1)
    desk.run_jobs()
    ticket = desk.ticket(1)
    assert (ticket.state, ticket.closed_at) == (C, desk.now)


def test_a_reply_within_the_reopen_window_reopens_the_closed_ticket(desk: Desk) -> None:
    _event(desk, E.SOLVE)
    desk.later(days=4)
    desk.run_jobs()
    desk.later(days=6)
    _pat_answers(desk, "Smoking again.")
    assert desk.tickets() == [1]
    assert desk.ticket(1).state == OP


def test_a_reply_after_the_reopen_window_opens_a_linked_ticket(desk: Desk) -> None:
    _event(desk, E.SOLVE)
    desk.later(days=4)
    desk.run_jobs()
    desk.later(days=8)
    _pat_answers(desk, "Smoking again.")
    assert desk.tickets() == [1, 2]
    old, new = desk.ticket(1), desk.ticket(2)
    assert old.state == C and new.state == N
    assert new.previous_ticket_id == old.room_id
    assert desk.messages(2, Origin.EMAIL) == ["Smoking again."]
    assert "Follows up closed ticket T-1" in desk.messages(2, Origin.SYSTEM)
    assert "A later reply opened ticket T-2" in desk.messages(1, Origin.SYSTEM)
    assert [a["Subject"] for a in desk.run_jobs()] == ["[#T-2] fire"]


def test_automated_mail_into_a_ticket_is_a_note_and_never_moves_it(desk: Desk) -> None:
    _event(desk, E.AGENT_REPLY_WAITING)
    address = desk.reply_address(1, "pat@customer.example")
    desk.send(PAT, "Out of office", "Away.", to=address, headers={"Auto-Submitted": "auto-replied"})
    desk.send(
        "MAILER-DAEMON <mailer-daemon@customer.example>",
        "Undelivered",
        "x",
        to=address,
        mail_from="",
    )
    assert desk.ticket(1).state == P
    assert desk.messages(1, Origin.EMAIL) == ["It smokes."]
    notes = [n for n in desk.messages(1, Origin.SYSTEM) if n.startswith("Automatic email")]
    assert len(notes) == 2


def test_a_closed_ticket_refuses_a_reply_event(desk: Desk) -> None:
    _event(desk, E.SOLVE)
    _event(desk, E.CLOSE)
    with pytest.raises(NotAllowed):
        _event(desk, E.REQUESTER_REPLY)
    with desk.database.read_session() as session:
        assert session.scalar(select(Ticket.state)) == C
