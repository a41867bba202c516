"""Notifications: what each member is owed when a message is posted.

Owns who must hear about a message. For now every active member but the author is owed an
email at once; preferences, presence and digests will decide here later. Outbound turns
pending notifications into emails. Must not import any adapter library.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store.models import Membership, Message, Notification, NotificationState


def queue_notifications(session: Session, message: Message, *, now: datetime) -> list[Notification]:
    """One pending notification per active member of the room other than the author."""
    recipient_ids = session.scalars(
        select(Membership.user_id).where(
            Membership.room_id == message.room_id,
            Membership.left_at.is_(None),
            Membership.user_id != message.author_id,
        )
    ).all()
    notifications = [
        Notification(
            user_id=user_id,
            room_id=message.room_id,
            message_id=message.id,
            state=NotificationState.PENDING,
            created_at=now,
            due_at=now,
        )
        for user_id in recipient_ids
    ]
    session.add_all(notifications)
    return notifications


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
