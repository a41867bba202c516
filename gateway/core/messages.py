"""Room messages: posting (from any origin), editing, deleting, the history a member reads,
and the files and links that come with them.

Owns what a message is when stored: the author must be an active member, a reply stays in
its room, nobody can message a person who blocked them (or whom they blocked) directly,
contact details wait for a contract, the Markdown source is rendered and sanitized once at
post time, and every other member is owed a notification. The author may edit or delete
a message within EDIT_WINDOW; each change is recorded as a RoomEvent for open pages to follow.
A room, its messages and its files are only shown to its active members; to anyone else they
do not exist (NotFound, never NotAllowed).

Posting is batch-native because the SMTP intake posts many emailed replies per transaction:
`post_messages` checks, stores and queues notifications for any number of drafts with a fixed
number of statements (built once at import), so a busy intake pays per batch, not per email.
`post_message` is the one-draft case. History pages by keyset on the (room_id, id) index,
never OFFSET, so the thousandth page of a busy room costs what the first does.
Must not import any adapter library.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lxml import etree
from sqlalchemy import ColumnElement, bindparam, func, insert, or_, select
from sqlalchemy.orm import Session, defer, joinedload, selectinload

from gateway.core.contact_details import contact_details_refusal, find_contact_details
from gateway.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from gateway.core.notifications import queue_notifications
from gateway.core.out_of_office import answer_out_of_office
from gateway.core.rendering import render_markdown, render_one_line
from gateway.core.rooms import get_own_membership
from gateway.store.models import (
    Attachment,
    Block,
    Membership,
    Message,
    Origin,
    Room,
    RoomEvent,
    RoomEventKind,
    RoomKind,
    User,
)

MAX_BODY_LENGTH = 100_000
EDIT_WINDOW = timedelta(hours=1)
EXCERPT_LENGTH = 140
DELETED_PLACEHOLDER = "This message was deleted."
MAX_HISTORY_PAGE = 200
# Rooms where people may exchange email addresses and phone numbers: work has started.
CONTACT_DETAILS_ROOM_KINDS = frozenset({RoomKind.CONTRACT})
BLOCKED_REFUSAL = "You cannot send messages to this person."
DEACTIVATED_REFUSAL = "This account has been deactivated: it cannot post messages."

# One statement per stage per batch, built once: the SMTP intake runs them for every batch.
# The room kind rides along with the members (the contact-details and block rules need it),
# whether each member has an out-of-office reply on (direct messages may need an answer), and
# whether the member is deactivated (counted out: they may not post and are owed nothing).
_ACTIVE_MEMBERS = (
    select(
        Membership.room_id,
        Membership.user_id,
        Room.kind,
        User.ooo_enabled,
        User.deactivated_at.is_not(None).label("deactivated"),
    )
    .join(Room, Room.id == Membership.room_id)
    .join(User, User.id == Membership.user_id)
    .where(
        Membership.room_id.in_(bindparam("room_ids", expanding=True)),
        Membership.left_at.is_(None),
    )
    .order_by(Membership.id)
)
_BLOCKS_BETWEEN = select(Block.blocker_id, Block.blocked_id).where(
    Block.blocker_id.in_(bindparam("user_ids", expanding=True)),
    Block.blocked_id.in_(bindparam("user_ids", expanding=True)),
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
    # False when an emailing sender asked responders for no out-of-office reply: an away
    # member's answer is then the note in the room alone (gateway.core.out_of_office).
    auto_reply_wanted: bool = True


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
    max_files: int | None = None,
    max_bytes: int | None = None,
) -> PostedMessage:
    """Store a message by a member, owe every other member a notification, and let an away
    member of a direct room answer (gateway.core.out_of_office).

    With `max_files` / `max_bytes` (the web's attachment limits) the files are checked
    against them first: InvalidInput, nothing stored, when over.
    """
    if max_files is not None or max_bytes is not None:
        total = sum(len(file.data) for file in files)
        check_attachment_limits(len(files), total, max_files=max_files, max_bytes=max_bytes)
    draft = Draft(room_id, author_id, source, origin, quoted_text, parent_id, files)
    [result] = post_messages(session, [draft], now=now)
    if isinstance(result, DomainError):
        raise result
    return result


def post_messages(
    session: Session, drafts: Sequence[Draft], *, now: datetime
) -> list[PostedMessage | DomainError]:
    """Post every acceptable draft; each draft gets its message, or the reason it was refused."""
    rooms = _room_facts(session, {draft.room_id for draft in drafts})
    parent_rooms = _rooms_of(session, {d.parent_id for d in drafts if d.parent_id is not None})
    results: dict[int, PostedMessage | DomainError] = {}
    accepted: list[tuple[int, Draft, str]] = []
    for index, draft in enumerate(drafts):
        source = draft.source.strip()
        refusal = _refusal(draft, source, rooms, parent_rooms)
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
            rooms.members,
            rooms.kinds,
            now=now,
        )
        if rooms.out_of_office:  # no query at all unless someone may be away
            answer_out_of_office(
                session,
                [
                    (mid, d.room_id, d.author_id, d.origin is Origin.EMAIL and d.auto_reply_wanted)
                    for mid, (_, d, _), _ in posted
                ],
                {
                    room_id: [u for u in user_ids if u in rooms.out_of_office]
                    for room_id, user_ids in rooms.members.items()
                },
                rooms.kinds,
                now=now,
            )
        for message_id, (index, draft, source), html in posted:
            results[index] = PostedMessage(
                message_id, draft.room_id, draft.author_id, source, html, now
            )
    return [results[index] for index in range(len(drafts))]


def check_attachment_limits(
    file_count: int, total_bytes: int, *, max_files: int | None, max_bytes: int | None
) -> None:
    """InvalidInput, naming the limit and what was chosen, when files exceed the limits."""
    if max_files is not None and file_count > max_files:
        raise InvalidInput(
            f"A message can carry at most {max_files} files; {file_count} were attached."
        )
    if max_bytes is not None and total_bytes > max_bytes:
        raise InvalidInput(
            f"The files of one message can total at most {format_size(max_bytes)}; "
            f"these total {format_size(total_bytes)}."
        )


def format_size(size: int) -> str:
    """A byte count as people read it: 512 bytes, 12.5 KB, 95 MB."""
    if size < 1024:
        return f"{size} bytes"
    for unit in ("KB", "MB", "GB"):
        size_in_unit = size / 1024
        if size_in_unit < 1024 or unit == "GB":
            return f"{size_in_unit:.1f}".removesuffix(".0") + f" {unit}"
        size = int(size_in_unit)
    raise AssertionError("unreachable")


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


@dataclass(frozen=True, slots=True)
class _RoomFacts:
    """What the posting rules need to know of the rooms a batch posts in."""

    members: dict[int, list[int]]  # room id -> active user ids, in the order they joined
    kinds: dict[int, RoomKind]
    blocked: frozenset[frozenset[int]]  # pairs of users where one blocked the other
    out_of_office: frozenset[int]  # members whose out-of-office reply is on (maybe not now)
    deactivated: frozenset[int]  # members the host platform deactivated (not in `members`)


def _refusal(
    draft: Draft, source: str, rooms: _RoomFacts, parent_rooms: dict[int, int]
) -> DomainError | None:
    if not source and not draft.files:
        return InvalidInput("a message needs some text or a file")
    if len(source) > MAX_BODY_LENGTH:
        return InvalidInput(f"a message is at most {MAX_BODY_LENGTH} characters")
    members = rooms.members.get(draft.room_id, [])
    if draft.author_id in rooms.deactivated:
        return NotAllowed(DEACTIVATED_REFUSAL)
    if draft.author_id not in members:
        return NotAllowed("only members of a room can post in it")
    if draft.parent_id is not None and parent_rooms.get(draft.parent_id) != draft.room_id:
        return InvalidInput("a reply must be in the same room as the message it answers")
    kind = rooms.kinds[draft.room_id]
    if kind is RoomKind.DIRECT and any(
        frozenset((draft.author_id, other)) in rooms.blocked
        for other in members
        if other != draft.author_id
    ):
        # Who blocked whom stays private: both sides read the same sentence.
        return NotAllowed(BLOCKED_REFUSAL)
    # Only what the member wrote counts: the quoted_text of an emailed reply is theirs to
    # keep, and often quotes our own notification, signatures and all.
    return _contact_details_refusal(kind, source)


def _contact_details_refusal(kind: RoomKind, source: str) -> DomainError | None:
    if kind in CONTACT_DETAILS_ROOM_KINDS:
        return None
    found = find_contact_details(source)
    return contact_details_refusal(found, kind) if found else None


def _room_facts(session: Session, room_ids: Iterable[int]) -> _RoomFacts:
    """Members and kind of each room (one query), and blocks in direct rooms (one more)."""
    members: dict[int, list[int]] = {}
    kinds: dict[int, RoomKind] = {}
    out_of_office: set[int] = set()
    deactivated: set[int] = set()
    for row in session.connection().execute(_ACTIVE_MEMBERS, {"room_ids": list(room_ids)}):
        kinds[row.room_id] = row.kind
        if row.deactivated:
            deactivated.add(row.user_id)
            continue
        members.setdefault(row.room_id, []).append(row.user_id)
        if row.ooo_enabled:
            out_of_office.add(row.user_id)
    direct_users = {
        user_id
        for room_id, kind in kinds.items()
        if kind is RoomKind.DIRECT
        for user_id in members.get(room_id, ())
    }
    blocked: frozenset[frozenset[int]] = frozenset()
    if direct_users:
        rows = session.connection().execute(_BLOCKS_BETWEEN, {"user_ids": list(direct_users)})
        blocked = frozenset(frozenset((row.blocker_id, row.blocked_id)) for row in rows)
    return _RoomFacts(members, kinds, blocked, frozenset(out_of_office), frozenset(deactivated))


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


# --- Editing and deleting ---------------------------------------------------------------


def edit_message(
    session: Session, message_id: int, user_id: int, new_source: str, *, now: datetime
) -> Message:
    """The author's new text for their message, within EDIT_WINDOW of sending."""
    message = _own_recent_message(session, message_id, user_id, now, action="edited")
    source = new_source.strip()
    if not source and not message.attachments:
        raise InvalidInput("a message needs some text; to remove it, delete it instead")
    if len(source) > MAX_BODY_LENGTH:
        raise InvalidInput(f"a message is at most {MAX_BODY_LENGTH} characters")
    refusal = _contact_details_refusal(message.room.kind, source)
    if refusal is not None:
        raise refusal
    if source == message.body_source:
        return message  # nothing changed: no "edited" mark, no event
    message.body_source = source
    message.body_html = render_markdown(source)
    message.edited_at = now
    _record_event(session, message, RoomEventKind.EDITED, now)
    return message


def delete_message(session: Session, message_id: int, user_id: int, *, now: datetime) -> Message:
    """Withdraw the author's message within EDIT_WINDOW: its text and files are removed and
    it stays in the history as a placeholder, so replies to it still make sense."""
    message = _own_recent_message(session, message_id, user_id, now, action="deleted")
    message.deleted_at = now
    message.body_source = ""
    message.body_html = ""
    message.quoted_text = None
    for attachment in list(message.attachments):
        session.delete(attachment)
    _record_event(session, message, RoomEventKind.DELETED, now)
    return message


def _own_recent_message(
    session: Session, message_id: int, user_id: int, now: datetime, *, action: str
) -> Message:
    message = session.scalar(
        select(Message)
        .join(Membership, Membership.room_id == Message.room_id)
        .where(
            Message.id == message_id,
            Membership.user_id == user_id,
            Membership.left_at.is_(None),
        )
        .options(
            joinedload(Message.room),
            selectinload(Message.attachments).options(defer(Attachment.data)),
        )
    )
    if message is None:
        raise NotFound("No such message")
    if message.author_id != user_id:
        raise NotAllowed(f"Only its author can have a message {action}.")
    if message.deleted_at is not None:
        raise NotAllowed("This message was deleted.")
    if now - message.created_at > EDIT_WINDOW:
        raise NotAllowed(f"Messages can only be {action} within an hour of sending.")
    return message


def _record_event(session: Session, message: Message, kind: RoomEventKind, now: datetime) -> None:
    session.add(
        RoomEvent(room_id=message.room_id, message_id=message.id, kind=kind, created_at=now)
    )
    session.flush()


def is_editable(message: Message, user_id: int, now: datetime) -> bool:
    """Whether `user_id` may still edit or delete `message` at `now`."""
    return (
        message.author_id == user_id
        and message.deleted_at is None
        and now - message.created_at <= EDIT_WINDOW
    )


# --- Reading: the history a member sees ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """Messages oldest first, with whether the room has more on either side."""

    messages: list[Message]
    has_older: bool
    has_newer: bool


# Loaded with every history message: the author, the files (without their bytes) and the
# message it answers, with that message's author, for the quoted excerpt.
_HISTORY_OPTIONS = (
    selectinload(Message.author),
    selectinload(Message.attachments).options(defer(Attachment.data)),
    selectinload(Message.parent).selectinload(Message.author),
)


def get_member_room(session: Session, room_id: int, user_id: int) -> Room:
    """The room, if `user_id` is an active member; otherwise it does not exist for them."""
    return get_own_membership(session, room_id, user_id).room


def list_history(
    session: Session,
    room_id: int,
    user_id: int,
    *,
    before_id: int | None = None,
    after_id: int | None = None,
    around_id: int | None = None,
    limit: int = 50,
) -> HistoryPage:
    """A page of the room's history for a member, deleted messages included as placeholders.

    The newest `limit` messages; or those older than `before_id`, or newer than `after_id`;
    or about `limit` of them centred on `around_id` (a search result opened in its room).
    """
    get_own_membership(session, room_id, user_id)  # NotFound for anyone else
    return room_history(
        session,
        room_id,
        before_id=before_id,
        after_id=after_id,
        around_id=around_id,
        limit=limit,
    )


def room_history(
    session: Session,
    room_id: int,
    *,
    before_id: int | None = None,
    after_id: int | None = None,
    around_id: int | None = None,
    limit: int = 50,
) -> HistoryPage:
    """A page of the room's history, whoever asks: callers decide who may read it (members
    through list_history, or a view that holds their membership already; the host platform
    through the API)."""
    limit = max(1, min(limit, MAX_HISTORY_PAGE))
    if around_id is not None:
        return _history_around(session, room_id, around_id, limit)
    if after_id is not None:
        newer = _keyset(session, room_id, Message.id > after_id, newest_first=False, limit=limit)
        messages = newer[:limit]
        # Not after_id + 1: past the largest id that would not fit an INTEGER column.
        older = Message.id < messages[0].id if messages else Message.id <= after_id
        return HistoryPage(messages, _exists(session, room_id, older), len(newer) > limit)
    condition = Message.id < before_id if before_id is not None else None
    older = _keyset(session, room_id, condition, newest_first=True, limit=limit)
    messages = older[:limit][::-1]
    last = messages[-1].id if messages else (before_id or 0) - 1
    has_newer = before_id is not None and _exists(session, room_id, Message.id > last)
    return HistoryPage(messages, len(older) > limit, has_newer)


def get_room_message(session: Session, room_id: int, message_id: int, user_id: int) -> Message:
    """One message of the room, as the history shows it, for an active member."""
    get_member_room(session, room_id, user_id)
    message = session.scalar(
        select(Message)
        .where(Message.id == message_id, Message.room_id == room_id)
        .options(*_HISTORY_OPTIONS)
    )
    if message is None:
        raise NotFound("No such message")
    return message


def message_excerpt(message: Message, length: int = EXCERPT_LENGTH) -> str:
    """A one-line preview of a message's text as read, not its Markdown source (what a
    reply quotes above itself)."""
    if message.deleted_at is not None:
        return DELETED_PLACEHOLDER
    # Only the start is shown: parsing a bounded prefix keeps a page of long messages cheap
    # (the cut lands far past what is shown, in all but Markdown-dense sources).
    text = render_one_line(message.body_source[: length * 4])
    if not text and message.attachments:
        return ", ".join(attachment.filename for attachment in message.attachments)
    return shortened(text, length)


def shortened(text: str, length: int = EXCERPT_LENGTH) -> str:
    """`text` cut to `length` characters, an ellipsis marking the cut."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "\u2026"


def _history_around(session: Session, room_id: int, around_id: int, limit: int) -> HistoryPage:
    require_room_message(session, room_id, around_id)
    before = limit // 2
    after = limit - before
    older = _keyset(session, room_id, Message.id < around_id, newest_first=True, limit=before)
    newer = _keyset(session, room_id, Message.id >= around_id, newest_first=False, limit=after)
    return HistoryPage(
        older[:before][::-1] + newer[:after], len(older) > before, len(newer) > after
    )


def require_room_message(session: Session, room_id: int, message_id: int) -> None:
    """NotFound unless message `message_id` is in room `room_id`."""
    found = session.scalar(
        select(Message.id).where(Message.id == message_id, Message.room_id == room_id)
    )
    if found is None:
        raise NotFound("No such message")


def _keyset(
    session: Session,
    room_id: int,
    condition: ColumnElement[bool] | None,
    *,
    newest_first: bool,
    limit: int,
) -> list[Message]:
    """Up to limit + 1 messages from one end of a slice of the room (the extra one tells
    whether there are more), walking the (room_id, id) index."""
    query = select(Message).where(Message.room_id == room_id).options(*_HISTORY_OPTIONS)
    if condition is not None:
        query = query.where(condition)
    order = Message.id.desc() if newest_first else Message.id.asc()
    return list(session.scalars(query.order_by(order).limit(limit + 1)))


def _exists(session: Session, room_id: int, condition: ColumnElement[bool]) -> bool:
    query = select(Message.id).where(Message.room_id == room_id, condition).limit(1)
    return session.scalar(query) is not None


# --- Files and links ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoomFile:
    """A file of the room, as the Files & links panel lists it (no bytes)."""

    id: int
    message_id: int | None
    filename: str
    content_type: str
    size: int
    created_at: datetime
    uploader_name: str | None


@dataclass(frozen=True, slots=True)
class RoomLink:
    """A web link posted in a room message."""

    url: str
    text: str
    message_id: int
    author_name: str | None
    created_at: datetime


LINK_SCAN_LIMIT = 1000  # link-bearing messages looked at, newest first


def list_room_files(
    session: Session, room_id: int, user_id: int, *, query: str = "", limit: int = 200
) -> list[RoomFile]:
    """The room's files, newest first, whose name contains `query` (any case)."""
    get_member_room(session, room_id, user_id)
    statement = (
        select(
            Attachment.id,
            Attachment.message_id,
            Attachment.filename,
            Attachment.content_type,
            Attachment.size,
            Attachment.created_at,
            User.display_name,
        )
        .outerjoin(User, User.id == Attachment.uploader_id)
        .where(Attachment.room_id == room_id)
        .order_by(Attachment.id.desc())
        .limit(limit)
    )
    needle = query.strip().lower()
    if needle:
        statement = statement.where(
            func.lower(Attachment.filename).contains(needle, autoescape=True)
        )
    return [RoomFile(*row) for row in session.execute(statement)]


def list_room_links(
    session: Session, room_id: int, user_id: int, *, query: str = "", limit: int = 200
) -> list[RoomLink]:
    """Web links posted in the room, newest first, whose address or text contains `query`."""
    get_member_room(session, room_id, user_id)
    rows = session.execute(
        select(Message.id, Message.body_html, Message.created_at, User.display_name)
        .outerjoin(User, User.id == Message.author_id)
        .where(
            Message.room_id == room_id,
            Message.deleted_at.is_(None),
            or_(
                Message.body_html.contains('href="http://'),
                Message.body_html.contains('href="https://'),
            ),
        )
        .order_by(Message.id.desc())
        .limit(LINK_SCAN_LIMIT)
    )
    needle = query.strip().lower()
    links: list[RoomLink] = []
    for row in rows:
        for url, text in _links_in(row.body_html):
            if needle in url.lower() or needle in text.lower():
                links.append(RoomLink(url, text, row.id, row.display_name, row.created_at))
                if len(links) >= limit:
                    return links
    return links


class _LinkCollector:
    """The (href, text) of each <a> in a sanitized message body, as an lxml parser target."""

    def __init__(self) -> None:
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        if tag == "a":
            self._href = attrib.get("href") or None
            self._text = []

    def data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def end(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None

    def close(self) -> list[tuple[str, str]]:
        return self.links


_WEB_LINK = re.compile(r"https?://", re.IGNORECASE)


def _links_in(body_html: str) -> list[tuple[str, str]]:
    if not body_html.strip():
        return []  # libxml2 calls an empty document an error
    # libxml2 reads any markup in one pass; bytes with the encoding named, so nothing in
    # the body can re-decode it.
    parser = etree.HTMLParser(target=_LinkCollector(), encoding="utf-8", no_network=True)
    links = etree.fromstring(body_html.encode("utf-8", "replace"), parser)
    return [(url, text or url) for url, text in links if _WEB_LINK.match(url)]


def get_attachment_for_member(session: Session, attachment_id: int, user_id: int) -> Attachment:
    """A file with its bytes, if `user_id` is an active member of its room."""
    attachment = session.scalar(
        select(Attachment)
        .join(Membership, Membership.room_id == Attachment.room_id)
        .where(
            Attachment.id == attachment_id,
            Membership.user_id == user_id,
            Membership.left_at.is_(None),
        )
    )
    if attachment is None:
        raise NotFound("No such file")
    return attachment
