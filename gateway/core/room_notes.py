"""System notes: the lines a room shows about itself ("Alice removed Bob").

Owns the wording of membership notes (joined, left, removed, ownership handed over) and how
a note is stored: a message of origin `system` with no author. Nobody is notified of a note
and it is never emailed (no Notification row is made), so it can never reach an inbox as if
a person wrote it; open room pages pick it up like any new message (ids only grow). Must not
import any adapter library.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from sqlalchemy.orm import Session

from gateway.store.models import Message, Origin, User


def post_system_note(session: Session, room_id: int, text: str, *, now: datetime) -> Message:
    """Store `text` (plain, one line) as a system note in the room; flushed."""
    note = Message(
        room_id=room_id,
        author_id=None,
        origin=Origin.SYSTEM,
        body_source=text,
        body_html=f"<p>{escape(text)}</p>",
        created_at=now,
    )
    session.add(note)
    session.flush()
    return note


def note_joined(session: Session, room_id: int, user: User, by: User | None, now: datetime) -> None:
    """`by` added `user` (None: they came in by the platform's hand, or on their own)."""
    if by is None or by.id == user.id:
        text = f"{user.display_name} joined the room"
    else:
        text = f"{by.display_name} added {user.display_name}"
    post_system_note(session, room_id, text, now=now)


def note_left(session: Session, room_id: int, user: User, now: datetime) -> None:
    post_system_note(session, room_id, f"{user.display_name} left the room", now=now)


def note_removed(
    session: Session, room_id: int, user: User, by: User | None, now: datetime
) -> None:
    """`by` removed `user` (None: the platform did)."""
    if by is None:
        text = f"{user.display_name} was removed from the room"
    else:
        text = f"{by.display_name} removed {user.display_name}"
    post_system_note(session, room_id, text, now=now)


def note_owner_changed(
    session: Session, room_id: int, old_owner: User, new_owner: User, now: datetime
) -> None:
    text = f"{old_owner.display_name} made {new_owner.display_name} the owner of the room"
    post_system_note(session, room_id, text, now=now)
