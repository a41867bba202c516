"""Direct rooms are titled per viewer, through the Flask test client: a direct room between
Alice and Bob is "Bob Baker" to Alice and "Alice Archer" to Bob in the inbox lists, the room
page's heading and <title>, the Files & links page, search results and the flash that opens
it; a group room keeps its one title; a stored name unfit for a title shows as the
address's local part."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from gateway.core.messages import post_message
from gateway.core.room_starts import open_direct_room
from gateway.store.database import Database
from gateway.store.models import Origin, User

from support import World
from web_support import csrf_token, signed_in_client

STORED_TITLE = "Alice Archer and Bob Baker"


def _direct_room(database: Database, world: World, now: datetime) -> int:
    with database.transaction() as session:
        alice, bob = session.get_one(User, world.alice.id), session.get_one(User, world.bob.id)
        room, _created = open_direct_room(session, alice, bob, now=now, daily_limit=None)
        post_message(session, room.id, alice.id, "About the invoice", origin=Origin.WEB, now=now)
        return room.id


def _text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return html.unescape(response.get_data(as_text=True))


def _room_list_titles(page: str) -> list[str]:
    return re.findall(r'class="room-title" href="/rooms/\d+">([^<]+)</a>', page)


def _heading_and_title(page: str) -> tuple[str, str]:
    heading = re.search(r'<h1 id="room-title">([^<]*)</h1>', page)
    title = re.search(r"<title>([^<]*)</title>", page)
    assert heading is not None and title is not None
    return heading.group(1), title.group(1)


@pytest.mark.parametrize(
    ("viewer", "other_name"), [("alice", "Bob Baker"), ("bob", "Alice Archer")]
)
def test_a_direct_room_is_titled_with_the_other_persons_name_in_every_list(
    app: Flask, database: Database, world: World, now: datetime, viewer: str, other_name: str
) -> None:
    _direct_room(database, world, now)
    browser = signed_in_client(app, getattr(world, viewer))

    recent = _text(browser, "/rooms")
    by_category = _text(browser, "/rooms?view=category")
    every_room = _text(browser, "/rooms/all")

    assert other_name in _room_list_titles(recent)
    assert other_name in _room_list_titles(by_category)
    assert re.search(rf'href="/rooms/\d+">{other_name}</a>', every_room)
    for page in (recent, by_category, every_room):
        assert STORED_TITLE not in page


@pytest.mark.parametrize(
    ("viewer", "other_name"), [("alice", "Bob Baker"), ("bob", "Alice Archer")]
)
def test_the_room_page_and_its_files_page_are_titled_for_the_viewer(
    app: Flask, database: Database, world: World, now: datetime, viewer: str, other_name: str
) -> None:
    room_id = _direct_room(database, world, now)
    browser = signed_in_client(app, getattr(world, viewer))

    heading, title = _heading_and_title(_text(browser, f"/rooms/{room_id}"))
    files = _text(browser, f"/rooms/{room_id}/files")

    assert heading == other_name
    assert title.startswith(f"{other_name} · ")
    assert f"Back to {other_name}" in files and STORED_TITLE not in files


def test_search_results_name_a_direct_room_as_the_searcher_sees_it(
    app: Flask, database: Database, world: World, now: datetime
) -> None:
    _direct_room(database, world, now)

    alices = _text(signed_in_client(app, world.alice), "/search?q=invoice")
    bobs = _text(signed_in_client(app, world.bob), "/search?q=invoice")

    assert re.findall(r'class="search-hit-room">([^<]+)<', alices) == ["Bob Baker"]
    assert re.findall(r'class="search-hit-room">([^<]+)<', bobs) == ["Alice Archer"]


def test_starting_a_direct_conversation_announces_it_by_the_other_persons_name(
    app: Flask, world: World
) -> None:
    browser = signed_in_client(app, world.alice)
    token = csrf_token(browser, "/rooms/new")

    response = browser.post(
        "/rooms/new",
        data={"kind": "direct", "email": world.bob.email, "csrf_token": token},
        follow_redirects=True,
    )

    page = html.unescape(response.get_data(as_text=True))
    assert "Bob Baker is ready." in page
    assert _heading_and_title(page)[0] == "Bob Baker"


def test_a_group_room_shows_the_same_title_to_everyone(app: Flask, world: World) -> None:
    for user in (world.alice, world.bob):
        browser = signed_in_client(app, user)
        assert _room_list_titles(_text(browser, "/rooms")) == ["Website redesign"]
        heading, _title = _heading_and_title(_text(browser, f"/rooms/{world.room.id}"))
        assert heading == "Website redesign"


def test_a_stored_name_unfit_for_a_title_shows_as_the_address_local_part(
    app: Flask, database: Database, world: World, now: datetime
) -> None:
    room_id = _direct_room(database, world, now)
    with database.transaction() as session:
        session.execute(
            update(User).where(User.id == world.alice.id).values(display_name="Al\r\nice")
        )
    browser = signed_in_client(app, world.bob)

    heading, _title = _heading_and_title(_text(browser, f"/rooms/{room_id}"))

    assert heading == "alice"
    assert "alice" in _room_list_titles(_text(browser, "/rooms"))
