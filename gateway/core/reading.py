"""Read state: how far each member has read in a room.

Owns `memberships.last_read_message_id`: opening a room moves it forward (never back, so an
older page opened in another tab does not make read messages unread again); "mark unread
from here" moves it back to just before a chosen message. Everything after it is unread.
A room the user is not an active member of does not exist for them (NotFound).
Must not import any adapter library.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.messages import require_room_message
from gateway.core.rooms import get_own_membership
from gateway.store.models import Message


def mark_read(session: Session, room_id: int, user_id: int, message_id: int) -> int | None:
    """Everything up to `message_id` is read; the member's last read message id after it."""
    membership = get_own_membership(session, room_id, user_id)
    require_room_message(session, room_id, message_id)
    if membership.last_read_message_id is None or message_id > membership.last_read_message_id:
        membership.last_read_message_id = message_id
        session.flush()
    return membership.last_read_message_id


def mark_unread(session: Session, room_id: int, user_id: int, message_id: int) -> int | None:
    """`message_id` and everything after it are unread again; the last read id after it.

    The mark lands on the newest visible (not deleted) message before `message_id`, or on
    nothing when there is none, so the room reads as unread from the chosen message.
    """
    membership = get_own_membership(session, room_id, user_id)
    require_room_message(session, room_id, message_id)
    membership.last_read_message_id = session.scalar(
        select(Message.id)
        .where(
            Message.room_id == room_id,
            Message.id < message_id,
            Message.deleted_at.is_(None),
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    session.flush()
    return membership.last_read_message_id
