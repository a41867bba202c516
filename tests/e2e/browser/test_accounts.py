"""In a real browser: a room placed in the client account from the room page's "Show in
account" form leaves the freelancer inbox and is listed in the client inbox only, after
switching account; screenshots of the inbox of each account."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from gateway.core.rooms import create_room
from gateway.core.users import get_account
from gateway.store.database import Database
from gateway.store.models import AccountKind, User

from support import World

pytestmark = pytest.mark.e2e


def test_a_room_placed_in_the_client_account_is_listed_only_in_the_client_inbox(
    database: Database, world: World, now: datetime, gateway, page_for: Callable, screenshot
) -> None:
    with database.transaction() as session:
        alice = session.get_one(User, world.alice.id)
        bob = session.get_one(User, world.bob.id)
        get_account(session, alice, AccountKind.CLIENT, now=now)
        create_room(session, "Logo contest", owner=alice, members=[bob], now=now)
    with database.read_session() as session:
        # Signed in as stored now: the fixture merges the user it is given, and a copy from
        # before the client account would drop it.
        signed_in = session.get_one(User, world.alice.id)
        signed_in.accounts  # noqa: B018 (loaded before the session closes)
    page, watch = page_for(signed_in)

    page.goto(f"/rooms/{world.room.id}")
    page.get_by_label("Which of your inboxes lists this room").select_option(
        label="Client · Alice Archer"
    )
    page.get_by_role("button", name="Show here").click()
    page.get_by_text("Shown in your client account.").wait_for()
    screenshot(page, "room-show-in-account-1280")

    page.goto("/rooms")
    titles = page.locator("a.room-title")
    titles.first.wait_for()
    assert titles.all_inner_texts() == ["Logo contest"]
    screenshot(page, "inbox-freelancer-1280")

    page.locator(".account-switcher").get_by_role("button", name="Client").click()
    page.wait_for_url("**/rooms")
    titles.first.wait_for()
    assert titles.all_inner_texts() == ["Website redesign"]
    assert page.locator(".account-switcher [aria-current=true]").inner_text().startswith("Client")
    screenshot(page, "inbox-client-1280")
    assert watch.page_errors == []
