"""Blocks: who may block whom, idempotence, the contract rule, and what a block leaves alone."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from gateway.core.blocks import (
    block_user,
    is_blocked_between,
    list_blocked,
    unblock_user,
)
from gateway.core.errors import InvalidInput, NotAllowed, NotFound
from gateway.core.messages import post_message
from gateway.core.rooms import create_room, leave_room, list_active_members
from gateway.core.users import add_user
from gateway.store.database import Database
from gateway.store.models import Block, Origin, Room, RoomKind

from support import World


def _contract_room(database: Database, world: World, now: datetime) -> Room:
    with database.transaction() as session:
        return create_room(
            session,
            "Contract: logo design",
            owner=session.merge(world.alice),
            members=[session.merge(world.bob)],
            kind=RoomKind.CONTRACT,
            now=now,
        )


def test_a_block_is_seen_from_both_sides(database: Database, world: World, now) -> None:
    with database.transaction() as session:
        block_user(session, world.bob.id, world.alice.id, now=now)
    with database.read_session() as session:
        assert is_blocked_between(session, world.alice.id, world.bob.id)
        assert is_blocked_between(session, world.bob.id, world.alice.id)
        assert [user.id for user in list_blocked(session, world.bob.id)] == [world.alice.id]
        assert list_blocked(session, world.alice.id) == []


def test_blocking_twice_keeps_one_block_and_unblocking_lifts_it(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        first = block_user(session, world.bob.id, world.alice.id, now=now)
        again = block_user(session, world.bob.id, world.alice.id, now=now + timedelta(hours=1))
        assert again.id == first.id and again.created_at == now
    with database.transaction() as session:
        unblock_user(session, world.bob.id, world.alice.id)
        unblock_user(session, world.bob.id, world.alice.id)
    with database.read_session() as session:
        assert not is_blocked_between(session, world.alice.id, world.bob.id)
        assert session.query(Block).count() == 0


def test_unblocking_lifts_only_your_own_block(database: Database, world: World, now) -> None:
    with database.transaction() as session:
        block_user(session, world.bob.id, world.alice.id, now=now)
        unblock_user(session, world.alice.id, world.bob.id)
    with database.read_session() as session:
        assert is_blocked_between(session, world.alice.id, world.bob.id)


def test_nobody_blocks_themselves_or_an_unknown_user(database: Database, world: World, now) -> None:
    with database.transaction() as session:
        with pytest.raises(InvalidInput, match="yourself"):
            block_user(session, world.alice.id, world.alice.id, now=now)
        with pytest.raises(NotFound):
            block_user(session, world.alice.id, 999_999, now=now)


def test_an_active_contract_prevents_blocking(database: Database, world: World, now) -> None:
    room = _contract_room(database, world, now)
    with database.transaction() as session, pytest.raises(NotAllowed) as refused:
        block_user(session, world.bob.id, world.alice.id, now=now)
    assert str(refused.value) == (
        "You cannot block someone you have an active contract with. End the contract first."
    )
    # Once one of them has left the contract room, it no longer binds them.
    with database.transaction() as session:
        leave_room(session, room.id, world.bob.id, now=now)
        block_user(session, world.bob.id, world.alice.id, now=now)


def test_a_contract_with_someone_else_does_not_prevent_blocking(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        carol = add_user(session, "carol@example.net", now=now)
        create_room(
            session,
            "Contract",
            owner=session.merge(world.alice),
            members=[carol],
            kind=RoomKind.CONTRACT,
            now=now,
        )
        block_user(session, world.alice.id, world.bob.id, now=now)


def test_blocking_keeps_both_in_their_shared_group_room(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        block_user(session, world.alice.id, world.bob.id, now=now)
    with database.transaction() as session:
        members = {m.user_id for m in list_active_members(session, world.room.id)}
        posted = post_message(
            session, world.room.id, world.bob.id, "Still here", origin=Origin.WEB, now=now
        )
    assert members == {world.alice.id, world.bob.id}
    assert posted.body_source == "Still here"
