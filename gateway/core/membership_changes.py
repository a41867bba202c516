"""Membership changes made by someone else: removing a member, handing over ownership, and
inviting a person by address (an account is staged for an address nobody has yet).

The rules:

- Removing: the owner removes admins and members; an admin removes members only (not other
  admins, not the owner); nobody removes the owner (the owner hands the room over first);
  nobody removes themselves this way (they leave); a direct conversation has nobody to
  remove (it is between its two people). The removed member's history stays; their reply
  address stops working at once.
- Handing over: only the owner, to another active member who is not deactivated, and not in
  a direct conversation. The new owner is the room's owner; the old owner becomes an admin.
- Inviting by address: the same rights as gateway.core.rooms.invite_member; an address with
  no user yet gets a *staged* user (no password: they sign in with an emailed link), and the
  caller emails them the invitation (gateway.outbound.invitation_mail).

Every change posts a system note in the room (gateway.core.room_notes). The platform (JSON
API) acts with no actor: then no rights are checked, the room's shape still holds.
Must not import any adapter library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.core.errors import InvalidInput, NotAllowed, NotFound
from gateway.core.room_notes import note_owner_changed, note_removed
from gateway.core.rooms import (
    MANAGER_ROLES,
    find_membership,
    get_own_membership,
    get_room,
    invite_member,
    remove_member,
)
from gateway.core.users import find_user_by_email, normalize_address
from gateway.store.models import Membership, Role, Room, RoomKind


@dataclass(frozen=True, slots=True)
class Invitation:
    """Who was invited, and whether their user was staged for this invitation."""

    membership: Membership
    staged: bool


def removal_refusal(room: Room, actor: Membership | None, target: Membership) -> str | None:
    """Why `actor` may not remove `target` from `room` (None: the platform), or None."""
    if room.kind == RoomKind.DIRECT:
        return "Direct conversations are between two people; nobody can be removed."
    if target.role == Role.OWNER:
        return "The owner cannot be removed; they can hand the room over first."
    if actor is None:
        return None
    if actor.user_id == target.user_id:
        return "You cannot remove yourself; leave the room instead."
    if actor.role not in MANAGER_ROLES:
        return "Only the room's owner or an admin can remove people."
    if target.role == Role.ADMIN and actor.role != Role.OWNER:
        return "Only the room's owner can remove an admin."
    return None


def remove_from_room(
    session: Session, room_id: int, user_id: int, *, actor_id: int | None, now: datetime
) -> Membership:
    """`actor_id` (None: the platform) removes `user_id` from the room, by the rules above."""
    room = get_room(session, room_id)
    actor = None if actor_id is None else get_own_membership(session, room_id, actor_id)
    target = find_membership(session, room_id, user_id)
    if target is None or target.left_at is not None:
        raise NotFound("That person is not a member of this room.")
    refusal = removal_refusal(room, actor, target)
    if refusal is not None:
        raise NotAllowed(refusal)
    membership = remove_member(session, room, target.user, now=now)
    note_removed(session, room.id, target.user, actor.user if actor else None, now)
    return membership


def transfer_ownership(
    session: Session, room_id: int, new_owner_id: int, *, actor_id: int | None, now: datetime
) -> Membership:
    """Make `new_owner_id` the room's owner and the old owner an admin; `actor_id` must be
    the owner (None: the platform). The new owner's membership, flushed."""
    room = get_room(session, room_id)
    old = find_membership(session, room_id, room.owner_id)
    if actor_id is not None:
        actor = get_own_membership(session, room_id, actor_id)
        if actor.role != Role.OWNER:
            raise NotAllowed("Only the room's owner can hand the room over.")
    if room.kind == RoomKind.DIRECT:
        raise NotAllowed("Direct conversations have no owner to change.")
    new = find_membership(session, room_id, new_owner_id)
    if new is None or new.left_at is not None:
        raise NotFound("That person is not a member of this room.")
    if new.role == Role.OWNER:
        raise InvalidInput(f"{new.user.display_name} owns this room already.")
    if new.user.deactivated_at is not None:
        raise NotAllowed(f"{new.user.email} is deactivated and cannot own a room.")
    if old is not None and old.left_at is None:
        old.role = Role.ADMIN
    new.role = Role.OWNER
    old_owner = room.owner
    room.owner_id = new.user_id
    if new.account_id is not None:
        room.account_id = new.account_id  # the room belongs to its owner's account
    session.flush()
    session.refresh(room)
    note_owner_changed(session, room.id, old_owner, new.user, now)
    return new


def invite_person(
    session: Session,
    room_id: int,
    inviter_id: int,
    email: str,
    *,
    now: datetime,
    role: Role = Role.MEMBER,
) -> Invitation:
    """Invite `email` to the room, staging a user for an address nobody has yet."""
    existed = find_user_by_email(session, normalize_address(email)) is not None
    membership = invite_member(
        session, room_id, inviter_id, email, now=now, role=role, stage_missing=True
    )
    return Invitation(membership=membership, staged=not existed)
