"""Ticket numbers: T-1, T-2, ... per deployment, never shared by tickets opened at the same
time (on PostgreSQL the counter row's lock orders concurrent intakes; SQLite has one writer)."""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import select

from gateway.core.tickets import open_ticket
from gateway.core.users import add_user
from gateway.store.database import Database
from gateway.store.models import Ticket, TicketState, User
from gateway.support_settings import SupportSettings

WRITERS = 6


def test_tickets_are_numbered_from_one_in_order(database: Database, now: datetime) -> None:
    with database.transaction() as session:
        pat = add_user(session, "pat@customer.example", now=now)
        numbers = [
            open_ticket(
                session, pat, f"Question {i}", SupportSettings(), queue=None, now=now
            ).number
            for i in range(3)
        ]
    assert numbers == [1, 2, 3]


def test_concurrent_openings_never_share_a_number(database: Database, now: datetime) -> None:
    with database.transaction() as session:
        ids = [add_user(session, f"user{i}@customer.example", now=now).id for i in range(WRITERS)]
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def open_one(user_id: int) -> None:
        try:
            start.wait()
            with database.transaction() as session:
                user = session.get_one(User, user_id)
                open_ticket(session, user, "Help", SupportSettings(), queue=None, now=now)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=open_one, args=(user_id,)) for user_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    with database.read_session() as session:
        rows = session.execute(select(Ticket.number, Ticket.state)).all()
    assert sorted(number for number, _ in rows) == list(range(1, WRITERS + 1))
    assert {state for _, state in rows} == {TicketState.NEW}
