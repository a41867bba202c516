"""The outbound worker: what the scheduler and the `gateway worker` command run.

Owns the order of outbound work. Queueing: in one transaction, dispatch the notifications
whose grace window passed and compose the out-of-office auto-replies owed, and commit; then
queue the digests whose slot came (a transaction per batch). Delivery: send due outbox emails
(short transactions, never one across network I/O). `OutboundWorker` queues in the calling
process and delivers from a process of its own (gateway.outbound.delivery_process), so the two
overlap, and looks for due digests once a minute rather than on every pass (see
DIGEST_SCAN_INTERVAL); `run_outbound_once` does one of each in turn, in this process. No
scheduling here: gateway.process wires this into APScheduler.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or APScheduler.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from gateway.core.reply_addresses import ReplyKeys
from gateway.outbound.auto_replies import queue_auto_replies
from gateway.outbound.delivery import DeliveryReport, deliver_due
from gateway.outbound.delivery_process import DEFAULT_INTERVAL_SECONDS, DeliveryProcess
from gateway.outbound.digest_dispatch import send_due_digests
from gateway.outbound.dispatch import dispatch_notifications
from gateway.outbound.ticket_mail import run_ticket_jobs
from gateway.settings import Settings
from gateway.store.database import Database

# Digest slots fall on quarter hours and items wait for them a day or a week, while the scan
# for due digests reads every waiting user's settings (about 280 ms for 10,000 waiting users
# on SQLite): a worker scans once a minute, and again at once while the scan finds digests.
DIGEST_SCAN_INTERVAL = timedelta(minutes=1)


def queue_due(database: Database, settings: Settings, keys: ReplyKeys, *, now: datetime) -> int:
    """Queue the emails that are due (notifications whose grace window passed, auto-replies
    owed, then digests whose slot came); the number of emails queued."""
    return queue_messages_due(database, settings, keys, now=now) + send_due_digests(
        database, settings, keys, now=now
    )


def queue_messages_due(
    database: Database, settings: Settings, keys: ReplyKeys, *, now: datetime
) -> int:
    """Queue the notification emails whose grace window passed and the auto-replies owed, in
    one transaction; the number of emails queued."""
    with database.transaction() as session:
        queued = dispatch_notifications(session, settings, keys, now=now)
        return queued + queue_auto_replies(session, settings, keys, now=now)


def run_outbound_once(
    database: Database, settings: Settings, keys: ReplyKeys, *, now: datetime
) -> tuple[int, DeliveryReport]:
    """Queue what is due, then deliver what can go, in this process; (emails queued,
    delivery report)."""
    queued = queue_due(database, settings, keys, now=now)
    if settings.support.addresses:
        queued += run_ticket_jobs(database, settings, keys, now=now)
    return queued, deliver_due(database, settings, now=now, keys=keys)


class OutboundWorker:
    """Queueing in this process, delivery in a process of its own, woken as mail is queued."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        keys: ReplyKeys,
        *,
        delivery_interval: float = DEFAULT_INTERVAL_SECONDS,
        configure_logging: Callable[[], None] | None = None,
    ) -> None:
        self._database = database
        self._settings = settings
        self._keys = keys
        self.delivery = DeliveryProcess(
            settings, keys, interval=delivery_interval, configure_logging=configure_logging
        )
        self._next_digest_scan: datetime | None = None  # None: at the next pass

    def start(self) -> OutboundWorker:
        self.delivery.start()
        return self

    def stop(self) -> None:
        self.delivery.stop()

    def queue_until_done(self, now: Callable[[], datetime], *, more: Callable[[], bool]) -> int:
        """Queue passes until one finds nothing due (or `more` says stop), waking delivery
        after each pass that queued mail; the number of emails queued."""
        self.delivery.ensure_running()
        total = 0
        while more():
            queued = self._queue_pass(now())
            if not queued:
                break
            total += queued
            self.delivery.nudge()
        return total

    def _queue_pass(self, now: datetime) -> int:
        queued = queue_messages_due(self._database, self._settings, self._keys, now=now)
        if self._next_digest_scan is None or now >= self._next_digest_scan:
            digests = send_due_digests(self._database, self._settings, self._keys, now=now)
            self._next_digest_scan = None if digests else now + DIGEST_SCAN_INTERVAL
            queued += digests
        return queued
