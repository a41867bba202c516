"""Users and rooms: address normalization, accounts, membership rules."""

from __future__ import annotations

from datetime import datetime

import pytest

from gateway.core.errors import InvalidInput, NotAllowed, NotFound
from gateway.core.passwords import verify_password
from gateway.core.rooms import (
    add_member,
    create_room,
    get_room,
    list_active_members,
    remove_member,
)
from gateway.core.users import add_user, get_user_by_email, normalize_address
from gateway.store.models import AccountKind, Role, RoomKind


def test_addresses_are_validated_and_normalized() -> None:
    assert normalize_address("  Carol.Smith@Example.COM ") == "carol.smith@example.com"
    for bad in ["no-at-sign", "a@b", "two@@example.com", "x@-example.com", ""]:
        with pytest.raises(InvalidInput):
            normalize_address(bad)


def test_user_gets_an_account_and_a_verifiable_password(database, now: datetime) -> None:
    with database.transaction() as session:
        user = add_user(
            session,
            "Dana@Example.com",
            password="s3cret pass",
            now=now,
            account_kind=AccountKind.CLIENT,
            time_zone="Europe/Berlin",
        )
    assert user.email == "dana@example.com"
    assert user.display_name == "dana"
    assert [a.kind for a in user.accounts] == [AccountKind.CLIENT]
    assert verify_password("s3cret pass", user.password_hash)
    assert not verify_password("wrong", user.password_hash)
    assert not verify_password("s3cret pass", None)


def test_duplicate_address_and_unknown_time_zone_are_refused(database, world, now) -> None:
    with database.transaction() as session:
        with pytest.raises(InvalidInput, match="already exists"):
            add_user(session, "ALICE@example.com", now=now)
        with pytest.raises(InvalidInput, match="time zone"):
            add_user(session, "erin@example.com", time_zone="Mars/Olympus", now=now)


def test_room_has_owner_and_members_in_the_owners_account(database, world) -> None:
    with database.read_session() as session:
        room = get_room(session, world.room.id)
        members = list_active_members(session, room.id)
        assert [(m.user_id, m.role) for m in members] == [
            (world.alice.id, Role.OWNER),
            (world.bob.id, Role.MEMBER),
        ]
        assert room.kind is RoomKind.GROUP
        assert room.account.user_id == world.alice.id


def test_room_title_is_required_and_bounded(database, world, now) -> None:
    with database.transaction() as session:
        owner = get_user_by_email(session, "alice@example.com")
        with pytest.raises(InvalidInput):
            create_room(session, "   ", owner=owner, now=now)
        with pytest.raises(InvalidInput):
            create_room(session, "x" * 201, owner=owner, now=now)


def test_leaving_keeps_history_and_only_members_can_leave(database, world, now) -> None:
    with database.transaction() as session:
        room = get_room(session, world.room.id)
        bob = get_user_by_email(session, "bob@example.org")
        membership = remove_member(session, room, bob, now=now)
        assert membership.left_at == now
        assert [m.user_id for m in list_active_members(session, room.id)] == [world.alice.id]
        with pytest.raises(NotAllowed):
            remove_member(session, room, bob, now=now)
        add_member(session, room, bob, now=now)
        assert len(list_active_members(session, room.id)) == 2


def test_unknown_room_and_user_are_not_found(database) -> None:
    with database.read_session() as session:
        with pytest.raises(NotFound):
            get_room(session, 999)
        with pytest.raises(NotFound):
            get_user_by_email(session, "nobody@example.com")
