"""Nothing unread hides: every room the Messages badge counts is in Recent (an archived or
hidden room comes back while it has unread messages), and the live counts behind the page
(GET /unread, GET /rooms/list, the "(3) Messages" tab title): through the Flask test client."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import update

from gateway.core.alerts import create_alert
from gateway.core.messages import post_message
from gateway.core.reading import mark_read
from gateway.core.rooms import create_room
from gateway.core.users import get_account
from gateway.store.database import Database
from gateway.store.models import AccountKind, AlertCategory, Membership, Origin, RoomKind, User

from support import World
from web_support import Clock, sign_in


def _post(database: Database, room_id: int, author: User, text: str, now: datetime) -> int:
    with database.transaction() as session:
        return post_message(session, room_id, author.id, text, origin=Origin.EMAIL, now=now).id


def _room(
    database: Database, title: str, world: World, now: datetime, kind: RoomKind = RoomKind.GROUP
) -> int:
    with database.transaction() as session:
        alice, bob = session.merge(world.alice), session.merge(world.bob)
        return create_room(session, title, owner=alice, members=[bob], now=now, kind=kind).id


def _set(database: Database, room_id: int, user: User, **values: object) -> None:
    with database.transaction() as session:
        session.execute(
            update(Membership)
            .where(Membership.room_id == room_id, Membership.user_id == user.id)
            .values(**values)
        )


def _unread(client: FlaskClient) -> dict:
    response = client.get("/unread")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def _unread_rows(html: str) -> list[str]:
    """The titles of the rows listed as unread."""
    return re.findall(
        r'<li class="room-row unread">\s*<div class="room-row-head">\s*<a [^>]*>([^<]+)</a>', html
    )


def _title(html: str) -> str:
    found = re.search(r"<title>([^<]*)</title>", html)
    assert found
    return found.group(1)


def test_the_messages_badge_counts_exactly_the_unread_rooms_recent_shows(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    archived = _room(database, "Old project", world, now - timedelta(days=3))
    hidden = _room(database, "Bob Baker", world, now - timedelta(days=2), RoomKind.DIRECT)
    _room(database, "Quiet room", world, now - timedelta(days=1))
    _set(database, archived, world.alice, archived=True)
    _set(database, hidden, world.alice, hidden=True)
    sign_in(client, world.alice)
    assert _unread(client)["badges"]["rooms"] == 0
    assert "Old project" not in client.get("/rooms").get_data(as_text=True)

    for room_id in (archived, hidden, world.room.id):
        _post(database, room_id, world.bob, "Something new", now)
    page = client.get("/rooms").get_data(as_text=True)

    shown = _unread_rows(page)
    assert sorted(shown) == ["Bob Baker", "Old project", "Website redesign"]
    assert _unread(client)["badges"]["rooms"] == len(shown) == 3
    assert re.search(
        r'>Old project</a>.*?<span class="room-flag room-set-aside">Archived', page, re.S
    )
    assert _title(page) == "(3) Messages · Gateway"


def test_an_archived_room_leaves_recent_again_once_read(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    _set(database, world.room.id, world.alice, archived=True)
    message_id = _post(database, world.room.id, world.bob, "ping", now)
    sign_in(client, world.alice)
    assert _unread_rows(client.get("/rooms").get_data(as_text=True)) == ["Website redesign"]

    with database.transaction() as session:
        mark_read(session, world.room.id, world.alice.id, message_id)

    page = client.get("/rooms").get_data(as_text=True)
    assert "Website redesign" not in page
    assert _unread(client)["badges"]["rooms"] == 0 and _title(page) == "Messages · Gateway"
    # Still where archived rooms live.
    assert "Website redesign" in client.get("/rooms?view=category").get_data(as_text=True)


def test_past_the_recent_limit_unread_rooms_are_counted_with_a_link_to_all(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    for minute in range(51):
        room_id = _room(database, f"Room {minute}", world, now + timedelta(minutes=minute))
        _post(database, room_id, world.bob, "hello", now + timedelta(minutes=minute))
    _post(database, world.room.id, world.bob, "oldest news", now - timedelta(days=1))
    sign_in(client, world.alice)

    page = client.get("/rooms").get_data(as_text=True)

    assert len(_unread_rows(page)) == 50 and _unread(client)["badges"]["rooms"] == 52
    assert "2 more rooms have unread messages" in page


def test_unread_answers_the_header_badges_for_the_signed_in_user(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        create_alert(session, world.alice.id, category=AlertCategory.UPDATE, title="New", now=now)
    _post(database, world.room.id, world.bob, "hi", now)
    sign_in(client, world.alice)

    answer = _unread(client)

    assert answer["badges"] == {"rooms": 1, "alerts": 0, "updates": 1, "tickets": 0}
    assert answer["accounts"] == {}
    assert re.fullmatch(r"[0-9a-f]{16}", answer["rooms_fingerprint"])
    page = client.get("/rooms").get_data(as_text=True)
    assert 'data-unread-badge="updates" aria-label="1 unread">1</span>' in page
    assert re.search(r'data-unread-badge="alerts" hidden></span>', page)


def test_unread_needs_a_signed_in_user_and_is_never_cached(client: FlaskClient) -> None:
    response = client.get("/unread")

    assert response.status_code == 401
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {"error": "sign in to see unread counts"}


def test_the_fingerprint_changes_exactly_when_the_list_would(
    client: FlaskClient, database: Database, world: World, now: datetime, clock: Clock
) -> None:
    sign_in(client, world.alice)
    first = _unread(client)["rooms_fingerprint"]
    clock.advance(minutes=5)
    assert _unread(client)["rooms_fingerprint"] == first  # nothing moved

    message_id = _post(database, world.room.id, world.bob, "hi", now)
    second = _unread(client)["rooms_fingerprint"]
    assert second != first
    with database.transaction() as session:
        mark_read(session, world.room.id, world.alice.id, message_id)
    third = _unread(client)["rooms_fingerprint"]
    assert third not in (first, second)
    _set(database, world.room.id, world.alice, archived=True)
    assert _unread(client)["rooms_fingerprint"] not in (first, second, third)
    # Someone else's read mark is not part of Alice's list.
    fourth = _unread(client)["rooms_fingerprint"]
    with database.transaction() as session:
        mark_read(session, world.room.id, world.bob.id, message_id)
    assert _unread(client)["rooms_fingerprint"] == fourth


def test_the_list_fragment_is_the_list_alone_with_its_fingerprint(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    _post(database, world.room.id, world.bob, "Fresh news", now)
    sign_in(client, world.alice)
    page = client.get("/rooms").get_data(as_text=True)
    rendered = re.search(r'<div id="room-list" data-fingerprint="([0-9a-f]+)"', page)
    assert rendered and rendered.group(1) == _unread(client)["rooms_fingerprint"]

    response = client.get("/rooms/list?view=recent")

    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Room-List-Fingerprint"] == rendered.group(1)
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and "<header" not in fragment
    assert _unread_rows(fragment) == ["Website redesign"] and "Fresh news" in fragment
    category = client.get("/rooms/list?view=category").get_data(as_text=True)
    assert '<h2 id="section-1">Favorites</h2>' in category


def test_the_list_fragment_needs_a_signed_in_user(client: FlaskClient) -> None:
    response = client.get("/rooms/list")

    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_unread_counts_the_other_accounts_for_the_switcher(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        alice = session.merge(world.alice)
        client_account = get_account(session, alice, AccountKind.CLIENT).id
        hiring = create_room(
            session,
            "Hiring",
            owner=alice,
            members=[session.merge(world.bob)],
            now=now,
            account_kind=AccountKind.CLIENT,
        ).id
    _post(database, hiring, world.bob, "My proposal", now)
    with database.read_session() as session:
        stored = session.get(User, world.alice.id)
        assert stored is not None
        stored.accounts  # noqa: B018 (loaded before the session closes)
    sign_in(client, stored)

    answer = _unread(client)

    # The freelancer inbox is shown: its Messages badge is 0, the client account has 1.
    assert answer["badges"]["rooms"] == 0
    assert answer["accounts"][str(client_account)] == 1
    page = client.get("/rooms").get_data(as_text=True)
    assert f'data-account-badge="{client_account}" aria-label="1 with unread messages">1<' in page
