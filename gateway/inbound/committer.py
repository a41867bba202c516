"""Group commit for intake: one writer thread, many received emails per transaction.

Owns the write path of received mail. SQLite has one writer at a time and each commit costs
an fsync, so many threads each committing their own message fight for the lock and pay one
fsync each. Here one thread takes whatever has queued up, runs `accept_emails` on it in one
transaction, commits once, and only then answers each email: the SMTP reply is sent after its
data is durable. If anything fails unexpectedly, the batch is rolled back and each email is
run again in a transaction of its own, so a failure costs only its own email a retry (no
SAVEPOINT per email on the path every email takes).

Must not import aiosmtpd, Flask or smtplib.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from gateway.inbound.batching import BatchThread
from gateway.inbound.intake import IntakeResult, accept_emails
from gateway.inbound.preparation import IntakeConfig, PreparedEmail
from gateway.store.database import Database

log = logging.getLogger(__name__)

# Once an email is queued, wait up to this long for more before starting the transaction
# (PostgreSQL's commit_delay idea): the SMTP sessions in flight land in one commit, so the
# fsync and the batch's statements are shared instead of paid by one or two emails each.
GATHER_SECONDS = 0.001


def utc_now() -> datetime:
    return datetime.now(UTC)


class IntakeCommitter:
    """A writer thread that commits received emails in batches."""

    def __init__(
        self,
        database: Database,
        config: IntakeConfig,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._database = database
        self._config = config
        self._clock = clock
        self._session: Session | None = None
        self._thread: BatchThread[PreparedEmail, IntakeResult] = BatchThread(
            "intake-writer", self._commit, gather_seconds=GATHER_SECONDS
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.stop()
        if self._session is not None:
            self._session.close()

    def submit(self, email: PreparedEmail) -> Future[IntakeResult]:
        """A future of the email's IntakeResult, resolved once it is committed."""
        return self._thread.submit(email)

    def _commit(self, batch: Sequence[PreparedEmail]) -> list[IntakeResult | BaseException]:
        try:
            return self._accept_together(batch)
        except Exception:
            if len(batch) == 1:
                raise
            log.warning("intake batch of %d failed; retrying each alone", len(batch))
            return [self._accept_alone(email) for email in batch]

    def _accept_together(
        self, batch: Sequence[PreparedEmail]
    ) -> list[IntakeResult | BaseException]:
        # One Session for the writer thread's life (only this thread touches it): a new one
        # per batch costs more CPU than a typical email's whole database work.
        if self._session is None:
            self._session = self._database.session()
        try:
            with self._session.begin():
                return list(accept_emails(self._session, batch, self._config, now=self._clock()))
        except Exception:
            self._session.close()
            self._session = None
            raise

    def _accept_alone(self, email: PreparedEmail) -> IntakeResult | BaseException:
        try:
            return self._accept_together([email])[0]
        except Exception as error:
            log.exception("intake of an email failed")
            return error
