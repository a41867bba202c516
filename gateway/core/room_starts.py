"""Starting conversations: a direct room between two people (reused, never duplicated, and
reopened if either left) or a group room, within a daily limit on rooms started.

Conversation starts are serialized per person (row locks on PostgreSQL; SQLite has one
writer), so two at once can neither both slip under the limit nor both create the same
direct room. Must not import any adapter library.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from gateway.core.blocks import is_blocked_between
from gateway.core.errors import InvalidInput, NotAllowed
from gateway.core.room_titles import title_name
from gateway.core.rooms import (
    MAX_TITLE_LENGTH,
    add_member,
    create_room,
    existing_user,
    find_membership,
    refuse_if_blocked,
)
from gateway.core.users import get_user
from gateway.store.models import AccountKind, Membership, Role, Room, RoomKind, User

DAILY_LIMIT_WINDOW = timedelta(hours=24)


class DailyLimitReached(NotAllowed):
    """The user started as many conversations as they may in 24 hours; `free_at` is when
    the next one may start (the message says it in UTC; a page shows it in the reader's zone)."""

    def __init__(self, daily_limit: int, free_at: datetime) -> None:
        super().__init__(
            f"You can start at most {daily_limit} new conversations a day. "
            f"Try again after {free_at.astimezone(UTC):%H:%M} UTC."
        )
        self.daily_limit = daily_limit
        self.free_at = free_at


def start_direct_conversation(
    session: Session,
    user_id: int,
    other_email: str,
    *,
    now: datetime,
    daily_limit: int,
    account_kind: AccountKind | None = None,
) -> Room:
    """The direct room between the two (reopened if either left), or a new one."""
    user = get_user(session, user_id)
    other = existing_user(session, other_email)
    room, _created = open_direct_room(
        session, user, other, now=now, daily_limit=daily_limit, account_kind=account_kind
    )
    return room


def open_direct_room(
    session: Session,
    user: User,
    other: User,
    *,
    now: datetime,
    daily_limit: int | None,
    account_kind: AccountKind | None = None,
) -> tuple[Room, bool]:
    """The direct room between `user` and `other` (reopened if either left), or a new one
    `user` owns, and whether it is new; `daily_limit` None: no limit (the host platform)."""
    if other.id == user.id:
        raise InvalidInput("You cannot start a conversation with yourself.")
    if is_blocked_between(session, user.id, other.id):
        raise NotAllowed(f"You cannot message {other.email}: one of you has blocked the other.")
    _lock_users(session, {user.id, other.id})
    room = find_direct_room(session, user.id, other.id)
    if room is not None:
        for person in (user, other):
            membership = find_membership(session, room.id, person.id)
            if membership is None or membership.left_at is not None:
                role = Role.OWNER if room.owner_id == person.id else Role.MEMBER
                add_member(session, room, person, now=now, role=role)
        return room, False
    if daily_limit is not None:
        check_daily_limit(session, user.id, now=now, daily_limit=daily_limit)
    # Stored for those in neither seat; each of the two sees the other's name
    # (gateway.core.room_titles).
    title = f"{title_name(user)} and {title_name(other)}"[:MAX_TITLE_LENGTH]
    room = create_room(
        session,
        title,
        owner=user,
        now=now,
        kind=RoomKind.DIRECT,
        members=[other],
        account_kind=account_kind,
    )
    return room, True


def start_group_room(
    session: Session,
    user_id: int,
    title: str,
    member_emails: Iterable[str],
    *,
    now: datetime,
    daily_limit: int,
    account_kind: AccountKind | None = None,
) -> Room:
    """A new group room owned by the user, with every named person as a member."""
    user = get_user(session, user_id)
    members: dict[int, User] = {}
    for email in member_emails:
        if email.strip():
            member = existing_user(session, email)
            if member.id != user.id:
                refuse_if_blocked(session, user.id, member)
                members[member.id] = member
    _lock_users(session, {user.id})
    check_daily_limit(session, user.id, now=now, daily_limit=daily_limit)
    return create_room(
        session, title, owner=user, now=now, members=members.values(), account_kind=account_kind
    )


def find_direct_room(session: Session, a: int, b: int) -> Room | None:
    """The direct room the two users have (or had) together, if any."""
    first, second = aliased(Membership), aliased(Membership)
    return session.scalar(
        select(Room)
        .join(first, (first.room_id == Room.id) & (first.user_id == a))
        .join(second, (second.room_id == Room.id) & (second.user_id == b))
        .where(Room.kind == RoomKind.DIRECT)
        .order_by(Room.id)
        .limit(1)
    )


def check_daily_limit(session: Session, user_id: int, *, now: datetime, daily_limit: int) -> None:
    """DailyLimitReached when the user started `daily_limit` rooms in the last 24 hours."""
    started = list(
        session.scalars(
            select(Room.created_at)
            .where(Room.owner_id == user_id, Room.created_at > now - DAILY_LIMIT_WINDOW)
            .order_by(Room.created_at)
        )
    )
    if len(started) < daily_limit:
        return
    # A slot frees up when the oldest room counted beyond the limit leaves the window.
    free_at = started[len(started) - daily_limit] + DAILY_LIMIT_WINDOW
    raise DailyLimitReached(daily_limit, free_at)


def _lock_users(session: Session, user_ids: set[int]) -> None:
    """Serialize conversation starts per person, so two at once can neither both slip under
    the daily limit nor both create the same direct room (PostgreSQL row locks, taken in id
    order; SQLite already has one writer at a time)."""
    session.execute(
        select(User.id).where(User.id.in_(sorted(user_ids))).order_by(User.id).with_for_update()
    )
