"""Group commit for intake: one writer thread, many received emails per transaction.

Owns the write path of received mail. SQLite has one writer at a time and each commit costs
an fsync, so many threads each committing their own message fight for the lock and pay one
fsync each. Here one thread takes whatever has queued up, runs `accept_email` for each in a
SAVEPOINT of one transaction (a failure costs only its own email a retry), commits once, and
only then resolves each email's future: the SMTP reply is sent after its data is durable.

Must not import aiosmtpd, Flask or smtplib.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from gateway.inbound.intake import Envelope, IntakeConfig, IntakeResult, accept_email
from gateway.store.database import Database

log = logging.getLogger(__name__)

MAX_BATCH = 64


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class _Job:
    raw: bytes
    envelope: Envelope
    future: Future[IntakeResult] = field(default_factory=Future)


class IntakeCommitter:
    """A writer thread that commits received emails in batches."""

    def __init__(
        self,
        database: Database,
        config: IntakeConfig,
        *,
        clock: Callable[[], datetime] = utc_now,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._database = database
        self._config = config
        self._clock = clock
        self._on_commit = on_commit
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Finish what is queued, then end the thread."""
        self._queue.put(None)
        self._thread.join()

    def submit(self, raw: bytes, envelope: Envelope) -> Future[IntakeResult]:
        job = _Job(raw, envelope)
        self._queue.put(job)
        return job.future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, stopping = self._drain(first)
            self._commit(batch)
            if stopping:
                return

    def _drain(self, first: _Job) -> tuple[list[_Job], bool]:
        batch = [first]
        while len(batch) < MAX_BATCH:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return batch, True
            batch.append(job)
        return batch, False

    def _commit(self, batch: list[_Job]) -> None:
        outcomes: list[IntakeResult | BaseException] = []
        try:
            with self._database.session() as session, session.begin():
                for job in batch:
                    outcomes.append(self._accept_one(session, job))
        except Exception as error:  # the commit itself failed: nothing of this batch is stored
            log.exception("intake commit of %d emails failed", len(batch))
            for job in batch:
                job.future.set_exception(error)
            return
        for job, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)
        if self._on_commit is not None:
            self._on_commit()

    def _accept_one(self, session: Session, job: _Job) -> IntakeResult | BaseException:
        try:
            with session.begin_nested():
                return accept_email(session, job.raw, job.envelope, self._config, now=self._clock())
        except Exception as error:
            log.exception("intake of an email to %s failed", job.envelope.recipient)
            return error
