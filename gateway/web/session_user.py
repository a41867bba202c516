"""Who is signed in: the web session behind each request, and the sign-in gate for views.

Owns the session cookie's meaning: Flask's signed cookie carries only a random token
(`sid`); the web_sessions row it names says who is signed in (gateway.core.web_sessions).
`load_signed_in_user` runs before every request and sets `g.user` (a User or None) and
`g.signed_in`; views that need a person are wrapped in `login_required`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import ParamSpec, TypeVar

from flask import g, redirect, request, session, url_for
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from gateway.core.web_sessions import (
    TOUCH_INTERVAL,
    end_web_session,
    find_web_session,
    start_web_session,
    touch_web_session,
)
from gateway.store.models import User
from gateway.web.context import web_context
from gateway.web.request_db import reading, writing

P = ParamSpec("P")
R = TypeVar("R")


def utc_now() -> datetime:
    """The app's clock (real time, or the one a test gave create_app)."""
    return web_context().clock()


def load_signed_in_user() -> None:
    """Set g.user and g.signed_in from the cookie; refresh presence now and then."""
    g.user = None
    g.signed_in = None
    token = session.get("sid")
    if not isinstance(token, str) or request.endpoint == "static":
        return
    now = utc_now()
    with reading() as db:
        signed_in = find_web_session(db, token, now=now)
        if signed_in is None:
            session.pop("sid", None)
            return
        # Accounts in the same query: every page's header lists them.
        user = db.get(User, signed_in.user_id, options=[joinedload(User.accounts)])
    if user is None:
        return
    g.user = user
    g.signed_in = signed_in
    if now - signed_in.last_seen_at >= TOUCH_INTERVAL:
        with writing() as db:
            touch_web_session(db, signed_in.session_id, now=now)


def login_required(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Send a visitor who is not signed in to the sign-in page, then back here."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if g.get("user") is None:
            return redirect(url_for("signin.sign_in_page", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def current_user() -> User:
    """The signed-in user of a `login_required` view."""
    user: User = g.user
    return user


def sign_in_browser(user: User) -> None:
    """Start a web session for `user` in this browser (a fresh cookie: no fixation)."""
    with writing() as db:
        token = start_web_session(db, db.merge(user), now=utc_now())
    session.clear()
    session["sid"] = token
    session.permanent = True


def sign_out_browser() -> None:
    token = session.get("sid")
    if isinstance(token, str):
        with writing() as db:
            end_web_session(db, token)
    session.clear()
