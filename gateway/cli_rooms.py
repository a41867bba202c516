"""The `gateway room` commands: creating rooms, adding and removing members, listing rooms
and their members.

Owns the arguments and output of `room create|add-member|remove-member|list|members`. The
rules are gateway.core.rooms (who may be added, that a room's owner cannot be removed: the
same rule the platform API applies) and gateway.core.room_listing (what the listings show).
A room is named by its numeric id everywhere (`gateway room list` shows them).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from gateway.cli_tables import minute, print_table
from gateway.core.platform_rooms import remove_platform_member
from gateway.core.room_listing import list_room_memberships, list_room_summaries
from gateway.core.rooms import add_member, create_room, get_room
from gateway.core.users import get_user_by_email
from gateway.settings import Settings
from gateway.store.models import Role, RoomKind

# The `gateway` command's unit of work: a committed session on an up-to-date database.
Transaction = Callable[[Settings], AbstractContextManager[Session]]
Handler = Callable[[argparse.Namespace, Settings, Transaction], int]
ROOM_HELP = "the room's numeric id (see: gateway room list)"


def add_room_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], transaction: Transaction
) -> None:
    """Add `room create|add-member|remove-member|list|members` to the `gateway` parser."""
    room = commands.add_parser("room", help="create rooms, manage and list members").add_subparsers(
        dest="room_command", required=True, metavar="ACTION"
    )

    def handled(parser: argparse.ArgumentParser, handler: Handler) -> None:
        parser.set_defaults(handler=lambda args, settings: handler(args, settings, transaction))

    create = room.add_parser("create", help="create a room; prints its id")
    create.add_argument("title", help="the room's title (one line)")
    create.add_argument("--owner", required=True, metavar="EMAIL", help="the owner's email address")
    create.add_argument(
        "--member",
        action="append",
        default=[],
        metavar="EMAIL",
        help="a further member's email address; repeat for each member",
    )
    create.add_argument(
        "--kind",
        choices=[k.value for k in RoomKind],
        default=RoomKind.GROUP.value,
        help="the kind of room (default: %(default)s)",
    )
    handled(create, _cmd_create)

    add = room.add_parser("add-member", help="add a member to a room (or change their role)")
    add.add_argument("room", type=int, help=ROOM_HELP)
    add.add_argument("email", help="the member's email address")
    add.add_argument(
        "--role",
        choices=[r.value for r in Role],
        default=Role.MEMBER.value,
        help="their role in the room (default: %(default)s)",
    )
    handled(add, _cmd_add_member)

    remove = room.add_parser(
        "remove-member",
        help="end a membership (never the owner's); history stays",
        description="End a membership: the member's reply address stops working; what they "
        "wrote stays. A room's owner cannot be removed (exit 1).",
    )
    remove.add_argument("room", type=int, help=ROOM_HELP)
    remove.add_argument("email", help="the member's email address")
    handled(remove, _cmd_remove_member)

    listing = room.add_parser(
        "list", help="list rooms: id, kind, title, owner, members, last message (UTC)"
    )
    handled(listing, _cmd_list)

    members = room.add_parser(
        "members", help="list a room's members, past ones too: user, role, state, joined (UTC)"
    )
    members.add_argument("room", type=int, help=ROOM_HELP)
    handled(members, _cmd_members)


def _cmd_create(args: argparse.Namespace, settings: Settings, transaction: Transaction) -> int:
    with transaction(settings) as session:
        room = create_room(
            session,
            args.title,
            owner=get_user_by_email(session, args.owner),
            members=[get_user_by_email(session, email) for email in args.member],
            kind=RoomKind(args.kind),
            now=_now(),
        )
        print(room.id)
    return 0


def _cmd_add_member(args: argparse.Namespace, settings: Settings, transaction: Transaction) -> int:
    with transaction(settings) as session:
        room = get_room(session, args.room)
        membership = add_member(
            session, room, get_user_by_email(session, args.email), role=Role(args.role), now=_now()
        )
        print(f"{membership.user.email} is in room {room.id} as {membership.role.value}")
    return 0


def _cmd_remove_member(
    args: argparse.Namespace, settings: Settings, transaction: Transaction
) -> int:
    with transaction(settings) as session:
        room = get_room(session, args.room)
        user = get_user_by_email(session, args.email)
        remove_platform_member(session, room.id, user.id, now=_now())
        print(f"removed {user.email} from room {room.id}")
    return 0


def _cmd_list(args: argparse.Namespace, settings: Settings, transaction: Transaction) -> int:
    with transaction(settings) as session:
        rows = [
            [
                str(room.id),
                room.kind.value,
                room.title,
                room.owner_email,
                str(room.members),
                minute(room.last_message_at),
            ]
            for room in list_room_summaries(session)
        ]
    print_table(["ID", "KIND", "TITLE", "OWNER", "MEMBERS", "LAST MESSAGE"], rows)
    return 0


def _cmd_members(args: argparse.Namespace, settings: Settings, transaction: Transaction) -> int:
    with transaction(settings) as session:
        room = get_room(session, args.room)
        rows = [
            [member.email, member.name, member.role.value, member.state, minute(member.joined_at)]
            for member in list_room_memberships(session, room.id)
        ]
    print_table(["USER", "NAME", "ROLE", "STATE", "JOINED"], rows)
    return 0


def _now() -> datetime:
    return datetime.now(UTC)
