"""gateway.core.rendering.render_one_line and message_excerpt: a message's words as a reader
sees them, on one line, for the excerpt a reply quotes of its parent (and digest lines)."""

from __future__ import annotations

from datetime import datetime

import pytest

from gateway.core.messages import message_excerpt, post_message
from gateway.core.rendering import render_one_line
from gateway.store.database import Database
from gateway.store.models import Message, Origin

from support import World


@pytest.mark.parametrize(
    ("source", "read"),
    [
        ("Plain words,\nover two lines.", "Plain words, over two lines."),
        ("Can we ship **Friday**? _Maybe_ ~~not~~", "Can we ship Friday? Maybe not"),
        (
            "See [the plan](https://example.com/plan) or https://example.com/x",
            "See the plan or https://example.com/x",
        ),
        ("Run `make test` first:\n\n```sh\nmake all\n```", "Run make test first: make all"),
        ("> quoted words\n\nmine", "quoted words mine"),
        ("- one\n- two\n\n1. three", "one two three"),
        ("Ship it :tada:", "Ship it \U0001f389"),
        ("# not a heading", "# not a heading"),
        ("<b>typed tags</b> & co", "<b>typed tags</b> & co"),
        ("![diagram](https://example.com/d.png)", "diagram"),
        ("", ""),
    ],
)
def test_one_line_is_the_text_as_read_not_the_markdown(source: str, read: str) -> None:
    assert render_one_line(source) == read


def test_the_excerpt_of_a_long_markdown_message_is_its_opening_words(
    database: Database, world: World, now: datetime
) -> None:
    source = "**Status:** " + "all good, " * 2000
    with database.transaction() as session:
        posted = post_message(
            session, world.room.id, world.bob.id, source, origin=Origin.WEB, now=now
        )
        excerpt = message_excerpt(session.get_one(Message, posted.id), length=40)
    assert excerpt == "Status: all good, all good, all good, a\u2026"
