"""Room membership: invites, roles, leaving, the member's own flags, and starting
conversations (direct rooms reused, the daily limit)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from gateway.core.blocks import block_user
from gateway.core.errors import InvalidInput, NotAllowed, NotFound
from gateway.core.messages import list_messages, post_message
from gateway.core.room_starts import DailyLimitReached, start_direct_conversation, start_group_room
from gateway.core.rooms import (
    create_room,
    find_membership,
    get_room,
    invite_member,
    leave_room,
    list_active_members,
    set_archived,
    set_favorite,
    set_hidden,
    set_member_role,
)
from gateway.core.users import add_user
from gateway.store.database import Database
from gateway.store.models import AccountKind, Origin, Role, Room, RoomKind, User

from support import World

LIMIT = 30


@pytest.fixture
def carol(database: Database, now: datetime) -> User:
    with database.transaction() as session:
        return add_user(session, "carol@example.net", name="Carol Chen", now=now)


def _role_of(database: Database, room_id: int, user_id: int) -> Role | None:
    with database.read_session() as session:
        membership = find_membership(session, room_id, user_id)
        if membership is None or membership.left_at is not None:
            return None
        return membership.role


def _room_of_kind(database: Database, world: World, kind: RoomKind, now: datetime) -> Room:
    with database.transaction() as session:
        owner = session.merge(world.alice)
        return create_room(
            session,
            f"A {kind} room",
            owner=owner,
            members=[session.merge(world.bob)],
            kind=kind,
            now=now,
        )


# --- invites -------------------------------------------------------------------------------


def test_owner_invites_an_existing_user_who_sees_the_whole_history(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with database.transaction() as session:
        post_message(
            session, world.room.id, world.bob.id, "Before Carol", origin=Origin.WEB, now=now
        )
        membership = invite_member(
            session, world.room.id, world.alice.id, "Carol@Example.NET", now=now
        )
    assert membership.role == Role.MEMBER
    with database.read_session() as session:
        history = list_messages(session, get_room(session, world.room.id))
    # Everything before she came, then the room's own note of her coming.
    assert [(m.origin, m.body_source) for m in history] == [
        (Origin.WEB, "Before Carol"),
        (Origin.SYSTEM, "Alice Archer added Carol Chen"),
    ]
    assert _role_of(database, world.room.id, carol.id) == Role.MEMBER


def test_admin_may_invite_but_a_plain_member_may_not(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with database.transaction() as session, pytest.raises(NotAllowed, match="owner or an admin"):
        invite_member(session, world.room.id, world.bob.id, carol.email, now=now)
    with database.transaction() as session:
        set_member_role(session, world.room.id, world.alice.id, world.bob.id, Role.ADMIN)
        invite_member(session, world.room.id, world.bob.id, carol.email, now=now)
    assert _role_of(database, world.room.id, carol.id) == Role.MEMBER


def test_only_the_owner_invites_someone_as_admin(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with database.transaction() as session:
        set_member_role(session, world.room.id, world.alice.id, world.bob.id, Role.ADMIN)
        with pytest.raises(NotAllowed, match="owner can make someone an admin"):
            invite_member(
                session, world.room.id, world.bob.id, carol.email, now=now, role=Role.ADMIN
            )
        with pytest.raises(InvalidInput, match="one owner"):
            invite_member(
                session, world.room.id, world.alice.id, carol.email, now=now, role=Role.OWNER
            )
        invite_member(session, world.room.id, world.alice.id, carol.email, now=now, role=Role.ADMIN)
    assert _role_of(database, world.room.id, carol.id) == Role.ADMIN


def test_nobody_is_invited_into_a_direct_conversation(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    room = _room_of_kind(database, world, RoomKind.DIRECT, now)
    with database.transaction() as session, pytest.raises(NotAllowed) as refused:
        invite_member(session, room.id, world.alice.id, carol.email, now=now)
    assert str(refused.value) == (
        "Direct conversations are between two people; start a group room to add more."
    )


def test_inviting_an_unknown_address_names_it(database: Database, world: World, now) -> None:
    with database.transaction() as session, pytest.raises(NotFound) as refused:
        invite_member(session, world.room.id, world.alice.id, "nobody@example.com", now=now)
    assert str(refused.value).startswith("No user with address nobody@example.com")
    with database.transaction() as session, pytest.raises(InvalidInput):
        invite_member(session, world.room.id, world.alice.id, "not an address", now=now)


def test_an_active_member_cannot_be_invited_twice(database: Database, world: World, now) -> None:
    with database.transaction() as session, pytest.raises(InvalidInput, match="already a member"):
        invite_member(session, world.room.id, world.alice.id, world.bob.email, now=now)


def test_a_member_who_left_can_be_invited_back(database: Database, world: World, now) -> None:
    with database.transaction() as session:
        leave_room(session, world.room.id, world.bob.id, now=now)
    later = now + timedelta(hours=1)
    with database.transaction() as session:
        membership = invite_member(
            session, world.room.id, world.alice.id, world.bob.email, now=later
        )
        assert membership.left_at is None
        assert membership.joined_at == later
    assert _role_of(database, world.room.id, world.bob.id) == Role.MEMBER


def test_a_block_either_way_refuses_the_invite(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with database.transaction() as session:
        block_user(session, carol.id, world.alice.id, now=now)
    with database.transaction() as session, pytest.raises(NotAllowed, match="blocked"):
        invite_member(session, world.room.id, world.alice.id, carol.email, now=now)
    assert _role_of(database, world.room.id, carol.id) is None


def test_a_non_member_cannot_invite(database: Database, world: World, carol: User, now) -> None:
    with database.transaction() as session, pytest.raises(NotFound):
        invite_member(session, world.room.id, carol.id, "bob@example.org", now=now)


# --- roles ---------------------------------------------------------------------------------


def test_owner_promotes_and_demotes_admins(database: Database, world: World) -> None:
    with database.transaction() as session:
        set_member_role(session, world.room.id, world.alice.id, world.bob.id, Role.ADMIN)
    assert _role_of(database, world.room.id, world.bob.id) == Role.ADMIN
    with database.transaction() as session:
        set_member_role(session, world.room.id, world.alice.id, world.bob.id, Role.MEMBER)
    assert _role_of(database, world.room.id, world.bob.id) == Role.MEMBER


def test_the_owner_role_is_neither_given_away_nor_removed(database: Database, world: World) -> None:
    with database.transaction() as session:
        with pytest.raises(NotAllowed, match="cannot be given away"):
            set_member_role(session, world.room.id, world.alice.id, world.bob.id, Role.OWNER)
        with pytest.raises(NotAllowed, match="owner's role cannot be changed"):
            set_member_role(session, world.room.id, world.alice.id, world.alice.id, Role.MEMBER)
    assert _role_of(database, world.room.id, world.alice.id) == Role.OWNER


def test_only_the_owner_changes_roles(database: Database, world: World, carol, now) -> None:
    with database.transaction() as session:
        set_member_role(session, world.room.id, world.alice.id, world.bob.id, Role.ADMIN)
        invite_member(session, world.room.id, world.alice.id, carol.email, now=now)
    with (
        database.transaction() as session,
        pytest.raises(NotAllowed, match="Only the room's owner"),
    ):
        set_member_role(session, world.room.id, world.bob.id, carol.id, Role.ADMIN)
    with database.transaction() as session, pytest.raises(NotFound, match="not a member"):
        set_member_role(session, world.room.id, world.alice.id, 999_999, Role.ADMIN)


# --- leaving -------------------------------------------------------------------------------


def test_a_member_leaves_and_the_room_goes_on(database: Database, world: World, now) -> None:
    with database.transaction() as session:
        membership = leave_room(session, world.room.id, world.bob.id, now=now)
        assert membership.left_at == now
        assert [m.user_id for m in list_active_members(session, world.room.id)] == [world.alice.id]
    with database.transaction() as session, pytest.raises(NotFound):
        leave_room(session, world.room.id, world.bob.id, now=now)


def test_the_owner_cannot_leave_others_without_a_manager(
    database: Database, world: World, now
) -> None:
    with database.transaction() as session, pytest.raises(NotAllowed) as refused:
        leave_room(session, world.room.id, world.alice.id, now=now)
    assert "make another member an admin before you leave" in str(refused.value)
    with database.transaction() as session:
        set_member_role(session, world.room.id, world.alice.id, world.bob.id, Role.ADMIN)
        leave_room(session, world.room.id, world.alice.id, now=now)
    assert _role_of(database, world.room.id, world.alice.id) is None


def test_the_owner_alone_in_a_room_or_in_a_direct_room_may_leave(
    database: Database, world: World, now: datetime
) -> None:
    direct = _room_of_kind(database, world, RoomKind.DIRECT, now)
    with database.transaction() as session:
        leave_room(session, world.room.id, world.bob.id, now=now)
        leave_room(session, world.room.id, world.alice.id, now=now)
        leave_room(session, direct.id, world.alice.id, now=now)
    assert _role_of(database, direct.id, world.alice.id) is None


# --- the member's own view -----------------------------------------------------------------


def test_favorite_is_personal(database: Database, world: World) -> None:
    with database.transaction() as session:
        set_favorite(session, world.room.id, world.bob.id, True)
    with database.read_session() as session:
        assert find_membership(session, world.room.id, world.bob.id).favorite is True
        assert find_membership(session, world.room.id, world.alice.id).favorite is False
    with database.transaction() as session:
        set_favorite(session, world.room.id, world.bob.id, False)
    with database.read_session() as session:
        assert find_membership(session, world.room.id, world.bob.id).favorite is False


@pytest.mark.parametrize("kind", [RoomKind.DIRECT, RoomKind.INTERVIEW])
def test_direct_conversations_and_interviews_can_be_hidden(
    database: Database, world: World, now: datetime, kind: RoomKind
) -> None:
    room = _room_of_kind(database, world, kind, now)
    with database.transaction() as session:
        assert set_hidden(session, room.id, world.bob.id, True).hidden is True
    with database.read_session() as session:
        assert find_membership(session, room.id, world.alice.id).hidden is False


@pytest.mark.parametrize("kind", [RoomKind.GROUP, RoomKind.CONTRACT, RoomKind.TICKET])
def test_other_rooms_cannot_be_hidden(database: Database, world: World, now, kind) -> None:
    room = _room_of_kind(database, world, kind, now)
    with database.transaction() as session, pytest.raises(NotAllowed) as refused:
        set_hidden(session, room.id, world.bob.id, True)
    assert str(refused.value) == "Only direct conversations and interviews can be hidden."


def test_only_group_rooms_can_be_archived(database: Database, world: World, now) -> None:
    direct = _room_of_kind(database, world, RoomKind.DIRECT, now)
    with database.transaction() as session:
        assert set_archived(session, world.room.id, world.bob.id, True).archived is True
        with pytest.raises(NotAllowed, match="Only group rooms"):
            set_archived(session, direct.id, world.bob.id, True)


def test_flags_need_an_active_membership(database: Database, world: World, carol: User) -> None:
    with database.transaction() as session:
        for change in (set_favorite, set_hidden, set_archived):
            with pytest.raises(NotFound):
                change(session, world.room.id, carol.id, True)


# --- starting conversations ----------------------------------------------------------------


def test_a_direct_conversation_is_created_once_and_reused(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with database.transaction() as session:
        room = start_direct_conversation(
            session, world.alice.id, carol.email, now=now, daily_limit=LIMIT
        )
        assert room.kind == RoomKind.DIRECT
        assert room.title == "Alice Archer and Carol Chen"
        assert {m.user_id for m in list_active_members(session, room.id)} == {
            world.alice.id,
            carol.id,
        }
    with database.transaction() as session:
        again = start_direct_conversation(
            session, carol.id, world.alice.email, now=now, daily_limit=LIMIT
        )
    assert again.id == room.id


def test_a_direct_conversation_someone_left_is_reopened_for_them(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with database.transaction() as session:
        room = start_direct_conversation(
            session, world.alice.id, carol.email, now=now, daily_limit=LIMIT
        )
        leave_room(session, room.id, carol.id, now=now)
    with database.transaction() as session:
        again = start_direct_conversation(
            session, world.alice.id, carol.email, now=now, daily_limit=LIMIT
        )
    assert again.id == room.id
    assert _role_of(database, room.id, carol.id) == Role.MEMBER


def test_a_block_either_way_refuses_a_direct_conversation(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with database.transaction() as session:
        room = start_direct_conversation(
            session, world.alice.id, carol.email, now=now, daily_limit=LIMIT
        )
        block_user(session, carol.id, world.alice.id, now=now)
    for starter, other in ((world.alice, carol), (carol, world.alice)):
        with database.transaction() as session, pytest.raises(NotAllowed, match="blocked"):
            start_direct_conversation(session, starter.id, other.email, now=now, daily_limit=LIMIT)
    assert room.id


def test_a_direct_conversation_needs_someone_else(database: Database, world: World, now) -> None:
    with database.transaction() as session:
        with pytest.raises(InvalidInput, match="yourself"):
            start_direct_conversation(
                session, world.alice.id, world.alice.email, now=now, daily_limit=LIMIT
            )
        with pytest.raises(NotFound, match="No user with address"):
            start_direct_conversation(
                session, world.alice.id, "x@example.com", now=now, daily_limit=LIMIT
            )


def test_a_group_room_gets_every_named_member_once(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    emails = [world.bob.email, "CAROL@example.net", carol.email, world.alice.email, ""]
    with database.transaction() as session:
        room = start_group_room(
            session, world.alice.id, " Launch  plan ", emails, now=now, daily_limit=LIMIT
        )
        members = [(m.user_id, m.role) for m in list_active_members(session, room.id)]
    assert room.kind == RoomKind.GROUP and room.title == "Launch plan"
    assert members == [
        (world.alice.id, Role.OWNER),
        (world.bob.id, Role.MEMBER),
        (carol.id, Role.MEMBER),
    ]


def test_a_group_room_with_an_unknown_or_blocked_member_is_not_created(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    with database.transaction() as session:
        block_user(session, world.alice.id, carol.id, now=now)
    with database.transaction() as session, pytest.raises(NotFound):
        start_group_room(
            session, world.alice.id, "T", ["who@example.com"], now=now, daily_limit=LIMIT
        )
    with database.transaction() as session, pytest.raises(NotAllowed, match="blocked"):
        start_group_room(session, world.alice.id, "T", [carol.email], now=now, daily_limit=LIMIT)
    with database.read_session() as session:
        assert session.query(Room).count() == 1


def test_the_daily_limit_counts_rooms_started_in_the_last_24_hours(
    database: Database, world: World, carol: User, now: datetime
) -> None:
    # Alice started "Website redesign" at `now`; two more an hour later fill a limit of 3.
    later = now + timedelta(hours=1)
    with database.transaction() as session:
        start_group_room(session, world.alice.id, "Second", [], now=later, daily_limit=3)
        start_direct_conversation(session, world.alice.id, carol.email, now=later, daily_limit=3)
    with database.transaction() as session, pytest.raises(DailyLimitReached) as refused:
        start_group_room(session, world.alice.id, "Fourth", [], now=later, daily_limit=3)
    assert str(refused.value) == (
        "You can start at most 3 new conversations a day. Try again after 09:30 UTC."
    )
    # Reopening an existing direct room is not a new conversation.
    with database.transaction() as session:
        start_direct_conversation(session, world.alice.id, carol.email, now=later, daily_limit=3)
    # Others are not limited by Alice's rooms; a day after her first, she has a slot again.
    with database.transaction() as session:
        start_group_room(session, carol.id, "Carol's", [], now=later, daily_limit=3)
        start_group_room(
            session,
            world.alice.id,
            "Fourth",
            [],
            now=now + timedelta(days=1, seconds=1),
            daily_limit=3,
        )


def test_a_new_room_goes_to_the_account_asked_for(database: Database, world: World, now) -> None:
    with database.transaction() as session:
        room = start_group_room(
            session,
            world.bob.id,
            "Hiring",
            [],
            now=now,
            daily_limit=LIMIT,
            account_kind=AccountKind.CLIENT,
        )
        assert room.account.kind == AccountKind.CLIENT
