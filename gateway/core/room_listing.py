"""The operator's view of rooms: every room with its owner, head count and latest message,
and every membership a room has had.

Owns these read-only queries (one query per listing, never one per room); the membership
rules themselves are gateway.core.rooms. Must not import any adapter library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from gateway.store.models import Membership, Message, Role, Room, RoomKind, User


@dataclass(frozen=True, slots=True)
class RoomSummary:
    """One room as `gateway room list` shows it."""

    id: int
    kind: RoomKind
    title: str
    owner_email: str
    members: int  # active members
    last_message_at: datetime | None


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """One membership, current or ended, as `gateway room members` shows it."""

    email: str
    name: str
    role: Role
    state: str  # "active", "left" or "deactivated" (the user's door is closed)
    joined_at: datetime
    left_at: datetime | None


def list_room_summaries(session: Session) -> list[RoomSummary]:
    """Every room in id order, with its active member count and latest message time."""
    members = (
        select(func.count(Membership.id))
        .where(Membership.room_id == Room.id, Membership.left_at.is_(None))
        .scalar_subquery()
    )
    last_message = (
        select(func.max(Message.created_at)).where(Message.room_id == Room.id).scalar_subquery()
    )
    rows = session.execute(
        select(Room, User.email, members, last_message)
        .join(User, User.id == Room.owner_id)
        .order_by(Room.id)
    )
    return [
        RoomSummary(room.id, room.kind, room.title, owner, count, last)
        for room, owner, count, last in rows
    ]


def list_room_memberships(session: Session, room_id: int) -> list[MemberRecord]:
    """Everyone who is or was in the room, in the order they first joined."""
    memberships = session.scalars(
        select(Membership)
        .where(Membership.room_id == room_id)
        .options(joinedload(Membership.user))
        .order_by(Membership.id)
    )
    return [
        MemberRecord(
            email=m.user.email,
            name=m.user.display_name,
            role=m.role,
            state=_state(m),
            joined_at=m.joined_at,
            left_at=m.left_at,
        )
        for m in memberships
    ]


def _state(membership: Membership) -> str:
    if membership.left_at is not None:
        return "left"
    return "deactivated" if membership.user.deactivated_at is not None else "active"
