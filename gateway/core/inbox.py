"""The Message Center lists: a user's rooms in one account, read state, pending counts.

Owns what the inbox shows and in which order: the Recent list (latest activity first), the
categorized view (Favorites, Interviews, Rooms, People, then Archived), the "All rooms &
people" table, the Tickets tab, and the unread counts behind the header badges and the
account switcher. A member sees a room in the inbox of `memberships.account_id`.

Read state: a message is unread for a member when its id is above the membership's
`last_read_message_id` (NULL: nothing read yet), someone else wrote it and it is not deleted.
Counting walks the (room_id, id) index from the last read id and stops after UNREAD_CAP rows,
so a room with 100,000 unread messages costs the same as one with 100.

Visibility: only active memberships (left_at IS NULL). A hidden or archived room is out of
sight until something new arrives: Recent lists it while it has unread messages, so the
Messages badge (rooms with unread messages) never counts a room Recent does not show (up to
the Recent limit). The categorized view lists archived rooms in their own section.

Must not import Flask or any other adapter library.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased

from gateway.core.alerts import shown_in_account
from gateway.core.messages import shortened
from gateway.core.rendering import render_plain_text
from gateway.core.room_titles import room_titles_for
from gateway.store.models import (
    Account,
    Alert,
    AlertCategory,
    Membership,
    Message,
    Room,
    RoomKind,
    User,
)

# Unread counts stop here: the list shows "99+" for anything above 99.
UNREAD_CAP = 100
PREVIEW_LENGTH = 80
# Only this much of a message body is read to build its preview.
PREVIEW_SOURCE_CHARS = 400
SECTION_LIMIT = 200

SECTION_KINDS: dict[str, tuple[RoomKind, ...]] = {
    "Interviews": (RoomKind.INTERVIEW,),
    "Rooms": (RoomKind.GROUP, RoomKind.CONTRACT, RoomKind.TICKET),
    "People": (RoomKind.DIRECT,),
}


@dataclass(frozen=True, slots=True)
class RoomRow:
    """One room as a list shows it."""

    room_id: int
    title: str  # as the user sees it: a direct room is the other person (core.room_titles)
    kind: RoomKind
    last_activity_at: datetime
    preview: str
    unread: int  # capped at UNREAD_CAP
    favorite: bool
    hidden: bool
    archived: bool
    participants: tuple[str, ...]

    @property
    def unread_label(self) -> str:
        return f"{UNREAD_CAP - 1}+" if self.unread >= UNREAD_CAP else str(self.unread)


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    rooms: list[RoomRow]


@dataclass(frozen=True, slots=True)
class PersonRow:
    """Someone the user shares a room with but has no direct room with."""

    user_id: int
    name: str


@dataclass(frozen=True, slots=True)
class AllRoomsPage:
    """One page of the "All rooms & people" table: rooms first, then people."""

    rooms: list[RoomRow]
    people: list[PersonRow]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# --- read state ------------------------------------------------------------------------------


def _unread_condition(user_id: int) -> ColumnElement[bool]:
    """Messages of the membership's room that are unread for `user_id` (Membership correlated)."""
    return and_(
        Message.room_id == Membership.room_id,
        Message.id > func.coalesce(Membership.last_read_message_id, 0),
        or_(Message.author_id.is_(None), Message.author_id != user_id),
        Message.deleted_at.is_(None),
    )


def _unread_count(user_id: int) -> ScalarSelect[int]:
    capped = (
        select(Message.id)
        .where(_unread_condition(user_id))
        .correlate(Membership)
        .limit(UNREAD_CAP)
        .subquery()
    )
    return select(func.count()).select_from(capped).scalar_subquery()


def _has_unread(user_id: int) -> ColumnElement[bool]:
    return exists(select(Message.id).where(_unread_condition(user_id)).correlate(Membership))


def _active_memberships(user_id: int, account_id: int | None) -> list[ColumnElement[bool]]:
    """Active memberships of the user, in one account's inbox (None: every account)."""
    conditions = [Membership.user_id == user_id, Membership.left_at.is_(None)]
    if account_id is not None:
        conditions.append(Membership.account_id == account_id)
    return conditions


# --- room lists ------------------------------------------------------------------------------


