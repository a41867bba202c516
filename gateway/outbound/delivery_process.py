"""The delivery process: outbox delivery (gateway.outbound.delivery) in a process of its own.

Owns running delivery beside the composing worker rather than after it. Python threads share
one interpreter lock, so an SMTP conversation in a thread next to CPU-bound composing waits up
to the interpreter's switch interval (5 ms) for each relay reply: a client that sent 580
emails/s on its own sent 42/s beside one busy thread. In a process of its own, delivery keeps
the relay busy while digests and room emails are being composed, and a digest run for
thousands of users never holds back a sign-in link queued meanwhile.

Starting it returns once the new process is ready (a fresh interpreter takes a moment to
import the gateway). It delivers again at once while it finds a full run's worth due, is woken
when the worker has queued mail (`nudge`), and otherwise looks again every `interval` seconds
(retries fall due, other processes queue mail). It stops when asked, and by itself when the
process that started it is gone: the pipe it waits on closes with that process however it
ended, so a worker killed with SIGKILL leaves no orphan sending mail. Claims and leases in the
outbox (see gateway.outbound.delivery) keep several delivery processes from sending one
email twice.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or APScheduler.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection

from gateway.core.reply_addresses import ReplyKeys
from gateway.outbound.delivery import DEFAULT_DELIVERY_LIMIT, DeliveryReport, deliver_due
from gateway.settings import Settings
from gateway.store.database import Database

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 1.0
# A clean stop lets the run in progress finish and record its results (at most one run of
# DEFAULT_DELIVERY_LIMIT emails); past this the process is killed, and what it had sent but
# not recorded goes again (at least once, never lost).
STOP_TIMEOUT_SECONDS = 30.0
READY_TIMEOUT_SECONDS = 60.0
_NUDGE = b"n"
_READY = b"ready"


class DeliveryProcess:
    """A child process delivering the outbox until stopped (or until its parent is gone).

    Safe to use from several threads: the scheduler's queueing thread nudges while the
    event loop's thread may be stopping it."""

    def __init__(
        self,
        settings: Settings,
        keys: ReplyKeys,
        *,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        configure_logging: Callable[[], None] | None = None,
    ) -> None:
        self._settings = settings
        self._keys = keys
        self._interval = interval
        self._configure_logging = configure_logging
        self._lock = threading.Lock()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._wake: Connection | None = None

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process else None

    def start(self) -> DeliveryProcess:
        with self._lock:
            self._start()
        return self

    def ensure_running(self) -> None:
        """Start the process again if it died (killed by the system, say); not once stopped."""
        with self._lock:
            self._restart_if_dead()

    def nudge(self) -> None:
        """Mail was queued: deliver now rather than at the next interval."""
        with self._lock:
            self._restart_if_dead()
            if self._wake is not None:
                self._wake.send_bytes(_NUDGE)

    def stop(self) -> None:
        """Ask the process to finish its run and exit; kill it if it does not in time."""
        with self._lock:
            self._stop()

    def _start(self) -> None:
        # Spawned, not forked: the parent runs threads (web server, SMTP intake) whose locks
        # a fork would copy in whatever state they were in.
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_deliver_until_stopped,
            args=(self._settings, self._keys, theirs, self._interval, self._configure_logging),
            name="gateway-delivery",
            daemon=True,
        )
        process.start()
        theirs.close()  # the child's end; keeping it open here would hide the child's exit
        self._process, self._wake = process, ours
        # Starting takes a moment (a fresh interpreter imports the gateway): wait for it, so
        # mail queued from now on goes out at once.
        if not (ours.poll(READY_TIMEOUT_SECONDS) and ours.recv_bytes() == _READY):
            logger.warning("delivery process not ready after %s s", READY_TIMEOUT_SECONDS)

    def _restart_if_dead(self) -> None:
        if self._process is not None and not self._process.is_alive():
            logger.warning("delivery process exited (code %s); starting it again",
                           self._process.exitcode)  # fmt: skip
            self._stop()
            self._start()

    def _stop(self) -> None:
        if self._wake is not None:
            self._wake.close()  # the child sees end-of-file: finish, then exit
            self._wake = None
        if self._process is not None:
            self._process.join(STOP_TIMEOUT_SECONDS)
            if self._process.is_alive():
                logger.warning("delivery process did not stop in time; killing it")
                self._process.kill()  # it ignores SIGTERM (see _deliver_until_stopped)
                self._process.join()
            self._process = None


def _deliver_until_stopped(
    settings: Settings,
    keys: ReplyKeys,
    wake: Connection,
    interval: float,
    configure_logging: Callable[[], None] | None,
) -> None:
    """The child: deliver, then wait for a nudge, the interval, or the end of the pipe."""
    # Ctrl+C, or a service manager's SIGTERM, may reach the whole process group: the parent
    # decides when delivery stops, so a run is never cut off between a send and its record.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if configure_logging is not None:
        configure_logging()
    database = Database(settings.database_url)
    wake.send_bytes(_READY)
    try:
        while True:
            try:
                report = deliver_due(database, settings, now=datetime.now(UTC), keys=keys)
            except Exception:  # the database went away, say: log it and try again later
                logger.exception("delivery run failed; trying again in %s s", interval)
                report = DeliveryReport()
            if report.handled >= DEFAULT_DELIVERY_LIMIT:
                continue  # a full run: more is probably due
            if wake.poll(interval) and not _drain(wake):
                return  # the parent closed its end, or is gone
    finally:
        database.dispose()


def _drain(wake: Connection) -> bool:
    """Read every pending nudge; False once the other end is closed."""
    try:
        while wake.poll():
            wake.recv_bytes()
    except EOFError:
        return False
    return True
