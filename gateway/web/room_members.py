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

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway.core.errors import DomainError, InvalidInput, NotFound
from gateway.core.membership_changes import invite_person, remove_from_room, transfer_ownership
from gateway.core.rooms import get_own_membership, set_member_role
from gateway.outbound.invitation_mail import queue_invitation_email
from gateway.store.models import Role, User
from gateway.web.request_db import writing
from gateway.web.session_user import current_user, login_required, utc_now, web_context

room_members = Blueprint("room_members", __name__)

# The members section's heading: the room page opens there after these forms.
MEMBERS_SECTION = "sidebar-members-heading"


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

    return _members_action(room_id, action)


@room_members.post("/rooms/<int:room_id>/members/<int:user_id>/role")
@login_required
def change_role(room_id: int, user_id: int) -> Response:
    role = request.form.get("role", "")

    def action(db: Session, user: User) -> str:
        membership = set_member_role(db, room_id, user.id, user_id, _role(role))
        return f"{membership.user.display_name} is now {membership.role.value}."

    return _members_action(room_id, action)


@room_members.post("/rooms/<int:room_id>/members/<int:user_id>/remove")
@login_required
def remove(room_id: int, user_id: int) -> Response:
    def action(db: Session, user: User) -> str:
        removed = remove_from_room(db, room_id, user_id, actor_id=user.id, now=utc_now())
        return f"{removed.user.display_name} was removed from the room."

    return _members_action(room_id, action)


@room_members.post("/rooms/<int:room_id>/owner")
@login_required
def hand_over(room_id: int) -> Response:
    chosen = request.form.get("user_id", "")

    def action(db: Session, user: User) -> str:
        if not chosen.isdigit():
            raise InvalidInput("Choose the member who will own the room.")
        owner = transfer_ownership(db, room_id, int(chosen), actor_id=user.id, now=utc_now())
        return f"{owner.user.display_name} now owns the room; you are an admin."

    return _members_action(room_id, action)


def _members_action(room_id: int, action: Callable[[Session, User], str]) -> Response:
    """Run one change as a member of the room (404 otherwise); flash the outcome."""
    user = current_user()
    try:
        with writing() as db:
            try:
                get_own_membership(db, room_id, user.id)
            except NotFound:
                abort(404)
            done = action(db, user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(done, "success")
    return redirect(url_for("rooms.room_page", room_id=room_id, _anchor=MEMBERS_SECTION), 303)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput("Choose a role: admin or member.") from None
