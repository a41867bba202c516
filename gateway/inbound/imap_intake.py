"""IMAP intake: read mailboxes and take their mail in through the same pipeline as SMTP.

Owns the reading loop of each mailbox in GATEWAY_IMAP_URL. A reader holds the mailbox's lease
in the database (gateway.core.imap_state) while it reads, so two gateway processes never read
one mailbox at once. It reads on from the last UID taken in under the mailbox's UIDVALIDITY;
when UIDVALIDITY changes (the mailbox was recreated, RFC 3501 section 2.3.1.1) it reads the
whole mailbox again, and intake's dedupe (Message-ID + recipient) keeps what it took in
before from being posted twice.

New messages go in batches (bounded in count and bytes). Each is fetched, read off the event
loop (small messages together on a thread, a big one by gateway.inbound.reading_pool in its
child process), handed to the intake committer and committed; only THEN are the messages
marked processed on the server (a flag, or a move) and the last UID recorded. A crash between
the two reads those messages again, and dedupe answers them as before. While one batch is
committed, the next is fetched and read. Between batches the reader waits in IDLE
(RFC 2177, renewed well within its 29 minutes) or, on a server without it, polls. Any
failure (the connection, the server, the database) closes the connection and retries after
an exponentially growing pause.

Must not import sqlalchemy (the database is reached through gateway.core and the committer).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import socket
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from gateway.core.imap_state import (
    MailboxPosition,
    record_mailbox_position,
    release_mailbox_lease,
    renew_mailbox_lease,
    take_mailbox_lease,
)
from gateway.imap_settings import ImapMailbox
from gateway.inbound.committer import IntakeCommitter
from gateway.inbound.imap_envelopes import mailbox_envelopes
from gateway.inbound.imap_session import IDLE_RENEW_SECONDS, ImapSession
from gateway.inbound.intake import IntakeResult
from gateway.inbound.preparation import IntakeConfig, PreparedEmail, prepare_deliveries
from gateway.inbound.reading_pool import BIG_MESSAGE_BYTES, ReadingPool
from gateway.store.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReaderTiming:
    """How long a lease runs, how much a batch takes, how reconnection backs off."""

    lease_seconds: float = 60.0
    batch_size: int = 100
    batch_bytes: int = 32 * 1024 * 1024
    backoff_first_seconds: float = 1.0
    backoff_max_seconds: float = 300.0

    def backoff(self, failures: int) -> float:
        """The pause after `failures` failures in a row: doubling, capped, jittered by up to
        a tenth so readers that failed together do not all retry together."""
        doubled = self.backoff_first_seconds * 2 ** min(failures - 1, 30)
        pause = min(self.backoff_max_seconds, doubled)
        return pause * (1 + random.random() / 10)


class Committer(Protocol):
    def submit(self, email: PreparedEmail) -> Future[IntakeResult]: ...


class LeaseLost(Exception):
    """Another process holds the mailbox's lease now (ours ran out): stop reading it."""


class IntakeFailed(Exception):
    """A message's intake failed on our side: it stays unmarked and is read again later."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def holder_id() -> str:
    """Who holds a lease: this host and process, and a random part for this reader set."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


