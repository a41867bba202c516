"""Room membership and personal views: members, invite, leave, favorite, hide, archive,
notepad, block, report."""

from __future__ import annotations

from flask import Blueprint

room_admin = Blueprint("room_admin", __name__)


def sidebar_context(room_id: int, user_id: int) -> dict[str, object]:
    """What the room page's side panel (templates/web/room/_sidebar.html) needs."""
    return {}
