"""In a real browser: every payload of tests/data/xss_payloads.txt, posted from the compose box
and sent by email over SMTP, is shown as text on the room page and in search results, and
none of them runs (no dialog, the window.__xss canary untouched, no script error, no live
event handler, javascript: or data: URL, style or dangerous element in a message)."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from gateway.core.messages import list_messages
from gateway.core.rooms import create_room, get_room
from gateway.store.database import Database

from support import World, reply_email

pytestmark = pytest.mark.e2e

PAYLOADS = [
    line
    for line in (Path(__file__).parents[2] / "data" / "xss_payloads.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)")

# Anything in a message body (or a search snippet) that could run or restyle the page.
DANGER_SCAN = """
(root) => {
  const found = [];
  const banned = new Set(["SCRIPT", "IFRAME", "OBJECT", "EMBED", "SVG", "MATH", "STYLE",
    "FORM", "INPUT", "BUTTON", "BASE", "META", "LINK", "DETAILS", "MARQUEE", "BODY", "X"]);
  for (const element of root.querySelectorAll(".message-body *, .search-snippet *")) {
    if (banned.has(element.tagName.toUpperCase())) found.push("element " + element.tagName);
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\s\\u0000-\\u001f]/g, "").toLowerCase();
      if (name.startsWith("on") || name === "style" || name === "srcdoc") {
        found.push(element.tagName + " " + name);
      }
      if (["href", "src", "action", "xlink:href", "formaction"].includes(name) &&
          (value.startsWith("javascript:") || value.startsWith("data:text") ||
           value.startsWith("vbscript:"))) {
        found.push(element.tagName + " " + name + "=" + value);
      }
    }
  }
  return found;
}
"""


def _assert_nothing_ran(page, watch) -> None:
    assert page.evaluate("window.__xss") == 0
    assert watch.dialogs == []
    assert watch.page_errors == []
    assert page.evaluate(DANGER_SCAN, page.locator("main").element_handle()) == []
    # The only console errors allowed are the browser refusing something under our CSP.
    others = [e for e in watch.console_errors if "Content Security Policy" not in e]
    assert others == [], others


def _room_bodies(page, watch, room_id: int) -> dict[int, str]:
    """Every message's shown text, after loading the whole history (Load older)."""
    page.goto(f"/rooms/{room_id}")
    while page.locator("#load-older-form").count():
        oldest = page.locator("#messages").get_attribute("data-oldest-id")
        page.locator("#load-older").click()
        page.wait_for_function(
            """oldest => !document.getElementById("load-older-form") ||
                document.getElementById("messages").dataset.oldestId !== oldest""",
            arg=oldest,
        )
    _assert_nothing_ran(page, watch)
    return {
        int(item.get_attribute("data-message-id")): item.locator(".message-body").inner_text()
        for item in page.locator("#messages li.message").all()
    }


def _assert_shown_as_text(bodies: dict[int, str]) -> None:
    assert len(bodies) == len(PAYLOADS)
    for payload, (_, text) in zip(PAYLOADS, sorted(bodies.items()), strict=True):
        for tag in TAG.findall(payload):
            assert f"<{tag}" in text, (payload, text)


def _assert_search_results_are_inert(page, watch, query: str, expected: int) -> None:
    shown = 0
    for number in range(1, 10):
        page.goto(f"/search?q={query}&page={number}")
        _assert_nothing_ran(page, watch)
        hits = page.locator(".search-hit").count()
        if hits == 0:
            break
        shown += hits
    assert shown == expected


def _stored(database: Database, room_id: int) -> list[str]:
    with database.read_session() as session:
        return [m.body_source for m in list_messages(session, get_room(session, room_id))]


def test_payloads_posted_from_the_compose_box_are_shown_as_text_and_never_run(
    database: Database, world: World, gateway, page_for: Callable
) -> None:
    page, watch = page_for(world.alice)
    page.goto(f"/rooms/{world.room.id}")
    compose = page.locator("#compose-body")
    for count, payload in enumerate(PAYLOADS, start=1):
        compose.fill(payload)
        page.get_by_role("button", name="Send", exact=True).click()
        page.wait_for_function(
            "n => document.querySelectorAll('#messages li.message').length >= n", arg=count
        )
    _assert_nothing_ran(page, watch)
    assert _stored(database, world.room.id) == [p.strip() for p in PAYLOADS]
    _assert_shown_as_text(_room_bodies(page, watch, world.room.id))
    _assert_search_results_are_inert(page, watch, "from:alice", len(PAYLOADS))


def test_payloads_sent_by_email_are_shown_as_text_and_never_run(
    database: Database, world: World, now: datetime, gateway, page_for: Callable
) -> None:
    with database.transaction() as session:
        room = create_room(
            session, "Mail payloads", owner=world.alice, members=[world.bob], now=now
        )
    address = gateway.reply_address(room.id, world.bob.id)
    with smtplib.SMTP("127.0.0.1", gateway.smtp.port, timeout=30) as client:
        for number, payload in enumerate(PAYLOADS):
            raw = reply_email(
                "Bob Baker <bob@example.org>",
                address,
                payload,
                subject="Re: [Gateway] Mail payloads",
                message_id=f"<xss-{number}@mail.example.org>",
            )
            assert client.sendmail("bob@example.org", [address], raw) == {}
    assert len(_stored(database, room.id)) == len(PAYLOADS)
    page, watch = page_for(world.alice)
    _assert_shown_as_text(_room_bodies(page, watch, room.id))
    _assert_search_results_are_inert(page, watch, 'from:bob in:"Mail payloads"', len(PAYLOADS))
