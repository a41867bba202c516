"""Where a live stream resumes comes from the browser (Last-Event-ID, `?last=`, `?after=`):
any text gives a cursor inside the stored id range or none, never an error, and a stream
asked to resume from nonsense opens all the same."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from gateway.store.models import MAX_ROW_ID
from gateway.web.live import parse_after, parse_last_event_id

from support import World
from web_support import signed_in_client

HUGE = "9" * 5000


@given(st.text(max_size=60) | st.from_regex(r"[0-9]{1,40}(\.[0-9]{0,40})?", fullmatch=True))
def test_any_last_event_id_gives_a_cursor_in_range_or_none(value: str) -> None:
    cursor = parse_last_event_id(value)
    if cursor is not None:
        assert 0 <= cursor.message_id <= MAX_ROW_ID and 0 <= cursor.event_id <= MAX_ROW_ID


@given(st.text(max_size=60) | st.from_regex(r"[0-9]{1,40}", fullmatch=True))
def test_any_after_gives_an_id_in_range_or_none(value: str) -> None:
    after = parse_after(value)
    assert after is None or 0 <= after <= MAX_ROW_ID


def test_thousands_of_digits_are_no_cursor() -> None:
    assert parse_last_event_id(f"{HUGE}.1") is None
    assert parse_last_event_id(f"1.{HUGE}") is None
    assert parse_after(HUGE) is None


def test_a_stream_asked_to_resume_from_nonsense_opens(
    live_app: Flask, world: World, open_stream: Callable
) -> None:
    client = signed_in_client(live_app, world.bob)
    for query in (f"last={HUGE}.0", "last=99999999999999999999.0", f"after={HUGE}"):
        response, reader = open_stream(client, f"/live/rooms/{world.room.id}?{query}")
        assert response.status_code == 200, query
        reader.until(lambda text: "id: " in text)
