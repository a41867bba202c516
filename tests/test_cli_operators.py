"""An operator's first minutes with `gateway`: setting a password, listing users, rooms and
members, what the help says, one line for every change, and the refusal to remove a room's
owner. Driven through the real CLI (the `gateway_cli` fixture) on the test database."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from flask.testing import FlaskClient

from gateway.core.users import add_account, deactivate_user
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import AccountKind
from gateway.web.app import create_app

from cli_support import Cli, Outcome
from support import World
from web_support import csrf_token

NEW_PASSWORD = "a long new passphrase"


def _signs_in(settings: Settings, database: Database, email: str, password: str) -> bool:
    """Whether the sign-in page lets `email` in with `password`."""
    client: FlaskClient = create_app(settings, database).test_client()
    form = {"email": email, "password": password, "csrf_token": csrf_token(client, "/sign-in")}
    return client.post("/sign-in", data=form).status_code == 302


def _refused(outcome: Outcome, fragment: str) -> None:
    """Exit 1, nothing on stdout, one `error: ...` line naming the reason."""
    assert outcome.code == 1
    assert outcome.out == ""
    assert outcome.err.startswith("error: ") and len(outcome.err.splitlines()) == 1
    assert fragment in outcome.err


def _table(out: str) -> list[list[str]]:
    """The printed table's rows (header first), cells split on the column gaps."""
    return [
        [cell.strip() for cell in line.split("  ") if cell.strip()] for line in out.splitlines()
    ]


# --- user set-password ---------------------------------------------------------------------


def test_set_password_from_stdin_lets_the_user_sign_in_with_it(
    gateway_cli: Cli,
    world: World,
    settings: Settings,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))

    outcome = gateway_cli("user", "set-password", "BOB@example.org", "--stdin")

    assert outcome == Outcome(0, "password set for bob@example.org\n", "")
    assert _signs_in(settings, database, "bob@example.org", NEW_PASSWORD)
    assert not _signs_in(settings, database, "bob@example.org", NEW_PASSWORD + "\n")


