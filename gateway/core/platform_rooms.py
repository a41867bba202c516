"""The host platform's hand on rooms (the JSON API): opening rooms, placing and removing
members as the site itself.

No daily limit and no inviter's role to check; the room's shape still holds (one owner,
direct rooms of two). Must not import any adapter library.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from gateway.core.room_notes import note_joined, note_removed
from gateway.core.room_starts import open_direct_room
from gateway.core.rooms import add_member, create_room, find_membership, get_room
from gateway.core.users import get_user
from gateway.store.models import AccountKind, Membership, Role, Room, RoomKind, User


def create_platform_room(
    session: Session,
    title: str,
    *,
    kind: RoomKind,
    owner_id: int,
    members: Mapping[int, Role],
    account_id: int | None,
    now: datetime,
) -> tuple[Room, bool]:
    """A room the platform opens for `owner_id` with `members` (user id -> admin or member),
    and whether it is new: a direct room between two people who have one already is that
    room, reopened."""
    owner = get_user(session, owner_id)
    account_kind = _account_kind_of(owner, account_id)
    people = {user_id: get_user(session, user_id) for user_id in members}
    if owner_id in members:
        raise InvalidInput("The owner is in the room already; list only the other members.")
    if Role.OWNER in members.values():
        raise InvalidInput("A room has one owner; give members the admin or member role.")
    if kind == RoomKind.DIRECT:
        if len(people) != 1:
            raise InvalidInput("A direct room is between the owner and exactly one other member.")
        [other] = people.values()
        return open_direct_room(
            session, owner, other, now=now, daily_limit=None, account_kind=account_kind
        )
    # A deactivated owner (or member) is refused by add_member, as everywhere.
    room = create_room(session, title, owner=owner, now=now, kind=kind, account_kind=account_kind)
    for user_id, role in members.items():
        add_member(session, room, people[user_id], now=now, role=role)
    return room, True


def _account_kind_of(owner: User, account_id: int | None) -> AccountKind | None:
    if account_id is None:
        return None
    for account in owner.accounts:
        if account.id == account_id:
            return account.kind
    raise InvalidInput(f"Account {account_id} is not one of the owner's accounts.")


def place_member(
    session: Session, room_id: int, user_id: int, role: Role, *, now: datetime
) -> tuple[Membership, bool]:
    """Make `user_id` a member of the room with `role` (admin or member), adding them if need
    be; the membership, and whether they were added."""
    room = get_room(session, room_id)
    user = get_user(session, user_id)
    if role == Role.OWNER:
        raise InvalidInput("A room has one owner; choose admin or member.")
    current = find_membership(session, room_id, user_id)
    if current is not None and current.left_at is None:
        if current.role == Role.OWNER:
            raise Conflict("The owner's role cannot be changed.")
        if room.kind == RoomKind.DIRECT:
            raise NotAllowed("Direct conversations have no roles to change.")
        current.role = role
        session.flush()
        return current, False
    if room.kind == RoomKind.DIRECT:
        raise NotAllowed(
            "Direct conversations are between two people; open a group room to add more."
        )
    membership = add_member(session, room, user, now=now, role=role)
    note_joined(session, room.id, user, None, now)
    return membership, True


def remove_platform_member(session: Session, room_id: int, user_id: int, *, now: datetime) -> None:
    """End a member's membership; the owner cannot be removed from their own room."""
    membership = find_membership(session, room_id, user_id)
    if membership is None or membership.left_at is not None:
        raise NotFound(f"User {user_id} is not a member of room {room_id}.")
    if membership.role == Role.OWNER:
        raise Conflict("The owner cannot be removed from their own room.")
    membership.left_at = now
    session.flush()
    note_removed(session, room_id, membership.user, None, now)
