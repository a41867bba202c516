"""Room membership and personal views: members, invite, leave, favorite, hide, archive,
notepad, block, report."""

from __future__ import annotations

from flask import Blueprint

room_admin = Blueprint("room_admin", __name__)
