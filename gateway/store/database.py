"""Engines and sessions for SQLite (the embedded default) and PostgreSQL.

Owns how the gateway talks to its database: connection set-up, transaction start, the
session factories. Must not import gateway.core or any adapter library.

SQLite runs in WAL mode with foreign keys on and full fsync at commit. Its Python driver
starts transactions lazily and cannot nest them, so autocommit is turned off at the driver
level and SQLAlchemy emits BEGIN itself: `BEGIN IMMEDIATE` for sessions that write (taking the
write lock up front, so two processes never deadlock upgrading a read lock), plain `BEGIN` for
read-only sessions, which then never wait for a writer. SAVEPOINTs work in both. Short
transactions that must not starve behind another process's back-to-back writes (delivery's
claims and records) use `promptly`, which asks for SQLite's write lock every millisecond.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Engine, Row, create_engine, event, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

SQLITE_BUSY_TIMEOUT_MS = 10_000
PROMPT_POLL_SECONDS = 0.001
T = TypeVar("T")


class Database:
    """One database: a write engine, a read engine (the same one outside SQLite), sessions."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine = self._create_engine(begin="BEGIN IMMEDIATE", echo=echo)
        self.read_engine = (
            self._create_engine(begin="BEGIN", echo=echo) if self.is_sqlite else self.engine
        )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        # SQLite: the same connections but no busy handler, for `promptly` (connects lazily).
        self._prompt_engine = (
            self._create_engine(begin="BEGIN IMMEDIATE", echo=echo, busy_ms=0)
            if self.is_sqlite
            else self.engine
        )
        self._prompt_sessions = sessionmaker(self._prompt_engine, expire_on_commit=False)

    def _create_engine(
        self, *, begin: str, echo: bool, busy_ms: int = SQLITE_BUSY_TIMEOUT_MS
    ) -> Engine:
        if not self.is_sqlite:
            return create_engine(self.url, echo=echo, pool_pre_ping=True)
        engine = create_engine(
            self.url,
            echo=echo,
            connect_args={"timeout": busy_ms / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", partial(_configure_sqlite_connection, busy_ms=busy_ms))
        # Straight to the driver: this runs for every transaction, SMTP intake's included.
        event.listen(engine, "begin", lambda conn: conn.connection.driver_connection.execute(begin))
        return engine

    def session(self) -> Session:
        """A session for a unit of work that writes; the caller commits."""
        return self._sessions()

    def read_session(self) -> Session:
        """A session that only reads; on SQLite it never waits for a writer."""
        return self._read_sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session committed on success, rolled back on any exception."""
        with self.session() as session, session.begin():
            yield session

    def promptly(self, work: Callable[[Session], T]) -> T:
        """`work` in a write transaction, committed: like `transaction`, but on SQLite the
        write lock is asked for every millisecond instead of by SQLite's busy handler, whose
        sleeps grow to 100 ms and so keep missing the short gaps between another process's
        back-to-back write transactions (a delivery process waited out a whole fan-out that
        way). Only for short transactions that can simply be run again: a BEGIN refused for
        the lock has done nothing."""
        if not self.is_sqlite:
            with self.transaction() as session:
                return work(session)
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                with self._prompt_sessions() as session, session.begin():
                    return work(session)
            # BEGIN is sent by the "begin" listener straight to the driver: its refusal
            # comes unwrapped.
            except (OperationalError, sqlite3.OperationalError) as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
            time.sleep(PROMPT_POLL_SECONDS)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
        if self._prompt_engine is not self.engine:
            self._prompt_engine.dispose()


def _configure_sqlite_connection(
    dbapi_connection: sqlite3.Connection, _record: Any, *, busy_ms: int
) -> None:
    # Let SQLAlchemy's "begin" listener start transactions (see module docstring).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # FULL: a commit that answered is on disk, even after power loss (WAL + NORMAL is not).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.close()


def lock_for_transaction(session: Session, *keys: str) -> None:
    """Serialize transactions that name the same key until they commit or roll back.

    For check-then-insert rules (count recent rows, then add one) that must not let two
    concurrent transactions both pass the check. PostgreSQL takes a transaction-level advisory
    lock per key (in sorted order, so two transactions never wait on each other crosswise);
    SQLite needs none, since a writing transaction there already holds the database's one
    write lock (BEGIN IMMEDIATE).
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
        )


def insert_all_ignoring_duplicates(
    session: Session, model: type[Any], rows: Sequence[dict[str, Any]], returning: Sequence[str]
) -> list[Row[Any]]:
    """INSERT rows in one executemany, skipping each that would break a unique constraint
    (also when a concurrent transaction just inserted its equal: PostgreSQL's ON CONFLICT
    waits for it and then skips). The claim primitive for work done once. For each row
    inserted (in no particular order), its id and the `returning` columns."""
    if not rows:
        return []
    table = model.__table__
    dialect = session.get_bind().dialect.name
    make_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    columns = [table.c.id, *(table.c[name] for name in returning)]
    statement = make_insert(table).on_conflict_do_nothing().returning(*columns)
    return list(session.execute(statement, list(rows)))


def update_by_id(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """UPDATE rows of `model` by primary key, each to its own values (every row dict holds
    "id" and the same other columns).

    PostgreSQL gets one statement joining the table to the values as arrays (unnest): an
    UPDATE per row, even pipelined, costs the server about three times as much. SQLite, in
    process, gets an executemany.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        session.execute(update(model), list(rows))
        return
    table = model.__table__
    quote = dialect.identifier_preparer.quote
    names = list(rows[0])
    arrays, casts = {}, []
    for number, name in enumerate(names):
        column_type = table.c[name].type
        process = column_type.bind_processor(dialect) or (lambda value: value)
        arrays[f"v{number}"] = [process(row[name]) for row in rows]
        casts.append(f"CAST(:v{number} AS {column_type.compile(dialect=dialect)}[])")
    target = quote(table.name)
    assignments = ", ".join(f"{quote(n)} = v.{quote(n)}" for n in names if n != "id")
    statement = (
        f"UPDATE {target} SET {assignments} FROM unnest({', '.join(casts)}) "
        f"AS v({', '.join(quote(n) for n in names)}) WHERE {target}.id = v.id"
    )
    session.execute(text(statement), arrays)


def update_loaded(session: Session, changes: Sequence[tuple[Any, dict[str, Any]]]) -> None:
    """Write new column values of loaded objects (of one model) with update_by_id, and set
    them on the objects as loaded, not as changes waiting for a flush. For batches: the
    unit of work's bookkeeping per changed object costs far more than the statement."""
    if not changes:
        return
    model = type(changes[0][0])
    update_by_id(session, model, [{"id": obj.id, **values} for obj, values in changes])
    for obj, values in changes:
        for key, value in values.items():
            set_committed_value(obj, key, value)
