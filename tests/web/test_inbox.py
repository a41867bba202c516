"""Message Center pages through the Flask test client: room lists (Recent, By category, All
rooms & people), the Account Alerts / Updates / Tickets tabs, header badges and the account
switcher."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select, update

from gateway.core.alerts import create_alert
from gateway.core.messages import post_message
from gateway.core.rooms import create_room
from gateway.core.users import add_user, get_account
from gateway.store.database import Database
from gateway.store.models import (
    AccountKind,
    Alert,
    AlertCategory,
    Membership,
    Origin,
    RoomKind,
    User,
    WebSession,
)

from support import World
from web_support import Clock, csrf_token, sign_in


def _post(database: Database, room_id: int, author: User, text: str, now: datetime) -> int:
    with database.transaction() as session:
        return post_message(session, room_id, author.id, text, origin=Origin.WEB, now=now).id


def _room(
    database: Database,
    title: str,
    owner: User,
    members: list[User],
    now: datetime,
    kind: RoomKind = RoomKind.GROUP,
    account_kind: AccountKind | None = None,
) -> int:
    with database.transaction() as session:
        stored_owner = session.get(User, owner.id)
        assert stored_owner is not None
        return create_room(
            session,
            title,
            owner=stored_owner,
            members=[m for m in (session.get(User, u.id) for u in members) if m is not None],
            now=now,
            kind=kind,
            account_kind=account_kind,
        ).id


def _stored(database: Database, user: User) -> User:
    """The user as stored now, accounts loaded (a stale copy would drop new accounts)."""
    with database.read_session() as session:
        stored = session.get(User, user.id)
        assert stored is not None
        stored.accounts  # noqa: B018 (loaded before the session closes)
        return stored


def _alert(database: Database, user: User, now: datetime, **fields: object) -> int:
    values: dict[str, object] = {"category": AlertCategory.ALERT, "title": "Payment received"}
    values.update(fields)
    with database.transaction() as session:
        return create_alert(session, user.id, now=now, **values).id  # type: ignore[arg-type]


def _text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _badge(page: str, tab: str) -> str | None:
    found = re.search(rf">{tab} <span class=\"badge\"[^>]*>(\w+)</span>", page)
    return found.group(1) if found else None


# --- room lists ------------------------------------------------------------------------------


def test_rooms_page_needs_a_signed_in_user(client: FlaskClient) -> None:
    response = client.get("/rooms")

    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_recent_lists_rooms_by_activity_with_unread_ones_in_bold_with_their_count(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    quiet = _room(database, "Quiet room", world.alice, [world.bob], now - timedelta(days=1))
    _post(database, world.room.id, world.bob, "Draft is <ready>", now)
    _post(database, world.room.id, world.bob, "Have a look", now)
    sign_in(client, world.alice)

    page = _text(client, "/rooms")

    assert page.index("Website redesign") < page.index("Quiet room")
    unread = re.search(r'<li class="room-row unread">(.*?)</li>', page, re.S)
    assert unread is not None
    assert f'href="/rooms/{world.room.id}"' in unread.group(1)
    assert 'aria-label="2 unread">2</span>' in unread.group(1)
    assert "Have a look" in unread.group(1) and "Bob Baker" in unread.group(1)
    assert re.search(
        rf'<li class="room-row">\s*<div class="room-row-head">\s*<a [^>]*/{quiet}"', page
    )
    assert _badge(page, "Messages") == "1"


def test_user_content_in_lists_is_escaped(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    _room(database, "<script>alert(1)</script>", world.alice, [], now)
    sign_in(client, world.alice)

    page = _text(client, "/rooms")

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_hidden_and_archived_rooms_are_left_out_of_recent(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    archived = _room(database, "Archived one", world.alice, [], now)
    with database.transaction() as session:
        session.execute(
            update(Membership)
            .where(Membership.user_id == world.alice.id, Membership.room_id == world.room.id)
            .values(hidden=True)
        )
        session.execute(
            update(Membership).where(Membership.room_id == archived).values(archived=True)
        )
    sign_in(client, world.alice)

    page = _text(client, "/rooms")
    assert "Website redesign" not in page and "Archived one" not in page

    _post(database, world.room.id, world.bob, "wake up", now)
    assert "Website redesign" in _text(client, "/rooms")
    assert "Archived one" in _text(client, "/rooms?view=category")


def test_category_view_shows_each_section(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    _room(database, "Interview with Bob", world.alice, [world.bob], now, RoomKind.INTERVIEW)
    _room(database, "Bob Baker", world.alice, [world.bob], now, RoomKind.DIRECT)
    sign_in(client, world.alice)

    page = _text(client, "/rooms?view=category")

    headings = re.findall(r'<h2 id="section-\d">(\w+)</h2>', page)
    assert headings == ["Favorites", "Interviews", "Rooms", "People", "Archived"]
    assert page.index("Interviews") < page.index("Interview with Bob") < page.index(">Rooms<")
    assert page.index(">People<") < page.index("Bob Baker</a>") < page.index(">Archived<")


def test_all_rooms_and_people_paginates_and_shows_people_with_no_activity(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        people = [
            add_user(session, f"p{i:02}@example.net", name=f"Person {i:02}", now=now)
            for i in range(30)
        ]
    _room(database, "Big team", world.alice, people, now + timedelta(minutes=1))
    sign_in(client, world.alice)

    first = _text(client, "/rooms/all")
    second = _text(client, "/rooms/all?page=2")

    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert 'href="/rooms/all?page=2"' in first
    assert first.index("Big team") < first.index("Website redesign") < first.index("Bob Baker")
    assert first.count("No activity") == 23  # 25 rows: 2 rooms, then Bob and 22 people
    assert second.count("No activity") == 8
    assert "Person 22" in second and "Person 21" not in second
    assert "Page 1 of 2" in _text(client, "/rooms/all?page=oops")


# --- accounts --------------------------------------------------------------------------------


def test_switching_account_shows_that_accounts_rooms_and_pending_counts_for_the_other(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        alice = session.get(User, world.alice.id)
        assert alice is not None
        client_account = get_account(session, alice, AccountKind.CLIENT).id
    hiring = _room(
        database,
        "Hiring a designer",
        world.alice,
        [world.bob],
        now,
        account_kind=AccountKind.CLIENT,
    )
    _post(database, hiring, world.bob, "Here is my proposal", now)
    sign_in(client, _stored(database, world.alice))

    freelancer_page = _text(client, "/rooms")
    assert "Hiring a designer" not in freelancer_page
    switcher = re.search(r'<form class="account-switcher".*?</form>', freelancer_page, re.S)
    assert switcher is not None
    assert re.search(
        rf'value="{client_account}" class="secondary">\s*Client.*?'
        r'aria-label="1 with unread messages">1</span>',
        switcher.group(0),
        re.S,
    )

    token = csrf_token(client, "/rooms")
    response = client.post("/account", data={"account_id": client_account, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/rooms")

    client_page = _text(client, "/rooms")
    assert "Hiring a designer" in client_page and "Website redesign" not in client_page
    assert _badge(client_page, "Messages") == "1"


def test_switching_to_someone_elses_account_is_not_found(
    client: FlaskClient, database: Database, world: World
) -> None:
    with database.transaction() as session:
        bob = session.get(User, world.bob.id)
        assert bob is not None
        bobs_account = get_account(session, bob).id
    sign_in(client, world.alice)
    token = csrf_token(client, "/rooms")

    response = client.post("/account", data={"account_id": bobs_account, "csrf_token": token})

    assert response.status_code == 404
    with database.read_session() as session:
        shown = session.scalar(
            select(WebSession.account_id).where(WebSession.user_id == world.alice.id)
        )
    assert shown != bobs_account


def test_a_single_account_user_sees_no_switcher(client: FlaskClient, world: World) -> None:
    sign_in(client, world.alice)

    assert "account-switcher" not in _text(client, "/rooms")


# --- alerts and updates ----------------------------------------------------------------------


def test_alerts_tab_lists_unread_alerts_in_bold_and_opening_one_marks_it_read(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    alert_id = _alert(database, world.alice, now, body="You were paid **$50**.", financial=True)
    _alert(database, world.alice, now, category=AlertCategory.UPDATE, title="New: dark mode")
    sign_in(client, world.alice)

    page = _text(client, "/alerts")
    assert re.search(rf'<li class="alert-row unread">\s*<a href="/alerts/{alert_id}">', page)
    assert "New: dark mode" not in page
    assert _badge(page, "Account Alerts") == "1" and _badge(page, "Updates") == "1"

    opened = _text(client, f"/alerts/{alert_id}")
    assert "You were paid <strong>$50</strong>." in opened
    assert _badge(opened, "Account Alerts") is None
    with database.read_session() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.read_at == now
    assert '<li class="alert-row">' in _text(client, "/alerts")


def test_opening_an_alert_with_a_link_marks_it_read_and_follows_the_link(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    alert_id = _alert(database, world.alice, now, link="/rooms/all")
    sign_in(client, world.alice)

    response = client.get(f"/alerts/{alert_id}")

    assert response.status_code == 302
    assert response.headers["Location"] == "/rooms/all"
    with database.read_session() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.read_at is not None


def test_another_users_alert_is_not_found_and_stays_unread(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    bobs = _alert(database, world.bob, now, title="Bob's payout")
    sign_in(client, world.alice)

    response = client.get(f"/alerts/{bobs}")

    assert response.status_code == 404
    assert "Bob&#39;s payout" not in response.get_data(as_text=True)
    with database.read_session() as session:
        alert = session.get(Alert, bobs)
        assert alert is not None and alert.read_at is None


def test_expired_alerts_disappear_from_the_tab(
    client: FlaskClient, database: Database, world: World, now: datetime, clock: Clock
) -> None:
    _alert(database, world.alice, now, title="Flash sale", expires_at=now + timedelta(hours=1))
    sign_in(client, world.alice)
    assert "Flash sale" in _text(client, "/alerts")

    clock.advance(minutes=61)

    assert "Flash sale" not in _text(client, "/alerts")


def test_updates_tab_shows_updates_and_mark_all_read_clears_only_that_tab(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    _alert(database, world.alice, now, category=AlertCategory.UPDATE, title="Release notes")
    _alert(database, world.alice, now, title="Invoice due")
    sign_in(client, world.alice)
    page = _text(client, "/updates")
    assert "Release notes" in page and "Invoice due" not in page
    token = csrf_token(client, "/updates")

    response = client.post("/alerts/read-all", data={"category": "update", "csrf_token": token})

    assert response.status_code == 302 and response.headers["Location"].endswith("/updates")
    after = _text(client, "/updates")
    assert _badge(after, "Updates") is None and _badge(after, "Account Alerts") == "1"


def test_posts_without_a_csrf_token_are_refused(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    _alert(database, world.alice, now)
    sign_in(client, world.alice)

    read_all = client.post("/alerts/read-all", data={"category": "alert"})
    switch = client.post("/account", data={"account_id": "1"})

    assert read_all.status_code == 400 and switch.status_code == 400
    assert _badge(_text(client, "/alerts"), "Account Alerts") == "1"


# --- tickets ---------------------------------------------------------------------------------


def test_tickets_tab_lists_ticket_rooms_with_unread_state(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    ticket = _room(database, "Ticket #42: refund", world.bob, [world.alice], now, RoomKind.TICKET)
    _post(database, ticket, world.bob, "We refunded you.", now)
    sign_in(client, world.alice)

    page = _text(client, "/tickets")

    assert re.search(rf'<li class="room-row unread">.*?href="/rooms/{ticket}"', page, re.S)
    assert "Website redesign" not in page
    assert _badge(page, "Tickets") == "1"
