"""The mailbox lease and reading position: one holder at a time, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from gateway.core.imap_state import (
    MailboxPosition,
    find_mailbox_holder,
    get_mailbox_position,
    record_mailbox_position,
    release_mailbox_lease,
    renew_mailbox_lease,
    take_mailbox_lease,
)
from gateway.store.database import Database

BOX = "reader@imap.example.com:993/INBOX"
LEASE = 60.0


def take(database: Database, holder: str, now: datetime) -> MailboxPosition | None:
    with database.transaction() as session:
        return take_mailbox_lease(session, BOX, holder, now=now, seconds=LEASE)


def test_the_first_taker_gets_a_fresh_position_and_a_second_is_refused(
    database: Database, now: datetime
) -> None:
    assert take(database, "one", now) == MailboxPosition(None, 0)
    assert take(database, "two", now + timedelta(seconds=30)) is None
    with database.read_session() as session:
        assert find_mailbox_holder(session, BOX, now=now) == "one"


def test_a_lapsed_lease_passes_on_and_the_old_holder_can_no_longer_record(
    database: Database, now: datetime
) -> None:
    take(database, "one", now)
    later = now + timedelta(seconds=LEASE + 1)

    assert take(database, "two", later) == MailboxPosition(None, 0)

    with database.transaction() as session:
        assert not renew_mailbox_lease(session, BOX, "one", now=later, seconds=LEASE)
        assert not record_mailbox_position(
            session, BOX, "one", MailboxPosition(5, 10), now=later, seconds=LEASE
        )
        assert get_mailbox_position(session, BOX) == MailboxPosition(None, 0)


def test_the_holder_records_its_position_and_the_next_holder_reads_on_from_it(
    database: Database, now: datetime
) -> None:
    take(database, "one", now)
    with database.transaction() as session:
        assert record_mailbox_position(
            session, BOX, "one", MailboxPosition(1796693021, 42), now=now, seconds=LEASE
        )
        release_mailbox_lease(session, BOX, "one")

    assert take(database, "two", now) == MailboxPosition(1796693021, 42)


def test_renewing_keeps_others_out_past_the_first_expiry(database: Database, now: datetime) -> None:
    take(database, "one", now)
    with database.transaction() as session:
        assert renew_mailbox_lease(
            session, BOX, "one", now=now + timedelta(seconds=50), seconds=LEASE
        )
    assert take(database, "two", now + timedelta(seconds=LEASE + 1)) is None
