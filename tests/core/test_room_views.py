"""Room views: begun by a page's stream, renewed under a lease, ended by the page or by time."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gateway.core.room_views import (
    VIEW_LEASE,
    end_page_view,
    list_viewing,
    open_room_view,
    prune_room_views,
    read_page_key,
    renew_room_views,
)
from gateway.core.web_sessions import find_web_session, start_web_session
from gateway.store.database import Database

from support import World


def _open(
    database: Database, world: World, at: datetime, page_key: str | None = "page-aaaa"
) -> int:
    with database.transaction() as session:
        token = start_web_session(session, session.merge(world.bob), now=at)
        signed_in = find_web_session(session, token, now=at)
        assert signed_in is not None
        return open_room_view(
            session,
            web_session_id=signed_in.session_id,
            user_id=world.bob.id,
            room_id=world.room.id,
            page_key=page_key,
            now=at,
        )


def _viewing(database: Database, world: World, at: datetime) -> bool:
    with database.read_session() as session:
        return (world.room.id, world.bob.id) in list_viewing(
            session, [world.room.id], [world.bob.id], now=at
        )


def test_a_view_lasts_its_lease_unless_renewed(
    database: Database, world: World, now: datetime
) -> None:
    view_id = _open(database, world, now)
    assert _viewing(database, world, now + VIEW_LEASE - timedelta(seconds=1))
    assert not _viewing(database, world, now + VIEW_LEASE)
    with database.transaction() as session:
        renew_room_views(session, [view_id], now=now + timedelta(seconds=8))
    assert _viewing(database, world, now + VIEW_LEASE + timedelta(seconds=5))


def test_pruning_removes_only_views_whose_lease_ran_out(
    database: Database, world: World, now: datetime
) -> None:
    _open(database, world, now - timedelta(minutes=5), page_key="page-old-one")
    _open(database, world, now, page_key="page-new-one")
    with database.transaction() as session:
        assert prune_room_views(session, now=now) == 1
    assert _viewing(database, world, now)


def test_a_page_ends_only_its_own_view(database: Database, world: World, now: datetime) -> None:
    _open(database, world, now, page_key="page-first")
    with database.transaction() as session:
        token = start_web_session(session, session.merge(world.bob), now=now)
        signed_in = find_web_session(session, token, now=now)
        assert signed_in is not None
        open_room_view(
            session,
            web_session_id=signed_in.session_id,
            user_id=world.bob.id,
            room_id=world.room.id,
            page_key="page-second",
            now=now,
        )
        ended = end_page_view(
            session,
            web_session_id=signed_in.session_id,
            room_id=world.room.id,
            page_key="page-first",  # the other browser's page: not this session's
        )
    assert ended == 0
    assert _viewing(database, world, now)


@given(st.text(max_size=80))
def test_a_page_key_is_taken_only_in_its_plain_form(value: str) -> None:
    key = read_page_key(value)
    assert key is None or (key == value and 8 <= len(key) <= 64 and key.isascii())
    assert read_page_key(None) is None
