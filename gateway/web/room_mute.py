"""Muting and resuming a room's email notifications: the buttons of the room page's side
panel (templates/web/room/_sidebar.html) and of Settings' muted-rooms list.

Owns these two routes only; the rules are gateway.core.room_mutes'. Each post changes the
signed-in member's own membership in one unit of work, flashes what happened and goes back
where the button was (the room page, or Settings when the form says `back=settings`). A room
the viewer is not in answers 404, so room ids cannot be probed.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from gateway.core.errors import NotFound
from gateway.core.room_mutes import mute_room, resume_room
from gateway.core.room_titles import room_title_for
from gateway.web.request_db import writing
from gateway.web.session_user import current_user, login_required

room_mute = Blueprint("room_mute", __name__)


@room_mute.post("/rooms/<int:room_id>/email/mute")
@login_required
def mute(room_id: int) -> Response:
    title = _change(room_id, muted=True)
    flash(f"Email notifications from {title} are muted. Its messages still show here.", "success")
    return _back(room_id)


@room_mute.post("/rooms/<int:room_id>/email/resume")
@login_required
def resume(room_id: int) -> Response:
    title = _change(room_id, muted=False)
    flash(f"Email notifications from {title} resume.", "success")
    return _back(room_id)


def _change(room_id: int, *, muted: bool) -> str:
    """Mute or resume as the signed-in member (404 for anyone else); the room's title."""
    change = mute_room if muted else resume_room
    try:
        with writing() as db:
            membership = change(db, room_id, current_user().id)
            return room_title_for(membership.room, membership.user_id)
    except NotFound:
        abort(404)


def _back(room_id: int) -> Response:
    if request.form.get("back") == "settings":
        return redirect(url_for("preferences.settings_page") + "#muted-rooms", 303)
    return redirect(url_for("rooms.room_page", room_id=room_id), 303)
