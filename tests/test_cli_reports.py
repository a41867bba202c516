"""`gateway report list|resolve|dismiss`, run as the real command on the test database."""

from __future__ import annotations

from datetime import datetime

import pytest

from gateway.core.messages import post_message
from gateway.core.reports import report_message
from gateway.core.rooms import add_member
from gateway.core.users import add_user
from gateway.store.database import Database
from gateway.store.models import Origin, Report, ReportReason, ReportState, Room

from cli_support import Cli
from support import World


@pytest.fixture
def report_ids(database: Database, world: World, now: datetime) -> list[int]:
    """Carol reported two of Bob's messages (the second note holds an escape sequence)."""
    with database.transaction() as session:
        carol = add_user(session, "carol@example.net", name="Carol Chen", now=now)
        add_member(session, session.get_one(Room, world.room.id), carol, now=now)
        ids = []
        for text, note in (("Pay me on PayPal", "Twice"), ("Mail me", "\x1b[31mred")):
            message = post_message(
                session, world.room.id, world.bob.id, text, origin=Origin.WEB, now=now
            )
            report = report_message(
                session, message.id, carol.id, ReportReason.OFF_PLATFORM_PAYMENT, note, now=now
            )
            ids.append(report.id)
        return ids


def _state(database: Database, report_id: int) -> Report:
    with database.read_session() as session:
        report = session.get_one(Report, report_id)
        session.expunge(report)
        return report


def test_report_list_shows_open_reports_one_a_line_newest_first(
    gateway_cli: Cli, world: World, report_ids: list[int]
) -> None:
    outcome = gateway_cli("report", "list")
    assert outcome.code == 0
    lines = outcome.out.splitlines()
    assert [line.split("\t")[0] for line in lines] == [str(i) for i in reversed(report_ids)]
    first = lines[1].split("\t")
    assert first[2:5] == ["open", "payment", f"room {world.room.id}"]
    assert first[6:] == ["carol@example.net", "Pay me on PayPal", "Twice"]
    # A note's escape sequence is shown, never sent to the terminal.
    assert "\x1b" not in outcome.out and "\\x1b[31mred" in lines[0]


def test_report_resolve_and_dismiss_close_reports(
    gateway_cli: Cli, database: Database, report_ids: list[int]
) -> None:
    assert (
        gateway_cli("report", "resolve", str(report_ids[0])).out == f"{report_ids[0]}: resolved\n"
    )
    assert (
        gateway_cli("report", "dismiss", str(report_ids[1])).out == f"{report_ids[1]}: dismissed\n"
    )
    resolved = _state(database, report_ids[0])
    assert resolved.state == ReportState.RESOLVED and resolved.handled_at is not None
    assert resolved.handled_by_id is None  # the command acts as an operator, not a user
    assert gateway_cli("report", "list").out == ""
    listed = gateway_cli("report", "list", "--state", "dismissed").out
    assert listed.startswith(f"{report_ids[1]}\t")


def test_handling_a_report_twice_or_an_unknown_one_is_refused(
    gateway_cli: Cli, report_ids: list[int]
) -> None:
    gateway_cli("report", "dismiss", str(report_ids[0]))
    again = gateway_cli("report", "resolve", str(report_ids[0]))
    assert again.code == 1 and "is dismissed already" in again.err
    unknown = gateway_cli("report", "resolve", "999999")
    assert unknown.code == 1 and "No report 999999" in unknown.err


def test_an_unknown_state_is_a_usage_error(gateway_cli: Cli) -> None:
    outcome = gateway_cli("report", "list", "--state", "pending")
    assert outcome.code == 2 and "unknown state 'pending'" in outcome.err
