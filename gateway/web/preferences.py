"""The settings page: notifications, out-of-office, status, Enter key, time zone."""

from __future__ import annotations

from flask import Blueprint

from gateway.web.session_user import login_required

preferences = Blueprint("preferences", __name__)


@preferences.get("/settings")
@login_required
def settings_page() -> tuple[str, int]:
    return "not built yet", 501
