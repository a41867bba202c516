"""A room is in front of its viewer only while a live room page is open: the view begins with
the page's stream, ends when the stream closes or the page says it is leaving, and nothing
else a browser does (the inbox, Settings, any other page) brings it back. Through the Flask
test client and real dispatch."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select

from gateway.core.notifications import Reason
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.room_views import list_viewing
from gateway.outbound.dispatch import dispatch_notifications
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Notification, NotificationState, RoomView

from support import World
from web_support import (
    WAIT_SECONDS,
    Clock,
    csrf_token,
    end_streams,
    post_from_elsewhere,
    signed_in_client,
)

PAGE = "page-0123456789abcdef"
GRACE = timedelta(minutes=10)


def _viewing(database: Database, world: World, at: datetime) -> bool:
    with database.read_session() as session:
        found = list_viewing(session, [world.room.id], [world.bob.id], now=at)
    return (world.room.id, world.bob.id) in found


def _views(database: Database) -> list[RoomView]:
    with database.read_session() as session:
        return list(session.scalars(select(RoomView)))


def _dispatch(database: Database, settings: Settings, keys: ReplyKeys, at: datetime) -> None:
    graced = dataclasses.replace(settings, notify_grace_seconds=int(GRACE.total_seconds()))
    with database.transaction() as session:
        dispatch_notifications(session, graced, keys, now=at)


def _bob_states(database: Database, world: World) -> list[tuple[NotificationState, str | None]]:
    with database.read_session() as session:
        rows = session.execute(
            select(Notification.state, Notification.reason)
            .where(Notification.user_id == world.bob.id)
            .order_by(Notification.id)
        )
        return [(state, reason) for state, reason in rows]


def test_an_open_room_stream_puts_the_room_in_front_of_its_viewer(
    live_app: Flask, database: Database, world: World, clock: Clock, open_stream: Callable
) -> None:
    client = signed_in_client(live_app, world.bob)
    _, reader = open_stream(client, f"/live/rooms/{world.room.id}?page={PAGE}")
    reader.until(lambda text: "id: " in text)
    [view] = _views(database)
    assert (view.room_id, view.user_id, view.page_key) == (world.room.id, world.bob.id, PAGE)
    assert _viewing(database, world, clock())


def test_the_view_ends_when_the_stream_closes_and_other_pages_do_not_bring_it_back(
    live_app: Flask, database: Database, world: World, clock: Clock, open_stream: Callable
) -> None:
    client = signed_in_client(live_app, world.bob)
    _, reader = open_stream(client, f"/live/rooms/{world.room.id}?page={PAGE}")
    reader.until(lambda text: "id: " in text)
    end_streams(live_app)
    assert reader.ended.wait(WAIT_SECONDS)
    for path in ("/rooms", "/alerts", "/settings", f"/rooms/{world.room.id}/files"):
        assert client.get(path).status_code == 200
    assert _views(database) == []
    assert not _viewing(database, world, clock())


def test_a_page_that_says_it_is_leaving_ends_its_view_before_its_stream_closes(
    live_app: Flask, database: Database, world: World, clock: Clock, open_stream: Callable
) -> None:
    client = signed_in_client(live_app, world.bob)
    _, reader = open_stream(client, f"/live/rooms/{world.room.id}?page={PAGE}")
    reader.until(lambda text: "id: " in text)
    token = csrf_token(client, "/rooms")
    left = client.post(
        f"/live/rooms/{world.room.id}/leave", data={"page": PAGE, "csrf_token": token}
    )
    assert left.status_code == 204
    assert _views(database) == []
    # The poller goes on renewing the open stream's view (every 0.05 s here): an ended view
    # is not revived by it.
    time.sleep(0.5)
    assert not _viewing(database, world, clock())


def test_another_browsers_page_key_does_not_end_the_view(
    live_app: Flask, database: Database, world: World, open_stream: Callable
) -> None:
    bob = signed_in_client(live_app, world.bob)
    _, reader = open_stream(bob, f"/live/rooms/{world.room.id}?page={PAGE}")
    reader.until(lambda text: "id: " in text)
    other = signed_in_client(live_app, world.bob)  # another browser of Bob's: another session
    token = csrf_token(other, "/rooms")
    other.post(f"/live/rooms/{world.room.id}/leave", data={"page": PAGE, "csrf_token": token})
    assert len(_views(database)) == 1


def test_leaving_without_a_page_key_or_signed_out_is_refused_plainly(
    live_app: Flask, world: World
) -> None:
    bob = signed_in_client(live_app, world.bob)
    token = csrf_token(bob, "/rooms")
    missing = bob.post(f"/live/rooms/{world.room.id}/leave", data={"csrf_token": token})
    assert missing.status_code == 400
    assert "page" in missing.get_data(as_text=True)
    stranger = live_app.test_client()
    token = csrf_token(stranger, "/sign-in")
    refused = stranger.post(
        f"/live/rooms/{world.room.id}/leave", data={"page": PAGE, "csrf_token": token}
    )
    assert refused.status_code == 401


def test_a_reconnecting_page_keeps_one_view(
    live_app: Flask, database: Database, world: World, open_stream: Callable
) -> None:
    client = signed_in_client(live_app, world.bob)
    _, first = open_stream(client, f"/live/rooms/{world.room.id}?page={PAGE}")
    first.until(lambda text: "id: " in text)
    _, second = open_stream(client, f"/live/rooms/{world.room.id}?page={PAGE}")
    second.until(lambda text: "id: " in text)
    assert len(_views(database)) == 1


def test_a_stream_resumes_from_the_pages_own_last_event_id(
    live_app: Flask, database: Database, world: World, clock: Clock, open_stream: Callable
) -> None:
    seen = post_from_elsewhere(database, world, clock(), "Seen before the tab was hidden")
    missed = post_from_elsewhere(database, world, clock(), "Posted while the tab was hidden")
    client = signed_in_client(live_app, world.bob)
    _, reader = open_stream(client, f"/live/rooms/{world.room.id}?page={PAGE}&last={seen}.0")
    reader.until(lambda text: "event: message" in text)
    assert reader.events("message") == [{"id": missed}]


def test_story_a_room_opened_once_then_left_is_emailed_after_the_grace_window(
    live_app: Flask,
    database: Database,
    settings: Settings,
    keys: ReplyKeys,
    world: World,
    clock: Clock,
    open_stream: Callable,
) -> None:
    """Monday 9:30 Bob opens the room, then uses only the inbox, alerts and Settings all day;
    Alice writes at 11:00: Bob gets the email after the grace window."""
    bob = signed_in_client(live_app, world.bob)
    _, reader = open_stream(bob, f"/live/rooms/{world.room.id}?page={PAGE}")
    reader.until(lambda text: "id: " in text)
    end_streams(live_app)  # he navigates away: the page's stream closes
    assert reader.ended.wait(WAIT_SECONDS)
    for _quarter in range(8):
        clock.advance(minutes=15)
        for path in ("/rooms", "/alerts", "/settings"):
            bob.get(path)
    post_from_elsewhere(database, world, clock(), "Can you look at the draft?")
    _dispatch(database, settings, keys, clock() + GRACE + timedelta(seconds=1))
    assert _bob_states(database, world) == [(NotificationState.QUEUED, None)]


def test_story_a_room_open_in_front_of_bob_skips_the_email_as_viewing(
    live_app: Flask,
    database: Database,
    settings: Settings,
    keys: ReplyKeys,
    world: World,
    clock: Clock,
    open_stream: Callable,
) -> None:
    bob = signed_in_client(live_app, world.bob)
    _, reader = open_stream(bob, f"/live/rooms/{world.room.id}?page={PAGE}")
    reader.until(lambda text: "id: " in text)
    post_from_elsewhere(database, world, clock(), "Can you look at the draft?")
    clock.advance(minutes=11)
    # The stream renews its view under the moved clock within a few poller ticks.
    deadline = time.monotonic() + WAIT_SECONDS
    while not _viewing(database, world, clock()) and time.monotonic() < deadline:
        time.sleep(0.02)
    _dispatch(database, settings, keys, clock())
    assert _bob_states(database, world) == [(NotificationState.SKIPPED, Reason.VIEWING)]
