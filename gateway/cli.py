"""The `gateway` command: run the service and administer users, rooms and messages.

Owns the top-level parser, the exit codes and the commands not grouped elsewhere (serve,
db, reply-address, post, messages, alert, api-key, deliver, inspect-email); the `user`,
`room` and `inbound` commands live in gateway.cli_users, gateway.cli_rooms and
gateway.cli_inbound. Each command opens one unit of work, calls one core function and maps
domain errors to a message on stderr and a non-zero exit: 1 for a refused request (unknown
room, invalid address, removing a room's owner...), 2 for bad settings or usage (a title or
name given with control characters or line breaks is bad usage: UnsafeText). A command that
changes something prints one line saying what it did (or the new thing's id, for scripts).
JSON output (`messages --json`, `inspect-email`) is documented in the README and stable.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gateway.cli_inbound import add_inbound_commands
from gateway.cli_reports import add_report_commands
from gateway.cli_rooms import ROOM_HELP, add_room_commands
from gateway.cli_types import positive_int
from gateway.cli_users import add_user_commands
from gateway.core.alerts import create_alert
from gateway.core.api_keys import create_api_key, list_api_keys, revoke_api_key
from gateway.core.errors import DomainError, UnsafeText
from gateway.core.messages import list_messages, post_message
from gateway.core.reply_addresses import reply_address
from gateway.core.rooms import get_active_membership, get_room
from gateway.core.users import get_user_by_email
from gateway.inbound.dry_run import decide_without_posting
from gateway.inbound.inspection import inspect_email
from gateway.inbound.preparation import Envelope
from gateway.outbound.worker import run_outbound_once
from gateway.process import (
    Parts,
    configure_logging,
    intake_config,
    open_database,
    reply_keys,
    serve,
)
from gateway.settings import Settings, SettingsError
from gateway.store.database import Database
from gateway.store.migrate import upgrade
from gateway.store.models import AlertCategory, Message, Origin

EXIT_REFUSED = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(verbose=args.command in {"serve", "smtp", "imap", "web", "worker"})
    try:
        if args.command == "inspect-email" and args.rcpt is None:
            return cmd_inspect_email(args, None)
        settings = Settings.from_environ()
        handler: Callable[[argparse.Namespace, Settings], int] = args.handler
        return handler(args, settings)
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except UnsafeText as error:
        # Text given on the command line that no title or name may hold: nothing was written.
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except DomainError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REFUSED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gateway",
        description="Email-first messaging gateway: rooms whose members read and reply by email.",
        epilog="Settings come from GATEWAY_* environment variables (GATEWAY_DATABASE_URL, "
        "GATEWAY_SECRET_KEY, GATEWAY_MAIL_DOMAIN, GATEWAY_BASE_URL ...): see the table in the "
        "README's \"Configuration\" section. Run `gateway COMMAND -h` for a command's arguments.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, parts, text in (
        ("serve", Parts(), "run SMTP intake, outbound delivery and the web app in one process"),
        ("smtp", Parts(web=False, worker=False, imap=False), "run only the SMTP listener"),
        ("imap", Parts(smtp=False, web=False, worker=False), "run only the IMAP readers"),
        ("web", Parts(smtp=False, worker=False, imap=False), "run only the web app"),
        ("worker", Parts(smtp=False, web=False, imap=False), "run only outbound delivery"),
    ):
        command = commands.add_parser(name, help=text)
        command.set_defaults(handler=cmd_serve, parts=parts)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True, metavar="ACTION"
    )
    db.add_parser("upgrade", help="apply every migration").set_defaults(handler=cmd_db_upgrade)

    add_user_commands(commands, _transaction)
    add_room_commands(commands, _transaction)

    address = commands.add_parser("reply-address", help="print a member's reply address")
    address.add_argument("room", type=int, help=ROOM_HELP)
    address.add_argument("email", help="the member's email address")
    address.set_defaults(handler=cmd_reply_address)

    post = commands.add_parser("post", help="post a message as a member")
    post.add_argument("room", type=int, help=ROOM_HELP)
    post.add_argument(
        "--as", dest="author", required=True, metavar="EMAIL", help="the author's email address"
    )
    post.add_argument("text", help="the message (Markdown)")
    post.set_defaults(handler=cmd_post)

    messages = commands.add_parser("messages", help="print a room's messages")
    messages.add_argument("room", type=int, help=ROOM_HELP)
    messages.add_argument("--json", action="store_true", help="the README's stable JSON shape")
    messages.add_argument("--limit", type=positive_int, help="only the newest N messages")
    messages.set_defaults(handler=cmd_messages)

    alert = commands.add_parser("alert", help="Message Center alerts").add_subparsers(
        dest="alert_command", required=True, metavar="ACTION"
    )
    alert_send = alert.add_parser(
        "send", help="put an Account Alert (or an Update) in a user's inbox; prints its id"
    )
    alert_send.add_argument("email", help="the recipient's email address")
    alert_send.add_argument("--title", required=True, help="one line")
    alert_send.add_argument("--body", default="", help="Markdown")
    alert_send.add_argument("--link", help="an http(s) URL or a path on this site")
    alert_send.add_argument("--update", action="store_true", help="an Update, not an Alert")
    alert_send.add_argument(
        "--financial", action="store_true", help="a payment alert (cannot be switched off)"
    )
    alert_send.set_defaults(handler=cmd_alert_send)

    api_key = commands.add_parser("api-key", help="keys to the platform API").add_subparsers(
        dest="api_key_command", required=True, metavar="ACTION"
    )
    api_key_create = api_key.add_parser("create", help="make a key; prints it, once")
    api_key_create.add_argument("name", help="who or what uses it, e.g. the platform's name")
    api_key_create.set_defaults(handler=cmd_api_key_create)
    api_key.add_parser("list", help="list keys (never their secrets)").set_defaults(
        handler=cmd_api_key_list
    )
    api_key_revoke = api_key.add_parser("revoke", help="stop a key working at once")
    api_key_revoke.add_argument("name", help="the name it was created with")
    api_key_revoke.set_defaults(handler=cmd_api_key_revoke)

    deliver = commands.add_parser("deliver", help="compose and deliver due email once")
    deliver.set_defaults(handler=cmd_deliver)

    add_inbound_commands(commands, _transaction)
    add_report_commands(commands, _transaction)

    inspect = commands.add_parser("inspect-email", help="show how an email would be read")
    inspect.add_argument("file", type=Path, help="a raw RFC 5322 message, or - for stdin")
    inspect.add_argument("--mail-from", help="the envelope sender, if known")
    inspect.add_argument(
        "--rcpt",
        metavar="ADDRESS",
        help="a reply address: also say what intake would decide for the email sent there "
        "(the room's rules, the sender check, the SMTP reply), storing and posting nothing",
    )
    inspect.set_defaults(handler=cmd_inspect_email)
    return parser


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    serve(settings, args.parts)
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_url)
    upgrade(database)
    database.dispose()
    print("database is up to date")
    return 0


def cmd_reply_address(args: argparse.Namespace, settings: Settings) -> int:
    with _transaction(settings) as session:
        user = get_user_by_email(session, args.email)
        membership = get_active_membership(session, get_room(session, args.room).id, user.id)
        print(reply_address(membership, reply_keys(settings), settings.mail_domain))
    return 0


def cmd_post(args: argparse.Namespace, settings: Settings) -> int:
    with _transaction(settings) as session:
        message = post_message(
            session,
            get_room(session, args.room).id,
            get_user_by_email(session, args.author).id,
            args.text,
            origin=Origin.API,
            now=_now(),
        )
        print(message.id)
    return 0


def cmd_messages(args: argparse.Namespace, settings: Settings) -> int:
    database = open_database(settings)
    with database.read_session() as session:
        messages = list_messages(session, get_room(session, args.room), limit=args.limit)
        rows = [message_json(message) for message in messages]
    database.dispose()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            print(f"#{row['id']} {row['created_at']} {row['author']} ({row['origin']}):")
            print("  " + row["body"].replace("\n", "\n  "))
    return 0


def cmd_alert_send(args: argparse.Namespace, settings: Settings) -> int:
    with _transaction(settings) as session:
        alert = create_alert(
            session,
            get_user_by_email(session, args.email).id,
            category=AlertCategory.UPDATE if args.update else AlertCategory.ALERT,
            title=args.title,
            body=args.body,
            link=args.link,
            financial=args.financial,
            now=_now(),
        )
        print(alert.id)
    return 0


def cmd_api_key_create(args: argparse.Namespace, settings: Settings) -> int:
    with _transaction(settings) as session:
        _key, secret = create_api_key(session, args.name, now=_now())
    # The secret alone on stdout (for scripts); it is not stored and cannot be shown again.
    print(secret)
    print("Keep this key now: it cannot be shown again.", file=sys.stderr)
    return 0


def cmd_api_key_list(args: argparse.Namespace, settings: Settings) -> int:
    with _transaction(settings) as session:
        for key in list_api_keys(session):
            used = key.last_used_at.isoformat() if key.last_used_at else "never used"
            state = f"revoked {key.revoked_at.isoformat()}" if key.revoked_at else "live"
            print(f"{key.name}\t{key.prefix}…\t{state}\tlast used: {used}")
    return 0


def cmd_api_key_revoke(args: argparse.Namespace, settings: Settings) -> int:
    with _transaction(settings) as session:
        revoke_api_key(session, args.name, now=_now())
        print(f"revoked API key {args.name}")
    return 0


def cmd_deliver(args: argparse.Namespace, settings: Settings) -> int:
    database = open_database(settings)
    composed, report = run_outbound_once(database, settings, reply_keys(settings), now=_now())
    database.dispose()
    print(
        f"composed {composed}, sent {report.sent}, retrying {report.retried}, "
        f"failed {report.failed}"
    )
    return 0


def cmd_inspect_email(args: argparse.Namespace, settings: Settings | None) -> int:
    """How the email is read; with --rcpt (and so the settings), what intake would decide."""
    try:
        raw = sys.stdin.buffer.read() if str(args.file) == "-" else args.file.read_bytes()
    except OSError as error:
        print(f"error: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return EXIT_REFUSED
    shown = inspect_email(raw, args.mail_from)
    if settings is not None:
        sender = (shown["from"] or "") if args.mail_from is None else args.mail_from
        database = open_database(settings)
        try:
            shown["decision"] = decide_without_posting(
                database,
                raw,
                Envelope(sender, args.rcpt),
                intake_config(settings, reply_keys(settings)),
                now=_now(),
            )
        finally:
            database.dispose()
    print(json.dumps(shown, indent=2, ensure_ascii=False))
    return 0


def message_json(message: Message) -> dict[str, Any]:
    """The stable JSON shape of one message (README: "messages --json")."""
    return {
        "id": message.id,
        "room_id": message.room_id,
        "author": message.author.email if message.author else None,
        "author_name": message.author.display_name if message.author else None,
        "origin": message.origin.value,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "parent_id": message.parent_id,
        "body": message.body_source,
        "html": message.body_html,
        "quoted_text": message.quoted_text,
        "attachments": [
            {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in message.attachments
        ],
    }


@contextmanager
def _transaction(settings: Settings) -> Iterator[Session]:
    """A committed unit of work on an up-to-date database, disposed afterwards."""
    database = open_database(settings)
    try:
        with database.transaction() as session:
            yield session
    finally:
        database.dispose()


def _now() -> datetime:
    return datetime.now(UTC)


if __name__ == "__main__":
    sys.exit(main())
