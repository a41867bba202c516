"""Room messages: posting (from any origin), listing, and the files that come with them.

Owns what a message is when stored: author must be an active member, Markdown source is
rendered and sanitized once at post time, every other member is owed a notification.
Must not import any adapter library.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from gateway.core.errors import InvalidInput
from gateway.core.notifications import queue_notifications
from gateway.core.rendering import render_markdown
from gateway.core.rooms import get_active_membership
from gateway.store.models import Attachment, Message, Origin, Room, User

MAX_BODY_LENGTH = 100_000


@dataclass(frozen=True, slots=True)
class NewFile:
    """A file to attach to a message being posted."""

    filename: str
    content_type: str
    data: bytes


def post_message(
    session: Session,
    room: Room,
    author: User,
    source: str,
    *,
    origin: Origin,
    now: datetime,
    quoted_text: str | None = None,
    parent: Message | None = None,
    files: Sequence[NewFile] = (),
) -> Message:
    """Store a message by a member and owe every other member a notification."""
    get_active_membership(session, room.id, author.id)
    source = source.strip()
    if not source and not files:
        raise InvalidInput("a message needs some text or a file")
    if len(source) > MAX_BODY_LENGTH:
        raise InvalidInput(f"a message is at most {MAX_BODY_LENGTH} characters")
    if parent is not None and parent.room_id != room.id:
        raise InvalidInput("a reply must be in the same room as the message it answers")
    message = Message(
        room=room,
        author=author,
        parent=parent,
        origin=origin,
        body_source=source,
        body_html=render_markdown(source),
        quoted_text=quoted_text or None,
        created_at=now,
    )
    session.add(message)
    message.attachments.extend(_attachment(room, author, file, now) for file in files)
    session.flush()
    queue_notifications(session, message, now=now)
    return message


def list_messages(session: Session, room: Room, *, limit: int | None = None) -> list[Message]:
    """The room's messages, oldest first; with `limit`, only the newest `limit` of them."""
    query = (
        select(Message)
        .where(Message.room_id == room.id, Message.deleted_at.is_(None))
        .options(selectinload(Message.author), selectinload(Message.attachments))
    )
    if limit is None:
        return list(session.scalars(query.order_by(Message.id)))
    newest = list(session.scalars(query.order_by(Message.id.desc()).limit(limit)))
    return newest[::-1]


def _attachment(room: Room, author: User, file: NewFile, now: datetime) -> Attachment:
    return Attachment(
        room_id=room.id,
        uploader_id=author.id,
        filename=file.filename,
        content_type=file.content_type,
        size=len(file.data),
        sha256=hashlib.sha256(file.data).hexdigest(),
        data=file.data,
        created_at=now,
    )
