"""Muting a room's email notifications, and resuming them, from the web inbox.

Owns the member's side of `Membership.email_muted`: muting from the room page, resuming
(from the room page or Settings), and listing the muted rooms for Settings. A muted member
still sees every message in the web inbox; only the emails stop (core.notifications skips
them). The one-click unsubscribe link of a room's emails (RFC 8058, core.unsubscribe) sets
the same flag, so a mute that came from an email is undone here too. Only the member's own,
active membership is changed: to anyone else the room does not exist (NotFound).

Must not import Flask or any other adapter library.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from gateway.core.room_titles import room_titles_for
from gateway.core.rooms import get_own_membership
from gateway.store.models import Membership, Room


@dataclass(frozen=True, slots=True)
class MutedRoom:
    """A room whose emails the member muted, as Settings lists it."""

    room_id: int
    title: str


def mute_room(session: Session, room_id: int, user_id: int) -> Membership:
    """Stop the member's emails from this room (idempotent); NotFound for a non-member."""
    return _set_muted(session, room_id, user_id, True)


def resume_room(session: Session, room_id: int, user_id: int) -> Membership:
    """Email the member about this room again (idempotent); NotFound for a non-member."""
    return _set_muted(session, room_id, user_id, False)


def _set_muted(session: Session, room_id: int, user_id: int, muted: bool) -> Membership:
    membership = get_own_membership(session, room_id, user_id)
    membership.email_muted = muted
    session.flush()
    return membership


def list_muted_rooms(session: Session, user_id: int) -> list[MutedRoom]:
    """The rooms (in every account of the user) whose emails the user muted, by title; rooms
    the user left are not listed: there is nothing to resume there."""
    rows = session.execute(
        select(Room.id, Room.kind, Room.title)
        .join(Membership, Membership.room_id == Room.id)
        .where(
            Membership.user_id == user_id,
            Membership.left_at.is_(None),
            Membership.email_muted == true(),
        )
    ).all()
    titles = room_titles_for(session, rows, user_id)  # a direct room: the other person
    muted = [MutedRoom(room_id, titles[room_id]) for room_id, _kind, _title in rows]
    return sorted(muted, key=lambda room: (room.title.casefold(), room.room_id))
