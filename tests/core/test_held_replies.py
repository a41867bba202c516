"""The notice a member gets when a reply in their name is held: an Account Alert that reaches
them by email, at most one a day however much forged mail arrives."""

from __future__ import annotations

from datetime import datetime, timedelta
from email import message_from_bytes, policy

from sqlalchemy import select

from gateway.core.held_replies import NOTICE_TITLE, note_held_replies
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.rooms import create_room
from gateway.core.users import deactivate_user
from gateway.outbound.dispatch import dispatch_notifications
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Alert, AlertCategory, OutboxEmail

from support import World

REASON = "dmarc=fail (Authentication-Results of mx.example.com)"


def _note(database: Database, held: list[tuple[int, int, str]], at: datetime) -> None:
    with database.transaction() as session:
        note_held_replies(session, held, now=at)


def _notices(database: Database, user_id: int) -> list[Alert]:
    with database.read_session() as session:
        return list(
            session.scalars(
                select(Alert)
                .where(Alert.user_id == user_id, Alert.title == NOTICE_TITLE)
                .order_by(Alert.id)
            )
        )


def test_a_held_reply_tells_the_member_where_why_and_that_it_can_be_released(
    database: Database, world: World, now: datetime
) -> None:
    _note(database, [(world.bob.id, world.room.id, REASON)], now)
    [notice] = _notices(database, world.bob.id)
    assert notice.category is AlertCategory.ALERT and not notice.financial
    assert notice.link == f"/rooms/{world.room.id}"
    assert 'the room "Website redesign"' in notice.body_source
    assert REASON in notice.body_source
    assert "not posted" in notice.body_source and "operator can release" in notice.body_source
    assert _notices(database, world.alice.id) == []


def test_the_notice_reaches_the_member_by_email(
    database: Database, settings: Settings, keys: ReplyKeys, world: World, now: datetime
) -> None:
    _note(database, [(world.bob.id, world.room.id, REASON)], now)
    with database.transaction() as session:
        assert dispatch_notifications(session, settings, keys, now=now) == 1
    with database.read_session() as session:
        [row] = session.scalars(select(OutboxEmail).where(OutboxEmail.user_id == world.bob.id))
    email = message_from_bytes(row.raw, policy=policy.default)
    assert row.recipient == "bob@example.org"
    assert NOTICE_TITLE in str(email["Subject"])


def test_at_most_one_notice_a_day_however_many_replies_are_held(
    database: Database, world: World, now: datetime
) -> None:
    forged = [(world.bob.id, world.room.id, REASON)] * 5
    _note(database, forged, now)
    _note(database, forged, now + timedelta(hours=23))
    assert len(_notices(database, world.bob.id)) == 1
    _note(database, forged, now + timedelta(days=1, minutes=1))
    assert [n.created_at for n in _notices(database, world.bob.id)] == [
        now,
        now + timedelta(days=1, minutes=1),
    ]


def test_each_member_with_a_held_reply_gets_their_own_notice(
    database: Database, world: World, now: datetime
) -> None:
    _note(database, [(world.bob.id, world.room.id, REASON)], now)
    _note(
        database,
        [(world.alice.id, world.room.id, REASON), (world.bob.id, world.room.id, REASON)],
        now + timedelta(minutes=5),
    )
    assert len(_notices(database, world.alice.id)) == 1
    assert len(_notices(database, world.bob.id)) == 1


def test_a_deactivated_member_gets_no_notice_and_nothing_fails(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        deactivate_user(session, world.bob.id, now=now)
    _note(database, [(world.bob.id, world.room.id, REASON)], now)
    assert _notices(database, world.bob.id) == []


def test_a_room_title_with_markdown_is_not_copied_into_the_notice(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        room = create_room(
            session, "[click](https://evil.example) *now*", owner=world.alice, now=now
        )
        room_id = room.id
    _note(database, [(world.alice.id, room_id, REASON)], now)
    [notice] = _notices(database, world.alice.id)
    assert "one of your rooms" in notice.body_source
    assert "evil.example" not in notice.body_html
