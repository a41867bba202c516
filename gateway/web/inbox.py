"""Message Center views: rooms lists, Account Alerts, Updates and Tickets tabs."""

from __future__ import annotations

from flask import Blueprint

from gateway.web.session_user import login_required

inbox = Blueprint("inbox", __name__)


@inbox.get("/rooms")
@login_required
def rooms() -> tuple[str, int]:
    return "not built yet", 501


@inbox.get("/alerts")
@login_required
def alerts() -> tuple[str, int]:
    return "not built yet", 501


@inbox.get("/updates")
@login_required
def updates() -> tuple[str, int]:
    return "not built yet", 501


@inbox.get("/tickets")
@login_required
def tickets() -> tuple[str, int]:
    return "not built yet", 501
