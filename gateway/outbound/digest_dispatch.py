"""Digest dispatch: the outbound step that sends the digests that have fallen due.

Owns carrying out gateway.core.digests for each due (user, frequency, slot): claim the slot,
collect what still deserves an email, compose one digest email into the outbox and mark its
items digested. A digest with nothing left is claimed but not sent (no empty digests).

Digests are built DIGEST_BATCH at a time, each batch in one transaction (its claims, items,
outbox rows and marks commit together, or none of them do: a crash never loses an item or
sends one twice), reading what it needs in a few queries for the whole batch. One user's
address that cannot be written skips that user's items only, never the rest of the batch.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.core.digests import (
    ClaimedDigest,
    DueDigest,
    claim_digests,
    collect_all_digest_items,
    group_items,
    list_due_digests,
    mark_all_digested,
)
from gateway.core.notifications import Reason
from gateway.core.reply_addresses import ReplyKeys
from gateway.outbound.digest_mail import compose_digest
from gateway.outbound.email_bytes import BodyEncoder
from gateway.outbound.outbox import OutboxEntry, queue_emails
from gateway.settings import Settings
from gateway.store.database import Database, update_loaded
from gateway.store.models import Notification, NotificationState, User

logger = logging.getLogger(__name__)

DIGEST_KIND = "digest"
DEFAULT_DIGEST_LIMIT = 500
# Digests built per transaction: long enough to share its queries, short enough not to
# hold SQLite's write lock (which the SMTP intake also needs) for long.
DIGEST_BATCH = 100


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
    encoder = BodyEncoder()
    return sum(
        _send_batch(database, settings, keys, due[start : start + DIGEST_BATCH], now, encoder)
        for start in range(0, len(due), DIGEST_BATCH)
    )


def _send_batch(
    database: Database,
    settings: Settings,
    keys: ReplyKeys,
    due: Sequence[DueDigest],
    now: datetime,
    encoder: BodyEncoder,
) -> int:
    with database.transaction() as session:
        digests = claim_digests(session, due, now=now)  # those another worker has are left out
        items = collect_all_digest_items(session, digests, now=now)
        marks: list[tuple[ClaimedDigest, Sequence[Notification], int | None]] = []
        composed: list[tuple[ClaimedDigest, OutboxEntry]] = []
        for digest in digests:
            waiting = items[digest.id]
            if not waiting:
                marks.append((digest, waiting, None))  # nothing left: done, no email
                continue
            user = waiting[0].user  # the items are the digest user's
            entry = _entry_for(session, digest, user, waiting, settings, keys, now, encoder)
            if entry is not None:
                composed.append((digest, entry))
        outbox_ids = queue_emails(session, [entry for _, entry in composed], settings, now=now)
        for (digest, _), outbox_id in zip(composed, outbox_ids, strict=True):
            marks.append((digest, items[digest.id], outbox_id))
            logger.info(
                "digest %s for user %s: %d items", digest.id, digest.user_id, len(items[digest.id])
            )
        mark_all_digested(session, marks)
        return len(composed)


def _entry_for(
    session: Session,
    digest: ClaimedDigest,
    user: User,
    items: Sequence[Notification],
    settings: Settings,
    keys: ReplyKeys,
    now: datetime,
    encoder: BodyEncoder,
) -> OutboxEntry | None:
    """The digest's email, or None when the user's address cannot be written (its items
    are skipped then)."""
    try:
        composed = compose_digest(
            user,
            group_items(items),
            digest.frequency,
            settings=settings,
            keys=keys,
            now=now,
            encoder=encoder,
        )
    except ValueError:
        logger.warning("digest for user %s not sent: address cannot be written", user.id)
        skipped = {"state": NotificationState.SKIPPED, "reason": Reason.UNADDRESSABLE}
        update_loaded(session, [(item, skipped) for item in items])
        return None
    return OutboxEntry(DIGEST_KIND, composed, user_id=user.id)
