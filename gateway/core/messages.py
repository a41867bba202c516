"""Room messages: posting (from any origin), listing, and the files that come with them.

Owns what a message is when stored: the author must be an active member, a reply stays in
its room, the Markdown source is rendered and sanitized once at post time, and every other
member is owed a notification.

Posting is batch-native because the SMTP intake posts many emailed replies per transaction:
`post_messages` checks, stores and queues notifications for any number of drafts with a fixed
number of statements (built once at import), so a busy intake pays per batch, not per email.
`post_message` is the one-draft case. Must not import any adapter library.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session, selectinload

from gateway.core.errors import DomainError, InvalidInput, NotAllowed
from gateway.core.notifications import queue_notifications
from gateway.core.rendering import render_markdown
from gateway.store.models import Attachment, Membership, Message, Origin, Room

MAX_BODY_LENGTH = 100_000

_ACTIVE_MEMBERS = (
    select(Membership.room_id, Membership.user_id)
    .where(
        Membership.room_id.in_(bindparam("room_ids", expanding=True)),
        Membership.left_at.is_(None),
    )
    .order_by(Membership.id)
)
_ROOMS_OF_MESSAGES = select(Message.id, Message.room_id).where(
    Message.id.in_(bindparam("message_ids", expanding=True))
)
_INSERT_MESSAGES = insert(Message).returning(Message.id, sort_by_parameter_order=True)
_INSERT_ATTACHMENTS = insert(Attachment)


@dataclass(frozen=True, slots=True)
class NewFile:
    """A file to attach to a message being posted."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Draft:
    """A message about to be posted."""

    room_id: int
    author_id: int
    source: str
    origin: Origin
    quoted_text: str | None = None
    parent_id: int | None = None
    files: Sequence[NewFile] = field(default=())


@dataclass(frozen=True, slots=True)
class PostedMessage:
    id: int
    room_id: int
    author_id: int
    body_source: str
    body_html: str
    created_at: datetime


def post_message(
    session: Session,
    room_id: int,
    author_id: int,
    source: str,
    *,
    origin: Origin,
    now: datetime,
    quoted_text: str | None = None,
    parent_id: int | None = None,
    files: Sequence[NewFile] = (),
) -> PostedMessage:
    """Store a message by a member and owe every other member a notification."""
    draft = Draft(room_id, author_id, source, origin, quoted_text, parent_id, files)
    [result] = post_messages(session, [draft], now=now)
    if isinstance(result, DomainError):
        raise result
    return result


def post_messages(
    session: Session, drafts: Sequence[Draft], *, now: datetime
) -> list[PostedMessage | DomainError]:
    """Post every acceptable draft; each draft gets its message, or the reason it was refused."""
    members = _active_members(session, {draft.room_id for draft in drafts})
    parent_rooms = _rooms_of(session, {d.parent_id for d in drafts if d.parent_id is not None})
    results: dict[int, PostedMessage | DomainError] = {}
    accepted: list[tuple[int, Draft, str]] = []
    for index, draft in enumerate(drafts):
        source = draft.source.strip()
        refusal = _refusal(draft, source, members, parent_rooms)
        if refusal is None:
            accepted.append((index, draft, source))
        else:
            results[index] = refusal
    if accepted:
        rendered = [render_markdown(source) for _, _, source in accepted]
        ids = _insert_messages(session, accepted, rendered, now)
        posted = list(zip(ids, accepted, rendered, strict=True))
        _insert_attachments(session, [(mid, draft) for mid, (_, draft, _), _ in posted], now)
        queue_notifications(
            session,
            [(mid, draft.room_id, draft.author_id) for mid, (_, draft, _), _ in posted],
            members,
            now=now,
        )
        for message_id, (index, draft, source), html in posted:
            results[index] = PostedMessage(
                message_id, draft.room_id, draft.author_id, source, html, now
            )
    return [results[index] for index in range(len(drafts))]


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


def _refusal(
    draft: Draft, source: str, members: dict[int, list[int]], parent_rooms: dict[int, int]
) -> DomainError | None:
    if not source and not draft.files:
        return InvalidInput("a message needs some text or a file")
    if len(source) > MAX_BODY_LENGTH:
        return InvalidInput(f"a message is at most {MAX_BODY_LENGTH} characters")
    if draft.author_id not in members.get(draft.room_id, ()):
        return NotAllowed("only members of a room can post in it")
    if draft.parent_id is not None and parent_rooms.get(draft.parent_id) != draft.room_id:
        return InvalidInput("a reply must be in the same room as the message it answers")
    return None


def _active_members(session: Session, room_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each room's active members, in the order they joined."""
    members: dict[int, list[int]] = {}
    for row in session.connection().execute(_ACTIVE_MEMBERS, {"room_ids": list(room_ids)}):
        members.setdefault(row.room_id, []).append(row.user_id)
    return members


def _rooms_of(session: Session, message_ids: set[int]) -> dict[int, int]:
    if not message_ids:
        return {}
    rows = session.connection().execute(_ROOMS_OF_MESSAGES, {"message_ids": list(message_ids)})
    return {row.id: row.room_id for row in rows}


def _insert_messages(
    session: Session, accepted: list[tuple[int, Draft, str]], rendered: list[str], now: datetime
) -> list[int]:
    rows = [
        {
            "room_id": draft.room_id,
            "author_id": draft.author_id,
            "parent_id": draft.parent_id,
            "origin": draft.origin,
            "body_source": source,
            "body_html": html,
            "quoted_text": draft.quoted_text or None,
            "created_at": now,
        }
        for (_, draft, source), html in zip(accepted, rendered, strict=True)
    ]
    return list(session.connection().execute(_INSERT_MESSAGES, rows).scalars())


def _insert_attachments(session: Session, posted: list[tuple[int, Draft]], now: datetime) -> None:
    rows = [
        {
            "room_id": draft.room_id,
            "message_id": message_id,
            "uploader_id": draft.author_id,
            "filename": file.filename,
            "content_type": file.content_type,
            "size": len(file.data),
            "sha256": hashlib.sha256(file.data).hexdigest(),
            "data": file.data,
            "created_at": now,
        }
        for message_id, draft in posted
        for file in draft.files
    ]
    if rows:
        session.connection().execute(_INSERT_ATTACHMENTS, rows)