def test_set_password_asks_twice_and_refuses_when_the_two_differ(
    gateway_cli: Cli,
    world: World,
    settings: Settings,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prompts: list[str] = []
    typed = iter([NEW_PASSWORD, NEW_PASSWORD + "x", NEW_PASSWORD, NEW_PASSWORD])

    def getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(typed)

    monkeypatch.setattr("getpass.getpass", getpass)

    _refused(gateway_cli("user", "set-password", "bob@example.org"), "differ")
    assert not _signs_in(settings, database, "bob@example.org", NEW_PASSWORD)

    assert gateway_cli("user", "set-password", "bob@example.org").code == 0
    assert prompts == ["New password: ", "Repeat it: "] * 2
    assert _signs_in(settings, database, "bob@example.org", NEW_PASSWORD)


def test_set_password_applies_the_sign_in_password_rules(
    gateway_cli: Cli, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    _refused(gateway_cli("user", "set-password", "bob@example.org", "--stdin"), "at least 10")


def test_set_password_of_an_unknown_user_is_refused(
    gateway_cli: Cli, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    _refused(gateway_cli("user", "set-password", "nobody@example.net", "--stdin"), "no user")


# --- listings ------------------------------------------------------------------------------


def test_user_list_is_a_table_of_id_email_name_state_and_accounts(
    gateway_cli: Cli, world: World, database: Database, now: datetime
) -> None:
    with database.transaction() as session:
        add_account(session, world.alice.id, AccountKind.CLIENT)
        deactivate_user(session, world.bob.id, now=now)

    outcome = gateway_cli("user", "list")

    assert outcome.code == 0 and outcome.err == ""
    assert _table(outcome.out) == [
        ["ID", "EMAIL", "NAME", "STATE", "ACCOUNTS"],
        [str(world.alice.id), "alice@example.com", "Alice Archer", "active", "freelancer,client"],
        [str(world.bob.id), "bob@example.org", "Bob Baker", "deactivated", "freelancer"],
    ]


def test_room_list_shows_kind_title_owner_member_count_and_last_message(
    gateway_cli: Cli, world: World
) -> None:
    room = str(world.room.id)
    quiet = gateway_cli(
        "room", "create", "Quiet corner", "--owner", "bob@example.org", "--kind", "direct"
    )
    assert gateway_cli("post", room, "--as", "alice@example.com", "Hello").code == 0

    rows = _table(gateway_cli("room", "list").out)

    assert rows[0] == ["ID", "KIND", "TITLE", "OWNER", "MEMBERS", "LAST MESSAGE"]
    first, second = rows[1:]
    assert first[:5] == [room, "group", "Website redesign", "alice@example.com", "2"]
    assert len(first) == 6 and first[5][:2] == "20" and len(first[5]) == len("2026-11-23 09:30")
    assert second == [quiet.out.strip(), "direct", "Quiet corner", "bob@example.org", "1", "-"]


def test_room_members_lists_each_member_with_role_state_and_joined(
    gateway_cli: Cli, world: World, database: Database, now: datetime
) -> None:
    room = str(world.room.id)
    assert gateway_cli("user", "add", "carol@example.net", "--name", "Carol Chen").code == 0
    assert gateway_cli("room", "add-member", room, "carol@example.net", "--role", "admin").code == 0
    assert gateway_cli("room", "remove-member", room, "bob@example.org").code == 0

    outcome = gateway_cli("room", "members", room)

    joined = now.strftime("%Y-%m-%d %H:%M")
    rows = _table(outcome.out)
    assert rows[0] == ["USER", "NAME", "ROLE", "STATE", "JOINED"]
    assert rows[1] == ["alice@example.com", "Alice Archer", "owner", "active", joined]
    assert rows[2] == ["bob@example.org", "Bob Baker", "member", "left", joined]
    assert rows[3][:4] == ["carol@example.net", "Carol Chen", "admin", "active"]
    _refused(gateway_cli("room", "members", "999999"), "no room 999999")


# --- changes say what they did; the owner stays --------------------------------------------


def test_each_change_prints_one_line_saying_what_it_did(gateway_cli: Cli, world: World) -> None:
    room = str(world.room.id)
    assert gateway_cli("user", "add", "carol@example.net").out == "carol@example.net\n"
    changes = {
        ("room", "add-member", room, "carol@example.net"): (
            f"carol@example.net is in room {room} as member"
        ),
        ("room", "remove-member", room, "carol@example.net"): (
            f"removed carol@example.net from room {room}"
        ),
    }
    for argv, said in changes.items():
        assert gateway_cli(*argv) == Outcome(0, said + "\n", "")
    assert gateway_cli("api-key", "create", "marketplace").code == 0
    revoked = gateway_cli("api-key", "revoke", "marketplace")
    assert revoked == Outcome(0, "revoked API key marketplace\n", "")


def test_removing_the_rooms_owner_is_refused_and_the_room_keeps_its_owner(
    gateway_cli: Cli, world: World
) -> None:
    room = str(world.room.id)

    _refused(gateway_cli("room", "remove-member", room, "alice@example.com"), "owner")

    rows = _table(gateway_cli("room", "members", room).out)
    assert rows[1][:4] == ["alice@example.com", "Alice Archer", "owner", "active"]


# --- help ----------------------------------------------------------------------------------


def test_top_level_help_points_to_the_settings_table_and_environment(gateway_cli: Cli) -> None:
    outcome = gateway_cli("--help")
    assert outcome.code == 0
    text = " ".join(outcome.out.split())
    assert "GATEWAY_*" in text and "Configuration" in text and "README" in text


@pytest.mark.parametrize(
    ("argv", "explained"),
    [
        (["room", "add-member"], ["numeric id", "default: member"]),
        (["room", "remove-member"], ["numeric id", "owner"]),
        (["room", "members"], ["numeric id"]),
        (["room", "create"], ["repeat", "default: group", "owner's email"]),
        (["user", "set-password"], ["--stdin", "twice"]),
        (["user", "add"], ["default: freelancer"]),
        (["post"], ["numeric id", "author's email"]),
        (["messages"], ["numeric id"]),
        (["reply-address"], ["numeric id"]),
        (["inbound", "retry"], ["received email's id"]),
    ],
)
def test_subcommand_help_says_what_each_argument_is(
    gateway_cli: Cli, argv: list[str], explained: list[str]
) -> None:
    outcome = gateway_cli(*argv, "--help")
    assert outcome.code == 0
    text = " ".join(outcome.out.split())
    for words in explained:
        assert words in text