def last_live_message_id() -> ScalarSelect[int]:
    """The id of the membership's room's last message that is not deleted (correlated to
    Membership; found through the (room_id, id) index)."""
    return (
        select(Message.id)
        .where(Message.room_id == Membership.room_id, Message.deleted_at.is_(None))
        .correlate(Membership)
        .order_by(Message.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _room_rows_query(
    user_id: int,
    account_id: int | None,
    where: Sequence[ColumnElement[bool]],
    *,
    include_hidden: bool,
    archived_while_unread: bool = False,
) -> Select[Any]:
    """Rows for the user's rooms matching `where` (on Membership and Room), newest first.
    Unless `include_hidden`, hidden rooms (and archived ones, if `archived_while_unread`)
    only while they have unread messages."""
    mine = (
        select(
            Membership.room_id,
            Membership.favorite,
            Membership.hidden,
            Membership.archived,
            Room.title,
            Room.kind,
            Room.created_at,
            last_live_message_id().label("last_message_id"),
            _unread_count(user_id).label("unread"),
        )
        .join(Room, Room.id == Membership.room_id)
        .where(*_active_memberships(user_id, account_id), *where)
        .subquery()
    )
    last = aliased(Message)
    activity = func.coalesce(last.created_at, mine.c.created_at)
    query = (
        select(
            mine.c.room_id,
            mine.c.title,
            mine.c.kind,
            activity.label("activity"),
            func.substr(last.body_source, 1, PREVIEW_SOURCE_CHARS).label("preview"),
            mine.c.unread,
            mine.c.favorite,
            mine.c.hidden,
            mine.c.archived,
        )
        .outerjoin(last, last.id == mine.c.last_message_id)
        .order_by(activity.desc(), mine.c.room_id.desc())
    )
    if not include_hidden:
        set_aside = mine.c.hidden == true()
        if archived_while_unread:
            set_aside = or_(set_aside, mine.c.archived == true())
        query = query.where(or_(~set_aside, mine.c.unread > 0))
    return query


def _room_rows(
    session: Session,
    user_id: int,
    account_id: int | None,
    *,
    where: Sequence[ColumnElement[bool]] = (),
    include_hidden: bool = False,
    archived_while_unread: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[RoomRow]:
    query = _room_rows_query(
        user_id,
        account_id,
        where,
        include_hidden=include_hidden,
        archived_while_unread=archived_while_unread,
    )
    query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    rows = session.execute(query).all()
    names = _participant_names(session, user_id, [row.room_id for row in rows])
    titles = room_titles_for(session, [(r.room_id, r.kind, r.title) for r in rows], user_id)
    return [
        RoomRow(
            room_id=row.room_id,
            title=titles[row.room_id],
            kind=row.kind,
            last_activity_at=row.activity,
            preview=_preview(row.preview),
            unread=row.unread,
            favorite=row.favorite,
            hidden=row.hidden,
            archived=row.archived,
            participants=tuple(names.get(row.room_id, ())),
        )
        for row in rows
    ]


def _preview(source: str | None) -> str:
    """A short, single-line plain-text preview of a message's Markdown source."""
    if not source:
        return ""
    return shortened(" ".join(render_plain_text(source).split()), PREVIEW_LENGTH)


def _participant_names(
    session: Session, user_id: int, room_ids: Sequence[int]
) -> dict[int, list[str]]:
    """The other active members' names per room, in joining order."""
    if not room_ids:
        return {}
    rows = session.execute(
        select(Membership.room_id, User.display_name)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.room_id.in_(list(room_ids)),
            Membership.left_at.is_(None),
            Membership.user_id != user_id,
        )
        .order_by(Membership.room_id, Membership.id)
    )
    names: dict[int, list[str]] = defaultdict(list)
    for room_id, name in rows:
        names[room_id].append(name)
    return names


def list_recent_rooms(
    session: Session, user_id: int, account_id: int, *, now: datetime, limit: int = 50
) -> list[RoomRow]:
    """The Recent list: the account's rooms by latest activity. A room the user hid or
    archived is out of sight until something new arrives: it is listed while it has unread
    messages (as most chat products do), so every room the Messages badge counts is here."""
    return _room_rows(session, user_id, account_id, archived_while_unread=True, limit=limit)


def list_rooms_by_category(
    session: Session,
    user_id: int,
    account_id: int,
    *,
    now: datetime,
    limit_per_section: int = SECTION_LIMIT,
) -> list[Section]:
    """Favorites, Interviews, Rooms, People, then Archived; each by latest activity.

    A room appears once: archived rooms only under Archived, favorites only under
    Favorites, the others under their kind's section. Hidden rooms follow the Recent rule
    (shown only while they have unread messages). Empty sections are kept (the page says
    "none"), so the layout does not jump.
    """
    active = Membership.archived == false()
    plain = and_(active, Membership.favorite == false())
    conditions: list[tuple[str, list[ColumnElement[bool]]]] = [
        ("Favorites", [active, Membership.favorite == true()]),
        *[(name, [plain, Room.kind.in_(kinds)]) for name, kinds in SECTION_KINDS.items()],
        ("Archived", [Membership.archived == true()]),
    ]
    return [
        Section(
            name, _room_rows(session, user_id, account_id, where=where, limit=limit_per_section)
        )
        for name, where in conditions
    ]


def list_ticket_rooms(
    session: Session, user_id: int, *, now: datetime, limit: int = 50, offset: int = 0
) -> list[RoomRow]:
    """The Tickets tab: support ticket rooms in any of the user's accounts (support is
    about the person, not the capacity they act in), by latest activity."""
    return _room_rows(
        session,
        user_id,
        None,
        where=[Room.kind == RoomKind.TICKET],
        limit=limit,
        offset=offset,
    )


def list_all_rooms_and_people(
    session: Session, user_id: int, account_id: int, *, page: int, per_page: int = 25
) -> AllRoomsPage:
    """Every room of the account (archived and hidden ones too) by latest activity, then
    every person met in those rooms with no direct room of their own, by name ("No
    activity"). Ties are broken by id, so pages never overlap or skip."""
    page = max(1, page)
    offset = (page - 1) * per_page
    room_total = _count_rooms(session, user_id, account_id)
    people = _people_without_direct_room(user_id, account_id)
    total = room_total + session.scalar(select(func.count()).select_from(people.subquery()))
    rooms: list[RoomRow] = []
    if offset < room_total:
        rooms = _room_rows(
            session,
            user_id,
            account_id,
            include_hidden=True,
            limit=per_page,
            offset=offset,
        )
    people_offset = max(0, offset - room_total)
    people_limit = per_page - len(rooms)
    person_rows = [
        PersonRow(row.id, row.display_name)
        for row in session.execute(
            people.order_by(func.lower(User.display_name), User.id)
            .offset(people_offset)
            .limit(people_limit)
        )
    ]
    return AllRoomsPage(rooms, person_rows, page, per_page, total)


def _count_rooms(session: Session, user_id: int, account_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(*_active_memberships(user_id, account_id))
        )
        or 0
    )


def _people_without_direct_room(user_id: int, account_id: int) -> Select[Any]:
    mine = aliased(Membership)
    theirs = aliased(Membership)
    direct_mine = aliased(Membership)
    direct_theirs = aliased(Membership)
    shared_rooms = select(mine.room_id).where(
        mine.user_id == user_id, mine.left_at.is_(None), mine.account_id == account_id
    )
    direct_partners = (
        select(direct_theirs.user_id)
        .join(direct_mine, direct_mine.room_id == direct_theirs.room_id)
        .join(Room, Room.id == direct_mine.room_id)
        .where(
            Room.kind == RoomKind.DIRECT,
            direct_mine.user_id == user_id,
            direct_mine.left_at.is_(None),
            direct_mine.account_id == account_id,
            direct_theirs.left_at.is_(None),
        )
    )
    return select(User.id, User.display_name).where(
        User.id != user_id,
        User.id.in_(
            select(theirs.user_id).where(theirs.room_id.in_(shared_rooms), theirs.left_at.is_(None))
        ),
        User.id.not_in(direct_partners),
    )


# --- counts for the header -------------------------------------------------------------------


def account_unread_counts(session: Session, user_id: int) -> dict[int, int]:
    """Rooms with unread messages per account of the user (every account listed, 0 too)."""
    counts = dict.fromkeys(
        session.scalars(select(Account.id).where(Account.user_id == user_id).order_by(Account.id)),
        0,
    )
    rows = session.execute(
        select(Membership.account_id, func.count())
        .where(*_active_memberships(user_id, None), _has_unread(user_id))
        .group_by(Membership.account_id)
    )
    for account_id, count in rows:
        if account_id is not None:
            counts[account_id] = count
    return counts


def tab_unread_counts(
    session: Session, user_id: int, account_id: int | None, *, now: datetime
) -> dict[str, int]:
    """The header badges: rooms with unread messages in the shown account, unread Account
    Alerts and Updates of the shown account (and of no account: gateway.core.alerts), and
    ticket rooms (in any account) with unread messages."""
    in_account = Membership.account_id == account_id
    is_ticket = Room.kind == RoomKind.TICKET
    rooms, tickets = session.execute(
        select(
            func.coalesce(func.sum(case((in_account, 1), else_=0)), 0),
            func.coalesce(func.sum(case((is_ticket, 1), else_=0)), 0),
        )
        .select_from(Membership)
        .join(Room, Room.id == Membership.room_id)
        .where(*_active_memberships(user_id, None), _has_unread(user_id))
    ).one()
    alerts = dict(
        session.execute(
            select(Alert.category, func.count())
            .where(
                Alert.user_id == user_id,
                Alert.read_at.is_(None),
                or_(Alert.expires_at.is_(None), Alert.expires_at > now),
                shown_in_account(account_id),
            )
            .group_by(Alert.category)
        ).all()
    )
    return {
        "rooms": int(rooms),
        "alerts": alerts.get(AlertCategory.ALERT, 0),
        "updates": alerts.get(AlertCategory.UPDATE, 0),
        "tickets": int(tickets),
    }
