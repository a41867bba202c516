"""The search page through the Flask test client: results linking into their rooms, the
query kept in the header box, pages, and clear answers for no results and bad queries."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask.testing import FlaskClient

from gateway.core.messages import post_message
from gateway.core.rooms import create_room
from gateway.core.users import add_user
from gateway.store.database import Database
from gateway.store.models import Origin, User

from support import World
from web_support import sign_in

HIT = re.compile(r'<li class="search-hit">')


def _post(database: Database, room_id: int, author: User, body: str, at: datetime) -> int:
    with database.transaction() as session:
        return post_message(session, room_id, author.id, body, origin=Origin.WEB, now=at).id


def _page(client: FlaskClient, **args: str) -> tuple[int, str]:
    response = client.get("/search", query_string=args)
    return response.status_code, response.get_data(as_text=True)


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/search?q=budget")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_each_result_links_to_the_message_in_its_room(client, database, world: World, now) -> None:
    message = _post(database, world.room.id, world.bob, "The budget is approved", now)
    sign_in(client, world.alice)

    status, page = _page(client, q="budget")

    assert status == 200
    assert len(HIT.findall(page)) == 1
    assert f'href="/rooms/{world.room.id}?around={message}#m-{message}"' in page
    assert "Website redesign" in page and "Bob Baker" in page
    assert "<mark>budget</mark>" in page


def test_the_query_stays_in_the_header_search_box(client, world: World) -> None:
    sign_in(client, world.alice)

    _, page = _page(client, q='from:bob "final invoice"')

    assert 'value="from:bob &#34;final invoice&#34;"' in page


def test_a_malformed_query_is_a_400_that_says_what_to_fix(client, world: World) -> None:
    sign_in(client, world.alice)

    status, page = _page(client, q="invoice before:2015")

    assert status == 400
    assert "before: needs a date like 20150501" in page
    assert 'value="invoice before:2015"' in page


def test_no_results_says_so(client, database, world: World, now) -> None:
    _post(database, world.room.id, world.bob, "The budget is approved", now)
    sign_in(client, world.alice)

    status, page = _page(client, q="zeppelin")

    assert status == 200
    assert "No messages match <strong>zeppelin</strong>" in page
    assert not HIT.findall(page)


def test_an_empty_box_shows_how_to_search(client, world: World) -> None:
    sign_in(client, world.alice)

    status, page = _page(client)

    assert status == 200
    assert "How to search" in page and "from:bob" in page
    assert not HIT.findall(page)


def test_message_text_is_escaped_and_only_the_matches_are_marked(
    client, database, world: World, now
) -> None:
    _post(database, world.room.id, world.bob, "<img src=x onerror=alert(1)> budget <b>x</b>", now)
    sign_in(client, world.alice)

    _, page = _page(client, q="budget")

    assert "<img src=x" not in page and "<b>x</b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>budget</mark> &lt;b&gt;x&lt;/b&gt;" in page


def test_results_come_in_pages_newest_first(client, database, world: World, now) -> None:
    ids = [
        _post(database, world.room.id, world.bob, f"weekly sync {n}", now + timedelta(minutes=n))
        for n in range(25)
    ]
    sign_in(client, world.alice)

    _, first = _page(client, q="sync")
    _, second = _page(client, q="sync", page="2")

    assert len(HIT.findall(first)) == 20 and len(HIT.findall(second)) == 5
    assert first.index(f"around={ids[24]}") < first.index(f"around={ids[5]}")
    assert "page=2" in first and "Older results" in first
    assert "Newer results" in second and "Older results" not in second
    assert f"around={ids[0]}" in second


def test_a_page_that_is_not_a_number_is_the_first_page(client, database, world: World, now) -> None:
    _post(database, world.room.id, world.bob, "weekly sync", now)
    sign_in(client, world.alice)

    status, page = _page(client, q="sync", page="abc")

    assert status == 200 and len(HIT.findall(page)) == 1


def test_rooms_of_other_people_never_appear(client, database, world: World, now) -> None:
    with database.transaction() as session:
        carol = add_user(session, "carol@example.net", name="Carol Chen", now=now)
        dave = add_user(session, "dave@example.com", name="Dave Jones", now=now)
        private = create_room(session, "Carol and Dave", owner=carol, members=[dave], now=now)
    _post(database, private.id, dave, "secret salary numbers", now)
    sign_in(client, world.alice)

    _, page = _page(client, q="salary")

    assert "secret" not in page and "Carol and Dave" not in page
    assert "No messages match" in page


def test_the_page_has_no_inline_script_style_or_event_handlers(
    client, database, world: World, now
) -> None:
    _post(database, world.room.id, world.bob, "budget", now)
    sign_in(client, world.alice)

    _, page = _page(client, q="budget")

    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page
    assert not re.search(r"\son[a-z]+=", page)
