"""In a real browser: signing in through the form, the header's Online/Invisible toggle, and a
room page that follows the room live (a post from the compose box, a message posted by
another process, a reply sent over SMTP) without being reloaded."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import update

from gateway.core.messages import list_messages, post_message
from gateway.core.passwords import hash_password
from gateway.core.rooms import get_room
from gateway.store.database import Database
from gateway.store.models import Origin, Presence, User

from support import World, reply_email

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"


def _room_texts(database: Database, world: World) -> list[str]:
    with database.read_session() as session:
        return [m.body_source for m in list_messages(session, get_room(session, world.room.id))]


def test_sign_in_through_the_form_lands_in_the_message_center(
    database: Database, world: World, gateway, page_for: Callable, screenshot: Callable
) -> None:
    with database.transaction() as session:
        session.execute(
            update(User)
            .where(User.id == world.alice.id)
            .values(password_hash=hash_password(PASSWORD))
        )
    page, _ = page_for(None)
    page.goto("/sign-in")
    screenshot(page, "sign-in")
    page.locator("#signin-email").fill("alice@example.com")
    page.locator("#signin-password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/rooms"))
    assert page.get_by_role("link", name="Website redesign").first.is_visible()
    screenshot(page, "rooms-list")


def test_online_invisible_toggle_in_the_header(
    database: Database, world: World, gateway, page_for: Callable
) -> None:
    page, _ = page_for(world.alice)
    page.goto("/rooms")
    status = page.locator("#presence-status")
    assert status.get_attribute("data-status") == "online"
    page.get_by_role("button", name="Go invisible").click()
    page.wait_for_selector('#presence-status[data-status="invisible"]')
    assert "/rooms" in page.url
    with database.read_session() as session:
        assert session.get(User, world.alice.id).presence == Presence.INVISIBLE
    page.get_by_role("button", name="Go online").click()
    page.wait_for_selector('#presence-status[data-status="online"]')


def test_posting_from_the_room_page_shows_the_message_without_reload(
    database: Database, world: World, gateway, page_for: Callable, screenshot: Callable
) -> None:
    page, watch = page_for(world.alice)
    page.goto(f"/rooms/{world.room.id}")
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("Message", exact=True).fill("Shipping the **new header** today")
    page.get_by_role("button", name="Send", exact=True).click()
    message = page.locator("#messages li.message", has_text="Shipping the new header today")
    message.wait_for()
    assert message.locator("strong").inner_text() == "new header"
    assert page.evaluate("window.__notReloaded") is True
    assert _room_texts(database, world) == ["Shipping the **new header** today"]
    assert page.locator("#messages li.message").count() == 1  # not added twice by the stream
    screenshot(page, "room-page")
    assert watch.page_errors == []


def test_message_posted_by_another_process_appears_live(
    database: Database, world: World, now: datetime, gateway, page_for: Callable
) -> None:
    page, _ = page_for(world.bob)
    page.goto(f"/rooms/{world.room.id}")
    page.wait_for_selector('#room[data-live="open"]')
    page.evaluate("window.__notReloaded = true")
    with database.transaction() as session:
        post_message(
            session, world.room.id, world.alice.id, "Posted elsewhere", origin=Origin.API, now=now
        )
    page.locator("#messages li.message", has_text="Posted elsewhere").wait_for()
    assert page.evaluate("window.__notReloaded") is True


def test_reply_sent_over_smtp_appears_live_on_an_open_room_page(
    world: World, gateway, page_for: Callable
) -> None:
    page, _ = page_for(world.alice)
    page.goto(f"/rooms/{world.room.id}")
    page.wait_for_selector('#room[data-live="open"]')
    page.evaluate("window.__notReloaded = true")
    address = gateway.reply_address(world.room.id, world.bob.id)
    raw = reply_email("Bob Baker <bob@example.org>", address, "Friday works for me.")
    with smtplib.SMTP("127.0.0.1", gateway.smtp.port, timeout=30) as client:
        client.sendmail("bob@example.org", [address], raw)
    reply = page.locator("#messages li.message", has_text="Friday works for me.")
    reply.wait_for()
    assert "via email" in reply.inner_text()
    assert page.evaluate("window.__notReloaded") is True


def test_presence_of_a_member_changes_live_in_the_side_panel(
    database: Database, world: World, gateway, page_for: Callable
) -> None:
    alice_page, _ = page_for(world.alice)  # Alice has a fresh session: she shows as online
    alice_page.goto("/rooms")
    page, _ = page_for(world.bob)
    page.goto(f"/rooms/{world.room.id}")
    page.wait_for_selector('#room[data-live="open"]')
    dot = page.locator(f'[data-presence-user="{world.alice.id}"] [data-online-dot]')
    assert dot.is_visible()
    alice_page.get_by_role("button", name="Go invisible").click()
    dot.wait_for(state="hidden")
