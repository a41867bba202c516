"""Membership routes of the room side panel: inviting, changing roles, removing a member and
handing the room over.

Owns POST /rooms/<id>/invite (an address nobody has gets a staged user and an emailed
invitation, gateway.outbound.invitation_mail), /rooms/<id>/members/<user_id>/role,
/rooms/<id>/members/<user_id>/remove and /rooms/<id>/owner (the forms in the members
section of templates/web/room/_sidebar.html). Signed-in members only: a room the
viewer is not in answers 404. Each post changes one thing in one transaction, then goes back
to the room page's members section with a flash message; a refusal flashes the reason and
changes nothing. The rules (who may invite, change roles, remove whom, own) are
gateway.core.rooms and gateway.core.membership_changes.
"""

from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway.core.errors import InvalidInput
from gateway.core.membership_changes import invite_person, remove_from_room, transfer_ownership
from gateway.core.rooms import set_member_role
from gateway.outbound.invitation_mail import queue_invitation_email
from gateway.store.models import Role, User
from gateway.web.context import row_id
from gateway.web.room_admin import MEMBERS_SECTION, member_action
from gateway.web.session_user import login_required, utc_now, web_context

room_members = Blueprint("room_members", __name__)


@room_members.post("/rooms/<int:room_id>/invite")
@login_required
def invite(room_id: int) -> Response:
    email, role = request.form.get("email", ""), request.form.get("role", Role.MEMBER.value)

    def action(db: Session, user: User) -> str:
        invited = invite_person(db, room_id, user.id, email, now=utc_now(), role=_role(role))
        membership = invited.membership
        if invited.staged:
            context = web_context()
            queue_invitation_email(
                db, membership, user, context.settings, context.keys, now=utc_now()
            )
            return f"{membership.user.email} was added to the room and emailed an invitation."
        return f"{membership.user.display_name} was added to the room."

    return member_action(room_id, action, MEMBERS_SECTION)


@room_members.post("/rooms/<int:room_id>/members/<int:user_id>/role")
@login_required
def change_role(room_id: int, user_id: int) -> Response:
    role = request.form.get("role", "")

    def action(db: Session, user: User) -> str:
        membership = set_member_role(db, room_id, user.id, user_id, _role(role))
        return f"{membership.user.display_name} is now {membership.role.value}."

    return member_action(room_id, action, MEMBERS_SECTION)


@room_members.post("/rooms/<int:room_id>/members/<int:user_id>/remove")
@login_required
def remove(room_id: int, user_id: int) -> Response:
    def action(db: Session, user: User) -> str:
        removed = remove_from_room(db, room_id, user_id, actor_id=user.id, now=utc_now())
        return f"{removed.user.display_name} was removed from the room."

    return member_action(room_id, action, MEMBERS_SECTION)


@room_members.post("/rooms/<int:room_id>/owner")
@login_required
def hand_over(room_id: int) -> Response:
    chosen = request.form.get("user_id", type=row_id)

    def action(db: Session, user: User) -> str:
        if chosen is None:
            raise InvalidInput("Choose the member who will own the room.")
        owner = transfer_ownership(db, room_id, chosen, actor_id=user.id, now=utc_now())
        return f"{owner.user.display_name} now owns the room; you are an admin."

    return member_action(room_id, action, MEMBERS_SECTION)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput("Choose a role: admin or member.") from None
