"""The room page and its message routes through the Flask test client: history, compose
(form and script), replies, edit and delete within the hour, read marks, attachment limits,
and nothing about a room for anyone outside it."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from gateway.core.blocks import block_user
from gateway.core.messages import NewFile, post_message
from gateway.core.rooms import create_room, find_membership
from gateway.core.users import add_user
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import (
    Attachment,
    Message,
    Origin,
    RoomEvent,
    RoomEventKind,
    RoomKind,
    User,
)
from gateway.web.app import create_app

from support import World
from web_support import Clock, csrf_token, sign_in

JSON = {"Accept": "application/json"}


def _say(database: Database, room_id: int, author_id: int, text: str, now: datetime, **kw) -> int:
    with database.transaction() as session:
        return post_message(session, room_id, author_id, text, origin=Origin.WEB, now=now, **kw).id


def _messages(database: Database) -> list[Message]:
    with database.read_session() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def _last_read(database: Database, room_id: int, user_id: int) -> int | None:
    with database.read_session() as session:
        membership = find_membership(session, room_id, user_id)
        assert membership is not None
        return membership.last_read_message_id


@pytest.fixture
def alice_token(client: FlaskClient, world: World) -> str:
    sign_in(client, world.alice)
    return csrf_token(client, f"/rooms/{world.room.id}")


def _post(
    client: FlaskClient, path: str, token: str, *, json: bool = False, **form
) -> TestResponse:
    return client.post(path, data={"csrf_token": token, **form}, headers=JSON if json else {})


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- The page ----------------------------------------------------------------------------


def test_page_shows_title_kind_participants_and_history_oldest_first(
    client, database, world, now
) -> None:
    first = _say(database, world.room.id, world.bob.id, "First **one**", now)
    second = _say(database, world.room.id, world.alice.id, "Second", now)
    sign_in(client, world.alice)
    page = _page(client, f"/rooms/{world.room.id}")
    assert '<h1 id="room-title">Website redesign</h1>' in page
    assert "Group" in page and "Alice Archer, Bob Baker" in page
    assert page.index(f'id="m-{first}"') < page.index(f'id="m-{second}"')
    assert "<strong>one</strong>" in page
    assert (
        f'<ol id="messages" class="messages" aria-label="Messages" aria-live="polite"\n'
        f'    data-newest-id="{second}"\n    data-oldest-id="{first}"'
    ) in page
    assert re.search(
        rf'<li class="message[^"]*" id="m-{first}" data-message-id="{first}" '
        rf'data-author-id="{world.bob.id}" data-editable="false"',
        page,
    )
    assert (
        f'data-message-id="{second}" data-author-id="{world.alice.id}" data-editable="true"' in page
    )
    assert '<section id="room" class="room"' in page
    assert f'data-room-id="{world.room.id}"' in page and f'data-user-id="{world.alice.id}"' in page
    assert 'data-enter-sends="true"' in page
    # Static URLs carry a content fingerprint (gateway.web.http_caching).
    assert re.search(r'<script src="/static/live\.js\?v=[0-9a-f]+" defer></script>', page)
    assert re.search(r'<script src="/static/room\.js\?v=[0-9a-f]+" defer></script>', page)
    assert f'href="/rooms/{world.room.id}/messages/{first}/report"' in page
    assert "Room details" in page  # the side panel


def test_page_is_not_found_for_strangers_and_signed_out_visitors_go_to_sign_in(
    client, database, world, now
) -> None:
    with database.transaction() as session:
        stranger = add_user(session, "mallory@example.com", now=now)
    assert client.get(f"/rooms/{world.room.id}").status_code == 302
    sign_in(client, stranger)
    assert client.get(f"/rooms/{world.room.id}").status_code == 404
    assert client.get("/rooms/999999").status_code == 404


def test_times_are_shown_in_the_viewers_time_zone(client, database, world, now) -> None:
    _say(database, world.room.id, world.alice.id, "morning", now)
    with database.transaction() as session:
        session.get_one(User, world.bob.id).time_zone = "America/New_York"
    sign_in(client, world.bob)
    page = _page(client, f"/rooms/{world.room.id}")
    assert 'title="Mon 23 Nov 2026, 04:30 EST">04:30</time>' in page


def test_enter_preference_and_neighbouring_rooms_are_on_the_page(
    client, database, world, now
) -> None:
    with database.transaction() as session:
        alice = session.get_one(User, world.alice.id)
        alice.enter_sends = False
        older = create_room(session, "Older", owner=alice, now=now)
        newer = create_room(session, "Newer", owner=alice, now=now)
    _say(database, older.id, world.alice.id, "a", now)
    _say(database, world.room.id, world.alice.id, "b", now)
    _say(database, newer.id, world.alice.id, "c", now)
    sign_in(client, world.alice)
    page = _page(client, f"/rooms/{world.room.id}")
    assert 'data-enter-sends="false"' in page
    assert f'data-prev-room-url="/rooms/{newer.id}"' in page
    assert f'data-next-room-url="/rooms/{older.id}"' in page


def test_opening_the_page_marks_the_newest_message_read(client, database, world, now) -> None:
    _say(database, world.room.id, world.alice.id, "one", now)
    newest = _say(database, world.room.id, world.alice.id, "two", now)
    sign_in(client, world.bob)
    page = _page(client, f"/rooms/{world.room.id}")
    assert "message--unread" in page
    assert _last_read(database, world.room.id, world.bob.id) == newest


def test_emailed_reply_shows_its_quoted_text_collapsed(client, database, world, now) -> None:
    _say(database, world.room.id, world.bob.id, "Yes", now, quoted_text="> <b>Can we?</b>")
    sign_in(client, world.alice)
    page = _page(client, f"/rooms/{world.room.id}")
    assert '<details class="message-quoted">' in page
    assert "&gt; &lt;b&gt;Can we?&lt;/b&gt;" in page


def test_reply_shows_the_quoted_parent_excerpt(client, database, world, now) -> None:
    parent = _say(database, world.room.id, world.bob.id, "Can we ship Friday?", now)
    _say(database, world.room.id, world.alice.id, "Yes", now, parent_id=parent)
    sign_in(client, world.alice)
    page = _page(client, f"/rooms/{world.room.id}")
    assert "In reply to Bob Baker" in page and "Can we ship Friday?" in page
    # Without JavaScript, ?reply_to= prepares the compose box.
    page = _page(client, f"/rooms/{world.room.id}?reply_to={parent}")
    assert f'name="parent_id" id="compose-parent-id" value="{parent}"' in page


def test_around_shows_and_highlights_a_message_from_far_back(client, database, world, now) -> None:
    ids = [_say(database, world.room.id, world.bob.id, f"m{n}", now) for n in range(70)]
    sign_in(client, world.alice)
    newest = _page(client, f"/rooms/{world.room.id}")
    assert f'id="m-{ids[5]}"' not in newest and "Load older messages" in newest
    page = _page(client, f"/rooms/{world.room.id}?around={ids[5]}")
    assert re.search(rf'class="message[^"]*message--highlighted" id="m-{ids[5]}"', page)
    assert "Jump to the newest messages" in page


# --- Paging as JSON ----------------------------------------------------------------------


def test_before_and_after_page_through_history_as_json(client, database, world, now) -> None:
    ids = [_say(database, world.room.id, world.bob.id, f"m{n}", now) for n in range(60)]
    sign_in(client, world.alice)
    older = client.get(f"/rooms/{world.room.id}/messages?before={ids[55]}", headers=JSON).json
    assert [m["id"] for m in older["messages"]] == ids[5:55] and older["has_more"] is True
    assert older["messages"][0]["html"].startswith(
        f'<li class="message message--unread" id="m-{ids[5]}"'
    )
    newer = client.get(f"/rooms/{world.room.id}/messages?after={ids[55]}", headers=JSON).json
    assert [m["id"] for m in newer["messages"]] == ids[56:] and newer["has_more"] is False
    one = client.get(f"/rooms/{world.room.id}/messages/{ids[3]}").json
    assert one["id"] == ids[3] and f'id="m-{ids[3]}"' in one["html"]


def test_another_rooms_messages_cannot_be_read_by_guessing_ids(
    client, database, world, now
) -> None:
    with database.transaction() as session:
        bob = session.get_one(User, world.bob.id)
        private = create_room(session, "Bob alone", owner=bob, now=now)
    secret = _say(database, private.id, world.bob.id, "secret", now)
    sign_in(client, world.alice)
    for path in (
        f"/rooms/{private.id}/messages?after=0",
        f"/rooms/{private.id}/messages/{secret}",
        f"/rooms/{world.room.id}/messages/{secret}",
    ):
        response = client.get(path, headers=JSON)
        assert response.status_code == 404 and "secret" not in response.get_data(as_text=True)
    assert "secret" not in _page(client, f"/rooms/{world.room.id}?around={secret}")


# --- Compose -----------------------------------------------------------------------------


def test_form_post_stores_the_message_and_goes_back_to_it(
    client, database, world, alice_token
) -> None:
    response = _post(client, f"/rooms/{world.room.id}/messages", alice_token, body="Hello *Bob*")
    [message] = _messages(database)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/rooms/{world.room.id}#m-{message.id}")
    assert message.origin is Origin.WEB and message.body_html == "<p>Hello <em>Bob</em></p>\n"


def test_script_post_answers_with_the_message_html(
    client, database, world, alice_token, now
) -> None:
    parent = _say(database, world.room.id, world.bob.id, "question", now)
    response = _post(
        client, f"/rooms/{world.room.id}/messages", alice_token, json=True, body="answer",
        parent_id=str(parent),
    )  # fmt: skip
    assert response.status_code == 200 and response.json["ok"] is True
    assert response.json["html"].startswith(
        f'<li class="message message--own" id="m-{response.json["id"]}"'
    )
    assert "In reply to Bob Baker" in response.json["html"]


def test_posts_without_the_csrf_token_are_refused(client, database, world) -> None:
    sign_in(client, world.alice)
    response = client.post(f"/rooms/{world.room.id}/messages", data={"body": "hi"})
    assert response.status_code == 400 and _messages(database) == []


def test_contact_details_are_refused_on_the_web_with_422_and_nothing_stored(
    client, database, world, alice_token
) -> None:
    response = _post(
        client, f"/rooms/{world.room.id}/messages", alice_token, json=True,
        body="mail me at alice@example.com",
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json == {
        "error": "Contact details (email addresses and phone numbers) can only be shared once "
        "a contract has started. Remove alice@example.com and send again."
    }
    # Without JavaScript: the page again, with the reason and the text kept for fixing.
    response = _post(
        client, f"/rooms/{world.room.id}/messages", alice_token, body="call 415-555-0132"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Remove 415-555-0132 and send again." in page
    assert ">call 415-555-0132</textarea>" in page
    assert _messages(database) == []


def test_contact_details_are_posted_in_a_contract_room(client, database, world, now) -> None:
    with database.transaction() as session:
        alice, bob = session.get_one(User, world.alice.id), session.get_one(User, world.bob.id)
        contract = create_room(
            session, "Contract", owner=alice, members=[bob], kind=RoomKind.CONTRACT, now=now
        )
    sign_in(client, world.alice)
    token = csrf_token(client, f"/rooms/{contract.id}")
    response = _post(
        client, f"/rooms/{contract.id}/messages", token, json=True, body="alice@example.com"
    )
    assert response.status_code == 200


def test_direct_message_to_someone_who_blocked_you_is_refused(client, database, world, now) -> None:
    with database.transaction() as session:
        alice, bob = session.get_one(User, world.alice.id), session.get_one(User, world.bob.id)
        direct = create_room(
            session, "Bob", owner=alice, members=[bob], kind=RoomKind.DIRECT, now=now
        )
        block_user(session, world.bob.id, world.alice.id, now=now)
    sign_in(client, world.alice)
    token = csrf_token(client, f"/rooms/{direct.id}")
    response = _post(client, f"/rooms/{direct.id}/messages", token, json=True, body="hello?")
    assert response.status_code == 403
    assert response.json == {"error": "You cannot send messages to this person."}
    assert _messages(database) == []


def test_non_members_cannot_post(client, database, world, now) -> None:
    with database.transaction() as session:
        stranger = add_user(session, "mallory@example.com", now=now)
    sign_in(client, stranger)
    token = csrf_token(client, "/rooms/new")
    for json in (True, False):
        response = _post(client, f"/rooms/{world.room.id}/messages", token, json=json, body="hi")
        assert response.status_code == 404
    assert _messages(database) == []


def test_files_are_attached_and_limits_refuse_with_nothing_stored(
    settings: Settings, database, world, clock: Clock
) -> None:
    small = dataclasses.replace(settings, attachment_max_files=2, attachment_max_bytes=1000)
    app: Flask = create_app(small, database, clock=clock)
    client = app.test_client()
    sign_in(client, world.alice)
    token = csrf_token(client, f"/rooms/{world.room.id}")
    path = f"/rooms/{world.room.id}/messages"

    def upload(*files: tuple[bytes, str]) -> TestResponse:
        data = {"csrf_token": token, "body": "files", "attachments": [
            (io.BytesIO(content), name) for content, name in files
        ]}  # fmt: skip
        return client.post(path, data=data, headers=JSON, content_type="multipart/form-data")

    too_many = upload((b"a", "a.txt"), (b"b", "b.txt"), (b"c", "c.txt"))
    assert too_many.status_code == 422
    assert too_many.json["error"] == "A message can carry at most 2 files; 3 were attached."
    too_big = upload((b"x" * 600, "a.txt"), (b"y" * 600, "b.txt"))
    assert too_big.status_code == 422
    assert "at most 1000 bytes; these total 1.2 KB" in too_big.json["error"]
    with database.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert _messages(database) == []
    far_too_big = upload((b"z" * (1024 * 1024 + 2000), "huge.bin"))
    assert far_too_big.status_code == 413
    assert far_too_big.json["error"] == "The files of one message can total at most 1000 bytes."
    fine = upload((b"\x89PNG\r\n\x1a\n....", "../../shot.png"), (b"notes", "notes.txt"))
    assert fine.status_code == 200
    with database.read_session() as session:
        names = session.scalars(select(Attachment.filename).order_by(Attachment.id)).all()
    assert names == ["shot.png", "notes.txt"]
    assert 'class="message-thumb" src="/files/' in fine.json["html"]


# --- Edit, delete ------------------------------------------------------------------------


def test_author_edits_within_the_hour_but_not_after(
    client, database, world, alice_token, now, clock: Clock
) -> None:
    mid = _say(database, world.room.id, world.alice.id, "draft", now)
    response = _post(
        client, f"/rooms/{world.room.id}/messages/{mid}/edit", alice_token, json=True, body="final"
    )
    assert response.status_code == 200 and "<p>final</p>" in response.json["html"]
    assert "(edited)" in response.json["html"]
    clock.advance(minutes=61)
    late = _post(
        client, f"/rooms/{world.room.id}/messages/{mid}/edit", alice_token, json=True, body="later"
    )
    assert late.status_code == 403
    assert late.json == {"error": "Messages can only be edited within an hour of sending."}
    assert _messages(database)[0].body_source == "final"
    # The page no longer offers editing once the hour is over.
    assert 'data-editable="false"' in _page(client, f"/rooms/{world.room.id}")


def test_nobody_edits_or_deletes_someone_elses_message(
    client, database, world, alice_token, now
) -> None:
    mid = _say(database, world.room.id, world.bob.id, "bob's", now)
    for action, form in (("edit", {"body": "alice's"}), ("delete", {})):
        response = _post(
            client, f"/rooms/{world.room.id}/messages/{mid}/{action}", alice_token, json=True,
            **form,
        )  # fmt: skip
        assert response.status_code == 403
    assert _messages(database)[0].body_source == "bob's"


def test_edit_with_contact_details_is_refused(client, database, world, alice_token, now) -> None:
    mid = _say(database, world.room.id, world.alice.id, "ok", now)
    response = _post(
        client, f"/rooms/{world.room.id}/messages/{mid}/edit", alice_token, json=True,
        body="ring +44 20 7946 0958",
    )  # fmt: skip
    assert response.status_code == 422 and "+44 20 7946 0958" in response.json["error"]


def test_deleted_message_stays_as_a_placeholder(client, database, world, alice_token, now) -> None:
    mid = _say(database, world.room.id, world.alice.id, "regrettable words", now)
    response = _post(client, f"/rooms/{world.room.id}/messages/{mid}/delete", alice_token)
    assert response.status_code == 303
    page = _page(client, f"/rooms/{world.room.id}")
    assert "This message was deleted." in page and "regrettable words" not in page
    assert f'id="m-{mid}"' in page
    with database.read_session() as session:
        assert session.scalars(select(RoomEvent.kind)).all() == [RoomEventKind.DELETED]


def test_delete_after_the_hour_flashes_the_reason(
    client, database, world, alice_token, now, clock: Clock
) -> None:
    mid = _say(database, world.room.id, world.alice.id, "stays", now)
    clock.advance(minutes=61)
    response = _post(client, f"/rooms/{world.room.id}/messages/{mid}/delete", alice_token)
    assert response.status_code == 303
    page = _page(client, f"/rooms/{world.room.id}")
    assert "Messages can only be deleted within an hour of sending." in page
    assert "stays" in page


# --- Read marks --------------------------------------------------------------------------


def test_mark_unread_from_a_message_then_back_to_the_inbox(client, database, world, now) -> None:
    first = _say(database, world.room.id, world.alice.id, "one", now)
    second = _say(database, world.room.id, world.alice.id, "two", now)
    sign_in(client, world.bob)
    token = csrf_token(client, f"/rooms/{world.room.id}")
    assert _last_read(database, world.room.id, world.bob.id) == second
    response = _post(client, f"/rooms/{world.room.id}/messages/{second}/unread", token)
    assert response.status_code == 303 and response.headers["Location"].endswith("/rooms")
    assert _last_read(database, world.room.id, world.bob.id) == first
    read = _post(client, f"/rooms/{world.room.id}/read", token, json=True, message_id=str(second))
    assert read.json == {"ok": True, "last_read_message_id": second}


def test_read_marks_are_not_found_outside_the_room(client, database, world, now) -> None:
    mid = _say(database, world.room.id, world.alice.id, "one", now)
    with database.transaction() as session:
        stranger = add_user(session, "mallory@example.com", now=now)
    sign_in(client, stranger)
    token = csrf_token(client, "/rooms/new")
    assert (
        _post(client, f"/rooms/{world.room.id}/read", token, message_id=str(mid)).status_code == 404
    )
    assert _post(client, f"/rooms/{world.room.id}/messages/{mid}/unread", token).status_code == 404
    for action in ("edit", "delete"):
        response = _post(client, f"/rooms/{world.room.id}/messages/{mid}/{action}", token, body="x")
        assert response.status_code == 404


# --- Escaping ----------------------------------------------------------------------------


def test_markup_in_bodies_names_and_file_names_comes_out_escaped(
    client, database, world, now
) -> None:
    with database.transaction() as session:
        session.get_one(User, world.bob.id).display_name = "<img src=x onerror=alert(1)>"
    _say(
        database, world.room.id, world.bob.id,
        '<script>alert("body")</script> [x](javascript:alert(1)) <b onmouseover=alert(2)>hi</b>',
        now, files=[NewFile('"><script>alert(3)</script>.png', "image/png", b"\x89PNG\r\n\x1a\n")],
    )  # fmt: skip
    sign_in(client, world.alice)
    page = _page(client, f"/rooms/{world.room.id}")
    assert "<script>alert" not in page and 'href="javascript:' not in page
    assert "<img src=x" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;alert(&#34;body&#34;)&lt;/script&gt;" in page or (
        "&lt;script&gt;alert(&quot;body&quot;)&lt;/script&gt;" in page
    )
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&#34;&gt;&lt;script&gt;alert(3)&lt;/script&gt;.png" in page


@pytest.mark.parametrize(
    "query", ["before=99999999999", "around=99999999999", "reply_to=99999999999", "before=-1"]
)
def test_ids_past_the_stored_range_in_the_query_are_ignored(
    client: FlaskClient, world: World, query: str
) -> None:
    sign_in(client, world.bob)
    response = client.get(f"/rooms/{world.room.id}?{query}")
    assert response.status_code == 200


def test_ids_past_the_stored_range_in_the_path_are_not_found(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.bob)
    assert client.get("/rooms/99999999999").status_code == 404
    assert client.get("/rooms/2147483648").status_code == 404
