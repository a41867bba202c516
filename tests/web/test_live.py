"""The live event stream and the Online/Invisible toggle, through the Flask test client.

Streams are read in a thread of their own (web_support.EventReader); tests wait on the data
with a bounded timeout (the poller runs on its own rhythm), never on a sleep."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from gateway.core.presence import set_presence
from gateway.core.room_feed import FeedCursor, FeedItem, current_cursor, list_changes_since
from gateway.core.users import add_user
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Presence, RoomEvent, RoomEventKind, User
from gateway.web.app import create_app
from gateway.web.live import (
    HUB_EXTENSION,
    StreamCursor,
    format_comment,
    format_event,
    parse_last_event_id,
    safe_next,
    stream_capacity,
)
from gateway.web.live_hub import IdWatermark

from support import World
from web_support import (
    FAST,
    WAIT_SECONDS,
    Clock,
    EventReader,
    csrf_token,
    end_streams,
    post_from_elsewhere,
    sign_in,
    signed_in_client,
)


def test_stream_answers_with_event_stream_headers_and_a_resume_point(
    live_app: Flask, world: World, open_stream: Callable
) -> None:
    response, reader = open_stream(
        signed_in_client(live_app, world.bob), f"/live/rooms/{world.room.id}"
    )
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert "id: 0.0\n" in reader.until(lambda text: "id: " in text)


def test_stream_of_a_room_is_not_found_for_a_non_member(
    live_app: Flask, database: Database, world: World, now: datetime, open_stream: Callable
) -> None:
    with database.transaction() as session:
        carol = add_user(session, "carol@example.net", name="Carol Chen", now=now)
    response, _ = open_stream(signed_in_client(live_app, carol), f"/live/rooms/{world.room.id}")
    assert response.status_code == 404
    missing, _ = open_stream(signed_in_client(live_app, world.bob), "/live/rooms/999999")
    assert missing.status_code == 404


def test_stream_asks_a_visitor_who_is_not_signed_in_to_sign_in(
    live_app: Flask, world: World, open_stream: Callable
) -> None:
    response, _ = open_stream(live_app.test_client(), f"/live/rooms/{world.room.id}")
    assert response.status_code == 401


def test_message_posted_by_another_database_session_arrives_on_the_stream(
    live_app: Flask, database: Database, world: World, now: datetime, open_stream: Callable
) -> None:
    _, reader = open_stream(signed_in_client(live_app, world.bob), f"/live/rooms/{world.room.id}")
    reader.until(lambda text: "id: 0.0" in text)
    message_id = post_from_elsewhere(database, world, now, "Posted elsewhere")
    reader.until(lambda text: "event: message" in text)
    assert reader.events("message") == [{"id": message_id}]
    assert f"id: {message_id}.0\n" in reader.text


def test_last_event_id_resumes_with_only_what_was_missed(
    live_app: Flask, database: Database, world: World, now: datetime, open_stream: Callable
) -> None:
    seen = post_from_elsewhere(database, world, now, "Already on the page")
    missed = post_from_elsewhere(database, world, now, "Posted while reconnecting")
    _, reader = open_stream(
        signed_in_client(live_app, world.bob),
        f"/live/rooms/{world.room.id}?after=0",
        **{"Last-Event-ID": f"{seen}.0"},
    )
    reader.until(lambda text: "event: message" in text)
    assert reader.events("message") == [{"id": missed}]


def test_after_parameter_starts_a_first_connection_from_the_page_newest_message(
    live_app: Flask, database: Database, world: World, now: datetime, open_stream: Callable
) -> None:
    on_page = post_from_elsewhere(database, world, now, "Rendered with the page")
    newer = post_from_elsewhere(database, world, now, "Posted before the stream opened")
    _, reader = open_stream(
        signed_in_client(live_app, world.bob), f"/live/rooms/{world.room.id}?after={on_page}"
    )
    reader.until(lambda text: "event: message" in text)
    assert reader.events("message") == [{"id": newer}]


def test_edits_and_deletions_arrive_as_their_own_events(
    live_app: Flask, database: Database, world: World, now: datetime, open_stream: Callable
) -> None:
    message_id = post_from_elsewhere(database, world, now, "Soon edited")
    _, reader = open_stream(
        signed_in_client(live_app, world.bob), f"/live/rooms/{world.room.id}?after={message_id}"
    )
    reader.until(lambda text: "id: " in text)
    with database.transaction() as session:
        for kind in (RoomEventKind.EDITED, RoomEventKind.DELETED):
            session.add(
                RoomEvent(room_id=world.room.id, message_id=message_id, kind=kind, created_at=now)
            )
    reader.until(lambda text: "event: deleted" in text)
    assert reader.events("edited") == [{"id": message_id}]
    assert reader.events("deleted") == [{"id": message_id}]


def test_presence_change_of_a_member_is_announced(
    live_app: Flask, database: Database, world: World, open_stream: Callable
) -> None:
    signed_in_client(live_app, world.alice)  # a fresh web session: Alice shows as online
    _, reader = open_stream(signed_in_client(live_app, world.bob), f"/live/rooms/{world.room.id}")
    reader.until(lambda text: "event: presence" in text)
    here = {"user_id": world.alice.id, "online": True, "away_until": None, "away_label": None}
    assert here in reader.events("presence")
    with database.transaction() as session:
        set_presence(session, world.alice.id, "invisible")
    offline = {"user_id": world.alice.id, "online": False, "away_until": None, "away_label": None}
    reader.until(lambda text: offline in EventReader.events(reader, "presence"))


def test_an_away_member_is_announced_with_words_in_the_viewers_time_zone(
    live_app: Flask, database: Database, world: World, clock: Clock, open_stream: Callable
) -> None:
    back = clock() + timedelta(days=1, hours=2)
    with database.transaction() as session:
        alice = session.get_one(User, world.alice.id)
        alice.ooo_enabled, alice.ooo_starts_at, alice.ooo_ends_at = True, clock(), back
        session.get_one(User, world.bob.id).time_zone = "Asia/Tokyo"
    _, reader = open_stream(signed_in_client(live_app, world.bob), f"/live/rooms/{world.room.id}")
    reader.until(lambda text: "event: presence" in text)
    [alice_state] = [e for e in reader.events("presence") if e["user_id"] == world.alice.id]
    # 2026-11-24 11:30 UTC is 20:30 in Tokyo, the day after the stream's "now" there.
    assert alice_state["away_label"] == "Away until tomorrow 20:30"
    assert alice_state["away_until"] == back.isoformat()


def test_streams_beyond_the_limit_are_refused_with_retry_after(
    settings: Settings, database: Database, world: World, clock: Clock, open_stream: Callable
) -> None:
    app = create_app(dataclasses.replace(settings, live_stream_limit=1), database, clock=clock)
    app.config[HUB_EXTENSION] = FAST
    client = signed_in_client(app, world.bob)
    _, reader = open_stream(client, f"/live/rooms/{world.room.id}")
    reader.until(lambda text: "id: " in text)
    refused, _ = open_stream(client, f"/live/rooms/{world.room.id}")
    assert refused.status_code == 503
    assert int(refused.headers["Retry-After"]) > 0
    end_streams(app)
    assert reader.ended.wait(WAIT_SECONDS)
    again, _ = open_stream(client, f"/live/rooms/{world.room.id}")
    assert again.status_code == 200


def test_capacity_leaves_threads_for_page_views(settings: Settings) -> None:
    assert stream_capacity(dataclasses.replace(settings, web_threads=64)) == 56
    roomy = dataclasses.replace(settings, web_threads=1000, live_stream_limit=200)
    assert stream_capacity(roomy) == 200


def test_last_event_id_parsing_accepts_only_our_ids() -> None:
    assert parse_last_event_id("12.4") == FeedCursor(12, 4)
    assert parse_last_event_id("12") == FeedCursor(12, 0)
    for bad in (None, "", "x", "1.x", "-1.2", "1.2.3"):
        assert parse_last_event_id(bad) is None


def test_events_are_formatted_as_server_sent_events() -> None:
    assert (
        format_event("message", {"id": 3}, "3.0") == 'event: message\nid: 3.0\ndata: {"id":3}\n\n'
    )
    assert format_comment("heartbeat") == ": heartbeat\n\n"


def test_stream_cursor_sends_each_change_once_even_when_ids_commit_out_of_order() -> None:
    cursor = StreamCursor(FeedCursor(10, 0))
    late, newer = FeedItem("message", 1, 11), FeedItem("message", 1, 12)
    assert [cursor.accept(newer), cursor.accept(late), cursor.accept(newer)] == [True, True, False]
    assert not cursor.accept(FeedItem("message", 1, 9))
    assert cursor.newest == FeedCursor(12, 0)


def test_watermark_reports_ids_above_a_gap_and_gives_the_gap_up_after_settling() -> None:
    mark = IdWatermark(low=5, settle_seconds=3)
    assert mark.observe([6, 8], now=0) == {6, 8}
    assert mark.low == 6  # 7 may still commit
    assert mark.observe([8], now=1) == set()
    assert mark.observe([7, 8], now=2) == {7}
    assert mark.low == 8
    assert mark.observe([10], now=3) == {10}
    mark.observe([10], now=7)
    assert mark.low == 10  # 9 never came: a rolled-back transaction


def test_changes_since_a_cursor_can_be_limited_to_rooms(
    database: Database, world: World, now: datetime
) -> None:
    first = post_from_elsewhere(database, world, now, "one")
    second = post_from_elsewhere(database, world, now, "two")
    with database.read_session() as session:
        assert current_cursor(session, world.room.id) == FeedCursor(second, 0)
        assert current_cursor(session, world.room.id + 1) == FeedCursor(0, 0)
        changes = list_changes_since(session, FeedCursor(first, 0), room_ids=[world.room.id])
        assert changes == [FeedItem("message", world.room.id, second)]
        assert list_changes_since(session, FeedCursor(), room_ids=[world.room.id + 1]) == []
        assert len(list_changes_since(session, FeedCursor(), limit=1)) == 1


def test_presence_toggle_makes_the_user_invisible_and_back(
    client: FlaskClient, database: Database, world: World
) -> None:
    token = csrf_token(client)
    sign_in(client, world.alice)
    response = client.post(
        "/presence", data={"csrf_token": token, "presence": "invisible", "next": "/rooms"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/rooms"
    assert _presence(database, world.alice.id) == Presence.INVISIBLE
    page = client.get("/u/not-a-token").get_data(as_text=True)
    assert 'data-status="invisible"' in page
    assert 'value="online"' in page
    client.post("/presence", data={"csrf_token": token, "presence": "online", "next": "/"})
    assert _presence(database, world.alice.id) == Presence.ONLINE


def test_presence_toggle_refuses_an_unknown_status_and_foreign_redirects(
    client: FlaskClient, database: Database, world: World
) -> None:
    token = csrf_token(client)
    sign_in(client, world.alice)
    response = client.post(
        "/presence", data={"csrf_token": token, "presence": "away", "next": "//evil.example"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert _presence(database, world.alice.id) == Presence.ONLINE
    assert safe_next("/\\evil.example", "/") == "/"


def test_presence_toggle_needs_the_csrf_token(
    client: FlaskClient, database: Database, world: World
) -> None:
    sign_in(client, world.alice)
    response = client.post("/presence", data={"presence": "invisible"})
    assert response.status_code == 400
    assert _presence(database, world.alice.id) == Presence.ONLINE


def _presence(database: Database, user_id: int) -> Presence:
    with database.read_session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.presence
