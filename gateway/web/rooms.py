"""The room page: history, compose, reply, edit, delete, mark unread."""

from __future__ import annotations

from flask import Blueprint

from gateway.web.session_user import login_required

rooms = Blueprint("rooms", __name__)


@rooms.get("/rooms/<int:room_id>")
@login_required
def room_page(room_id: int) -> tuple[str, int]:
    return "not built yet", 501
