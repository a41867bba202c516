"""In a real browser: the keys do what Settings says (Enter, Shift+Enter, Ctrl+Enter and
Cmd+Enter, in the compose box and when editing), "?" opens the keyboard shortcut list and
Esc closes it, the outcome of a side-panel action shows where the person is looking, and a
draft in the compose box survives leaving the room."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from gateway.core.messages import list_messages, post_message
from gateway.core.preferences import set_enter_sends
from gateway.core.rooms import get_room
from gateway.core.users import add_user
from gateway.store.database import Database
from gateway.store.models import Origin, User

from support import World

pytestmark = pytest.mark.e2e


def _sources(database: Database, room_id: int) -> list[str]:
    with database.read_session() as session:
        return [m.body_source for m in list_messages(session, get_room(session, room_id))]


def _enter_inserts_a_new_line(database: Database, user_id: int) -> None:
    """The "Enter inserts a new line" setting. After page_for: signing the page in merges
    the test's copy of the user (with the default setting) back into the database."""
    with database.transaction() as session:
        set_enter_sends(session, user_id, False)


def _open_room(
    page_for: Callable, database: Database, user: User, room_id: int, *, enter_sends: bool = True
) -> tuple[object, object]:
    page, watch = page_for(user)
    if not enter_sends:
        _enter_inserts_a_new_line(database, user.id)
    page.goto(f"/rooms/{room_id}")
    return page, watch


# --- Enter, Shift+Enter, Ctrl+Enter, Cmd+Enter ------------------------------------------------


def test_with_enter_for_new_lines_ctrl_enter_and_cmd_enter_send_and_edit(
    database: Database, world: World, gateway, page_for: Callable
) -> None:
    page, watch = _open_room(page_for, database, world.alice, world.room.id, enter_sends=False)
    help_text = page.locator("#compose-help").inner_text()
    assert "Enter starts a new line" in help_text and "Ctrl+Enter" in help_text
    assert "Enter sends" not in help_text

    compose = page.locator("#compose-body")
    compose.type("one")
    compose.press("Enter")
    compose.type("two")
    compose.press("Shift+Enter")
    compose.type("three")
    assert compose.input_value() == "one\ntwo\nthree"
    assert _sources(database, world.room.id) == []  # neither Enter sent anything
    compose.press("Control+Enter")
    page.locator("#messages li.message", has_text="three").wait_for()
    assert _sources(database, world.room.id) == ["one\ntwo\nthree"]
    assert compose.input_value() == ""

    compose.type("from a Mac")
    compose.press("Meta+Enter")
    page.locator("#messages li.message", has_text="from a Mac").wait_for()
    assert _sources(database, world.room.id)[-1] == "from a Mac"

    # Editing follows the same setting: Enter is a new line, Ctrl+Enter saves.
    compose.press("ArrowUp")
    editor = page.locator(".message-inline-edit textarea")
    assert "Ctrl+Enter" in page.locator(".message-inline-edit .field-help").inner_text()
    editor.press("End")
    editor.press("Enter")
    editor.type("and Linux")
    assert _sources(database, world.room.id)[-1] == "from a Mac"
    editor.press("Control+Enter")
    page.locator("#messages li.message", has_text="and Linux").wait_for()
    assert _sources(database, world.room.id)[-1] == "from a Mac\nand Linux"
    assert not watch.console_errors and not watch.page_errors


def test_with_enter_to_send_shift_enter_is_a_new_line_and_ctrl_or_cmd_enter_also_send(
    database: Database, world: World, gateway, page_for: Callable
) -> None:
    page, _ = _open_room(page_for, database, world.alice, world.room.id)
    help_text = page.locator("#compose-help").inner_text()
    assert "Enter sends" in help_text and "Shift+Enter starts a new line" in help_text
    assert "Ctrl+Enter" in help_text

    compose = page.locator("#compose-body")
    compose.type("first")
    compose.press("Shift+Enter")
    compose.type("second")
    compose.press("Control+Enter")
    page.locator("#messages li.message", has_text="second").wait_for()
    compose.type("third")
    compose.press("Meta+Enter")
    page.locator("#messages li.message", has_text="third").wait_for()
    compose.type("fourth")
    compose.press("Enter")
    page.locator("#messages li.message", has_text="fourth").wait_for()
    assert _sources(database, world.room.id) == ["first\nsecond", "third", "fourth"]


