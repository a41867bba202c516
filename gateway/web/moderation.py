"""The moderator's page: reported messages, and resolving or dismissing them.

Owns GET /reports (the reports the viewer moderates, by state: open first) and POST
/reports/<id>/resolve and /reports/<id>/dismiss. Who moderates what is
gateway.core.reports: operators (Settings.operators) every report, a room's owner and
admins their room's. Anyone else gets 404, as for any page that is not theirs; a report the
viewer may not see is 404 too. A post changes one report, then goes back to the list with a
flash message.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway.core.errors import DomainError, NotFound
from gateway.core.reports import (
    REASON_LABELS,
    Moderator,
    handle_report,
    list_reports_for,
    may_moderate,
)
from gateway.core.room_titles import room_title_for
from gateway.store.models import Report, ReportState, User
from gateway.web.request_db import reading, writing
from gateway.web.session_user import current_user, login_required, utc_now, web_context

moderation = Blueprint("moderation", __name__)

LIST_LIMIT = 200
STATE_LABELS = {
    ReportState.OPEN: "Open",
    ReportState.RESOLVED: "Resolved",
    ReportState.DISMISSED: "Dismissed",
}


@dataclass(frozen=True, slots=True)
class ReportView:
    """One report as the moderator page shows it."""

    id: int
    state: str
    reason: str
    note: str
    reporter_name: str
    author_name: str
    room_id: int
    room_title: str
    message_id: int
    message_html: str
    message_deleted: bool
    created_iso: str
    handled_by: str
    handled_iso: str


@moderation.get("/reports")
@login_required
def reports_page() -> str:
    state = _state(request.args.get("state", ReportState.OPEN.value))
    with reading() as db:
        moderator = _moderator_or_404(db, current_user())
        found = list_reports_for(db, moderator, state=state, limit=LIST_LIMIT)
        views = [_view(report, current_user().id) for report in found]
    return render_template(
        "moderation/reports.html",
        reports=views,
        state=state.value,
        states=[(s.value, label) for s, label in STATE_LABELS.items()],
        operator=moderator.operator,
    )


@moderation.post("/reports/<int:report_id>/resolve")
@login_required
def resolve(report_id: int) -> Response:
    return _handle(report_id, ReportState.RESOLVED, "resolved")


@moderation.post("/reports/<int:report_id>/dismiss")
@login_required
def dismiss(report_id: int) -> Response:
    return _handle(report_id, ReportState.DISMISSED, "dismissed")


def _handle(report_id: int, state: ReportState, done: str) -> Response:
    try:
        with writing() as db:
            moderator = _moderator_or_404(db, current_user())
            handle_report(db, report_id, moderator, state, now=utc_now())
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(f"Report {report_id} {done}.", "success")
    return redirect(url_for("moderation.reports_page"), 303)


def _moderator_or_404(db: Session, user: User) -> Moderator:
    moderator = Moderator.of(user, web_context().settings.operators)
    if not may_moderate(db, moderator):
        abort(404)
    return moderator


def _state(value: str) -> ReportState:
    try:
        return ReportState(value)
    except ValueError:
        abort(404)


def _view(report: Report, viewer_id: int) -> ReportView:
    message = report.message
    deleted = message.deleted_at is not None
    return ReportView(
        id=report.id,
        state=report.state.value,
        reason=REASON_LABELS[report.reason],
        note=report.note,
        reporter_name=report.reporter.display_name,
        author_name=message.author.display_name if message.author else "System",
        room_id=message.room_id,
        room_title=room_title_for(message.room, viewer_id),
        message_id=message.id,
        message_html="" if deleted else message.body_html,
        message_deleted=deleted,
        created_iso=report.created_at.isoformat(),
        handled_by=report.handled_by.display_name if report.handled_by else "",
        handled_iso=report.handled_at.isoformat() if report.handled_at else "",
    )
