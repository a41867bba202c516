"""Where received messages are read: small ones on threads, big ones in a child process.

Owns the executors the SMTP listener reads messages on, so reading never runs on the event
loop. Reading is linear in a message's size, so an ordinary reply (small) is read on a
thread of its own and never queues behind big mail. A big message (over BIG_MESSAGE_BYTES)
is read in one child process at a lower CPU priority: however much big mail strangers send,
it takes at most one core, the operating system lets the listener and the committer go
first, and a crash while reading it (a C library meeting hostile bytes) costs that child,
not the listener. A message whose child died is kept as failed, like any message that
cannot be read; the next big message starts a new child.

Must not import aiosmtpd, Flask or sqlalchemy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from gateway.core.reply_addresses import ReplyTarget
from gateway.inbound.preparation import (
    Envelope,
    IntakeConfig,
    PreparedEmail,
    prepare_deliveries,
    prepare_unreadable,
)

log = logging.getLogger(__name__)

READ_THREADS = 2
BIG_MESSAGE_BYTES = 128 * 1024
# How much lower the big-mail reader runs than the listener (nice(2) increment).
BIG_READER_NICENESS = 10
# The child is replaced now and then, so whatever a hostile message left in its memory
# does not stay.
BIG_READS_PER_CHILD = 200

Deliveries = Sequence[tuple[Envelope, ReplyTarget | None]]


class ReadingPool:
    """Reads a received message for each of its deliveries, off the event loop."""

    def __init__(self, config: IntakeConfig) -> None:
        self._config = config
        self._threads = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="intake-read")
        self._child: ProcessPoolExecutor | None = None

    async def prepare(self, raw: bytes, deliveries: Deliveries) -> list[PreparedEmail]:
        loop = asyncio.get_running_loop()
        if len(raw) <= BIG_MESSAGE_BYTES:
            return await loop.run_in_executor(
                self._threads, prepare_deliveries, raw, deliveries, self._config
            )
        try:
            return await loop.run_in_executor(
                self._big_reader(), prepare_deliveries, raw, list(deliveries), self._config
            )
        except BrokenProcessPool:
            log.error("the process reading a %d-byte message died; kept as failed", len(raw))
            self._child = None
            return prepare_unreadable(raw, deliveries, self._config, "the process reading it died")

    def close(self) -> None:
        """Stop reading (after the server stopped taking mail)."""
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._child is not None:
            self._child.shutdown(wait=False, cancel_futures=True)

    def _big_reader(self) -> ProcessPoolExecutor:
        if self._child is None:
            # spawn, not fork: the listener has threads (and a loop) a fork would copy mid-way.
            self._child = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_lower_priority,
                max_tasks_per_child=BIG_READS_PER_CHILD,
            )
        return self._child


def _lower_priority() -> None:
    """In the child: let the listener and the committer have the CPU first."""
    with contextlib.suppress(OSError):  # not permitted here: read at the same priority
        os.nice(BIG_READER_NICENESS)
