"""Digest dispatch: the outbound step that sends the digests that have fallen due.

Owns carrying out gateway.core.digests for each due (user, frequency, slot): claim the slot,
collect what still deserves an email, compose one digest email into the outbox and mark its
items digested. A digest with nothing left is claimed but not sent (no empty digests). Each
digest is built in its own transaction, so one user's bad address never holds up the rest.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

import logging
from datetime import datetime

from gateway.core.digests import (
    DueDigest,
    claim_digest,
    collect_digest_items,
    group_items,
    list_due_digests,
    mark_digested,
)
from gateway.core.notifications import Reason
from gateway.core.reply_addresses import ReplyKeys
from gateway.outbound.digest_mail import compose_digest
from gateway.outbound.outbox import queue_email
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import NotificationState, User

logger = logging.getLogger(__name__)

DIGEST_KIND = "digest"
DEFAULT_DIGEST_LIMIT = 500


def send_due_digests(
    database: Database,
    settings: Settings,
    keys: ReplyKeys,
    *,
    now: datetime,
    limit: int = DEFAULT_DIGEST_LIMIT,
) -> int:
    """Queue every digest due by `now` (up to `limit`); the number of emails queued."""
    with database.read_session() as session:
        due = list_due_digests(session, now=now, limit=limit)
    return sum(_send_one(database, settings, keys, digest, now) for digest in due)


def _send_one(
    database: Database, settings: Settings, keys: ReplyKeys, due: DueDigest, now: datetime
) -> int:
    with database.transaction() as session:
        digest = claim_digest(session, due, now=now)
        if digest is None:
            return 0  # another worker has it
        items = collect_digest_items(session, digest, now=now)
        user = session.get(User, due.user_id)
        if not items or user is None:
            mark_digested(items, digest, None)
            return 0
        try:
            composed = compose_digest(
                user, group_items(items), due.frequency, settings=settings, keys=keys, now=now
            )
        except ValueError:
            logger.warning("digest for user %s not sent: address cannot be written", user.id)
            for item in items:
                item.state, item.reason = NotificationState.SKIPPED, Reason.UNADDRESSABLE
            return 0
        email = queue_email(session, DIGEST_KIND, composed, settings, now=now, user_id=user.id)
        mark_digested(items, digest, email.id)
        logger.info("digest %s for user %s: %d items", digest.id, user.id, len(items))
        return 1
