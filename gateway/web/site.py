"""Site views: landing page, health check, and the RFC 8058 one-click unsubscribe (from one
room's emails, or from one notification category's).

Owns these routes only; domain work is done by gateway.core.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, g, redirect, render_template, url_for
from sqlalchemy import text
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway.core.errors import NotFound
from gateway.core.preferences import stop_category_emails, stop_digest_emails
from gateway.core.rooms import get_room, mute_room_email
from gateway.core.unsubscribe import (
    CategoryEmails,
    DigestEmails,
    RoomEmails,
    Scope,
    verify_unsubscribe_token,
)
from gateway.store.models import Membership, NotifyCategory, User
from gateway.web.context import web_context
from gateway.web.request_db import reading, writing
from gateway.web.security import csrf

site = Blueprint("site", __name__)


@site.get("/")
def landing() -> str | Response:
    """Signed in: the Message Center. Otherwise a short page with the sign-in button."""
    if g.get("user") is not None:
        return redirect(url_for("inbox.rooms"))
    return render_template("landing.html")


@site.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    try:
        with reading() as session:
            session.execute(text("SELECT 1"))
    except Exception as error:  # any database failure is "unhealthy", with its type
        return {"status": "unavailable", "database": type(error).__name__}, 503
    return {"status": "ok", "time": datetime.now(UTC).isoformat()}, 200


@site.get("/u/<token>")
def unsubscribe_page(token: str) -> tuple[str, int]:
    """Only shows a button: link scanners follow GETs, so GET never changes anything."""
    scope = verify_unsubscribe_token(token, web_context().keys)
    if scope is None:
        return render_template("unsubscribe.html", invalid=True), 404
    with reading() as session:
        what = _what_it_stops(session, scope)
    if what is None:
        return render_template("unsubscribe.html", invalid=True), 404
    return render_template("unsubscribe.html", **what), 200


@site.post("/u/<token>")
def unsubscribe(token: str) -> tuple[str, int]:
    """RFC 8058 one-click: no cookie, no CSRF token, no login; 200 without redirect;
    idempotent. (The token in the URL is the proof: CSRF protection is exempted below.)"""
    scope = verify_unsubscribe_token(token, web_context().keys)
    if scope is None:
        return render_template("unsubscribe.html", invalid=True), 404
    try:
        with writing() as session:
            what = _what_it_stops(session, scope)
            if isinstance(scope, RoomEmails):
                mute_room_email(session, scope.membership_id)
            elif isinstance(scope, CategoryEmails):
                stop_category_emails(session, scope.user_id, scope.category)
            else:
                stop_digest_emails(session, scope.user_id, scope.frequency)
    except NotFound:
        return render_template("unsubscribe.html", invalid=True), 404
    if what is None:
        return render_template("unsubscribe.html", invalid=True), 404
    return render_template("unsubscribe.html", done=True, **what), 200


CATEGORY_NAMES = {
    NotifyCategory.ROOM: "room messages",
    NotifyCategory.ALERT: "Account Alerts",
    NotifyCategory.UPDATE: "Updates",
    NotifyCategory.TICKET: "support tickets",
}


def _what_it_stops(session: Session, scope: Scope) -> dict[str, str] | None:
    """The page's words for what the token stops, or None if its room or user is gone."""
    if isinstance(scope, RoomEmails):
        membership = session.get(Membership, scope.membership_id)
        if membership is None:
            return None
        return {"room_title": get_room(session, membership.room_id).title}
    if session.get(User, scope.user_id) is None:
        return None
    if isinstance(scope, DigestEmails):
        return {"category_name": f"{scope.frequency.value} digests"}
    return {"category_name": CATEGORY_NAMES[scope.category]}


csrf.exempt(unsubscribe)
