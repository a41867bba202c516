"""API operations on reports: list reported messages, resolve or dismiss one.

The platform acts as an operator (gateway.core.reports.COMMAND_LINE): it sees every report,
and a report it handles records no moderator user of ours.
"""

from __future__ import annotations

from gateway.core.reports import COMMAND_LINE, handle_report, list_reports_for
from gateway.store.models import Report, ReportState
from gateway.web.api.operations import Call, operation
from gateway.web.api.schemas import ReportList, ReportOut, ReportQuery

REPORTS = "Reports"


def report_out(report: Report) -> ReportOut:
    return ReportOut(
        id=report.id,
        state=report.state,
        reason=report.reason,
        note=report.note,
        message_id=report.message_id,
        room_id=report.message.room_id,
        author_id=report.message.author_id,
        reporter_id=report.reporter_id,
        created_at=report.created_at,
        handled_by_id=report.handled_by_id,
        handled_at=report.handled_at,
    )


@operation(
    "GET",
    "/reports",
    summary="Reported messages in one state (open unless asked), newest first",
    tag=REPORTS,
    query=ReportQuery,
    response=ReportList,
    errors=(422,),
)
def read_reports(call: Call) -> ReportList:
    query: ReportQuery = call.query
    reports = list_reports_for(call.db, COMMAND_LINE, state=query.state, limit=query.limit)
    return ReportList(reports=[report_out(report) for report in reports])


@operation(
    "POST",
    "/reports/{report_id}/resolve",
    summary="Resolve an open report (it was acted on)",
    tag=REPORTS,
    response=ReportOut,
    errors=(404, 409),
)
def resolve_report(call: Call) -> ReportOut:
    return _handle(call, ReportState.RESOLVED)


@operation(
    "POST",
    "/reports/{report_id}/dismiss",
    summary="Dismiss an open report (nothing to act on)",
    tag=REPORTS,
    response=ReportOut,
    errors=(404, 409),
)
def dismiss_report(call: Call) -> ReportOut:
    return _handle(call, ReportState.DISMISSED)


def _handle(call: Call, state: ReportState) -> ReportOut:
    report = handle_report(call.db, call.params["report_id"], COMMAND_LINE, state, now=call.now)
    return report_out(report)
