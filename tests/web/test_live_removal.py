"""Removed means removed, live too: an open room stream ends, and tells its page why, once
its viewer may no longer follow the room, whatever ended it and in whichever process.

Bob and Carol follow the room over the real event stream (the Flask test client's streaming
response, read in a thread); Bob is then removed through the platform API, the `gateway`
command or the room page's Leave button, deactivated, or signed out. A message posted after
that reaches Carol's stream and never Bob's, whose stream ends with the reason."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.cli import main
from gateway.core.api_keys import create_api_key
from gateway.core.messages import post_message
from gateway.core.rooms import create_room
from gateway.core.web_sessions import SESSION_LIFETIME
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Origin, User

from support import World, add_carol
from web_support import Clock, EventReader, csrf_token, post_from_elsewhere, signed_in_client

RemoveBob = Callable[[Flask, FlaskClient, World], None]


@pytest.fixture
def carol(database: Database, world: World, now: datetime) -> User:
    """A third member of the room, who stays."""
    return add_carol(database, world, now)


def _follow(open_stream: Callable, client: FlaskClient, room_id: int) -> EventReader:
    _, reader = open_stream(client, f"/live/rooms/{room_id}")
    assert reader is not None
    reader.until(lambda text: "id: " in text)
    return reader


def _remove_through_the_api(app: Flask, _bob_client: FlaskClient, world: World) -> None:
    context = app.extensions["gateway"]
    with context.database.transaction() as session:
        _key, secret = create_api_key(session, "marketplace", now=context.clock())
    response = app.test_client().delete(
        f"/api/v1/rooms/{world.room.id}/members/{world.bob.id}",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 204


def _remove_with_the_command(app: Flask, _bob_client: FlaskClient, world: World) -> None:
    """`gateway room remove-member`, run as an administrator would (its own engine)."""
    settings: Settings = app.extensions["gateway"].settings
    environment = {
        "GATEWAY_DATA_DIR": str(settings.data_dir),
        "GATEWAY_DATABASE_URL": settings.database_url,
        "GATEWAY_SECRET_KEY": settings.secret_key,
        "GATEWAY_MAIL_DOMAIN": settings.mail_domain,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("GATEWAY_")]:
            if name != "GATEWAY_TEST_DATABASE_URL":
                patch.delenv(name)
        for name, value in environment.items():
            patch.setenv(name, value)
        assert main(["room", "remove-member", str(world.room.id), world.bob.email]) == 0


def _leave_from_the_room_page(_app: Flask, bob_client: FlaskClient, world: World) -> None:
    token = csrf_token(bob_client, f"/rooms/{world.room.id}")
    response = bob_client.post(f"/rooms/{world.room.id}/leave", data={"csrf_token": token})
    assert response.status_code == 303


@pytest.mark.parametrize(
    "remove_bob",
    [_remove_through_the_api, _remove_with_the_command, _leave_from_the_room_page],
    ids=["api", "command", "leave"],
)
def test_removed_member_stream_gets_no_later_message_and_ends_saying_so(
    live_app: Flask,
    database: Database,
    world: World,
    carol: User,
    now: datetime,
    open_stream: Callable,
    remove_bob: RemoveBob,
) -> None:
    bob_client = signed_in_client(live_app, world.bob)
    bob = _follow(open_stream, bob_client, world.room.id)
    carols = _follow(open_stream, signed_in_client(live_app, carol), world.room.id)

    remove_bob(live_app, bob_client, world)
    message_id = post_from_elsewhere(database, world, now, "Posted after Bob left")

    carols.until(lambda _text: {"id": message_id} in carols.events("message"))
    text = bob.read_to_end()
    assert {"id": message_id} not in bob.events("message")
    assert bob.events("removed") == [{"room_id": world.room.id}]
    assert "retry: " in text.rsplit("event: removed", 1)[1]  # a page that ignores it waits


def test_deactivated_member_stream_ends_as_signed_out(
    live_app: Flask, world: World, now: datetime, open_stream: Callable, database: Database
) -> None:
    bob = _follow(open_stream, signed_in_client(live_app, world.bob), world.room.id)
    context = live_app.extensions["gateway"]
    with context.database.transaction() as session:
        _key, secret = create_api_key(session, "marketplace", now=now)
    response = live_app.test_client().post(
        f"/api/v1/users/{world.bob.id}/deactivate",
        headers={"Authorization": f"Bearer {secret}"},
        json={},
    )
    assert response.status_code == 200
    message_id = post_from_elsewhere(database, world, now, "Posted after Bob was deactivated")

    bob.read_to_end()
    assert {"id": message_id} not in bob.events("message")
    assert bob.events("signed-out") == [{"room_id": world.room.id}]


def test_stream_of_a_browser_that_signed_out_ends_as_signed_out(
    live_app: Flask, world: World, now: datetime, open_stream: Callable, database: Database
) -> None:
    bob_client = signed_in_client(live_app, world.bob)
    bob = _follow(open_stream, bob_client, world.room.id)
    token = csrf_token(bob_client, "/rooms")
    assert bob_client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    message_id = post_from_elsewhere(database, world, now, "Posted after Bob signed out")

    bob.read_to_end()
    assert {"id": message_id} not in bob.events("message")
    assert bob.events("signed-out") == [{"room_id": world.room.id}]


def test_stream_ends_as_signed_out_when_its_web_session_expires(
    live_app: Flask, world: World, clock: Clock, open_stream: Callable
) -> None:
    bob = _follow(open_stream, signed_in_client(live_app, world.bob), world.room.id)
    clock.advance(days=SESSION_LIFETIME.days + 1)

    bob.read_to_end()
    assert bob.events("signed-out") == [{"room_id": world.room.id}]


def test_removal_from_one_room_leaves_the_member_other_room_streaming(
    live_app: Flask, database: Database, world: World, now: datetime, open_stream: Callable
) -> None:
    with database.transaction() as session:
        alice, bob = session.get_one(User, world.alice.id), session.get_one(User, world.bob.id)
        other_id = create_room(session, "Launch plan", owner=alice, members=[bob], now=now).id
    bob_client = signed_in_client(live_app, world.bob)
    left = _follow(open_stream, bob_client, world.room.id)
    staying = _follow(open_stream, bob_client, other_id)

    _leave_from_the_room_page(live_app, bob_client, world)
    left.read_to_end()
    with database.transaction() as session:
        message_id = post_message(
            session, other_id, world.alice.id, "Still flowing", origin=Origin.EMAIL, now=now
        ).id

    staying.until(lambda _text: {"id": message_id} in staying.events("message"))
    assert staying.events("removed") == []


def test_former_member_reconnecting_is_told_they_were_removed(
    live_app: Flask, world: World, open_stream: Callable
) -> None:
    bob_client = signed_in_client(live_app, world.bob)
    _leave_from_the_room_page(live_app, bob_client, world)
    response, bob = open_stream(bob_client, f"/live/rooms/{world.room.id}")
    assert response.status_code == 200
    assert bob is not None
    bob.read_to_end()
    assert bob.events("removed") == [{"room_id": world.room.id}]
