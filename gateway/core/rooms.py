"""Rooms and memberships: creating rooms, joining, leaving, who is in a room.

Owns the membership rules (one row per room and user; leaving keeps history and kills the
member's reply address; joining and leaving post a system note, gateway.core.room_notes), who
may invite and change roles (owner and admins; roles only by the owner; removal and handing
over ownership: gateway.core.membership_changes), the member's own flags on a room
(favorite, hidden, archived). Starting conversations (direct rooms reused, a daily limit):
gateway.core.room_starts; the host platform's hand on rooms: gateway.core.platform_rooms.
Must not import any adapter library.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from gateway.core.blocks import is_blocked_between
from gateway.core.errors import InvalidInput, NotAllowed, NotFound
from gateway.core.reply_addresses import new_reply_nonce
from gateway.core.room_notes import note_joined, note_left
from gateway.core.text_fields import single_line_text
from gateway.core.users import (
    add_user,
    find_user_by_email,
    get_account,
    normalize_address,
)
from gateway.store.models import AccountKind, Membership, Role, Room, RoomKind, User

MAX_TITLE_LENGTH = 200


def create_room(
    session: Session,
    title: str,
    *,
    owner: User,
    now: datetime,
    kind: RoomKind = RoomKind.GROUP,
    members: Iterable[User] = (),
    account_kind: AccountKind | None = None,
) -> Room:
    """A room in the owner's account, with the owner and `members` in it; UnsafeText when
    the title holds control characters or line breaks (EMAIL-RULES section 3)."""
    title = " ".join(single_line_text("room title", title).split())
    if not title:
        raise InvalidInput("a room needs a title")
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(f"a room title is at most {MAX_TITLE_LENGTH} characters")
    room = Room(
        title=title,
        kind=kind,
        owner=owner,
        account=get_account(session, owner, account_kind, now=now),
        thread_token=secrets.token_hex(16),
        created_at=now,
    )
    session.add(room)
    session.flush()
    add_member(session, room, owner, role=Role.OWNER, now=now)
    for member in members:
        if member.id != owner.id:
            add_member(session, room, member, role=Role.MEMBER, now=now)
    return room


def add_member(
    session: Session, room: Room, user: User, *, now: datetime, role: Role = Role.MEMBER
) -> Membership:
    """Put `user` in `room` (again); a returning member gets a fresh reply address."""
    if user.deactivated_at is not None:
        raise NotAllowed(f"{user.email} is deactivated and cannot join rooms.")
    membership = find_membership(session, room.id, user.id)
    if membership is None:
        membership = Membership(
            room=room,
            user=user,
            account_id=_inbox_account_id(session, room, user),
            role=role,
            joined_at=now,
            reply_nonce=new_reply_nonce(),
        )
        session.add(membership)
    elif membership.left_at is not None:
        membership.left_at = None
        membership.joined_at = now
        membership.role = role
        membership.reply_nonce = new_reply_nonce()
    else:
        membership.role = role
    session.flush()
    return membership


def _inbox_account_id(session: Session, room: Room, user: User) -> int:
    """The owner sees the room in the account it was created in; others in their first."""
    if room.account.user_id == user.id:
        return room.account_id
    return get_account(session, user).id


def remove_member(session: Session, room: Room, user: User, *, now: datetime) -> Membership:
    """End `user`'s membership; their reply address stops working at once."""
    membership = get_active_membership(session, room.id, user.id)
    membership.left_at = now
    session.flush()
    return membership


def get_room(session: Session, room_id: int) -> Room:
    room = session.get(Room, room_id)
    if room is None:
        raise NotFound(f"no room {room_id}")
    return room


def find_membership(session: Session, room_id: int, user_id: int) -> Membership | None:
    return session.scalar(
        select(Membership).where(Membership.room_id == room_id, Membership.user_id == user_id)
    )


def get_active_membership(session: Session, room_id: int, user_id: int) -> Membership:
    membership = find_membership(session, room_id, user_id)
    if membership is None or membership.left_at is not None:
        raise NotAllowed("not a member of this room")
    return membership


def list_active_members(session: Session, room_id: int) -> list[Membership]:
    """The room's active memberships with their users (one query, not one per member)."""
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.room_id == room_id, Membership.left_at.is_(None))
            .options(joinedload(Membership.user))
            .order_by(Membership.id)
        )
    )


def mute_room_email(session: Session, membership_id: int) -> Membership:
    """Stop this member's emails from this room (the one-click unsubscribe); idempotent."""
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise NotFound("this unsubscribe link is no longer valid")
    membership.email_muted = True
    session.flush()
    return membership


# --- membership management: invite, roles, leaving ---------------------------------------

MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN})
# A room's personal flags only make sense for some kinds: direct conversations and interviews
# pile up and get hidden; group rooms end and get archived.
HIDEABLE_KINDS = frozenset({RoomKind.DIRECT, RoomKind.INTERVIEW})
ARCHIVABLE_KINDS = frozenset({RoomKind.GROUP})


