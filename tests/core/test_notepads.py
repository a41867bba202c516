"""Notepads: private per member and room, bounded, rendered as sanitized Markdown."""

from __future__ import annotations

from datetime import datetime

import pytest

from gateway.core.errors import InvalidInput, NotFound
from gateway.core.notepads import MAX_NOTEPAD_LENGTH, notepad_html, save_notepad
from gateway.core.rooms import find_membership, leave_room
from gateway.store.database import Database

from support import World


def _notepad(database: Database, room_id: int, user_id: int) -> str | None:
    with database.read_session() as session:
        membership = find_membership(session, room_id, user_id)
        assert membership is not None
        return membership.notepad


def test_a_notepad_belongs_to_one_member(database: Database, world: World, now) -> None:
    with database.transaction() as session:
        save_notepad(session, world.room.id, world.bob.id, "Call Alice on Monday\r\n", now=now)
    assert _notepad(database, world.room.id, world.bob.id) == "Call Alice on Monday"
    assert _notepad(database, world.room.id, world.alice.id) is None


def test_saving_an_empty_notepad_clears_it(database: Database, world: World, now) -> None:
    with database.transaction() as session:
        save_notepad(session, world.room.id, world.bob.id, "draft", now=now)
        save_notepad(session, world.room.id, world.bob.id, "  \n ", now=now)
    assert _notepad(database, world.room.id, world.bob.id) is None


def test_a_notepad_holds_at_most_20000_characters(database: Database, world: World, now) -> None:
    with database.transaction() as session:
        save_notepad(session, world.room.id, world.bob.id, "a" * MAX_NOTEPAD_LENGTH, now=now)
    with database.transaction() as session, pytest.raises(InvalidInput, match="20,000"):
        save_notepad(session, world.room.id, world.bob.id, "b" * (MAX_NOTEPAD_LENGTH + 1), now=now)
    assert _notepad(database, world.room.id, world.bob.id) == "a" * MAX_NOTEPAD_LENGTH


def test_only_active_members_keep_a_notepad(database: Database, world: World, now) -> None:
    with database.transaction() as session:
        leave_room(session, world.room.id, world.bob.id, now=now)
    with database.transaction() as session, pytest.raises(NotFound):
        save_notepad(session, world.room.id, world.bob.id, "x", now=now)


def test_notepad_markdown_shows_lists_headings_and_links() -> None:
    html = notepad_html(
        "# Plan\n\n## Next\n\n- design\n- [spec](https://example.com/spec)\n\n1. ship"
    )
    # Headings sit below the page's own (h1 room title, h2 panel titles).
    assert "<h3>Plan</h3>" in html and "<h4>Next</h4>" in html
    assert "<ul>" in html and "<li>design</li>" in html
    assert '<a href="https://example.com/spec"' in html
    assert "<ol>" in html


def test_headings_inside_code_fences_stay_as_typed() -> None:
    html = notepad_html("```\n# not a heading\n```")
    assert "# not a heading" in html and "<h3>" not in html


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "# <svg onload=alert(1)>",
    ],
)
def test_notepad_html_is_sanitized(payload: str) -> None:
    html = notepad_html(payload)
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert 'href="javascript' not in html


def test_an_empty_notepad_renders_nothing() -> None:
    assert notepad_html(None) == "" and notepad_html("") == ""


def test_saving_a_notepad_touches_nothing_else(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        membership = save_notepad(session, world.room.id, world.bob.id, "note", now=now)
        assert (membership.favorite, membership.hidden, membership.archived) == (
            False,
            False,
            False,
        )
