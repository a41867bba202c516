"""Presence: who shows as online, who chose to be invisible, who is out of office.

Owns the online rule: a user is online when they chose "Online" and one of their browsers
showed signs of life within ONLINE_WINDOW (open pages refresh their web session while their
live stream is open). Invisible users never show as online. Must not import any adapter
library.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.core.errors import InvalidInput
from gateway.store.models import Presence, User, WebSession

ONLINE_WINDOW = timedelta(minutes=2)


def online_user_ids(session: Session, user_ids: Collection[int], *, now: datetime) -> set[int]:
    """Which of `user_ids` show as online right now."""
    if not user_ids:
        return set()
    rows = session.scalars(
        select(WebSession.user_id)
        .join(User, User.id == WebSession.user_id)
        .where(
            WebSession.user_id.in_(list(user_ids)),
            WebSession.last_seen_at > now - ONLINE_WINDOW,
            User.presence == Presence.ONLINE,
        )
        .distinct()
    )
    return set(rows)


def away_until(user: User, *, now: datetime) -> datetime | None:
    """When the user's out-of-office period ends, if it covers `now`; else None."""
    if not user.ooo_enabled:
        return None
    if user.ooo_starts_at is not None and now < user.ooo_starts_at:
        return None
    if user.ooo_ends_at is not None and now >= user.ooo_ends_at:
        return None
    return user.ooo_ends_at or datetime.max.replace(tzinfo=now.tzinfo)


def set_presence(session: Session, user_id: int, presence: str) -> Presence:
    """Show the user as Online (when active) or Invisible."""
    try:
        chosen = Presence(presence)
    except ValueError:
        raise InvalidInput("status must be online or invisible") from None
    session.execute(update(User).where(User.id == user_id).values(presence=chosen))
    return chosen
