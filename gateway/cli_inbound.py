"""The `gateway inbound` commands: what became of received mail, and replaying it.

Owns the arguments and output of `inbound list`, `inbound show`, `inbound retry` and
`inbound release` (the rules are gateway.inbound.records). Everything printed from a
received email is made safe for a terminal first: mail is written by strangers, and control
characters (escape sequences) in it must not drive the operator's terminal.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy.orm import Session

from gateway.cli_tables import escape_controls
from gateway.cli_types import positive_int
from gateway.inbound.intake import RAW_KEEP_LIMIT, IntakeResult
from gateway.inbound.records import get_inbound, list_inbound, release_inbound, retry_inbound
from gateway.process import intake_config, reply_keys
from gateway.settings import Settings
from gateway.store.models import InboundEmail, InboundOutcome

# The `gateway` command's unit of work: a committed session on an up-to-date database.
Transaction = Callable[[Settings], AbstractContextManager[Session]]
_RELATIVE = re.compile(r"(\d{1,6})([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
# C0 and C1 controls but newline and tab, and DEL: shown escaped, never sent to a terminal.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def add_inbound_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], transaction: Transaction
) -> None:
    """Add `inbound list|show|retry|release` to the `gateway` parser."""
    handlers = {
        "list": partial(_cmd_list, transaction=transaction),
        "show": partial(_cmd_show, transaction=transaction),
        "retry": partial(_cmd_replay, transaction=transaction, release=False),
        "release": partial(_cmd_replay, transaction=transaction, release=True),
    }
    inbound = commands.add_parser("inbound", help="received mail and what became of it")
    actions = inbound.add_subparsers(dest="inbound_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="received mail, newest first")
    listing.add_argument("--outcome", type=_outcome, help=f"one of {_OUTCOME_NAMES}")
    listing.add_argument(
        "--since", type=_since, help="an ISO date or time (UTC unless given), or 30m, 12h, 7d"
    )
    listing.add_argument(
        "--limit", type=positive_int, default=100, help="at most N emails (default: %(default)s)"
    )
    listing.set_defaults(handler=handlers["list"])
    for name, text in (
        ("show", "one received email: what was decided, then its kept bytes"),
        ("retry", "run a failed or refused email through intake again"),
        ("release", "post a held email after all (its sender really wrote it)"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument(
            "id", type=positive_int, help="the received email's id (see: gateway inbound list)"
        )
        action.set_defaults(handler=handlers[name])


def _cmd_list(args: argparse.Namespace, settings: Settings, *, transaction: Transaction) -> int:
    """One line a record: id, received (UTC), outcome, envelope, size, reason."""
    with transaction(settings) as session:
        records = list_inbound(session, outcome=args.outcome, since=args.since, limit=args.limit)
        for record in records:
            print(
                f"{record.id}\t{record.received_at:%Y-%m-%d %H:%M:%S}\t{record.outcome.value}\t"
                f"{_safe(record.mail_from) or '<>'} -> {_safe(record.rcpt_to)}\t{record.size}\t"
                f"{_safe(' '.join(record.reason.split()))}"
            )
    return 0


def _cmd_show(args: argparse.Namespace, settings: Settings, *, transaction: Transaction) -> int:
    with transaction(settings) as session:
        record = get_inbound(session, args.id)
        for label, value in _fields(record):
            print(f"{label}: {_safe(str(value))}")
        print()
        print(_safe(record.raw.decode("utf-8", "backslashreplace")))
    return 0


def _cmd_replay(
    args: argparse.Namespace, settings: Settings, *, transaction: Transaction, release: bool
) -> int:
    """Retry or release one record, and say what became of it."""
    config = intake_config(settings, reply_keys(settings))
    action = release_inbound if release else retry_inbound
    with transaction(settings) as session:
        result: IntakeResult = action(session, args.id, config, now=datetime.now(UTC))
    said = result.reason or (
        f"message {result.message_id}" if result.message_id else result.outcome.value
    )
    print(f"{args.id}: {result.outcome.value}: {_safe(' '.join(said.split()))}")
    return 0


def _fields(record: InboundEmail) -> list[tuple[str, object]]:
    return [
        ("id", record.id),
        ("received", f"{record.received_at:%Y-%m-%d %H:%M:%S} UTC"),
        ("outcome", record.outcome.value),
        ("reason", record.reason or "-"),
        ("from (envelope)", record.mail_from or "<>"),
        ("to (envelope)", record.rcpt_to),
        ("message-id", record.message_id_header or "-"),
        (
            "size",
            f"{record.size} bytes"
            + (f" (first {RAW_KEEP_LIMIT} bytes kept)" if record.raw_truncated else ""),
        ),
        ("room", record.room_id or "-"),
        ("user", record.user_id or "-"),
        ("message", record.message_id or "-"),
    ]


def _safe(text: str) -> str:
    return escape_controls(text, _UNSAFE)


_OUTCOME_NAMES = ", ".join(outcome.value for outcome in InboundOutcome)


def _outcome(text: str) -> InboundOutcome:
    try:
        return InboundOutcome(text.lower())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"unknown outcome {text!r}: use one of {_OUTCOME_NAMES}"
        ) from None


def _since(text: str) -> datetime:
    relative = _RELATIVE.fullmatch(text.strip())
    if relative:
        amount, unit = relative.groups()
        return datetime.now(UTC) - timedelta(**{_UNITS[unit]: int(amount)})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time: give 2026-12-01, 2026-12-01T09:30, or 30m, 12h, 7d"
        ) from None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
