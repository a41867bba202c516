"""In a real browser: an open room page whose viewer is removed from the room, or signed out,
stops following the room and says so (live.js handles the stream's `removed` and
`signed-out` events) instead of reconnecting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from gateway.core.rooms import get_room, remove_member
from gateway.store.database import Database
from gateway.store.models import User

from support import World

pytestmark = pytest.mark.e2e


def test_room_page_of_a_removed_member_says_so_and_stops_following(
    database: Database, world: World, now: datetime, gateway, page_for: Callable
) -> None:
    page, watch = page_for(world.bob)
    page.goto(f"/rooms/{world.room.id}")
    page.wait_for_selector('#room[data-live="open"]')
    with database.transaction() as session:
        bob = session.get_one(User, world.bob.id)
        remove_member(session, get_room(session, world.room.id), bob, now=now)

    page.wait_for_selector('#room[data-live="removed"]')
    notice = page.get_by_role("alert").filter(has_text="You are no longer a member of this room.")
    assert notice.is_visible()
    assert page.get_by_role("button", name="Send", exact=True).is_disabled()
    assert page.locator("#room").get_attribute("data-live") == "removed"  # not reconnecting
    assert watch.page_errors == []


def test_room_page_signed_out_in_another_tab_offers_to_sign_in_again(
    world: World, gateway, page_for: Callable
) -> None:
    page, watch = page_for(world.bob)
    page.goto(f"/rooms/{world.room.id}")
    page.wait_for_selector('#room[data-live="open"]')
    other_tab = page.context.new_page()
    other_tab.goto("/rooms")
    other_tab.get_by_role("button", name="Sign out").click()
    other_tab.wait_for_url(f"{gateway.base_url}/")

    page.wait_for_selector('#room[data-live="signed-out"]')
    link = page.get_by_role("link", name="Sign in again to follow this room")
    assert link.get_attribute("href") == f"/sign-in?next=%2Frooms%2F{world.room.id}"
    assert watch.page_errors == []
