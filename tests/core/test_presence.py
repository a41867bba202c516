"""Presence: online needs a recent sign of life and the Online status; out-of-office periods."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from gateway.core.errors import InvalidInput
from gateway.core.presence import ONLINE_WINDOW, away_until, online_user_ids, set_presence
from gateway.core.web_sessions import start_web_session, touch_web_session
from gateway.store.database import Database
from gateway.store.models import User, WebSession

from support import World


def _open_browser(database: Database, user: User, now: datetime) -> None:
    with database.transaction() as session:
        start_web_session(session, session.merge(user), now=now)


def test_a_user_with_a_recently_active_browser_is_online(
    database: Database, world: World, now: datetime
) -> None:
    _open_browser(database, world.bob, now)
    with database.read_session() as session:
        ids = {world.alice.id, world.bob.id}
        assert online_user_ids(session, ids, now=now + timedelta(seconds=30)) == {world.bob.id}
        assert online_user_ids(session, ids, now=now + ONLINE_WINDOW) == set()


def test_touching_the_session_keeps_the_user_online(
    database: Database, world: World, now: datetime
) -> None:
    _open_browser(database, world.bob, now)
    later = now + timedelta(minutes=10)
    with database.transaction() as session:
        [session_id] = session.scalars(select(WebSession.id))
        touch_web_session(session, session_id, now=later)
    with database.read_session() as session:
        assert online_user_ids(session, {world.bob.id}, now=later) == {world.bob.id}


def test_an_invisible_user_never_shows_as_online(
    database: Database, world: World, now: datetime
) -> None:
    _open_browser(database, world.bob, now)
    with database.transaction() as session:
        set_presence(session, world.bob.id, "invisible")
    with database.read_session() as session:
        assert online_user_ids(session, {world.bob.id}, now=now) == set()


def test_an_unknown_status_is_refused(database: Database, world: World) -> None:
    with (
        database.transaction() as session,
        pytest.raises(InvalidInput, match="online or invisible"),
    ):
        set_presence(session, world.bob.id, "busy")


def test_away_until_covers_only_the_out_of_office_period(world: World, now: datetime) -> None:
    user = world.bob
    user.ooo_enabled = True
    user.ooo_starts_at = now
    user.ooo_ends_at = now + timedelta(days=3)

    assert away_until(user, now=now - timedelta(minutes=1)) is None
    assert away_until(user, now=now + timedelta(days=1)) == now + timedelta(days=3)
    assert away_until(user, now=now + timedelta(days=3)) is None
    user.ooo_enabled = False
    assert away_until(user, now=now + timedelta(days=1)) is None
