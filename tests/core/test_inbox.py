"""The Message Center lists: ordering by activity, unread counts, hidden/archived rules,
categories, the All rooms & people table and the per-account pending counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from gateway.core.alerts import create_alert
from gateway.core.inbox import (
    UNREAD_CAP,
    account_unread_counts,
    list_all_rooms_and_people,
    list_recent_rooms,
    list_rooms_by_category,
    list_ticket_rooms,
    tab_unread_counts,
)
from gateway.core.messages import Draft, post_message, post_messages
from gateway.core.rooms import create_room, find_membership, remove_member
from gateway.core.users import add_user, get_account
from gateway.store.database import Database
from gateway.store.models import (
    AccountKind,
    AlertCategory,
    Membership,
    Message,
    Origin,
    Room,
    RoomKind,
    User,
)

from support import World


def _post(database: Database, room_id: int, author: User, text: str, now: datetime) -> int:
    with database.transaction() as session:
        return post_message(session, room_id, author.id, text, origin=Origin.WEB, now=now).id


def _fresh(session: Session, user: User) -> User:
    """The user as stored now (merging a stale copy would drop accounts added since)."""
    found = session.get(User, user.id)
    assert found is not None
    return found


def _room(
    database: Database,
    title: str,
    owner: User,
    members: list[User],
    now: datetime,
    kind: RoomKind = RoomKind.GROUP,
    account_kind: AccountKind | None = None,
) -> Room:
    with database.transaction() as session:
        return create_room(
            session,
            title,
            owner=_fresh(session, owner),
            members=[_fresh(session, m) for m in members],
            now=now,
            kind=kind,
            account_kind=account_kind,
        )


def _set_membership(database: Database, room_id: int, user_id: int, **values: Any) -> None:
    with database.transaction() as session:
        session.execute(
            update(Membership)
            .where(Membership.room_id == room_id, Membership.user_id == user_id)
            .values(**values)
        )


def _user(database: Database, email: str, name: str, now: datetime) -> User:
    with database.transaction() as session:
        return add_user(session, email, name=name, now=now)


def _account_id(database: Database, user: User, kind: AccountKind | None = None) -> int:
    with database.transaction() as session:
        return get_account(session, _fresh(session, user), kind).id


def _recent(database: Database, user: User, now: datetime, **kwargs: Any) -> list[Any]:
    account_id = _account_id(database, user)
    with database.read_session() as session:
        return list_recent_rooms(session, user.id, account_id, now=now, **kwargs)


# --- Recent ----------------------------------------------------------------------------------


def test_recent_rooms_are_ordered_by_latest_message_or_creation_when_empty(
    database: Database, world: World, now: datetime
) -> None:
    older = _room(database, "Older", world.alice, [world.bob], now - timedelta(days=3))
    empty = _room(database, "Empty but new", world.alice, [], now + timedelta(minutes=5))
    _post(database, older.id, world.bob, "bump", now + timedelta(minutes=10))
    _post(database, world.room.id, world.bob, "earlier", now + timedelta(minutes=1))

    rows = _recent(database, world.alice, now)

    assert [row.title for row in rows] == ["Older", "Empty but new", "Website redesign"]
    assert rows[0].last_activity_at == now + timedelta(minutes=10)
    assert rows[1].last_activity_at == now + timedelta(minutes=5)
    assert rows[1].preview == "" and rows[1].unread == 0
    assert empty.id == rows[1].room_id


def test_recent_rooms_show_a_short_plain_text_preview_and_the_other_participants(
    database: Database, world: World, now: datetime
) -> None:
    carol = _user(database, "carol@example.net", "Carol Chen", now)
    room = _room(database, "Launch", world.alice, [world.bob, carol], now)
    _post(database, room.id, world.bob, "**Bold** plan:\n\n- ship " + "x" * 200, now)

    [row] = [r for r in _recent(database, world.alice, now) if r.room_id == room.id]

    assert row.preview.startswith("Bold plan: - ship xxx")
    assert "*" not in row.preview and "\n" not in row.preview
    assert len(row.preview) <= 80 and row.preview.endswith("\u2026")
    assert row.participants == ("Bob Baker", "Carol Chen")


def test_a_deleted_last_message_is_not_the_preview(
    database: Database, world: World, now: datetime
) -> None:
    _post(database, world.room.id, world.bob, "first", now)
    last = _post(database, world.room.id, world.bob, "second", now + timedelta(minutes=1))
    with database.transaction() as session:
        session.execute(update(Message).where(Message.id == last).values(deleted_at=now))

    [row] = _recent(database, world.alice, now)

    assert row.preview == "first" and row.unread == 1
    assert row.last_activity_at == now


def test_unread_counts_messages_after_the_last_read_one_written_by_others(
    database: Database, world: World, now: datetime
) -> None:
    first = _post(database, world.room.id, world.bob, "one", now)
    _post(database, world.room.id, world.bob, "two", now)
    _post(database, world.room.id, world.alice, "mine", now)
    _post(database, world.room.id, world.bob, "three", now)

    assert _recent(database, world.alice, now)[0].unread == 3
    _set_membership(database, world.room.id, world.alice.id, last_read_message_id=first)
    assert _recent(database, world.alice, now)[0].unread == 2
    assert _recent(database, world.bob, now)[0].unread == 1


def test_unread_counts_stop_at_the_cap_and_show_99_plus(
    database: Database, world: World, now: datetime
) -> None:
    drafts = [Draft(world.room.id, world.bob.id, f"m{i}", Origin.WEB) for i in range(150)]
    with database.transaction() as session:
        post_messages(session, drafts, now=now)

    [row] = _recent(database, world.alice, now)

    assert row.unread == UNREAD_CAP
    assert row.unread_label == "99+"


def test_a_hidden_room_shows_only_while_it_has_unread_messages(
    database: Database, world: World, now: datetime
) -> None:
    _set_membership(database, world.room.id, world.alice.id, hidden=True)
    assert _recent(database, world.alice, now) == []

    message_id = _post(database, world.room.id, world.bob, "ping", now)
    [row] = _recent(database, world.alice, now)
    assert row.hidden and row.unread == 1

    _set_membership(database, world.room.id, world.alice.id, last_read_message_id=message_id)
    assert _recent(database, world.alice, now) == []


def test_an_archived_room_comes_back_into_recent_only_while_it_has_unread_messages(
    database: Database, world: World, now: datetime
) -> None:
    _set_membership(database, world.room.id, world.alice.id, archived=True)
    _post(database, world.room.id, world.alice, "my own note", now)
    assert _recent(database, world.alice, now) == []

    message_id = _post(database, world.room.id, world.bob, "ping", now)
    [row] = _recent(database, world.alice, now)
    assert row.archived and row.unread == 1

    _set_membership(database, world.room.id, world.alice.id, last_read_message_id=message_id)
    assert _recent(database, world.alice, now) == []
    assert [r.title for r in _recent(database, world.bob, now)] == ["Website redesign"]


def test_a_room_the_user_left_is_not_listed(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        remove_member(session, session.merge(world.room), _fresh(session, world.bob), now=now)

    assert _recent(database, world.bob, now) == []


def test_recent_respects_the_limit(database: Database, world: World, now: datetime) -> None:
    for minute in range(3):
        _room(database, f"Room {minute}", world.alice, [], now + timedelta(minutes=minute + 1))

    rows = _recent(database, world.alice, now, limit=2)

    assert [row.title for row in rows] == ["Room 2", "Room 1"]


# --- categories ------------------------------------------------------------------------------


def test_categories_put_each_room_in_one_section_and_archived_ones_last(
    database: Database, world: World, now: datetime
) -> None:
    def make(title: str, kind: RoomKind, minutes: int) -> Room:
        return _room(
            database, title, world.alice, [world.bob], now + timedelta(minutes=minutes), kind
        )

    make("Interview: Bob", RoomKind.INTERVIEW, 1)
    make("Contract #7", RoomKind.CONTRACT, 2)
    make("Ticket 12", RoomKind.TICKET, 3)
    make("Bob Baker", RoomKind.DIRECT, 4)
    favorite = make("Favorite interview", RoomKind.INTERVIEW, 5)
    archived = make("Old contract", RoomKind.CONTRACT, 6)
    _set_membership(database, favorite.id, world.alice.id, favorite=True)
    _set_membership(database, archived.id, world.alice.id, archived=True, favorite=True)
    account_id = _account_id(database, world.alice)

    with database.read_session() as session:
        sections = list_rooms_by_category(session, world.alice.id, account_id, now=now)

    assert [(s.name, [r.title for r in s.rooms]) for s in sections] == [
        ("Favorites", ["Favorite interview"]),
        ("Interviews", ["Interview: Bob"]),
        ("Rooms", ["Ticket 12", "Contract #7", "Website redesign"]),
        ("People", ["Bob Baker"]),
        ("Archived", ["Old contract"]),
    ]


# --- All rooms & people ----------------------------------------------------------------------


def test_all_rooms_and_people_lists_every_room_then_people_without_a_direct_room(
    database: Database, world: World, now: datetime
) -> None:
    carol = _user(database, "carol@example.net", "carol chen", now)
    dave = _user(database, "dave@example.net", "Dave Doe", now)
    _user(database, "erin@example.net", "Erin Stranger", now)
    group = _room(database, "Team", world.alice, [world.bob, carol, dave], now + timedelta(hours=1))
    _room(database, "Bob Baker", world.alice, [world.bob], now, RoomKind.DIRECT)
    _set_membership(database, world.room.id, world.alice.id, hidden=True, archived=True)
    account_id = _account_id(database, world.alice)

    with database.read_session() as session:
        page = list_all_rooms_and_people(session, world.alice.id, account_id, page=1)

    assert [row.title for row in page.rooms] == ["Team", "Bob Baker", "Website redesign"]
    assert page.rooms[0].room_id == group.id
    # Bob has a direct room; Erin shares nothing; names sort case-insensitively.
    assert [person.name for person in page.people] == ["carol chen", "Dave Doe"]
    assert (page.total, page.pages) == (5, 1)


def test_all_rooms_and_people_pages_never_overlap_or_skip(
    database: Database, world: World, now: datetime
) -> None:
    people = [_user(database, f"p{i}@example.net", f"Person {i}", now) for i in range(4)]
    for i in range(3):
        _room(database, f"Room {i}", world.alice, people, now + timedelta(minutes=i + 1))
    account_id = _account_id(database, world.alice)

    seen: list[str] = []
    with database.read_session() as session:
        for number in (1, 2, 3, 4):
            page = list_all_rooms_and_people(
                session, world.alice.id, account_id, page=number, per_page=3
            )
            seen += [row.title for row in page.rooms] + [p.name for p in page.people]

    assert page.total == 9 and page.pages == 3
    assert seen == [
        "Room 2",
        "Room 1",
        "Room 0",
        "Website redesign",
        "Bob Baker",
        "Person 0",
        "Person 1",
        "Person 2",
        "Person 3",
    ]


# --- accounts and header counts --------------------------------------------------------------


def test_rooms_show_in_the_inbox_of_their_account_with_pending_counts_per_account(
    database: Database, world: World, now: datetime
) -> None:
    freelancer = _account_id(database, world.alice)
    client = _account_id(database, world.alice, AccountKind.CLIENT)
    hiring = _room(
        database, "Hiring", world.alice, [world.bob], now, account_kind=AccountKind.CLIENT
    )
    _post(database, hiring.id, world.bob, "my proposal", now)
    _post(database, hiring.id, world.bob, "and a question", now)

    with database.read_session() as session:
        client_rooms = list_recent_rooms(session, world.alice.id, client, now=now)
        freelancer_rooms = list_recent_rooms(session, world.alice.id, freelancer, now=now)
        counts = account_unread_counts(session, world.alice.id)

    assert [row.title for row in client_rooms] == ["Hiring"]
    assert [row.title for row in freelancer_rooms] == ["Website redesign"]
    assert counts == {freelancer: 0, client: 1}


def test_tab_counts_rooms_alerts_updates_and_tickets(
    database: Database, world: World, now: datetime
) -> None:
    ticket = _room(database, "Ticket 1", world.bob, [world.alice], now, RoomKind.TICKET)
    _post(database, ticket.id, world.bob, "we are on it", now)
    _post(database, world.room.id, world.bob, "hi", now)
    with database.transaction() as session:
        create_alert(session, world.alice.id, category=AlertCategory.ALERT, title="Paid", now=now)
        create_alert(session, world.alice.id, category="alert", title="Invoice", now=now)
        create_alert(session, world.alice.id, category="update", title="New feature", now=now)
        create_alert(
            session,
            world.alice.id,
            category="update",
            title="Gone soon",
            now=now,
            expires_at=now + timedelta(minutes=1),
        )
    account_id = _account_id(database, world.alice)

    with database.read_session() as session:
        counts = tab_unread_counts(session, world.alice.id, account_id, now=now)
        later = tab_unread_counts(session, world.alice.id, account_id, now=now + timedelta(hours=1))

    assert counts == {"rooms": 2, "alerts": 2, "updates": 2, "tickets": 1}
    assert later["updates"] == 1


def test_ticket_rooms_are_listed_with_their_unread_state(
    database: Database, world: World, now: datetime
) -> None:
    ticket = _room(database, "Ticket 9", world.bob, [world.alice], now, RoomKind.TICKET)
    _post(database, ticket.id, world.bob, "Please send the invoice number", now)

    with database.read_session() as session:
        rows = list_ticket_rooms(session, world.alice.id, now=now)

    assert [(row.title, row.unread) for row in rows] == [("Ticket 9", 1)]
    with database.read_session() as session:
        membership = find_membership(session, ticket.id, world.alice.id)
        assert membership is not None
