"""Search views: one box with from:, in:, before:, after: and quoted phrases."""

from __future__ import annotations

from flask import Blueprint

from gateway.web.session_user import login_required

search = Blueprint("search", __name__)


@search.get("/search")
@login_required
def results() -> tuple[str, int]:
    return "not built yet", 501
