"""Site views: landing page, health check, /favicon.ico, and the RFC 8058 one-click
unsubscribe (from one room's emails, or from one notification category's).

Owns these routes only; domain work is done by gateway.core.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, g, redirect, render_template, url_for
from sqlalchemy import text
from werkzeug.wrappers import Response

from gateway.core.unsubscribe import apply, describe, verify_unsubscribe_token
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


@site.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever a page links: send them to the site icon."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@site.get("/u/<token>")
def unsubscribe_page(token: str) -> tuple[str, int]:
    """Only shows a button: link scanners follow GETs, so GET never changes anything."""
    scope = verify_unsubscribe_token(token, web_context().keys)
    if scope is None:
        return render_template("unsubscribe.html", invalid=True), 404
    with reading() as session:
        stopped = describe(session, scope)
    if stopped is None:
        return render_template("unsubscribe.html", invalid=True), 404
    return render_template("unsubscribe.html", stopped=stopped), 200


@site.post("/u/<token>")
def unsubscribe(token: str) -> tuple[str, int]:
    """RFC 8058 one-click: no cookie, no CSRF token, no login; 200 without redirect;
    idempotent. (The token in the URL is the proof: CSRF protection is exempted below.)"""
    scope = verify_unsubscribe_token(token, web_context().keys)
    if scope is None:
        return render_template("unsubscribe.html", invalid=True), 404
    with writing() as session:
        stopped = apply(session, scope)
    if stopped is None:
        return render_template("unsubscribe.html", invalid=True), 404
    return render_template("unsubscribe.html", done=True, stopped=stopped), 200


csrf.exempt(unsubscribe)
