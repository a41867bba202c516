"""Housekeeping: Account Alerts and Updates go after their user's retention period or their
own expiry, ended web sessions and old sign-in records go; room history stays."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from gateway.core.alerts import create_alert
from gateway.core.api_keys import create_api_key
from gateway.core.idempotency import KeptResponse, keep_response
from gateway.core.preferences import set_alert_retention
from gateway.core.web_sessions import start_web_session
from gateway.outbound.housekeeping import run_housekeeping
from gateway.store.database import Database
from gateway.store.models import Alert, IdempotentRequest, Message, User, WebSession

from support import World


def _alert(database: Database, user_id: int, at: datetime, title: str, **extra) -> None:
    with database.transaction() as session:
        create_alert(session, user_id, category="update", title=title, now=at, **extra)


def _titles(database: Database, user_id: int) -> set[str]:
    with database.read_session() as session:
        return set(session.scalars(select(Alert.title).where(Alert.user_id == user_id)))


def test_alerts_go_after_each_users_retention_period_and_room_history_stays(
    database: Database, world: World, now: datetime, post
) -> None:
    with database.transaction() as session:
        set_alert_retention(session, world.bob.id, 30)
    for user in (world.alice, world.bob):
        _alert(database, user.id, now - timedelta(days=100), "old")
        _alert(database, user.id, now - timedelta(days=45), "last month")
        _alert(database, user.id, now - timedelta(days=1), "yesterday")
    _alert(
        database,
        world.alice.id,
        now - timedelta(days=2),
        "expired",
        expires_at=now - timedelta(days=1),
    )
    post("Room history is kept however old.")

    pruned = run_housekeeping(database, now=now)

    assert pruned["alerts"] == 4
    assert _titles(database, world.alice.id) == {"last month", "yesterday"}  # 90 days
    assert _titles(database, world.bob.id) == {"yesterday"}  # 30 days
    with database.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 1
    assert run_housekeeping(database, now=now)["alerts"] == 0


def test_ended_web_sessions_go(database: Database, world: World, now: datetime) -> None:
    with database.transaction() as session:
        start_web_session(
            session, session.get_one(User, world.alice.id), now=now - timedelta(days=400)
        )
        start_web_session(session, session.get_one(User, world.bob.id), now=now)
    assert run_housekeeping(database, now=now)["web_sessions"] == 1
    with database.read_session() as session:
        assert list(session.scalars(select(WebSession.user_id))) == [world.bob.id]


def test_responses_kept_for_idempotency_keys_go_after_a_day(
    database: Database, now: datetime
) -> None:
    with database.transaction() as session:
        key, _secret = create_api_key(session, "platform", now=now)
        for age, name in ((timedelta(hours=25), "old"), (timedelta(hours=1), "fresh")):
            keep_response(session, key.id, name, "f" * 64, KeptResponse(201, "{}"), now=now - age)
    assert run_housekeeping(database, now=now)["idempotent_requests"] == 1
    with database.read_session() as session:
        assert list(session.scalars(select(IdempotentRequest.key))) == ["fresh"]
