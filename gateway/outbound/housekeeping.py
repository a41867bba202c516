"""Housekeeping: the hourly clean-up the scheduler runs next to the outbound ticks.

Owns which expired rows go, each kind in its own short transaction: Account Alerts and
Updates past their expiry or their user's retention period, ended web sessions, old failed
sign-in attempts, used or expired sign-in links, and API responses kept for Idempotency-Key
past their day. Room history is never pruned.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or APScheduler.
"""

from __future__ import annotations

import logging
from datetime import datetime

from gateway.core.alerts import prune_alerts
from gateway.core.idempotency import prune_kept_responses
from gateway.core.room_views import prune_room_views
from gateway.core.signin import prune_sign_in_attempts, prune_sign_in_tokens
from gateway.core.web_sessions import prune_web_sessions
from gateway.store.database import Database

logger = logging.getLogger(__name__)


def run_housekeeping(database: Database, *, now: datetime) -> dict[str, int]:
    """Prune what has expired by `now`; how many rows of each kind went."""
    pruned: dict[str, int] = {}
    with database.transaction() as session:
        pruned["alerts"] = prune_alerts(session, now=now)
    with database.transaction() as session:
        pruned["web_sessions"] = prune_web_sessions(session, now=now)
        pruned["room_views"] = prune_room_views(session, now=now)
    with database.transaction() as session:
        pruned["sign_in_attempts"] = prune_sign_in_attempts(session, now)
        pruned["sign_in_tokens"] = prune_sign_in_tokens(session, now)
    with database.transaction() as session:
        pruned["idempotent_requests"] = prune_kept_responses(session, now=now)
    if any(pruned.values()):
        logger.info("housekeeping pruned %s", pruned)
    return pruned
