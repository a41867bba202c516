"""Reports: members report other people's messages in their rooms; a second report updates
the first; operators list them newest first."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from gateway.core.errors import InvalidInput, NotAllowed, NotFound
from gateway.core.messages import post_message
from gateway.core.reports import MAX_NOTE_LENGTH, REASON_LABELS, list_reports, report_message
from gateway.core.rooms import leave_room
from gateway.core.users import add_user
from gateway.store.database import Database
from gateway.store.models import Message, Origin, Report, ReportReason

from support import World


@pytest.fixture
def message_id(database: Database, world: World, now: datetime) -> int:
    with database.transaction() as session:
        text = "Pay me via wire transfer instead"
        return post_message(
            session, world.room.id, world.bob.id, text, origin=Origin.WEB, now=now
        ).id


def test_every_reason_has_a_label() -> None:
    assert set(REASON_LABELS) == set(ReportReason)
    assert {r.value for r in ReportReason} == {"payment", "contact", "link", "abuse"}


def test_a_member_reports_someone_elses_message(
    database: Database, world: World, now: datetime, message_id: int
) -> None:
    with database.transaction() as session:
        report = report_message(
            session, message_id, world.alice.id, "payment", "  asked twice  ", now=now
        )
    assert (report.reason, report.note, report.created_at) == (
        ReportReason.OFF_PLATFORM_PAYMENT,
        "asked twice",
        now,
    )


def test_reporting_again_updates_the_report(
    database: Database, world: World, now: datetime, message_id: int
) -> None:
    with database.transaction() as session:
        report_message(session, message_id, world.alice.id, ReportReason.ABUSE, "", now=now)
    with database.transaction() as session:
        later = now + timedelta(minutes=5)
        report_message(session, message_id, world.alice.id, "link", "the link", now=later)
    with database.read_session() as session:
        reports = session.query(Report).all()
    assert [(r.reason, r.note, r.created_at) for r in reports] == [
        (ReportReason.SUSPICIOUS_LINK, "the link", now)
    ]


def test_your_own_message_cannot_be_reported(
    database: Database, world: World, now: datetime, message_id: int
) -> None:
    with database.transaction() as session, pytest.raises(NotAllowed, match="your own message"):
        report_message(session, message_id, world.bob.id, "abuse", "", now=now)


def test_outsiders_missing_and_deleted_messages_are_not_found(
    database: Database, world: World, now: datetime, message_id: int
) -> None:
    with database.transaction() as session:
        outsider = add_user(session, "eve@example.com", now=now)
    with database.transaction() as session, pytest.raises(NotFound):
        report_message(session, message_id, outsider.id, "abuse", "", now=now)
    with database.transaction() as session, pytest.raises(NotFound):
        report_message(session, 999_999, world.alice.id, "abuse", "", now=now)
    with database.transaction() as session:
        session.get(Message, message_id).deleted_at = now
    with database.transaction() as session, pytest.raises(NotFound):
        report_message(session, message_id, world.alice.id, "abuse", "", now=now)


def test_a_member_who_left_cannot_report(database: Database, world: World, now: datetime) -> None:
    with database.transaction() as session:
        mid = post_message(
            session, world.room.id, world.alice.id, "hi", origin=Origin.WEB, now=now
        ).id
        leave_room(session, world.room.id, world.bob.id, now=now)
    with database.transaction() as session, pytest.raises(NotFound):
        report_message(session, mid, world.bob.id, "abuse", "", now=now)


def test_a_reason_and_a_short_note_are_required(
    database: Database, world: World, now: datetime, message_id: int
) -> None:
    with database.transaction() as session:
        with pytest.raises(InvalidInput, match="Choose a reason"):
            report_message(session, message_id, world.alice.id, "spam", "", now=now)
        with pytest.raises(InvalidInput, match="at most"):
            report_message(
                session, message_id, world.alice.id, "abuse", "x" * (MAX_NOTE_LENGTH + 1), now=now
            )
    with database.read_session() as session:
        assert session.query(Report).count() == 0


def test_operators_list_reports_newest_first(
    database: Database, world: World, now: datetime, message_id: int
) -> None:
    with database.transaction() as session:
        other = post_message(
            session, world.room.id, world.alice.id, "x", origin=Origin.WEB, now=now
        ).id
        report_message(session, message_id, world.alice.id, "payment", "", now=now)
        report_message(session, other, world.bob.id, "contact", "", now=now)
    with database.read_session() as session:
        assert [r.message_id for r in list_reports(session, 10)] == [other, message_id]
        assert [r.message_id for r in list_reports(session, 1)] == [other]
