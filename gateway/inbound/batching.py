"""A worker thread that takes queued jobs in batches: one database round trip per batch.

Owns the queue, the batching and the futures. A received email costs the SMTP server far
less CPU than a database statement does through SQLAlchemy, so per-email work that touches
the database (recipient lookups at RCPT, the intake commit after DATA) is gathered here and
done for every job that queued up meanwhile at once. Must not import aiosmtpd.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Job = TypeVar("Job")
Result = TypeVar("Result")

MAX_BATCH = 64
_STOP = object()


class BatchThread(Generic[Job, Result]):
    """Runs `handle(jobs)` on one thread for whatever has queued; resolves each job's future.

    After the first job of a batch it waits `gather_seconds` for more to queue up, so jobs
    that arrive together are handled together.

    `handle` returns one result per job, in order; a result that is an exception fails that
    job's future only. If `handle` raises, every job of the batch fails with that error.
    """

    def __init__(
        self,
        name: str,
        handle: Callable[[Sequence[Job]], Sequence[Result | BaseException]],
        *,
        max_batch: int = MAX_BATCH,
        gather_seconds: float = 0.0,
    ) -> None:
        self._handle = handle
        self._max_batch = max_batch
        self._gather = gather_seconds
        self._queue: queue.SimpleQueue[tuple[Job, Future[Result]] | object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Finish what is queued, then end the thread."""
        self._queue.put(_STOP)
        self._thread.join()

    def submit(self, job: Job) -> Future[Result]:
        future: Future[Result] = Future()
        self._queue.put((job, future))
        return future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if self._gather and item is not _STOP:
                # One nap rather than a wake-up per arriving job: every wake-up of this
                # thread takes the GIL from the event loop that is receiving those jobs.
                time.sleep(self._gather)
            batch: list[tuple[Job, Future[Result]]] = []
            while item is not _STOP:
                batch.append(item)  # type: ignore[arg-type]
                if len(batch) >= self._max_batch:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            stopping = item is _STOP
            if batch:
                self._run_batch(batch)

    def _run_batch(self, batch: list[tuple[Job, Future[Result]]]) -> None:
        try:
            results = self._handle([job for job, _ in batch])
        except Exception as error:
            log.exception("a batch of %d jobs failed", len(batch))
            results = [error] * len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
