"""Muting a room's emails and resuming them (gateway.core.room_mutes), including a mute that
came from an email's one-click unsubscribe link, and the list Settings shows."""

from __future__ import annotations

from datetime import datetime

import pytest

from gateway.core.errors import NotFound
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.room_mutes import MutedRoom, list_muted_rooms, mute_room, resume_room
from gateway.core.rooms import create_room, find_membership, remove_member
from gateway.core.unsubscribe import apply, unsubscribe_token, verify_unsubscribe_token
from gateway.core.users import add_user
from gateway.store.database import Database

from support import World


def _muted(database: Database, room_id: int, user_id: int) -> bool:
    with database.read_session() as session:
        membership = find_membership(session, room_id, user_id)
        assert membership is not None
        return membership.email_muted


def test_a_member_mutes_and_resumes_a_rooms_emails(database: Database, world: World) -> None:
    with database.transaction() as session:
        assert mute_room(session, world.room.id, world.bob.id).email_muted is True
    assert _muted(database, world.room.id, world.bob.id)
    assert not _muted(database, world.room.id, world.alice.id)  # only the member's own

    with database.transaction() as session:
        assert resume_room(session, world.room.id, world.bob.id).email_muted is False
        resume_room(session, world.room.id, world.bob.id)  # idempotent
    assert not _muted(database, world.room.id, world.bob.id)


def test_a_mute_from_the_unsubscribe_link_can_be_resumed(
    database: Database, world: World, keys: ReplyKeys
) -> None:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        token = unsubscribe_token(membership.id, keys)
    scope = verify_unsubscribe_token(token, keys)
    assert scope is not None
    with database.transaction() as session:
        apply(session, scope)
    assert _muted(database, world.room.id, world.bob.id)

    with database.transaction() as session:
        assert list_muted_rooms(session, world.bob.id) == [
            MutedRoom(world.room.id, "Website redesign")
        ]
        resume_room(session, world.room.id, world.bob.id)
        assert list_muted_rooms(session, world.bob.id) == []


def test_someone_outside_the_room_cannot_mute_or_resume_it(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        carol = add_user(session, "carol@example.net", name="Carol", now=now)
    with database.transaction() as session, pytest.raises(NotFound):
        mute_room(session, world.room.id, carol.id)
    with database.transaction() as session, pytest.raises(NotFound):
        resume_room(session, world.room.id, carol.id)


def test_muted_rooms_are_listed_by_title_and_rooms_left_are_not(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        alice, bob = session.merge(world.alice), session.merge(world.bob)
        apples = create_room(session, "apples", owner=alice, members=[bob], now=now)
        left = create_room(session, "Left behind", owner=alice, members=[bob], now=now)
        create_room(session, "Not muted", owner=alice, members=[bob], now=now)
        for room in (world.room, apples, left):
            mute_room(session, room.id, bob.id)
    with database.transaction() as session:
        remove_member(session, session.merge(left), session.merge(world.bob), now=now)

    with database.read_session() as session:
        assert [room.title for room in list_muted_rooms(session, world.bob.id)] == [
            "apples",
            "Website redesign",
        ]
