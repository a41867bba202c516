"""Sign-in and sign-out views: password, one-time email link, throttling."""

from __future__ import annotations

from flask import Blueprint

from gateway.web.session_user import login_required

signin = Blueprint("signin", __name__)


@signin.get("/sign-in")
def sign_in_page() -> tuple[str, int]:
    return "not built yet", 501


@signin.post("/sign-out")
@login_required
def sign_out() -> tuple[str, int]:
    return "not built yet", 501
