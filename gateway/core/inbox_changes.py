"""Whether a user's room list changed: a short fingerprint of what the Messages lists show.

Owns `room_list_fingerprint`, which an open Messages page compares with the one its list was
rendered with (gateway/static/unread.js polls it every few seconds), so it re-fetches the
list only when something it shows moved: a new or deleted last message, an edit of it, a
read mark, a favorite/hidden/archived flag, a title, a room joined or left. It reads one row
per active membership of the account (the last message found through the (room_id, id)
index), never counts messages or renders previews: it is cheaper than the list itself.

Must not import Flask or any other adapter library.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from gateway.core.inbox import last_live_message_id
from gateway.store.models import Membership, Message, Room

FINGERPRINT_CHARS = 16


def room_list_fingerprint(session: Session, user_id: int, account_id: int | None) -> str:
    """A fingerprint of the user's rooms in one account's inbox; it differs whenever a room
    list of that inbox (Recent, by category) would show something else."""
    mine = (
        select(
            Membership.room_id,
            Membership.last_read_message_id,
            Membership.favorite,
            Membership.hidden,
            Membership.archived,
            Room.title,
            last_live_message_id().label("last_message_id"),
        )
        .join(Room, Room.id == Membership.room_id)
        .where(
            Membership.user_id == user_id,
            Membership.left_at.is_(None),
            Membership.account_id == account_id,
        )
        .subquery()
    )
    last = aliased(Message)
    rows = session.execute(
        select(mine, last.edited_at)
        .outerjoin(last, last.id == mine.c.last_message_id)
        .order_by(mine.c.room_id)
    ).all()
    digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode())
    return digest.hexdigest()[:FINGERPRINT_CHARS]
