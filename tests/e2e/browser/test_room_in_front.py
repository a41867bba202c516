"""In the real Chromium: a room counts as in front of its viewer (their emails wait) only while
its page is open and shown. Leaving the page, hiding the tab or losing the connection ends
that within seconds, and the emails come again after the grace window."""

from __future__ import annotations

import dataclasses
import socket
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from gateway.core.messages import post_message
from gateway.core.notifications import Reason
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.room_views import list_viewing
from gateway.outbound.dispatch import dispatch_notifications
from gateway.store.database import Database
from gateway.store.models import Notification, NotificationState, Origin

from support import World

GRACE = timedelta(minutes=10)
# The promise: a view ends within 10 s of its page going.
ENDS_WITHIN_SECONDS = 10.0

HIDE = """() => {
  Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}"""
SHOW = """() => {
  Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def _viewing(gateway, world: World) -> bool:
    with gateway.database.read_session() as session:
        found = list_viewing(session, [world.room.id], [world.bob.id], now=gateway.clock())
    return (world.room.id, world.bob.id) in found


def _seconds_until(predicate: Callable[[], bool], limit: float = 20.0) -> float:
    """How long until `predicate` held (polled); fails past `limit`."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > limit:
            raise AssertionError(f"still not so after {limit} s")
        time.sleep(0.1)
    return time.monotonic() - start


def _alice_writes(gateway, world: World, text: str) -> None:
    with gateway.database.transaction() as session:
        post_message(
            session, world.room.id, world.alice.id, text, origin=Origin.WEB, now=gateway.clock()
        )


def _bob_after_grace(
    gateway, world: World, keys: ReplyKeys
) -> list[tuple[NotificationState, str | None]]:
    """Move past the grace window, decide, and return Bob's notification states."""
    gateway.clock.advance(seconds=GRACE.total_seconds() + 1)
    return _bob_now(gateway, world, keys)


def _bob_now(gateway, world: World, keys: ReplyKeys) -> list[tuple[NotificationState, str | None]]:
    """Decide what is due now; Bob's notification states."""
    graced = dataclasses.replace(gateway.settings, notify_grace_seconds=int(GRACE.total_seconds()))
    with gateway.database.transaction() as session:
        dispatch_notifications(session, graced, keys, now=gateway.clock())
    with gateway.database.read_session() as session:
        rows = session.execute(
            select(Notification.state, Notification.reason).where(
                Notification.user_id == world.bob.id
            )
        )
        return [(state, reason) for state, reason in rows]


def test_navigating_away_from_a_room_ends_its_view_and_the_email_goes_out(
    database: Database, world: World, gateway, page_for: Callable, keys: ReplyKeys
) -> None:
    page, watch = page_for(world.bob)
    page.goto(f"/rooms/{world.room.id}")
    page.wait_for_selector('#room[data-live="open"]')
    _seconds_until(lambda: _viewing(gateway, world))
    page.goto("/rooms")
    assert _seconds_until(lambda: not _viewing(gateway, world)) < ENDS_WITHIN_SECONDS
    page.goto("/alerts")
    page.goto("/settings")
    _alice_writes(gateway, world, "Can you look at the draft?")
    assert _bob_after_grace(gateway, world, keys) == [(NotificationState.QUEUED, None)]
    assert watch.page_errors == []


def test_a_room_open_in_front_of_bob_holds_the_email_back(
    world: World, gateway, page_for: Callable, keys: ReplyKeys
) -> None:
    page, _ = page_for(world.bob)
    page.goto(f"/rooms/{world.room.id}")
    page.wait_for_selector('#room[data-live="open"]')
    _alice_writes(gateway, world, "Can you look at the draft?")
    page.locator("#messages li.message", has_text="look at the draft").wait_for()
    gateway.clock.advance(seconds=GRACE.total_seconds() + 1)
    _seconds_until(lambda: _viewing(gateway, world))  # renewed under the moved clock
    [row] = _bob_now(gateway, world, keys)
    # In front of him (and marked read by the page as it arrived): no email either way.
    assert row in {
        (NotificationState.SKIPPED, Reason.VIEWING),
        (NotificationState.SKIPPED, Reason.READ),
    }


def test_a_hidden_tab_is_not_in_front_of_bob_and_showing_it_again_is(
    world: World, gateway, page_for: Callable
) -> None:
    page, watch = page_for(world.bob)
    page.goto(f"/rooms/{world.room.id}")
    page.wait_for_selector('#room[data-live="open"]')
    _seconds_until(lambda: _viewing(gateway, world))
    page.evaluate(HIDE)
    assert _seconds_until(lambda: not _viewing(gateway, world)) < ENDS_WITHIN_SECONDS
    _alice_writes(gateway, world, "Written while the tab was hidden")
    page.evaluate(SHOW)
    page.wait_for_selector('#room[data-live="open"]')
    _seconds_until(lambda: _viewing(gateway, world))
    # Reconnected from its own last event: what was posted meanwhile is shown.
    page.locator("#messages li.message", has_text="Written while the tab was hidden").wait_for()
    assert watch.page_errors == []


def test_a_dropped_connection_ends_the_view_within_seconds(
    world: World, gateway, page_for: Callable
) -> None:
    """No beacon, no goodbye: the socket just goes (a laptop lid, a lost network)."""
    page, _ = page_for(world.bob)
    page.goto("/rooms")  # a signed-in page, for the session cookie
    cookie = next(c for c in page.context.cookies() if c["name"] == "gateway_session")
    host, port = gateway.base_url.removeprefix("http://").split(":")
    request = (
        f"GET /live/rooms/{world.room.id}?page=raw-socket-page-1 HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\nAccept: text/event-stream\r\n"
        f"Cookie: gateway_session={cookie['value']}\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=30) as stream:
        stream.sendall(request.encode())
        assert stream.recv(4096).startswith(b"HTTP/1.1 200")
        _seconds_until(lambda: _viewing(gateway, world))
    assert _seconds_until(lambda: not _viewing(gateway, world)) < ENDS_WITHIN_SECONDS