def invite_member(
    session: Session,
    room_id: int,
    inviter_id: int,
    invitee_email: str,
    *,
    now: datetime,
    role: Role = Role.MEMBER,
    stage_missing: bool = False,
) -> Membership:
    """An owner or admin adds an existing user (with `stage_missing`, a user is staged for an
    address nobody has: gateway.core.membership_changes.invite_person); the newcomer sees the
    room's whole history, and the room a note that they were added."""
    room = get_room(session, room_id)
    inviter = get_own_membership(session, room_id, inviter_id)
    if inviter.role not in MANAGER_ROLES:
        raise NotAllowed("Only the room's owner or an admin can invite people.")
    if room.kind == RoomKind.DIRECT:
        raise NotAllowed(
            "Direct conversations are between two people; start a group room to add more."
        )
    if role == Role.OWNER:
        raise InvalidInput("A room has one owner; invite people as admins or members.")
    if role == Role.ADMIN and inviter.role != Role.OWNER:
        raise NotAllowed("Only the room's owner can make someone an admin.")
    if stage_missing:
        # A new address gets a staged user: no password, so they sign in with an emailed link.
        found = find_user_by_email(session, normalize_address(invitee_email))
        invitee = found or add_user(session, invitee_email, now=now)
    else:
        invitee = existing_user(session, invitee_email)
    current = find_membership(session, room_id, invitee.id)
    if current is not None and current.left_at is None:
        raise InvalidInput(f"{invitee.email} is already a member of this room.")
    refuse_if_blocked(session, inviter_id, invitee)
    membership = add_member(session, room, invitee, now=now, role=role)
    note_joined(session, room.id, invitee, inviter.user, now)
    return membership


def set_member_role(
    session: Session, room_id: int, actor_id: int, user_id: int, role: Role
) -> Membership:
    """The owner makes a member an admin or an admin a member again."""
    room = get_room(session, room_id)
    actor = get_own_membership(session, room_id, actor_id)
    if actor.role != Role.OWNER:
        raise NotAllowed("Only the room's owner can change roles.")
    if room.kind == RoomKind.DIRECT:
        raise NotAllowed("Direct conversations have no roles to change.")
    if role == Role.OWNER:
        raise NotAllowed("The owner role cannot be given away; choose admin or member.")
    membership = find_membership(session, room_id, user_id)
    if membership is None or membership.left_at is not None:
        raise NotFound("That person is not a member of this room.")
    if membership.role == Role.OWNER:
        raise NotAllowed("The owner's role cannot be changed.")
    membership.role = role
    session.flush()
    return membership


def leave_room(session: Session, room_id: int, user_id: int, *, now: datetime) -> Membership:
    """Leave a room; an owner first hands management to an admin so the room keeps one. The
    room gets a note that they left."""
    membership = get_own_membership(session, room_id, user_id)
    refusal = leave_refusal(session, membership)
    if refusal is not None:
        raise NotAllowed(refusal)
    left = remove_member(session, membership.room, membership.user, now=now)
    note_left(session, room_id, membership.user, now)
    return left


def leave_refusal(
    session: Session, membership: Membership, members: Sequence[Membership] | None = None
) -> str | None:
    """Why this member may not leave now, or None when they may (`members`: the room's active
    memberships, when the caller has them already)."""
    if membership.role != Role.OWNER or membership.room.kind != RoomKind.GROUP:
        return None
    if members is None:
        members = list_active_members(session, membership.room_id)
    others = [m for m in members if m.id != membership.id]
    if others and not any(m.role in MANAGER_ROLES for m in others):
        return (
            "You own this room: make another member an admin before you leave, "
            "so someone can still manage it."
        )
    return None


def get_own_membership(session: Session, room_id: int, user_id: int) -> Membership:
    """The user's active membership (its room loaded), or NotFound: to a non-member the room
    does not exist, whether it does or not."""
    membership = session.scalar(
        select(Membership)
        .where(
            Membership.room_id == room_id,
            Membership.user_id == user_id,
            Membership.left_at.is_(None),
        )
        .options(joinedload(Membership.room))
    )
    if membership is None:
        raise NotFound("No such room")
    return membership


def existing_user(session: Session, email: str) -> User:
    """The user with this address; NotFound (asking them to sign up) when there is none."""
    address = normalize_address(email)
    user = find_user_by_email(session, address)
    if user is None:
        raise NotFound(f"No user with address {address}. Ask them to sign up first.")
    return user


def refuse_if_blocked(session: Session, user_id: int, other: User) -> None:
    """NotAllowed when either of the two blocked the other."""
    if is_blocked_between(session, user_id, other.id):
        raise NotAllowed(f"You cannot add {other.email}: one of you has blocked the other.")


# --- the member's own view of a room ------------------------------------------------------


def set_favorite(session: Session, room_id: int, user_id: int, value: bool) -> Membership:
    membership = get_own_membership(session, room_id, user_id)
    membership.favorite = value
    session.flush()
    return membership


def set_hidden(session: Session, room_id: int, user_id: int, value: bool) -> Membership:
    """Hide a direct conversation or interview from the member's list (only theirs)."""
    membership = get_own_membership(session, room_id, user_id)
    if membership.room.kind not in HIDEABLE_KINDS:
        raise NotAllowed("Only direct conversations and interviews can be hidden.")
    membership.hidden = value
    session.flush()
    return membership


def set_archived(session: Session, room_id: int, user_id: int, value: bool) -> Membership:
    """Archive a group room in the member's list (only theirs)."""
    membership = get_own_membership(session, room_id, user_id)
    if membership.room.kind not in ARCHIVABLE_KINDS:
        raise NotAllowed("Only group rooms can be archived.")
    membership.archived = value
    session.flush()
    return membership
