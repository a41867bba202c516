"""Reports: a member flags a message in their room, and a moderator resolves or dismisses it.

Owns who may report what (an active member of the message's room, never their own message),
the reasons a report can give, who moderates, and the moderators' lists. Reporting the same
message again changes the reason and note of the first report rather than piling up
duplicates (and opens it again if it was handled).

Who moderates: an *operator* (an address in Settings.operators, GATEWAY_OPERATORS) sees and
handles every report; the owner and admins of a room see and handle the reports of messages
in their room. A report is `open` until a moderator resolves it (they acted on it) or
dismisses it (nothing to act on); who and when is kept. The `gateway report` command acts as
an operator with no user (handled_by stays empty). Must not import any adapter library.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from gateway.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from gateway.store.models import (
    Membership,
    Message,
    Report,
    ReportReason,
    ReportState,
    Role,
    User,
)

__all__ = [
    "COMMAND_LINE",
    "REASON_LABELS",
    "Moderator",
    "ReportReason",
    "ReportState",
    "handle_report",
    "list_reports",
    "list_reports_for",
    "report_message",
]

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
    # Reported again: it needs a moderator's look again.
    report.state, report.handled_by_id, report.handled_at = ReportState.OPEN, None, None
    session.flush()
    return report


@dataclass(frozen=True, slots=True)
class Moderator:
    """Who is looking at reports: `user` None is the `gateway report` command (an operator)."""

    user: User | None
    operator: bool

    @classmethod
    def of(cls, user: User, operators: Collection[str]) -> Moderator:
        """`user` as a moderator: an operator when their address is in `operators`."""
        return cls(user=user, operator=user.email.lower() in {a.lower() for a in operators})


COMMAND_LINE = Moderator(user=None, operator=True)
HANDLED_STATES = frozenset({ReportState.RESOLVED, ReportState.DISMISSED})


def may_moderate(session: Session, moderator: Moderator) -> bool:
    """Whether the moderator page has anything for them: operators, owners and admins."""
    if moderator.operator:
        return True
    assert moderator.user is not None
    return session.scalar(_managed_rooms(moderator.user.id).limit(1)) is not None


def list_reports(session: Session, limit: int) -> list[Report]:
    """The newest reports first, whatever their state, for the operators."""
    return list_reports_for(session, COMMAND_LINE, limit=limit)


def list_reports_for(
    session: Session, moderator: Moderator, *, state: ReportState | None = None, limit: int = 100
) -> list[Report]:
    """The reports `moderator` may see, newest first (only `state` ones when given), with
    their message, its room and author, and the reporter loaded."""
    statement = (
        select(Report)
        .join(Message, Message.id == Report.message_id)
        .options(
            joinedload(Report.message).joinedload(Message.room),
            joinedload(Report.message).joinedload(Message.author),
            joinedload(Report.reporter),
            joinedload(Report.handled_by),
        )
        .order_by(Report.id.desc())
        .limit(limit)
    )
    if state is not None:
        statement = statement.where(Report.state == state)
    if not moderator.operator:
        assert moderator.user is not None
        statement = statement.where(Message.room_id.in_(_managed_rooms(moderator.user.id)))
    return list(session.scalars(statement).unique())


def handle_report(
    session: Session, report_id: int, moderator: Moderator, state: ReportState, *, now: datetime
) -> Report:
    """Resolve or dismiss an open report; NotFound for a report the moderator may not see,
    Conflict for one already handled."""
    if state not in HANDLED_STATES:
        raise InvalidInput("A report is resolved or dismissed.")
    report = session.get(Report, report_id)
    if report is None or not _may_see(session, moderator, report):
        raise NotFound(f"No report {report_id}.")
    if report.state != ReportState.OPEN:
        raise Conflict(f"Report {report_id} is {report.state.value} already.")
    report.state = state
    report.handled_by_id = moderator.user.id if moderator.user is not None else None
    report.handled_at = now
    session.flush()
    return report


def _may_see(session: Session, moderator: Moderator, report: Report) -> bool:
    if moderator.operator:
        return True
    assert moderator.user is not None
    room_id = session.scalar(select(Message.room_id).where(Message.id == report.message_id))
    managed = _managed_rooms(moderator.user.id).where(Membership.room_id == room_id)
    return session.scalar(managed) is not None


def _managed_rooms(user_id: int) -> Select[tuple[int]]:
    """The ids of the rooms `user_id` owns or administers now."""
    return select(Membership.room_id).where(
        Membership.user_id == user_id,
        Membership.left_at.is_(None),
        Membership.role.in_((Role.OWNER, Role.ADMIN)),
    )


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
