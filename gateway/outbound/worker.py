"""The outbound worker step: what the scheduler and the `gateway worker` command run each tick.

Owns the order of one outbound pass: in one transaction, dispatch the notifications whose
grace window passed and compose the out-of-office auto-replies owed, and commit; then queue
the digests whose slot came (a transaction each); then deliver due outbox emails (short
transactions, never one across network I/O). No scheduling here: `gateway serve` wires this
into APScheduler elsewhere.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or APScheduler.
"""

from __future__ import annotations

from datetime import datetime

from gateway.core.reply_addresses import ReplyKeys
from gateway.outbound.auto_replies import queue_auto_replies
from gateway.outbound.delivery import DeliveryReport, deliver_due
from gateway.outbound.digest_dispatch import send_due_digests
from gateway.outbound.dispatch import dispatch_notifications
from gateway.settings import Settings
from gateway.store.database import Database


def run_outbound_once(
    database: Database, settings: Settings, keys: ReplyKeys, *, now: datetime
) -> tuple[int, DeliveryReport]:
    """Queue the emails that are due (notifications whose grace window passed, then digests
    whose slot came) and deliver what can go; (emails queued, delivery report)."""
    with database.transaction() as session:
        queued = dispatch_notifications(session, settings, keys, now=now)
        queued += queue_auto_replies(session, settings, keys, now=now)
    queued += send_due_digests(database, settings, keys, now=now)
    return queued, deliver_due(database, settings, now=now)
