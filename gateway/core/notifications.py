"""Notifications: what each member is owed when a message is posted.

Owns who must hear about a message. For now every active member but the author is owed an
email at once; preferences, presence and digests will decide here later. Outbound turns
pending notifications into emails. Must not import any adapter library.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gateway.store.models import Notification, NotificationState

# Built once: this runs for every batch of messages posted, email intake included.
_INSERT_NOTIFICATIONS = insert(Notification)


def queue_notifications(
    session: Session,
    messages: Sequence[tuple[int, int, int | None]],
    members: Mapping[int, Sequence[int]],
    *,
    now: datetime,
) -> int:
    """For each (message id, room id, author id), a pending notification per active member
    of the room (`members`: room id -> active user ids) but the author; how many in all."""
    rows = [
        {
            "user_id": user_id,
            "room_id": room_id,
            "message_id": message_id,
            "state": NotificationState.PENDING,
            "created_at": now,
            "due_at": now,
        }
        for message_id, room_id, author_id in messages
        for user_id in members.get(room_id, ())
        if user_id != author_id
    ]
    if rows:
        session.connection().execute(_INSERT_NOTIFICATIONS, rows)
    return len(rows)


def list_due_notifications(session: Session, *, now: datetime, limit: int) -> list[Notification]:
    """Pending notifications whose time has come, oldest first."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.state == NotificationState.PENDING, Notification.due_at <= now)
            .order_by(Notification.id)
            .limit(limit)
        )
    )
