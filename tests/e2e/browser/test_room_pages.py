"""In a real browser: the edit window (Up arrow edits your last message within the hour),
the Enter key preference, advanced search opening a message in context, and screenshots of
the settings and alerts pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from gateway.core.messages import list_messages, post_message
from gateway.core.rooms import create_room, get_room
from gateway.store.database import Database
from gateway.store.models import Origin

from support import World

pytestmark = pytest.mark.e2e


def _sources(database: Database, room_id: int) -> list[str]:
    with database.read_session() as session:
        return [m.body_source for m in list_messages(session, get_room(session, room_id))]


def test_up_arrow_edits_the_last_message_within_the_hour_and_not_after(
    database: Database, world: World, gateway, page_for: Callable
) -> None:
    page, _ = page_for(world.alice)
    page.goto(f"/rooms/{world.room.id}")
    compose = page.locator("#compose-body")
    compose.fill("Meeting at 10")
    compose.press("Enter")
    page.locator("#messages li.message", has_text="Meeting at 10").wait_for()

    compose.press("ArrowUp")
    editor = page.locator(".message-inline-edit textarea")
    editor.fill("Meeting at 11")
    editor.press("Enter")
    page.locator("#messages li.message", has_text="Meeting at 11").wait_for()
    assert _sources(database, world.room.id) == ["Meeting at 11"]

    gateway.clock.advance(minutes=61)
    compose.press("ArrowUp")
    editor = page.locator(".message-inline-edit textarea")
    editor.fill("Meeting at noon")
    editor.press("Enter")
    refusal = page.locator(".message-inline-edit [role=alert]")
    refusal.wait_for()
    assert refusal.inner_text().strip()
    assert _sources(database, world.room.id) == ["Meeting at 11"]
    page.reload()
    own = page.locator("#messages li.message", has_text="Meeting at 11")
    assert own.get_attribute("data-editable") == "false"


def test_enter_sends_by_default_and_shift_enter_always_starts_a_new_line(
    database: Database, world: World, gateway, page_for: Callable
) -> None:
    page, _ = page_for(world.alice)
    page.goto(f"/rooms/{world.room.id}")
    compose = page.locator("#compose-body")
    compose.type("first line")
    compose.press("Shift+Enter")
    compose.type("second line")
    compose.press("Enter")
    page.locator("#messages li.message", has_text="second line").wait_for()
    # Browsers submit a textarea's new lines as CRLF (HTML form encoding); stored as "\n".
    assert _sources(database, world.room.id) == ["first line\nsecond line"]

    page.goto("/settings")
    page.get_by_label("Enter inserts a new line").check()
    page.get_by_role("button", name="Save Enter key").click()
    page.wait_for_load_state()
    page.goto(f"/rooms/{world.room.id}")
    compose = page.locator("#compose-body")
    compose.type("one")
    compose.press("Enter")
    compose.type("two")
    compose.press("Shift+Enter")
    compose.type("three")
    assert compose.input_value() == "one\ntwo\nthree"
    assert len(_sources(database, world.room.id)) == 1  # nothing sent by Enter
    page.get_by_role("button", name="Send", exact=True).click()
    page.locator("#messages li.message", has_text="three").wait_for()
    assert _sources(database, world.room.id)[-1] == "one\ntwo\nthree"


def test_advanced_search_finds_the_message_and_opens_it_in_context(
    database: Database,
    world: World,
    now: datetime,
    gateway,
    page_for: Callable,
    screenshot: Callable,
) -> None:
    with database.transaction() as session:
        other = create_room(
            session, "Project A budget", owner=world.alice, members=[world.bob], now=now
        )

        def post(room_id: int, author_id: int, text: str, days_ago: int) -> int:
            return post_message(
                session,
                room_id,
                author_id,
                text,
                origin=Origin.WEB,
                now=now - timedelta(days=days_ago),
            ).id

        post(world.room.id, world.bob.id, "Here is the final invoice draft", 60)  # too early
        wanted = post(world.room.id, world.bob.id, "The final invoice is attached", 3)
        post(world.room.id, world.alice.id, "final invoice looks right", 2)  # not from Bob
        post(other.id, world.bob.id, "final invoice for the budget", 2)  # another room
        post(world.room.id, world.bob.id, "invoice is final now", 1)  # not the phrase
    page, _ = page_for(world.alice)
    page.goto("/rooms")
    box = page.locator("#search-q")
    box.fill('from:bob in:"Website redesign" after:20261101 "final invoice"')
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    hits = page.locator(".search-hit")
    assert hits.count() == 1
    assert "The final invoice is attached" in hits.first.inner_text()
    screenshot(page, "search-results")
    hits.first.locator("a").first.click()
    page.wait_for_url(re.compile(rf"/rooms/{world.room.id}"))
    target = page.locator(f"#m-{wanted}")
    target.wait_for()
    assert "The final invoice is attached" in target.inner_text()
    assert target.get_attribute("aria-current") == "true"


def test_settings_and_alerts_pages_render(
    world: World, gateway, page_for: Callable, screenshot: Callable
) -> None:
    page, watch = page_for(world.alice)
    for path, name in (("/settings", "settings"), ("/alerts", "alerts")):
        response = page.goto(path)
        assert response is not None and response.status == 200
        screenshot(page, name)
    assert watch.page_errors == []