class MailboxReader:
    """Reads one mailbox while it holds its lease, until cancelled."""

    def __init__(
        self,
        mailbox: ImapMailbox,
        database: Database,
        committer: Committer,
        readers: ReadingPool,
        config: IntakeConfig,
        *,
        holder: str,
        timing: ReaderTiming = ReaderTiming(),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.mailbox = mailbox
        self.holder = holder
        self.taken = 0  # messages taken in (committed) by this reader
        self._database = database
        self._committer = committer
        self._readers = readers
        self._config = config
        self._timing = timing
        self._clock = clock
        self._failures = 0

    async def run(self) -> None:
        """Take the lease, read, and on any failure reconnect after a pause; forever."""
        waiting = False
        while True:
            try:
                position = await asyncio.to_thread(self._take_lease)
                if position is None:  # another process reads it: wait for its lease to lapse
                    if not waiting:
                        log.info("IMAP %s: another process reads it; waiting", self.mailbox.name)
                    waiting = True
                    await asyncio.sleep(self._timing.lease_seconds / 3)
                    continue
                waiting = False
                await self._read(position)
            except LeaseLost:
                log.warning("IMAP %s: the lease passed to another process", self.mailbox.name)
            except Exception as error:
                self._failures += 1
                pause = self._timing.backoff(self._failures)
                log.warning(
                    "IMAP %s: %s; reconnecting in %.1f s",
                    self.mailbox.name,
                    _describe(error),
                    pause,
                )
                await asyncio.sleep(pause)

    def release(self) -> None:
        """Give the lease up (called once the reader is stopped)."""
        with self._database.transaction() as session:
            release_mailbox_lease(session, self.mailbox.name, self.holder)

    async def _read(self, position: MailboxPosition) -> None:
        session = await ImapSession.open(self.mailbox)
        try:
            self._failures = 0
            last = position.last_uid
            if position.uidvalidity != session.uidvalidity:
                if position.uidvalidity is not None:
                    log.warning(
                        "IMAP %s: UIDVALIDITY changed from %d to %d; reading it all again",
                        self.mailbox.name,
                        position.uidvalidity,
                        session.uidvalidity,
                    )
                last = 0
                await self._record(MailboxPosition(session.uidvalidity, 0))
            while True:
                uids = await session.new_uids(last)
                if uids:
                    last = await self._take_in_all(session, uids, last)
                    continue
                if not await asyncio.to_thread(self._renew_lease):
                    raise LeaseLost
                await session.wait_for_news(self._wait_seconds(session))
        finally:
            await session.close()

    def _wait_seconds(self, session: ImapSession) -> float:
        """Wait for news no longer than a third of the lease, so it is renewed in time."""
        wait = IDLE_RENEW_SECONDS if session.can_idle else self.mailbox.poll_seconds
        return min(wait, self._timing.lease_seconds / 3)

    async def _take_in_all(self, session: ImapSession, uids: Sequence[int], last: int) -> int:
        """Take the messages in, batch by batch; the next batch is fetched and read while
        the one before is committed. The new last UID."""
        size = self._timing.batch_size
        batches = []
        # Sizes asked per batch: aioimaplib reads an answer's lines recursively, so one
        # answer must not run to thousands of lines.
        for start in range(0, len(uids), size):
            group = uids[start : start + size]
            batches += self._batches(group, await session.sizes(group))
        ahead = asyncio.ensure_future(self._fetch_and_read(session, batches[0]))
        try:
            for number, batch in enumerate(batches):
                fetched, prepared = await ahead
                if number + 1 < len(batches):
                    ahead = asyncio.ensure_future(
                        self._fetch_and_read(session, batches[number + 1])
                    )
                last = await self._commit_and_mark(session, batch, fetched, prepared, last)
        finally:
            ahead.cancel()
        return last

    def _batches(self, uids: Sequence[int], sizes: dict[int, int]) -> list[list[int]]:
        """UIDs in batches of at most batch_bytes bytes (a bigger message alone), so a
        mailbox of big mail is never held in memory at once."""
        batches: list[list[int]] = [[]]
        held = 0
        for uid in uids:
            size = sizes.get(uid, 0)
            if batches[-1] and held + size > self._timing.batch_bytes:
                batches.append([])
                held = 0
            batches[-1].append(uid)
            held += size
        return batches

    async def _fetch_and_read(
        self, session: ImapSession, uids: Sequence[int]
    ) -> tuple[list[tuple[int, bytes]], list[list[PreparedEmail]]]:
        fetched = await session.fetch(uids)
        return fetched, await self._prepare(fetched)

    async def _commit_and_mark(
        self,
        session: ImapSession,
        uids: Sequence[int],
        fetched: Sequence[tuple[int, bytes]],
        prepared: Sequence[list[PreparedEmail]],
        last: int,
    ) -> int:
        """Commit one batch, then mark it processed and record the new last UID."""
        futures = [
            [asyncio.wrap_future(self._committer.submit(email)) for email in emails]
            for emails in prepared
        ]
        outcomes = await asyncio.gather(
            *(asyncio.gather(*message) for message in futures), return_exceptions=True
        )
        failed = [o for o in outcomes if isinstance(o, BaseException)]
        committed = {
            uid
            for (uid, _), outcome in zip(fetched, outcomes, strict=True)
            if not isinstance(outcome, BaseException)
        }
        # Up to the first failure every UID is done (one expunged meanwhile too); past it
        # the position stays, so the failed message is read again.
        present = {uid for uid, _ in fetched}
        new_last = last
        for uid in uids:
            if uid in present and uid not in committed:
                break
            new_last = uid
        await session.mark_processed(sorted(committed))
        self.taken += len(committed)
        await self._record(MailboxPosition(session.uidvalidity, new_last))
        if failed:
            raise IntakeFailed(f"{len(failed)} of {len(fetched)} messages: {failed[0]!r}")
        return new_last

    async def _prepare(self, fetched: Sequence[tuple[int, bytes]]) -> list[list[PreparedEmail]]:
        """Each message's deliveries, read off the event loop: the small ones together on one
        thread (one hop per batch), a big one by the reading pool (in its child process)."""
        small = [raw for _, raw in fetched if len(raw) <= BIG_MESSAGE_BYTES]
        read = iter(await asyncio.to_thread(self._read_all, small))
        prepared = []
        for _, raw in fetched:
            if len(raw) <= BIG_MESSAGE_BYTES:
                prepared.append(next(read))
                continue
            envelopes = await asyncio.to_thread(mailbox_envelopes, raw, self._config)
            deliveries = [(envelope, None) for envelope in envelopes]
            prepared.append(await self._readers.prepare(raw, deliveries))
        return prepared

    def _read_all(self, messages: Sequence[bytes]) -> list[list[PreparedEmail]]:
        return [
            prepare_deliveries(
                raw,
                [(envelope, None) for envelope in mailbox_envelopes(raw, self._config)],
                self._config,
            )
            for raw in messages
        ]

    async def _record(self, position: MailboxPosition) -> None:
        if not await asyncio.to_thread(self._record_position, position):
            raise LeaseLost

    # Short transactions that can simply be run again: `promptly` gets SQLite's write lock
    # between the intake committer's back-to-back commits.

    def _take_lease(self) -> MailboxPosition | None:
        return self._database.promptly(
            lambda session: take_mailbox_lease(
                session,
                self.mailbox.name,
                self.holder,
                now=self._clock(),
                seconds=self._timing.lease_seconds,
            )
        )

    def _renew_lease(self) -> bool:
        return self._database.promptly(
            lambda session: renew_mailbox_lease(
                session,
                self.mailbox.name,
                self.holder,
                now=self._clock(),
                seconds=self._timing.lease_seconds,
            )
        )

    def _record_position(self, position: MailboxPosition) -> bool:
        return self._database.promptly(
            lambda session: record_mailbox_position(
                session,
                self.mailbox.name,
                self.holder,
                position,
                now=self._clock(),
                seconds=self._timing.lease_seconds,
            )
        )


class ImapIntake:
    """A reader per configured mailbox, with a committer of its own unless one is given."""

    def __init__(
        self,
        mailboxes: Sequence[ImapMailbox],
        database: Database,
        config: IntakeConfig,
        *,
        committer: Committer | None = None,
        timing: ReaderTiming = ReaderTiming(),
        clock: Callable[[], datetime] = utc_now,
        holder: str | None = None,
    ) -> None:
        self._own_committer = (
            IntakeCommitter(database, config, clock=clock) if committer is None else None
        )
        self._readers = ReadingPool(config)
        holder = holder or holder_id()
        shared: Committer = committer or self._own_committer  # type: ignore[assignment]
        self.readers = [
            MailboxReader(
                mailbox,
                database,
                shared,
                self._readers,
                config,
                holder=holder,
                timing=timing,
                clock=clock,
            )
            for mailbox in mailboxes
        ]
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start reading (in the running event loop)."""
        if self._own_committer is not None:
            self._own_committer.start()
        self.tasks = [asyncio.ensure_future(reader.run()) for reader in self.readers]

    def stop(self) -> None:
        """Stop reading, give the leases up, and finish what is being committed."""
        for task in self.tasks:
            task.cancel()
        for reader in self.readers:
            with contextlib.suppress(Exception):  # it runs out by itself anyway
                reader.release()
        self._readers.close()
        if self._own_committer is not None:
            self._own_committer.stop()


def _describe(error: Exception) -> str:
    """A log line's worth about a failure (never a message's contents or a password)."""
    text = " ".join(str(error).split())[:300]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
