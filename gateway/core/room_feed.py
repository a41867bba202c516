"""The room feed: what changed in rooms since a point, for pages that follow rooms live.

Owns the queries behind live updates: the newest message and room-event ids (the cursor a
stream resumes from), the new messages, edits and deletions since a cursor, the presence
of the members of a set of rooms, and which viewers may no longer follow the room they have
open (removed, left, signed out, deactivated). It reports ids only: pages fetch the rendered
messages through the room views. Must not import Flask or any adapter library.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BindParameter, Integer, and_, bindparam, func, literal, select, union_all
from sqlalchemy.orm import Session

from gateway.core.presence import away_until, online_user_ids
from gateway.store.models import Membership, Message, RoomEvent, User, WebSession

# A message is announced as "message"; a room event by its kind ("edited", "deleted").
NEW_MESSAGE = "message"


@dataclass(frozen=True, slots=True, order=True)
class FeedCursor:
    """The newest message id and room-event id a reader has already been told about."""

    message_id: int = 0
    event_id: int = 0


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One change in a room: a new message, or an edit / deletion of message `message_id`."""

    kind: str
    room_id: int
    message_id: int
    event_id: int | None = None  # the room_events row, for edits and deletions

    @property
    def is_message(self) -> bool:
        return self.kind == NEW_MESSAGE


@dataclass(frozen=True, slots=True)
class MemberPresence:
    user_id: int
    online: bool
    away_until: datetime | None


@dataclass(frozen=True, slots=True)
class RoomViewer:
    """A signed-in browser (its web session) following a room as a member (its membership)."""

    session_id: int
    membership_id: int


class Lapse(enum.Enum):
    """Why a viewer may no longer follow a room."""

    REMOVED = "removed"  # their membership ended: removed by a manager or the platform, or left
    SIGNED_OUT = "signed out"  # their web session ended: signed out, expired, or deactivated


def current_cursor(session: Session, room_id: int | None = None) -> FeedCursor:
    """The newest ids now, in one room or (room_id None) in every room."""
    newest_message = select(func.max(Message.id))
    newest_event = select(func.max(RoomEvent.id))
    if room_id is not None:
        newest_message = newest_message.where(Message.room_id == room_id)
        newest_event = newest_event.where(RoomEvent.room_id == room_id)
    row = session.execute(
        select(newest_message.scalar_subquery(), newest_event.scalar_subquery())
    ).one()
    return FeedCursor(row[0] or 0, row[1] or 0)


def list_changes_since(
    session: Session,
    cursor: FeedCursor,
    *,
    room_ids: Collection[int] | None = None,
    limit: int | None = None,
) -> list[FeedItem]:
    """New messages and room events after `cursor`, messages first, each in id order.

    One statement (UNION ALL of two primary-key range scans), so a poller can run it often.
    With `limit`, at most that many of each kind are returned: the newest ones.
    """
    messages = select(
        literal(NEW_MESSAGE).label("kind"),
        Message.room_id,
        Message.id.label("message_id"),
        literal(None, Integer).label("event_id"),
    ).where(Message.id > cursor.message_id)
    events = select(
        RoomEvent.kind, RoomEvent.room_id, RoomEvent.message_id, RoomEvent.id.label("event_id")
    ).where(RoomEvent.id > cursor.event_id)
    if room_ids is not None:
        messages = messages.where(Message.room_id.in_(list(room_ids)))
        events = events.where(RoomEvent.room_id.in_(list(room_ids)))
    if limit is not None:
        messages = messages.order_by(Message.id.desc()).limit(limit)
        events = events.order_by(RoomEvent.id.desc()).limit(limit)
    # Each part in a subquery of its own: SQLite refuses ORDER BY / LIMIT inside a UNION.
    both = union_all(select(messages.subquery()), select(events.subquery()))
    rows = session.execute(select(both.subquery())).all()
    items = [FeedItem(str(row.kind), row.room_id, row.message_id, row.event_id) for row in rows]
    return sorted(items, key=_feed_order)


def list_member_presence(
    session: Session, room_ids: Collection[int], *, now: datetime
) -> dict[int, list[MemberPresence]]:
    """Each room's active members with whether they show as online and until when they are
    away (out of office); rooms without members are left out."""
    if not room_ids:
        return {}
    rows = session.execute(
        select(Membership.room_id, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.room_id.in_(list(room_ids)), Membership.left_at.is_(None))
        .order_by(Membership.room_id, Membership.id)
    ).all()
    online = online_user_ids(session, {user.id for _, user in rows}, now=now)
    members: dict[int, list[MemberPresence]] = {}
    for room_id, user in rows:
        members.setdefault(room_id, []).append(
            MemberPresence(user.id, user.id in online, away_until(user, now=now))
        )
    return members


def list_lapsed_viewers(
    session: Session, viewers: Collection[RoomViewer], *, now: datetime
) -> dict[RoomViewer, Lapse]:
    """The viewers among `viewers` who may no longer follow their room, and why.

    One statement for all of them, whatever the number of rooms: the web sessions still live
    (not ended, not expired, their user not deactivated) and the memberships still active,
    each found by primary key. Sign-out and deactivation delete the session row, removal and
    leaving set `left_at`, so a change made by any process is seen.
    """
    if not viewers:
        return {}
    live_sessions = (
        select(literal("session").label("kind"), WebSession.id)
        .join(User, and_(User.id == WebSession.user_id, User.deactivated_at.is_(None)))
        .where(
            WebSession.id.in_(_inline_ids(viewer.session_id for viewer in viewers)),
            WebSession.expires_at > now,
        )
    )
    active_memberships = select(literal("membership").label("kind"), Membership.id).where(
        Membership.id.in_(_inline_ids(viewer.membership_id for viewer in viewers)),
        Membership.left_at.is_(None),
    )
    rows = session.execute(union_all(live_sessions, active_memberships)).all()
    live = {(str(kind), row_id) for kind, row_id in rows}
    lapsed: dict[RoomViewer, Lapse] = {}
    for viewer in viewers:
        if ("session", viewer.session_id) not in live:
            lapsed[viewer] = Lapse.SIGNED_OUT
        elif ("membership", viewer.membership_id) not in live:
            lapsed[viewer] = Lapse.REMOVED
    return lapsed


def _inline_ids(ids: Iterable[int]) -> BindParameter[int]:
    """Ids written into the statement itself rather than bound one by one: with a few hundred
    of them, psycopg's conversion and PostgreSQL's planning of as many parameters took about
    three times as long as the lookups (bench/live_poll_queries.py). Integers only (rendered
    by the Integer type), so nothing can be injected."""
    return bindparam(
        None, sorted(set(ids)), type_=Integer, expanding=True, literal_execute=True, unique=True
    )


def _feed_order(item: FeedItem) -> tuple[int, int]:
    return (0, item.message_id) if item.is_message else (1, item.event_id or 0)