# --- "?": the shortcut list -------------------------------------------------------------------


def test_question_mark_opens_the_shortcut_list_and_escape_closes_it_returning_focus(
    database: Database, world: World, gateway, page_for: Callable, screenshot: Callable
) -> None:
    with database.transaction() as session:
        post_message(
            session, world.room.id, world.bob.id, "Hi", origin=Origin.WEB, now=gateway.clock()
        )
    page, watch = _open_room(page_for, database, world.alice, world.room.id)
    dialog = page.locator("#shortcuts-dialog")
    assert not dialog.is_visible()

    # Typed into the message box, "?" is just a character.
    compose = page.locator("#compose-body")
    compose.type("Ready?")
    assert compose.input_value() == "Ready?"
    assert not dialog.is_visible()

    files_link = page.get_by_role("link", name="Files & links")
    files_link.focus()
    page.keyboard.press("?")
    dialog.wait_for(state="visible")
    assert page.evaluate(
        "document.getElementById('shortcuts-dialog').contains(document.activeElement)"
    )
    listed = _listed_shortcuts(dialog)
    assert {
        "?": "Show this list (when you are not typing in a box)",
        "Ctrl+Shift+F": "Search messages",
        "Alt+↑ / Alt+↓": "Previous / next conversation",
        "Enter": "Send the message",
        "Shift+Enter": "Start a new line",
        "Ctrl+Enter (⌘+Enter on a Mac)": "Send the message",
        "↑ in an empty message box": "Edit your last message (while it can still be edited)",
        "Enter or Ctrl+Enter (⌘+Enter on a Mac)": "Save",
    }.items() <= listed.items()
    assert {"Close this list", "Cancel the reply you started", "Cancel the edit"} <= {
        what for key, what in listed.pairs if key == "Esc"
    }
    screenshot(page, "shortcuts-dialog-1280")

    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.textContent") == "Files & links"

    page.set_viewport_size({"width": 375, "height": 800})
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("?")
    dialog.wait_for(state="visible")
    box = dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    screenshot(page, "shortcuts-dialog-375")
    page.get_by_role("button", name="Close").click()
    dialog.wait_for(state="hidden")
    assert not watch.console_errors and not watch.page_errors


def test_the_shortcut_list_says_enter_starts_a_new_line_for_who_chose_that(
    database: Database, world: World, gateway, page_for: Callable
) -> None:
    page, _ = page_for(world.alice)
    _enter_inserts_a_new_line(database, world.alice.id)
    page.goto("/rooms")
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts-dialog")
    dialog.wait_for(state="visible")
    listed = _listed_shortcuts(dialog)
    assert listed["Enter or Shift+Enter"] == "Start a new line"
    assert [key for key, what in listed.pairs if what == "Send the message"] == [
        "Ctrl+Enter (⌘+Enter on a Mac)"
    ]
    assert listed["Ctrl+Enter (⌘+Enter on a Mac)"] == "Save"  # editing: Enter is a new line


