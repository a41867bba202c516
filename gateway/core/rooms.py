"""Rooms and memberships: creating rooms, joining, leaving, who is in a room.

Owns the membership rules (one row per room and user; leaving keeps history and kills the
member's reply address). Must not import any adapter library.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.errors import InvalidInput, NotAllowed, NotFound
from gateway.core.reply_addresses import new_reply_nonce
from gateway.core.users import get_account
from gateway.store.models import AccountKind, Membership, Role, Room, RoomKind, User

MAX_TITLE_LENGTH = 200


def create_room(
    session: Session,
    title: str,
    *,
    owner: User,
    now: datetime,
    kind: RoomKind = RoomKind.GROUP,
    members: Iterable[User] = (),
    account_kind: AccountKind | None = None,
) -> Room:
    """A room in the owner's account, with the owner and `members` in it."""
    title = " ".join(title.split())
    if not title:
        raise InvalidInput("a room needs a title")
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(f"a room title is at most {MAX_TITLE_LENGTH} characters")
    room = Room(
        title=title,
        kind=kind,
        owner=owner,
        account=get_account(session, owner, account_kind),
        thread_token=secrets.token_hex(16),
        created_at=now,
    )
    session.add(room)
    session.flush()
    add_member(session, room, owner, role=Role.OWNER, now=now)
    for member in members:
        if member.id != owner.id:
            add_member(session, room, member, role=Role.MEMBER, now=now)
    return room


def add_member(
    session: Session, room: Room, user: User, *, now: datetime, role: Role = Role.MEMBER
) -> Membership:
    """Put `user` in `room` (again); a returning member gets a fresh reply address."""
    membership = find_membership(session, room.id, user.id)
    if membership is None:
        membership = Membership(
            room=room,
            user=user,
            account_id=_inbox_account_id(session, room, user),
            role=role,
            joined_at=now,
            reply_nonce=new_reply_nonce(),
        )
        session.add(membership)
    elif membership.left_at is not None:
        membership.left_at = None
        membership.joined_at = now
        membership.role = role
        membership.reply_nonce = new_reply_nonce()
    else:
        membership.role = role
    session.flush()
    return membership


def _inbox_account_id(session: Session, room: Room, user: User) -> int:
    """The owner sees the room in the account it was created in; others in their first."""
    if room.account.user_id == user.id:
        return room.account_id
    return get_account(session, user).id


def remove_member(session: Session, room: Room, user: User, *, now: datetime) -> Membership:
    """End `user`'s membership; their reply address stops working at once."""
    membership = get_active_membership(session, room.id, user.id)
    membership.left_at = now
    session.flush()
    return membership


def get_room(session: Session, room_id: int) -> Room:
    room = session.get(Room, room_id)
    if room is None:
        raise NotFound(f"no room {room_id}")
    return room


def find_membership(session: Session, room_id: int, user_id: int) -> Membership | None:
    return session.scalar(
        select(Membership).where(Membership.room_id == room_id, Membership.user_id == user_id)
    )


def get_active_membership(session: Session, room_id: int, user_id: int) -> Membership:
    membership = find_membership(session, room_id, user_id)
    if membership is None or membership.left_at is not None:
        raise NotAllowed("not a member of this room")
    return membership


def list_active_members(session: Session, room_id: int) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.room_id == room_id, Membership.left_at.is_(None))
            .order_by(Membership.id)
        )
    )


def mute_room_email(session: Session, membership_id: int) -> Membership:
    """Stop this member's emails from this room (the one-click unsubscribe); idempotent."""
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise NotFound("this unsubscribe link is no longer valid")
    membership.email_muted = True
    session.flush()
    return membership
