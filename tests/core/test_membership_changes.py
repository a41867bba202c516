"""Membership changes by someone else: removing members, handing a room over, inviting an
address nobody has yet (a staged user), and the system notes every change leaves in the
room, never emailed to anyone."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from gateway.core.errors import InvalidInput, NotAllowed, NotFound
from gateway.core.membership_changes import invite_person, remove_from_room, transfer_ownership
from gateway.core.messages import list_messages, post_message
from gateway.core.platform_rooms import place_member, remove_platform_member
from gateway.core.rooms import (
    add_member,
    create_room,
    find_membership,
    get_room,
    leave_room,
    set_member_role,
)
from gateway.core.users import add_user, find_user_by_email
from gateway.store.database import Database
from gateway.store.models import Message, Notification, Origin, Role, Room, RoomKind, User

from support import World, add_carol


@pytest.fixture
def carol(database: Database, world: World, now: datetime) -> User:
    """A third member of the room, made an admin by Alice."""
    return add_carol(database, world, now, role=Role.ADMIN)


def _active_role(database: Database, room_id: int, user_id: int) -> Role | None:
    with database.read_session() as session:
        membership = find_membership(session, room_id, user_id)
        return None if membership is None or membership.left_at else membership.role


def _notes(database: Database, room_id: int) -> list[str]:
    with database.read_session() as session:
        messages = list_messages(session, get_room(session, room_id))
        return [m.body_source for m in messages if m.origin == Origin.SYSTEM]


def test_owner_removes_a_member_who_leaves_the_room_with_a_note(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        remove_from_room(session, world.room.id, world.bob.id, actor_id=world.alice.id, now=now)
    assert _active_role(database, world.room.id, world.bob.id) is None
    assert _notes(database, world.room.id) == ["Alice Archer removed Bob Baker"]


def test_owner_removes_an_admin(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with database.transaction() as session:
        remove_from_room(session, world.room.id, carol.id, actor_id=world.alice.id, now=now)
    assert _active_role(database, world.room.id, carol.id) is None


def test_admin_removes_a_member_but_not_another_admin_or_the_owner(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with database.transaction() as session:
        dave = add_user(session, "dave@example.net", name="Dave Dunn", now=now)
        add_member(session, session.get_one(Room, world.room.id), dave, now=now, role=Role.ADMIN)
    with database.transaction() as session:
        remove_from_room(session, world.room.id, world.bob.id, actor_id=carol.id, now=now)
    for target, reason in (
        (dave.id, "Only the room's owner can remove an admin."),
        (world.alice.id, "The owner cannot be removed"),
    ):
        with pytest.raises(NotAllowed, match=reason), database.transaction() as session:
            remove_from_room(session, world.room.id, target, actor_id=carol.id, now=now)
    assert _active_role(database, world.room.id, dave.id) == Role.ADMIN
    assert _active_role(database, world.room.id, world.alice.id) == Role.OWNER


def test_a_member_cannot_remove_anyone(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with pytest.raises(NotAllowed, match="owner or an admin"), database.transaction() as session:
        remove_from_room(session, world.room.id, carol.id, actor_id=world.bob.id, now=now)
    assert _active_role(database, world.room.id, carol.id) == Role.ADMIN


def test_nobody_removes_themselves_or_anyone_from_a_direct_conversation(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with pytest.raises(NotAllowed, match="leave the room"), database.transaction() as session:
        remove_from_room(session, world.room.id, carol.id, actor_id=carol.id, now=now)
    with database.transaction() as session:
        direct = create_room(
            session,
            "Direct",
            owner=session.merge(world.alice),
            members=[session.merge(world.bob)],
            kind=RoomKind.DIRECT,
            now=now,
        )
    with pytest.raises(NotAllowed, match="Direct"), database.transaction() as session:
        remove_from_room(session, direct.id, world.bob.id, actor_id=world.alice.id, now=now)


def test_removing_someone_not_in_the_room_is_not_found(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        remove_from_room(session, world.room.id, world.bob.id, actor_id=world.alice.id, now=now)
    with pytest.raises(NotFound), database.transaction() as session:
        remove_from_room(session, world.room.id, world.bob.id, actor_id=world.alice.id, now=now)


def test_owner_hands_the_room_over_and_becomes_an_admin(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        transfer_ownership(session, world.room.id, world.bob.id, actor_id=world.alice.id, now=now)
    assert _active_role(database, world.room.id, world.bob.id) == Role.OWNER
    assert _active_role(database, world.room.id, world.alice.id) == Role.ADMIN
    with database.read_session() as session:
        assert get_room(session, world.room.id).owner_id == world.bob.id
    assert _notes(database, world.room.id) == ["Alice Archer made Bob Baker the owner of the room"]
    # The new owner holds the owner's rights: Alice, now an admin, cannot remove an admin.
    with database.transaction() as session:
        set_member_role(session, world.room.id, world.bob.id, world.alice.id, Role.MEMBER)
        remove_from_room(session, world.room.id, world.alice.id, actor_id=world.bob.id, now=now)
    assert _active_role(database, world.room.id, world.alice.id) is None


def test_only_the_owner_hands_over_and_only_to_an_active_member(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with pytest.raises(NotAllowed, match="Only the room's owner"), database.transaction() as s:
        transfer_ownership(s, world.room.id, world.bob.id, actor_id=carol.id, now=now)
    with database.transaction() as session:
        outsider = add_user(session, "eve@example.net", name="Eve", now=now)
    with pytest.raises(NotFound), database.transaction() as session:
        transfer_ownership(session, world.room.id, outsider.id, actor_id=world.alice.id, now=now)
    with pytest.raises(InvalidInput, match="owns this room"), database.transaction() as session:
        transfer_ownership(session, world.room.id, world.alice.id, actor_id=world.alice.id, now=now)
    assert _active_role(database, world.room.id, world.alice.id) == Role.OWNER


def test_inviting_an_unknown_address_stages_a_user_without_a_password(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        invited = invite_person(session, world.room.id, world.alice.id, "New@Example.net", now=now)
        assert invited.staged
    with database.read_session() as session:
        user = find_user_by_email(session, "new@example.net")
        assert user is not None and user.password_hash is None
    assert _active_role(database, world.room.id, user.id) == Role.MEMBER
    assert _notes(database, world.room.id) == ["Alice Archer added new"]


def test_inviting_a_known_address_stages_nobody(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        dave = add_user(session, "dave@example.net", name="Dave Dunn", now=now)
    with database.transaction() as session:
        invited = invite_person(session, world.room.id, world.alice.id, dave.email, now=now)
        assert not invited.staged and invited.membership.user_id == dave.id


def test_a_member_who_may_not_invite_stages_no_user(
    database: Database, world: World, now: datetime
) -> None:
    with pytest.raises(NotAllowed), database.transaction() as session:
        invite_person(session, world.room.id, world.bob.id, "new@example.net", now=now)
    with database.read_session() as session:
        assert find_user_by_email(session, "new@example.net") is None


def test_leaving_and_platform_changes_leave_notes_too(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with database.transaction() as session:
        leave_room(session, world.room.id, world.bob.id, now=now)
        remove_platform_member(session, world.room.id, carol.id, now=now)
        place_member(session, world.room.id, world.bob.id, Role.MEMBER, now=now)
    assert _notes(database, world.room.id) == [
        "Bob Baker left the room",
        "Carol Chen was removed from the room",
        "Bob Baker joined the room",
    ]


def test_system_notes_owe_nobody_an_email(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with database.transaction() as session:
        post_message(session, world.room.id, world.bob.id, "Hello", origin=Origin.WEB, now=now)
        remove_from_room(session, world.room.id, world.bob.id, actor_id=world.alice.id, now=now)
    with database.read_session() as session:
        note = session.scalar(select(Message).where(Message.origin == Origin.SYSTEM))
        assert note is not None and note.author_id is None
        owed = session.scalars(select(Notification).where(Notification.message_id == note.id))
        assert list(owed) == []
