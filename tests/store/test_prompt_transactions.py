"""Database.promptly: a short write transaction that, on SQLite, asks for the write lock
every millisecond, so it gets in between another process's back-to-back transactions
instead of sleeping through them in SQLite's busy handler."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.core.users import add_user
from gateway.store.database import Database
from gateway.store.migrate import upgrade
from gateway.store.models import User

# Another process writing in back-to-back transactions, leaving the lock free for a moment
# between them (as the outbound worker does after each pass), until the file STOP exists;
# it counts its commits in the file COUNT.
WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from gateway.store.database import Database
    from sqlalchemy import text
    database = Database(sys.argv[1])
    stop, count = Path(sys.argv[2]), Path(sys.argv[3])
    for number in range(1, 20_000):
        if stop.exists():
            break
        with database.transaction() as session:
            session.execute(text("UPDATE users SET display_name = display_name"))
            if number == 1:
                print("writing", flush=True)  # and holding the write lock
            time.sleep(0.15)  # as composing a batch does
        fresh = count.with_suffix(".new")
        fresh.write_text(str(number))
        fresh.replace(count)  # atomically: never read half-written
        time.sleep(0.002)
    """
)
BUSY_WRITER_TIMEOUT = 60
MOST_TRANSACTIONS_WAITED = 3


def _users(database: Database) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


def test_the_work_is_committed_and_its_result_returned(database: Database, now: datetime):
    def add(session: Session) -> int:
        return add_user(session, "carol@example.net", name="Carol", now=now).id

    user_id = database.promptly(add)

    with database.read_session() as session:
        assert session.get_one(User, user_id).email == "carol@example.net"


def test_work_that_raises_writes_nothing(database: Database, now: datetime) -> None:
    def add_then_fail(session: Session) -> None:
        add_user(session, "carol@example.net", name="Carol", now=now)
        session.flush()
        raise ValueError("changed my mind")

    with pytest.raises(ValueError, match="changed my mind"):
        database.promptly(add_then_fail)
    assert _users(database) == 0


def test_on_sqlite_it_gets_in_between_another_processes_back_to_back_writes(
    tmp_path: Path, now: datetime
) -> None:
    """SQLite's own busy handler sleeps 100 ms at a time by then and keeps missing the
    moments the lock is free: a plain transaction would wait for the other process to stop."""
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    database = Database(url)
    upgrade(database)
    with database.transaction() as session:
        add_user(session, "alice@example.com", name="Alice", now=now)
    stop, count = tmp_path / "STOP", tmp_path / "COUNT"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, str(stop), str(count)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
        got_in_after: list[int] = []

        def add(session: Session) -> None:
            add_user(session, "carol@example.net", name="Carol", now=now)
            got_in_after.append(int(count.read_text()) if count.exists() else 0)

        database.promptly(add)
        # In at one of the first pauses, not after waiting many transactions out.
        assert got_in_after[-1] <= MOST_TRANSACTIONS_WAITED
        assert writer.poll() is None  # the other process was still writing
        assert _users(database) == 2
    finally:
        stop.touch()
        writer.wait(timeout=BUSY_WRITER_TIMEOUT)
        database.dispose()
