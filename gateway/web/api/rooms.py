"""API operations on rooms: open one, read it, place and remove members, hand it to a new
owner, post and list messages."""

from __future__ import annotations

from gateway.core.membership_changes import transfer_ownership
from gateway.core.messages import post_message, room_history
from gateway.core.platform_rooms import create_platform_room, place_member, remove_platform_member
from gateway.core.rooms import get_room, list_active_members
from gateway.store.models import Membership, Message, Origin, Room
from gateway.web.api.operations import Answer, Call, operation
from gateway.web.api.schemas import (
    MemberOut,
    MemberPlace,
    MessageCreate,
    MessageOut,
    MessagePage,
    MessageQuery,
    OwnerChange,
    RoomCreate,
    RoomOut,
)

ROOMS = "Rooms"
MESSAGES = "Messages"


def room_out(room: Room, members: list[Membership]) -> RoomOut:
    return RoomOut(
        id=room.id,
        title=room.title,
        kind=room.kind,
        owner_id=room.owner_id,
        account_id=room.account_id,
        created_at=room.created_at,
        members=[member_out(m) for m in members],
    )


def member_out(membership: Membership) -> MemberOut:
    return MemberOut(
        user_id=membership.user_id,
        email=membership.user.email,
        name=membership.user.display_name,
        role=membership.role,
        joined_at=membership.joined_at,
    )


def message_out(message: Message) -> MessageOut:
    deleted = message.deleted_at is not None
    return MessageOut(
        id=message.id,
        room_id=message.room_id,
        author_id=message.author_id,
        parent_id=message.parent_id,
        body="" if deleted else message.body_source,
        body_html="" if deleted else message.body_html,
        origin=message.origin.value,
        created_at=message.created_at,
        edited_at=message.edited_at,
        deleted=deleted,
    )


@operation(
    "POST",
    "/rooms",
    summary="Open a room (a direct room between two is reused)",
    tag=ROOMS,
    status=201,
    body=RoomCreate,
    response=RoomOut,
    errors=(403, 404, 409, 422),
    also={200: "The two already had a direct room: that room, reopened if need be."},
    links={
        "read_room": {"room_id": "$response.body#/id"},
        "list_messages": {"room_id": "$response.body#/id"},
        "create_message": {"room_id": "$response.body#/id"},
        "put_member": {"room_id": "$response.body#/id", "user_id": "$response.body#/owner_id"},
        "delete_member": {"room_id": "$response.body#/id", "user_id": "$response.body#/owner_id"},
    },
)
def create_room(call: Call) -> RoomOut | Answer:
    new: RoomCreate = call.body
    room, created = create_platform_room(
        call.db,
        new.title or "",
        kind=new.kind,
        owner_id=new.owner_id,
        members={member.user_id: member.role for member in new.members},
        account_id=new.account_id,
        now=call.now,
    )
    out = room_out(room, list_active_members(call.db, room.id))
    return out if created else Answer(200, out)


@operation(
    "GET",
    "/rooms/{room_id}",
    summary="Read a room and its members",
    tag=ROOMS,
    response=RoomOut,
    errors=(404,),
)
def read_room(call: Call) -> RoomOut:
    room = get_room(call.db, call.params["room_id"])
    return room_out(room, list_active_members(call.db, room.id))


@operation(
    "PUT",
    "/rooms/{room_id}/members/{user_id}",
    summary="Add a member, or change a member's role (admin or member)",
    tag=ROOMS,
    body=MemberPlace,
    response=MemberOut,
    status=200,
    errors=(403, 404, 409, 422),
    also={201: "The user was added to the room."},
)
def put_member(call: Call) -> MemberOut | Answer:
    place: MemberPlace = call.body
    membership, added = place_member(
        call.db, call.params["room_id"], call.params["user_id"], place.role, now=call.now
    )
    out = member_out(membership)
    return Answer(201, out) if added else out


@operation(
    "DELETE",
    "/rooms/{room_id}/members/{user_id}",
    summary="Remove a member (their history stays; their reply address stops working)",
    tag=ROOMS,
    status=204,
    errors=(404, 409),
)
def delete_member(call: Call) -> None:
    remove_platform_member(call.db, call.params["room_id"], call.params["user_id"], now=call.now)


@operation(
    "POST",
    "/rooms/{room_id}/owner",
    summary="Hand the room to another active member (the old owner becomes an admin)",
    tag=ROOMS,
    body=OwnerChange,
    response=RoomOut,
    errors=(403, 404, 422),
)
def transfer_room(call: Call) -> RoomOut:
    change: OwnerChange = call.body
    room_id = call.params["room_id"]
    transfer_ownership(call.db, room_id, change.user_id, actor_id=None, now=call.now)
    room = get_room(call.db, room_id)
    return room_out(room, list_active_members(call.db, room.id))


@operation(
    "POST",
    "/rooms/{room_id}/messages",
    summary="Post a message as a member",
    tag=MESSAGES,
    status=201,
    body=MessageCreate,
    response=MessageOut,
    errors=(403, 404, 422),
)
def create_message(call: Call) -> MessageOut:
    new: MessageCreate = call.body
    room = get_room(call.db, call.params["room_id"])
    posted = post_message(
        call.db,
        room.id,
        new.author_id,
        new.body,
        origin=Origin.API,
        now=call.now,
        parent_id=new.parent_id,
    )
    message = call.db.get(Message, posted.id)
    assert message is not None  # just inserted, in this transaction
    return message_out(message)


@operation(
    "GET",
    "/rooms/{room_id}/messages",
    summary="A page of a room's messages, oldest first (newest page unless before_id or after_id)",
    tag=MESSAGES,
    query=MessageQuery,
    response=MessagePage,
    errors=(404, 422),
)
def list_messages(call: Call) -> MessagePage:
    query: MessageQuery = call.query
    room = get_room(call.db, call.params["room_id"])
    page = room_history(
        call.db, room.id, before_id=query.before_id, after_id=query.after_id, limit=query.limit
    )
    return MessagePage(
        messages=[message_out(m) for m in page.messages],
        has_older=page.has_older,
        has_newer=page.has_newer,
    )
