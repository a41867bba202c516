"""In a real browser: muting a room's emails from its page and resuming them (also after an
email's unsubscribe link muted them, and from Settings), and an open Messages page that
follows unread rooms live: a message into an archived room brings it back into Recent, and
the Messages badge and the tab title count go up, without a reload."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable

import pytest
from sqlalchemy import update

from gateway.core.messages import post_message
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.rooms import find_membership
from gateway.core.unsubscribe import unsubscribe_token
from gateway.store.database import Database
from gateway.store.models import Membership, Origin

from support import World, reply_email

pytestmark = pytest.mark.e2e

# unread.js polls every 10 s: a change shows within one poll (and the request it takes).
LIVE_WAIT_MS = 20_000
EMAIL_STATE = "#email-state"


def _muted(database: Database, world: World) -> bool:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        return membership.email_muted


def test_mute_and_resume_a_rooms_emails_from_the_room_page(
    database: Database,
    world: World,
    gateway,
    page_for: Callable,
    screenshot_both_widths: Callable,
) -> None:
    page, watch = page_for(world.bob)
    page.goto(f"/rooms/{world.room.id}")
    assert page.locator(EMAIL_STATE).inner_text() == "Email notifications: on"

    page.get_by_role("button", name="Mute", exact=True).click()
    page.wait_for_selector(f'{EMAIL_STATE}[data-email-muted="true"]')
    assert page.locator(EMAIL_STATE).inner_text() == "Email notifications: muted"
    assert page.get_by_text("Email notifications from Website redesign are muted.").is_visible()
    assert _muted(database, world)
    page.locator("#room-email").scroll_into_view_if_needed()
    screenshot_both_widths(page, "room-muted")

    page.get_by_role("button", name="Resume", exact=True).click()
    page.wait_for_selector(f'{EMAIL_STATE}[data-email-muted="false"]')
    assert page.get_by_role("button", name="Mute", exact=True).is_visible()
    assert not _muted(database, world)
    assert watch.page_errors == [] and watch.console_errors == []


def test_after_the_unsubscribe_link_the_room_page_shows_muted_and_resume_works(
    database: Database, world: World, gateway, page_for: Callable
) -> None:
    keys = ReplyKeys.from_secrets(gateway.settings.secret_key, gateway.settings.previous_secret_key)
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        token = unsubscribe_token(membership.id, keys)
    page, _ = page_for(world.bob)
    page.goto(f"/u/{token}")
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()

    page.get_by_role("link", name="Open the room").click()
    page.wait_for_url(re.compile(rf"/rooms/{world.room.id}$"))
    assert page.locator(EMAIL_STATE).inner_text() == "Email notifications: muted"
    page.get_by_role("button", name="Resume", exact=True).click()
    page.wait_for_selector(f'{EMAIL_STATE}[data-email-muted="false"]')
    assert not _muted(database, world)


def test_settings_lists_the_muted_rooms_and_resumes_them(
    database: Database,
    world: World,
    gateway,
    page_for: Callable,
    screenshot_both_widths: Callable,
) -> None:
    page, _ = page_for(world.bob)
    page.goto(f"/rooms/{world.room.id}")
    page.get_by_role("button", name="Mute", exact=True).click()
    page.wait_for_selector(f'{EMAIL_STATE}[data-email-muted="true"]')

    page.goto("/settings#muted-rooms")
    muted = page.locator("#muted-rooms")
    assert muted.get_by_role("link", name="Website redesign").get_attribute("href") == (
        f"/rooms/{world.room.id}"
    )
    alert_choices = page.locator("#alert-channel option").all_inner_texts()
    assert "Nothing" not in alert_choices and "Inbox only" in alert_choices
    screenshot_both_widths(page, "settings-muted")

    muted.get_by_role("button", name="Resume emails about Website redesign").click()
    page.get_by_text("Email notifications from Website redesign resume.").wait_for()
    assert page.url.endswith("/settings#muted-rooms")
    assert page.locator("#muted-rooms").get_by_text("No muted rooms").is_visible()
    assert not _muted(database, world)


def test_a_message_into_an_archived_room_shows_in_recent_live_with_badge_and_title(
    database: Database, world: World, gateway, page_for: Callable, screenshot: Callable
) -> None:
    with database.transaction() as session:
        session.execute(
            update(Membership)
            .where(Membership.room_id == world.room.id, Membership.user_id == world.alice.id)
            .values(archived=True)
        )
    page, watch = page_for(world.alice)
    page.goto("/rooms")
    badge = page.locator('nav.tabs [data-unread-badge="rooms"]')
    assert page.title() == "Messages · Gateway" and badge.is_hidden()
    assert page.locator("#room-list .room-row").count() == 0
    page.evaluate("window.__notReloaded = true")

    address = gateway.reply_address(world.room.id, world.bob.id)
    raw = reply_email("Bob Baker <bob@example.org>", address, "Back from the archive!")
    with smtplib.SMTP("127.0.0.1", gateway.smtp.port, timeout=30) as client:
        client.sendmail("bob@example.org", [address], raw)

    row = page.locator("#room-list .room-row.unread", has_text="Website redesign")
    row.wait_for(timeout=LIVE_WAIT_MS)
    assert "Back from the archive!" in row.inner_text() and "Archived" in row.inner_text()
    assert badge.inner_text() == "1" and badge.is_visible()
    page.wait_for_function("document.title === '(1) Messages · Gateway'", timeout=LIVE_WAIT_MS)
    assert page.locator("#room-list .room-row.unread").count() == int(badge.inner_text())
    assert page.evaluate("window.__notReloaded") is True
    assert watch.page_errors == [] and watch.console_errors == []
    screenshot(page, "inbox-unread-live-1280")


def test_the_room_page_event_refreshes_the_badges_at_once(
    database: Database, world: World, gateway, page_for: Callable
) -> None:
    page, _ = page_for(world.alice)
    page.goto("/settings")
    badge = page.locator('nav.tabs [data-unread-badge="rooms"]')
    assert badge.is_hidden()
    address = gateway.reply_address(world.room.id, world.bob.id)
    raw = reply_email("Bob Baker <bob@example.org>", address, "Ping")
    with smtplib.SMTP("127.0.0.1", gateway.smtp.port, timeout=30) as client:
        client.sendmail("bob@example.org", [address], raw)

    # What live.js dispatches on each message event of an open room page.
    page.evaluate("document.dispatchEvent(new CustomEvent('gateway:room-change'))")
    badge.wait_for(state="visible", timeout=5_000)
    assert badge.inner_text() == "1"
    assert page.title() == "(1) Settings · Gateway"


def test_a_message_read_on_the_open_room_page_is_not_counted_as_unread(
    database: Database, world: World, gateway, page_for: Callable, now
) -> None:
    page, watch = page_for(world.alice)
    page.goto(f"/rooms/{world.room.id}")
    page.wait_for_selector('#room[data-live="open"]')
    with database.transaction() as session:
        post_message(session, world.room.id, world.bob.id, "Seen live", origin=Origin.API, now=now)
    page.locator("#messages li.message", has_text="Seen live").wait_for()

    # The count unread.js takes after the room's live event, once the page has read it.
    with page.expect_response(lambda r: "/unread" in r.url, timeout=LIVE_WAIT_MS) as answer:
        pass
    assert answer.value.json()["badges"]["rooms"] == 0
    assert page.locator('nav.tabs [data-unread-badge="rooms"]').is_hidden()
    assert not page.title().startswith("(")
    assert watch.page_errors == []
