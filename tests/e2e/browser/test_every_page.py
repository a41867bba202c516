"""Every page in a real browser, at 1280 and at 375 px wide: no serious or critical axe-core
violation (axe-playwright-python bundles axe-core: nothing is fetched), no sideways scrolling
on a small screen, and a screenshot of each (`<page>-1280`, `<page>-375`).

The pages are seeded with what makes them interesting (an edited and a deleted message, a
file, an alert, an archived room, a ticket...). The per-page counts of violations by impact
are written to test-artifacts/axe-summary.txt (and printed with -s) when the module ends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from gateway.core.alerts import create_alert
from gateway.core.messages import NewFile, delete_message, edit_message, post_message
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.rooms import create_room, get_active_membership, set_archived
from gateway.core.signin import issue_sign_in_token
from gateway.core.unsubscribe import unsubscribe_token
from gateway.store.database import Database
from gateway.store.models import Origin, RoomKind, User

from support import World

pytestmark = pytest.mark.e2e

WIDE, NARROW = 1280, 375
HEIGHT = 800
BLOCKING = ("serious", "critical")
SUMMARY = Path(__file__).resolve().parents[3] / "test-artifacts" / "axe-summary.txt"
# A 1x1 PNG, so the room's files and the message show an image.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a1e2f40000000049454e44ae426082"
)


@dataclass(frozen=True)
class Seeded:
    """The ids the pages are reached by."""

    room_id: int
    message_id: int  # Alice's message, which Bob may report
    alert_id: int
    update_id: int
    sign_in_token: str
    unsubscribe_token: str


def _seed(database: Database, world: World, now: datetime, keys: ReplyKeys) -> Seeded:
    earlier = now - timedelta(minutes=30)
    with database.transaction() as session:
        alice, bob = session.get_one(User, world.alice.id), session.get_one(User, world.bob.id)
        bob.time_zone = "Europe/Berlin"
        room_id = world.room.id
        first = post_message(
            session,
            room_id,
            alice.id,
            "Here are the **mockups**: https://example.com/mockups",
            origin=Origin.WEB,
            now=now - timedelta(days=2),
            files=[NewFile("mockup.png", "image/png", PIXEL)],
        ).id
        edited = post_message(
            session, room_id, bob.id, "Looks good", origin=Origin.WEB, now=earlier
        ).id
        edit_message(session, edited, bob.id, "Looks good to me", now=earlier)
        deleted = post_message(
            session, room_id, bob.id, "Oops, wrong room", origin=Origin.EMAIL, now=earlier
        ).id
        delete_message(session, deleted, bob.id, now=earlier)
        post_message(
            session, room_id, alice.id, "Thanks! Ship it on Friday?", origin=Origin.EMAIL, now=now
        )
        old = create_room(session, "Old launch", owner=bob, now=now - timedelta(days=400))
        set_archived(session, old.id, bob.id, True)
        create_room(
            session,
            "Refund question",
            owner=bob,
            now=now - timedelta(days=1),
            kind=RoomKind.TICKET,
        )
        alert = create_alert(
            session,
            bob.id,
            category="alert",
            title="Payment sent",
            body="**$120** is on its way.",
            financial=True,
            now=now - timedelta(hours=3),
        )
        update = create_alert(
            session,
            bob.id,
            category="update",
            title="New features",
            body="Search got faster.",
            now=now - timedelta(days=3),
        )
        issued = issue_sign_in_token(session, bob.email, now)
        assert issued is not None
        membership = get_active_membership(session, room_id, bob.id)
        return Seeded(
            room_id=room_id,
            message_id=first,
            alert_id=alert.id,
            update_id=update.id,
            sign_in_token=issued[1],
            unsubscribe_token=unsubscribe_token(membership.id, keys),
        )


def _request_link(page: object) -> None:
    """The sign-in page after asking for a link: the "link sent" answer."""
    page.get_by_label("Email", exact=True).last.fill("bob@example.com")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Email me a sign-in link").click()  # type: ignore[attr-defined]
    page.get_by_role("status").wait_for()  # type: ignore[attr-defined]


# name: (signed in?, path from the seeded ids, what to do once there)
PAGES: dict[str, tuple[bool, Callable[[Seeded], str], Callable[[object], None] | None]] = {
    "landing": (False, lambda s: "/", None),
    "sign-in": (False, lambda s: "/sign-in", None),
    "sign-in-link-sent": (False, lambda s: "/sign-in", _request_link),
    "sign-in-link": (False, lambda s: f"/sign-in/link/{s.sign_in_token}", None),
    "inbox-recent": (True, lambda s: "/rooms?view=recent", None),
    "inbox-by-category": (True, lambda s: "/rooms?view=category", None),
    "inbox-all": (True, lambda s: "/rooms/all", None),
    "alerts": (True, lambda s: "/alerts", None),
    "alert": (True, lambda s: f"/alerts/{s.alert_id}", None),
    "updates": (True, lambda s: "/updates", None),
    "tickets": (True, lambda s: "/tickets", None),
    "room": (True, lambda s: f"/rooms/{s.room_id}", None),
    "room-files": (True, lambda s: f"/rooms/{s.room_id}/files", None),
    "new-room": (True, lambda s: "/rooms/new", None),
    "report": (True, lambda s: f"/rooms/{s.room_id}/messages/{s.message_id}/report", None),
    "search": (True, lambda s: "/search?q=mockups", None),
    "settings": (True, lambda s: "/settings", None),
    "unsubscribe": (False, lambda s: f"/u/{s.unsubscribe_token}", None),
    "reports": (True, lambda s: "/reports", None),
    "api-docs": (False, lambda s: "/api/v1/docs", None),
    "not-found": (True, lambda s: "/no-such-page", None),
}


@pytest.fixture(scope="module")
def axe_summary() -> Iterator[dict[str, dict[int, Counter[str]]]]:
    """Per page and width, the violations by impact; written out when the module ends."""
    found: dict[str, dict[int, Counter[str]]] = {}
    yield found
    lines = [f"{'page':<20} {'width':>5}  violations by impact"]
    for name in PAGES:
        for width, counts in sorted(found.get(name, {}).items()):
            shown = ", ".join(f"{impact} {n}" for impact, n in sorted(counts.items())) or "none"
            lines.append(f"{name:<20} {width:>5}  {shown}")
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines))


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary']}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_passes_axe_and_fits_a_small_screen(
    name: str,
    database: Database,
    world: World,
    now: datetime,
    gateway,
    page_for: Callable,
    screenshot: Callable,
    axe_summary: dict[str, dict[int, Counter[str]]],
) -> None:
    keys = ReplyKeys.from_secrets(gateway.settings.secret_key, gateway.settings.previous_secret_key)
    signed_in, path, then = PAGES[name]
    # Signed in first: the sign-in merges the fixture's User, which would undo Bob's zone.
    page, watch = page_for(world.bob if signed_in else None)
    seeded = _seed(database, world, now, keys)
    axe, problems = Axe(), []
    for width in (WIDE, NARROW):
        page.set_viewport_size({"width": width, "height": HEIGHT})
        response = page.goto(path(seeded))
        assert response.status == (404 if name == "not-found" else 200), response.url
        if then is not None:
            then(page)
        page.wait_for_load_state("networkidle")
        violations = axe.run(page).response["violations"]
        axe_summary.setdefault(name, {})[width] = Counter(v["impact"] for v in violations)
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        if blocking:
            problems.append(f"at {width} px:\n{_describe(blocking)}")
        if width == NARROW:
            overflow = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if overflow[0] > overflow[1]:
                problems.append(
                    f"at {width} px the page scrolls sideways: {overflow[0]} px wide "
                    f"(widest: {_widest(page)})"
                )
        screenshot(page, f"{name}-{width}")
    assert not problems, f"{name}:\n" + "\n".join(problems)
    # The 404 page's own status is the one console error a browser reports there.
    errors = [e for e in watch.console_errors if not (name == "not-found" and "status of 404" in e)]
    assert not watch.page_errors and not errors, watch


def _widest(page: object) -> str:
    """The elements that reach past the window's right edge (to find the cause fast)."""
    found = page.evaluate(  # type: ignore[attr-defined]
        """() => Array.from(document.querySelectorAll('body *'))
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .slice(0, 6)
            .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}` +
                        `${e.className && typeof e.className === 'string'
                           ? '.' + e.className.trim().split(/\\s+/).join('.') : ''}` +
                        ` (${Math.round(e.getBoundingClientRect().right)} px)`)"""
    )
    return ", ".join(found) or "none found"
