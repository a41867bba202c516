"""In a real browser: the owner removes a member (every open page shows the system note; the
removed member's page is told), hands the room over, invites an address nobody has (the
invitation reaches the recording relay, and answering it by email lands in the room), and a
moderator resolves a report on the moderator page."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from email import message_from_bytes, policy

import pytest

from gateway.core.messages import post_message
from gateway.core.reports import report_message
from gateway.outbound.delivery import deliver_due
from gateway.settings import RelaySettings
from gateway.store.database import Database
from gateway.store.models import Origin, ReportReason, User

from recording_relay import RecordingRelay
from support import World, add_carol, reply_email

pytestmark = pytest.mark.e2e

NOTE = "li.message--system"


@pytest.fixture
def carol(database: Database, world: World, now: datetime) -> User:
    return add_carol(database, world, now)


@pytest.fixture
def relay() -> Iterator[RecordingRelay]:
    """The recording relay, started from a thread of its own: Playwright's event loop runs in
    this one, and the relay's start-up runs a loop of its own until its server listens."""
    relay = RecordingRelay()
    starter = threading.Thread(target=relay.start)
    starter.start()
    starter.join()
    yield relay
    relay.stop()


def test_owner_removes_a_member_and_every_page_hears_of_it(
    world: World,
    carol: User,
    gateway,
    page_for: Callable,
    screenshot: Callable,
    screenshot_both_widths: Callable,
) -> None:
    bobs_page, _ = page_for(world.bob)
    bobs_page.goto(f"/rooms/{world.room.id}")
    carols_page, carols_watch = page_for(carol)
    carols_page.goto(f"/rooms/{world.room.id}")
    for page in (bobs_page, carols_page):
        page.wait_for_selector('#room[data-live="open"]')
    page, watch = page_for(world.alice)
    page.goto(f"/rooms/{world.room.id}")
    page.locator("#sidebar-members-heading").scroll_into_view_if_needed()
    screenshot_both_widths(page, "room-members")

    page.get_by_role("button", name="Remove Bob Baker").click()
    page.get_by_text("Bob Baker was removed from the room.").wait_for()
    note = page.locator(NOTE).filter(has_text="Alice Archer removed Bob Baker")
    assert note.is_visible()
    assert note.locator(".message-author").count() == 0  # not a person's message
    screenshot(page, "room-system-note-1280")
    assert page.get_by_role("button", name="Remove Bob Baker").count() == 0

    # Carol's open page gets the note live; Bob's page is told he is out.
    carols_page.locator(NOTE).filter(has_text="Alice Archer removed Bob Baker").wait_for()
    bobs_page.wait_for_selector('#room[data-live="removed"]')
    alert = bobs_page.get_by_role("alert").filter(has_text="no longer a member of this room")
    assert alert.is_visible()
    assert watch.page_errors == [] and carols_watch.page_errors == []


def test_owner_transfers_ownership_from_the_sidebar(
    world: World, gateway, page_for: Callable
) -> None:
    page, watch = page_for(world.alice)
    page.goto(f"/rooms/{world.room.id}")
    page.get_by_label("Hand the room over to").select_option(label="Bob Baker")
    page.get_by_role("button", name="Transfer ownership").click()
    page.get_by_text("Bob Baker now owns the room; you are an admin.").wait_for()
    members = page.locator(".member-list")
    bob = members.locator(f'[data-presence-user="{world.bob.id}"] .member-role')
    alice = members.locator(f'[data-presence-user="{world.alice.id}"] .member-role')
    assert bob.inner_text().lower() == "owner" and alice.inner_text().lower() == "admin"
    assert page.locator(NOTE).filter(has_text="made Bob Baker the owner").is_visible()
    assert page.get_by_role("button", name="Transfer ownership").count() == 0
    assert watch.page_errors == []


def test_an_invited_address_gets_the_invitation_and_answers_into_the_room(
    world: World, gateway, page_for: Callable, relay: RecordingRelay
) -> None:
    page, watch = page_for(world.alice)
    page.goto(f"/rooms/{world.room.id}")
    page.get_by_label("Invite by email address").fill("dana@example.org")
    page.get_by_role("button", name="Invite", exact=True).click()
    page.get_by_text("dana@example.org was added to the room and emailed an invitation.").wait_for()
    assert page.locator(NOTE).filter(has_text="Alice Archer added dana").is_visible()

    relayed = dataclasses.replace(
        gateway.settings, relay=RelaySettings(host=relay.host, port=relay.port)
    )
    deliver_due(gateway.database, relayed, now=gateway.clock())
    (received,) = relay.wait_for(1)
    assert received.rcpt_tos == ("dana@example.org",)
    email = message_from_bytes(received.raw, policy=policy.default)
    assert "Alice Archer invited you to Website redesign" in email["Subject"]
    text = email.get_body(("plain",)).get_content()
    assert re.search(rf"/sign-in/link/\S+next=%2Frooms%2F{world.room.id}", text)

    reply_to = email["Reply-To"].addresses[0].addr_spec
    raw = reply_email("dana@example.org", reply_to, "Happy to be here!")
    transcript = gateway.smtp.deliver(raw, mail_from="dana@example.org", rcpt_to=[reply_to])
    assert transcript.data is not None and transcript.data[0] == 250
    posted = page.locator("li.message").filter(has_text="Happy to be here!")
    posted.wait_for()  # live, without a reload
    assert posted.locator(".message-author").inner_text() == "dana"
    assert watch.page_errors == []


def test_a_room_owner_resolves_a_report_on_the_moderator_page(
    database: Database,
    world: World,
    carol: User,
    now: datetime,
    gateway,
    page_for: Callable,
    screenshot_both_widths: Callable,
) -> None:
    with database.transaction() as session:
        for text, reason in (
            ("Pay me on PayPal instead", ReportReason.OFF_PLATFORM_PAYMENT),
            ("You are all idiots", ReportReason.ABUSE),
        ):
            message = post_message(
                session, world.room.id, world.bob.id, text, origin=Origin.WEB, now=now
            )
            report_message(session, message.id, carol.id, reason, "Please look", now=now)
    page, watch = page_for(world.alice)
    page.goto("/reports")
    cards = page.locator(".report-card")
    assert cards.count() == 2
    screenshot_both_widths(page, "moderator-reports")

    card = cards.filter(has_text="Pay me on PayPal instead")
    card.get_by_role("button", name=re.compile("^Resolve")).click()
    page.get_by_text(re.compile(r"Report \d+ resolved\.")).wait_for()
    assert page.locator(".report-card").count() == 1
    page.get_by_role("link", name="Resolved").click()
    assert page.locator(".report-card").filter(has_text="Resolved by Alice Archer").is_visible()
    assert watch.page_errors == []


def test_a_plain_member_has_no_moderator_page(world: World, gateway, page_for: Callable) -> None:
    page, _ = page_for(world.bob)
    assert page.goto("/reports").status == 404
