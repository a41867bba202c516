"""Message Center views: rooms lists (and the Messages list alone, GET /rooms/list, which
gateway/static/unread.js swaps in live), Account Alerts, Updates and Tickets tabs, and the
account switcher.

Owns these routes only: each reads the request, calls gateway.core (inbox, alerts,
web_sessions) in one unit of work and renders a template. Domain errors become HTTP statuses
(NotFound -> 404) with their message. Must not hold domain rules.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from gateway.core.alerts import (
    TAB_NAMES,
    count_alerts,
    list_alerts,
    mark_all_alerts_read,
    open_alert,
)
from gateway.core.errors import NotFound
from gateway.core.inbox import (
    list_all_rooms_and_people,
    list_recent_rooms,
    list_rooms_by_category,
    list_ticket_rooms,
)
from gateway.core.inbox_changes import room_list_fingerprint
from gateway.core.web_sessions import switch_account
from gateway.store.models import AlertCategory
from gateway.web.context import row_id
from gateway.web.request_db import reading, writing
from gateway.web.session_user import current_user, login_required, utc_now

inbox = Blueprint("inbox", __name__)

ALERTS_PER_PAGE = 25
ROOMS_PER_PAGE = 25
VIEWS = ("recent", "category")
TAB_ENDPOINTS = {AlertCategory.ALERT: "inbox.alerts", AlertCategory.UPDATE: "inbox.updates"}


def shown_account_id() -> int | None:
    """The account whose inbox is shown: the web session's choice, else the first one."""
    if g.signed_in is not None and g.signed_in.account_id is not None:
        account_id: int = g.signed_in.account_id
        return account_id
    return min((account.id for account in current_user().accounts), default=None)


MAX_PAGE = 1_000_000


def _page() -> int:
    # Past the last page is an empty page; a page past any offset the database takes is too.
    return max(1, min(request.args.get("page", 1, type=int) or 1, MAX_PAGE))


@inbox.get("/rooms")
@login_required
def rooms() -> str:
    page, _ = _room_lists("inbox/rooms.html")
    return page


@inbox.get("/rooms/list")
@login_required
def room_list_fragment() -> Response:
    """The Messages list alone (no page around it), for unread.js to swap in when /unread
    says it changed; its fingerprint goes in a header. Never cached."""
    fragment, fingerprint = _room_lists("inbox/_room_list_body.html")
    response = Response(fragment, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Room-List-Fingerprint"] = fingerprint
    return response


def _room_lists(template: str) -> tuple[str, str]:
    """The Recent or By category list rendered with `template`, and its fingerprint."""
    view = request.args.get("view", "recent")
    view = view if view in VIEWS else "recent"
    user, account_id, now = current_user(), shown_account_id(), utc_now()
    recent, sections = [], []
    with reading() as session:
        # Taken first: a change made meanwhile makes the page refresh once more, never miss it.
        fingerprint = room_list_fingerprint(session, user.id, account_id)
        if account_id is not None and view == "recent":
            recent = list_recent_rooms(session, user.id, account_id, now=now)
        elif account_id is not None:
            sections = list_rooms_by_category(session, user.id, account_id, now=now)
    page = render_template(
        template,
        active_tab="rooms",
        view=view,
        rows=recent,
        sections=sections,
        fingerprint=fingerprint,
    )
    return page, fingerprint


@inbox.get("/rooms/all")
@login_required
def all_rooms() -> str:
    user, account_id = current_user(), shown_account_id()
    with reading() as session:
        page = list_all_rooms_and_people(
            session, user.id, account_id or 0, page=_page(), per_page=ROOMS_PER_PAGE
        )
    return render_template("inbox/all_rooms.html", active_tab="rooms", page=page)


def _alerts_tab(category: AlertCategory) -> str:
    user, now, page, account_id = current_user(), utc_now(), _page(), shown_account_id()
    with reading() as session:
        alerts = list_alerts(
            session,
            user.id,
            category,
            now=now,
            account_id=account_id,
            limit=ALERTS_PER_PAGE,
            offset=(page - 1) * ALERTS_PER_PAGE,
        )
        total = count_alerts(session, user.id, category, now=now, account_id=account_id)
    return render_template(
        "inbox/alerts.html",
        active_tab="alerts" if category == AlertCategory.ALERT else "updates",
        category=category.value,
        heading=TAB_NAMES[category],
        tab_endpoint=TAB_ENDPOINTS[category],
        alerts=alerts,
        page=page,
        pages=max(1, -(-total // ALERTS_PER_PAGE)),
    )


@inbox.get("/alerts")
@login_required
def alerts() -> str:
    return _alerts_tab(AlertCategory.ALERT)


@inbox.get("/updates")
@login_required
def updates() -> str:
    return _alerts_tab(AlertCategory.UPDATE)


@inbox.get("/alerts/<int:alert_id>")
@login_required
def alert_page(alert_id: int) -> str | Response | tuple[str, int]:
    """Open an alert: it is marked read, then its link is followed (or it is shown)."""
    now = utc_now()
    try:
        with writing() as session:
            alert = open_alert(session, current_user().id, alert_id, now=now)
    except NotFound as error:
        return render_template("inbox/alert.html", alert=None, error=str(error)), 404
    if alert.link:
        return redirect(alert.link)
    return render_template(
        "inbox/alert.html",
        active_tab="alerts" if alert.category == AlertCategory.ALERT else "updates",
        alert=alert,
        tab_endpoint=TAB_ENDPOINTS[alert.category],
    )


@inbox.post("/alerts/read-all")
@login_required
def read_all_alerts() -> Response:
    try:
        category = AlertCategory(request.form.get("category", AlertCategory.ALERT.value))
    except ValueError:
        abort(400, description="category must be alert or update")
    with writing() as session:
        mark_all_alerts_read(
            session,
            current_user().id,
            now=utc_now(),
            category=category,
            account_id=shown_account_id(),
        )
    return redirect(url_for(TAB_ENDPOINTS[category]))


@inbox.get("/tickets")
@login_required
def tickets() -> str:
    user, now = current_user(), utc_now()
    with reading() as session:
        rows = list_ticket_rooms(session, user.id, now=now)
    return render_template("inbox/tickets.html", active_tab="tickets", rows=rows)


@inbox.post("/account")
@login_required
def switch_account_view() -> Response:
    """Show another of the user's accounts; anyone else's account is "not found"."""
    account_id = request.form.get("account_id", type=row_id)
    if account_id not in {account.id for account in current_user().accounts}:
        abort(404, description="no such account")
    with writing() as session:
        switch_account(session, g.signed_in.session_id, account_id)
    return redirect(url_for("inbox.rooms"))
