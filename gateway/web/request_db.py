"""The database as one web request sees it: one shared read session, and write transactions.

Owns the request's units of work. Everything a request reads (the signed-in check, the view,
the page header's counts) goes through `reading()`, which hands out one read session per
request, opened on first use and closed when the request ends (`end_request_reads`, a
teardown hook): one pooled connection and one read transaction per page instead of one per
part of it (on PostgreSQL each checkout is a ping and a rollback, round trips a page paid four
times over). Writes go through `writing()`, a transaction of their own that commits or rolls
back; once it commits, the shared read session ends its transaction, so what the request
reads next includes the write (a SQLite read transaction keeps the snapshot it began with).

Streams (Server-Sent Events) outlive their request: they must not hold the request's session,
and teardown closes it before the first byte of a stream is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import g
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from gateway.web.context import web_context

_READS = "request_reads"


@contextmanager
def reading() -> Iterator[Session]:
    """The request's read session; leaving the block keeps it open (and what it loaded
    usable) for the rest of the request. A database error rolls it back."""
    session: Session | None = g.get(_READS)
    if session is None:
        session = web_context().database.read_session()
        setattr(g, _READS, session)
    try:
        yield session
    except SQLAlchemyError:
        session.rollback()
        raise


@contextmanager
def writing() -> Iterator[Session]:
    """A write transaction, committed on success and rolled back on any exception; after a
    commit the request's later reads see what it wrote."""
    with web_context().database.transaction() as session:
        yield session
    reads: Session | None = g.get(_READS)
    if reads is not None:
        # Objects stay loaded (expire_on_commit is off); the next read begins afresh.
        reads.commit()


def end_request_reads(_error: BaseException | None = None) -> None:
    """Close the request's read session, if it opened one (a teardown_request hook)."""
    session: Session | None = g.pop(_READS, None)
    if session is not None:
        session.close()
