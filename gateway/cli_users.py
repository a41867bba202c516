"""The `gateway user` commands: adding people, setting a password, listing who is there.

Owns the arguments and output of `user add`, `user set-password` and `user list`. The rules
are gateway.core.users (addresses, names) and gateway.core.signin (what a password must be);
a password is never taken as a command-line argument by set-password (it would sit in the
shell history and the process list): it is typed twice at a hidden prompt, or read from
standard input with --stdin.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from gateway.cli_tables import print_table
from gateway.core.errors import InvalidInput
from gateway.core.signin import set_password
from gateway.core.users import add_user, get_user_by_email, list_users
from gateway.settings import Settings
from gateway.store.models import AccountKind, User

# The `gateway` command's unit of work: a committed session on an up-to-date database.
Transaction = Callable[[Settings], AbstractContextManager[Session]]
PAGE = 200
PASSWORDS_DIFFER = "the two passwords differ; nothing was changed"


def add_user_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], transaction: Transaction
) -> None:
    """Add `user add|set-password|list` to the `gateway` parser."""
    user = commands.add_parser("user", help="add users, set passwords, list users").add_subparsers(
        dest="user_command", required=True, metavar="ACTION"
    )
    add = user.add_parser("add", help="add a user; prints their (normalized) address")
    add.add_argument("email", help="the user's email address (stored lowercase)")
    add.add_argument("--name", help="display name (default: the address's local part)")
    add.add_argument(
        "--password", help="a password to sign in with (better: user set-password afterwards)"
    )
    add.add_argument("--time-zone", default="UTC", help="IANA zone, e.g. Europe/Paris (UTC)")
    add.add_argument(
        "--account",
        choices=[k.value for k in AccountKind],
        default=AccountKind.FREELANCER.value,
        help="the kind of the user's first account (default: %(default)s)",
    )
    add.set_defaults(handler=lambda args, settings: _cmd_add(args, settings, transaction))

    password = user.add_parser(
        "set-password",
        help="give a user a new password (asked twice at a hidden prompt)",
        description="Set a user's password. It is asked for twice without echo; with --stdin "
        "it is read from the first line of standard input instead (for scripts).",
    )
    password.add_argument("email", help="the user's email address")
    password.add_argument(
        "--stdin", action="store_true", help="read the password from standard input's first line"
    )
    password.set_defaults(
        handler=lambda args, settings: _cmd_set_password(args, settings, transaction)
    )

    listing = user.add_parser("list", help="list users: id, email, name, state, accounts")
    listing.set_defaults(handler=lambda args, settings: _cmd_list(args, settings, transaction))


def _cmd_add(args: argparse.Namespace, settings: Settings, transaction: Transaction) -> int:
    with transaction(settings) as session:
        user = add_user(
            session,
            args.email,
            name=args.name,
            password=args.password,
            time_zone=args.time_zone,
            account_kind=AccountKind(args.account),
            now=datetime.now(UTC),
        )
        print(user.email)
    return 0


def _cmd_set_password(
    args: argparse.Namespace, settings: Settings, transaction: Transaction
) -> int:
    new_password = _read_password(from_stdin=args.stdin)
    with transaction(settings) as session:
        user = get_user_by_email(session, args.email)
        set_password(session, user.id, new_password)
        print(f"password set for {user.email}")
    return 0


def _read_password(*, from_stdin: bool) -> str:
    """The new password: standard input's first line (its line end dropped), or typed twice."""
    if from_stdin:
        return sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise InvalidInput(PASSWORDS_DIFFER)
    return first


def _cmd_list(args: argparse.Namespace, settings: Settings, transaction: Transaction) -> int:
    rows: list[list[str]] = []
    with transaction(settings) as session:
        after_id = 0
        while page := list_users(session, after_id=after_id, limit=PAGE):
            rows += [_user_row(user) for user in page]
            after_id = page[-1].id
    print_table(["ID", "EMAIL", "NAME", "STATE", "ACCOUNTS"], rows)
    return 0


def _user_row(user: User) -> list[str]:
    state = "deactivated" if user.deactivated_at is not None else "active"
    accounts = ",".join(a.kind.value for a in sorted(user.accounts, key=lambda a: a.id))
    return [str(user.id), user.email, user.display_name, state, accounts]
