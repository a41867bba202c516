"""The outbound worker: what the scheduler and the `gateway worker` command run.

Owns the order of outbound work. Queueing: in one transaction, dispatch the notifications
whose grace window passed and compose the out-of-office auto-replies owed, and commit; then
queue the digests whose slot came (a transaction per batch). Delivery: send due outbox emails
(short transactions, never one across network I/O). `OutboundWorker` queues in the calling
process and delivers from a process of its own (gateway.outbound.delivery_process), so the two
overlap; `run_outbound_once` does one of each in turn, in this process. No scheduling here:
gateway.process wires this into APScheduler.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or APScheduler.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from gateway.core.reply_addresses import ReplyKeys
from gateway.outbound.auto_replies import queue_auto_replies
from gateway.outbound.delivery import DeliveryReport, deliver_due
from gateway.outbound.delivery_process import DEFAULT_INTERVAL_SECONDS, DeliveryProcess
from gateway.outbound.digest_dispatch import send_due_digests
from gateway.outbound.dispatch import dispatch_notifications
from gateway.settings import Settings
from gateway.store.database import Database


def queue_due(database: Database, settings: Settings, keys: ReplyKeys, *, now: datetime) -> int:
    """Queue the emails that are due (notifications whose grace window passed, auto-replies
    owed, then digests whose slot came); the number of emails queued."""
    with database.transaction() as session:
        queued = dispatch_notifications(session, settings, keys, now=now)
        queued += queue_auto_replies(session, settings, keys, now=now)
    return queued + send_due_digests(database, settings, keys, now=now)


def run_outbound_once(
    database: Database, settings: Settings, keys: ReplyKeys, *, now: datetime
) -> tuple[int, DeliveryReport]:
    """Queue what is due, then deliver what can go, in this process; (emails queued,
    delivery report)."""
    queued = queue_due(database, settings, keys, now=now)
    return queued, deliver_due(database, settings, now=now)


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
            settings, interval=delivery_interval, configure_logging=configure_logging
        )

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
            queued = queue_due(self._database, self._settings, self._keys, now=now())
            if not queued:
                break
            total += queued
            self.delivery.nudge()
        return total
