"""Reports: a member flags a message in their room for the operators to look at.

Owns who may report what (an active member of the message's room, never their own message),
the reasons a report can give, and the operators' list. Reporting the same message again
changes the reason and note of the first report rather than piling up duplicates. Must not
import any adapter library.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.errors import InvalidInput, NotAllowed, NotFound
from gateway.store.models import Membership, Message, Report, ReportReason

__all__ = ["REASON_LABELS", "ReportReason", "list_reports", "report_message"]

MAX_NOTE_LENGTH = 2000
REASON_LABELS: dict[ReportReason, str] = {
    ReportReason.OFF_PLATFORM_PAYMENT: "Asks for payment outside the platform",
    ReportReason.CONTACT_DETAILS: "Shares contact details before a contract",
    ReportReason.SUSPICIOUS_LINK: "Contains a suspicious link",
    ReportReason.ABUSE: "Abusive or harassing",
}


def report_message(
    session: Session,
    message_id: int,
    reporter_id: int,
    reason: ReportReason | str,
    note: str,
    *,
    now: datetime,
) -> Report:
    """Report a message someone else wrote in a room the reporter is in."""
    message = _visible_message(session, message_id, reporter_id)
    if message.author_id == reporter_id:
        raise NotAllowed("You cannot report your own message.")
    if message.author_id is None:
        raise NotAllowed("Only messages people wrote can be reported.")
    chosen = _reason(reason)
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"A note is at most {MAX_NOTE_LENGTH} characters.")
    report = session.scalar(
        select(Report).where(Report.reporter_id == reporter_id, Report.message_id == message_id)
    )
    if report is None:
        report = Report(reporter_id=reporter_id, message_id=message_id, created_at=now)
        session.add(report)
    report.reason = chosen
    report.note = note
    session.flush()
    return report


def list_reports(session: Session, limit: int) -> list[Report]:
    """The newest reports first, for the operators."""
    return list(session.scalars(select(Report).order_by(Report.id.desc()).limit(limit)))


def _visible_message(session: Session, message_id: int, reporter_id: int) -> Message:
    """The message, if the reporter can see it: a non-member learns nothing about it."""
    message = session.get(Message, message_id)
    membership = (
        None
        if message is None
        else session.scalar(
            select(Membership).where(
                Membership.room_id == message.room_id,
                Membership.user_id == reporter_id,
                Membership.left_at.is_(None),
            )
        )
    )
    if message is None or membership is None or message.deleted_at is not None:
        raise NotFound(f"No message {message_id}.")
    return message


def _reason(reason: ReportReason | str) -> ReportReason:
    try:
        return ReportReason(reason)
    except ValueError:
        choices = ", ".join(REASON_LABELS[r] for r in ReportReason)
        raise InvalidInput(f"Choose a reason for the report: {choices}.") from None
