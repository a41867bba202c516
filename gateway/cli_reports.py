"""The `gateway report` commands: reported messages, and resolving or dismissing them.

Owns the arguments and output of `report list [--state open|resolved|dismissed]`,
`report resolve ID` and `report dismiss ID`. The command acts as an operator (every report;
gateway.core.reports.COMMAND_LINE), so a handled report records no moderator user. Text that
members wrote (notes, excerpts) is made safe for a terminal first: control characters
(escape sequences) in it must not drive the operator's terminal.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from functools import partial

from sqlalchemy.orm import Session

from gateway.cli_tables import escape_controls
from gateway.cli_types import positive_int
from gateway.core.reports import COMMAND_LINE, handle_report, list_reports_for
from gateway.settings import Settings
from gateway.store.models import Report, ReportState

# The `gateway` command's unit of work: a committed session on an up-to-date database.
Transaction = Callable[[Settings], AbstractContextManager[Session]]
EXCERPT_LENGTH = 60
_STATE_NAMES = ", ".join(state.value for state in ReportState)


def add_report_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], transaction: Transaction
) -> None:
    """Add `report list|resolve|dismiss` to the `gateway` parser."""
    report = commands.add_parser("report", help="reported messages and their handling")
    actions = report.add_subparsers(dest="report_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="reports, newest first (open ones by default)")
    listing.add_argument(
        "--state", type=_state, default=ReportState.OPEN, help=f"one of {_STATE_NAMES}"
    )
    listing.add_argument("--limit", type=positive_int, default=100)
    listing.set_defaults(handler=partial(_cmd_list, transaction=transaction))
    for name, state, text in (
        ("resolve", ReportState.RESOLVED, "mark a report handled: you acted on it"),
        ("dismiss", ReportState.DISMISSED, "close a report: there is nothing to act on"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("id", type=positive_int)
        action.set_defaults(handler=partial(_cmd_handle, transaction=transaction, state=state))


def _cmd_list(args: argparse.Namespace, settings: Settings, *, transaction: Transaction) -> int:
    """One line a report: id, reported (UTC), state, reason, room, message, reporter,
    the message's first words, and the reporter's note."""
    with transaction(settings) as session:
        for report in list_reports_for(session, COMMAND_LINE, state=args.state, limit=args.limit):
            print(_line(report))
    return 0


def _cmd_handle(
    args: argparse.Namespace, settings: Settings, *, transaction: Transaction, state: ReportState
) -> int:
    with transaction(settings) as session:
        report = handle_report(session, args.id, COMMAND_LINE, state, now=datetime.now(UTC))
        print(f"{report.id}: {report.state.value}")
    return 0


def _line(report: Report) -> str:
    message = report.message
    excerpt = "(deleted)" if message.deleted_at else " ".join(message.body_source.split())
    if len(excerpt) > EXCERPT_LENGTH:
        excerpt = excerpt[: EXCERPT_LENGTH - 1] + "…"
    fields = (
        str(report.id),
        f"{report.created_at:%Y-%m-%d %H:%M:%S}",
        report.state.value,
        report.reason.value,
        f"room {message.room_id}",
        f"message {message.id}",
        report.reporter.email,
        excerpt,
        " ".join(report.note.split()) or "-",
    )
    # Every control escaped, line breaks too: one report a line.
    return "\t".join(escape_controls(field) for field in fields)


def _state(text: str) -> ReportState:
    try:
        return ReportState(text.lower())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"unknown state {text!r}: use one of {_STATE_NAMES}"
        ) from None