class _Listed(dict[str, str]):
    """The shortcut list's rows, key -> what it does (the last row for a key), and all of
    them as `pairs`."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs


def _listed_shortcuts(dialog: object) -> _Listed:
    rows = dialog.locator(".shortcut-list > div")  # type: ignore[attr-defined]
    return _Listed(
        [
            (" ".join(row.locator("dt").inner_text().split()), row.locator("dd").inner_text())
            for row in rows.all()
        ]
    )


# --- feedback where the person is looking -----------------------------------------------------


def _in_viewport(page: object, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()  # type: ignore[attr-defined]
    viewport = page.viewport_size  # type: ignore[attr-defined]
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= viewport["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
    )


@pytest.mark.parametrize("width", [1280, 375])
def test_side_panel_outcomes_show_in_view_on_a_long_room(
    database: Database,
    world: World,
    now: datetime,
    gateway,
    page_for: Callable,
    screenshot: Callable,
    width: int,
) -> None:
    with database.transaction() as session:
        add_user(session, "carol@example.net", name="Carol Chen", now=now)
        for number in range(40):
            post_message(
                session,
                world.room.id,
                world.bob.id,
                f"Update {number}: the long history that makes the page scroll",
                origin=Origin.WEB,
                now=now - timedelta(minutes=60 - number),
            )
    page, watch = page_for(world.alice)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"/rooms/{world.room.id}")
    assert page.evaluate("document.scrollingElement.scrollHeight") > 3 * 800
    assert page.evaluate("window.scrollY") > 0  # the room opens at its newest message

    def act(heading: str, do: Callable[[], None], flash: str) -> None:
        page.locator(f"#{heading}").scroll_into_view_if_needed()
        do()
        page.wait_for_load_state()
        message = page.locator(".flash", has_text=flash)
        message.wait_for()
        assert _in_viewport(page, f".flash >> text={flash}"), flash
        assert _in_viewport(page, f"#{heading}"), heading

    act(
        "sidebar-notepad-heading",
        lambda: (
            page.locator("#notepad-text").fill("- call the printer"),
            page.get_by_role("button", name="Save notes").click(),
        ),
        "Notepad saved.",
    )
    assert page.locator(".flash-success").get_attribute("role") == "status"
    screenshot(page, f"room-feedback-notepad-{width}")
    act(
        "sidebar-view-heading",
        lambda: page.get_by_role("button", name="Add to favorites").click(),
        "Added to your favorites.",
    )
    act(
        "sidebar-members-heading",
        lambda: (
            page.locator("#invite-email").fill("carol@example.net"),
            page.get_by_role("button", name="Invite", exact=True).click(),
        ),
        "Carol Chen was added to the room.",
    )
    act(
        "sidebar-members-heading",
        lambda: (
            page.get_by_label("Role of Bob Baker").select_option("admin"),
            page.locator(".member", has_text="Bob Baker")
            .get_by_role("button", name="Change role")
            .click(),
        ),
        "Bob Baker is now admin.",
    )
    act(
        "sidebar-members-heading",
        lambda: page.get_by_role("button", name="Block Bob Baker").click(),
        "You blocked Bob Baker.",
    )
    # A refusal shows in view too, as an alert.
    act(
        "sidebar-members-heading",
        lambda: (
            page.locator("#invite-email").fill("carol@example.net"),
            page.get_by_role("button", name="Invite", exact=True).click(),
        ),
        "is already a member of this room.",
    )
    assert page.locator(".flash-error").get_attribute("role") == "alert"

    page.get_by_role("button", name="Dismiss").click()
    assert page.locator(".flash").count() == 0
    assert not watch.console_errors and not watch.page_errors


# --- the draft --------------------------------------------------------------------------------


def test_a_draft_survives_leaving_the_room_and_is_gone_once_sent(
    database: Database, world: World, gateway, page_for: Callable
) -> None:
    page, watch = _open_room(page_for, database, world.alice, world.room.id)
    compose = page.locator("#compose-body")
    compose.type("Half a thought")
    compose.press("Shift+Enter")
    compose.type("and the rest")
    page.goto("/rooms")
    page.goto(f"/rooms/{world.room.id}")
    assert page.locator("#compose-body").input_value() == "Half a thought\nand the rest"

    page.locator("#compose-body").press("Enter")
    page.locator("#messages li.message", has_text="and the rest").wait_for()
    page.goto("/rooms")
    page.goto(f"/rooms/{world.room.id}")
    assert page.locator("#compose-body").input_value() == ""
    assert _sources(database, world.room.id) == ["Half a thought\nand the rest"]
    assert not watch.console_errors and not watch.page_errors
