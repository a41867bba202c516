"""The `gateway` command: output formats, exit codes and stderr, driven in-process through
`gateway.cli.main` on the test database (plus one run of the real entry point)."""

from __future__ import annotations

import io
import json
import mailbox
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.cli import main
from gateway.core.api_keys import find_api_key
from gateway.core.reply_addresses import ReplyKeys, resolve_reply_address
from gateway.core.rooms import find_membership, list_active_members
from gateway.core.users import add_user, find_user_by_email
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.migrate import is_up_to_date
from gateway.store.models import Message, Role, Room, RoomKind

from cli_support import Cli, Outcome, clear_gateway_environment, cli_for
from support import MAIL_DOMAIN, World, reply_email

DATA = Path(__file__).parent / "data"

MESSAGE_KEYS = {
    "id",
    "room_id",
    "author",
    "author_name",
    "origin",
    "created_at",
    "edited_at",
    "parent_id",
    "body",
    "html",
    "quoted_text",
    "attachments",
}
INSPECT_KEYS = {
    "from",
    "from_name",
    "to",
    "cc",
    "subject",
    "message_id",
    "in_reply_to",
    "references",
    "automated",
    "bounce",
    "reply_text",
    "elided_text",
    "attachments",
    "defects",
}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "cli-data"


@pytest.fixture
def gateway(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    settings: Settings,
    data_dir: Path,
) -> Cli:
    """`gateway` pointed at the test database, with the test secret and mail domain."""
    return cli_for(monkeypatch, capsys, settings, data_dir)


def _add_carol(database: Database, now: datetime) -> None:
    with database.transaction() as session:
        add_user(session, "carol@example.net", name="Carol Chen", now=now)


def _room_member_roles(database: Database, room_id: int) -> dict[str, Role]:
    with database.read_session() as session:
        return {m.user.email: m.role for m in list_active_members(session, room_id)}


def _assert_refused(outcome: Outcome, *fragments: str) -> None:
    """Exit 1, nothing on stdout, one `error: ...` line on stderr containing `fragments`."""
    assert outcome.code == 1
    assert outcome.out == ""
    assert outcome.err.startswith("error: ")
    assert len(outcome.err.strip().splitlines()) == 1
    for fragment in fragments:
        assert fragment in outcome.err


def _parse_email(raw: bytes) -> EmailMessage:
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


# --- users ---------------------------------------------------------------------------------


def test_user_add_prints_the_normalized_address_and_stores_the_user(
    gateway: Cli, database: Database
) -> None:
    outcome = gateway("user", "add", "  Carol.Chen@Example.NET ", "--name", "Carol Chen")

    assert outcome == Outcome(0, "carol.chen@example.net\n", "")
    with database.read_session() as session:
        user = find_user_by_email(session, "carol.chen@example.net")
        assert user is not None
        assert user.display_name == "Carol Chen"


def test_user_add_refuses_a_duplicate_address_with_exit_1(gateway: Cli) -> None:
    assert gateway("user", "add", "carol@example.net").code == 0

    outcome = gateway("user", "add", "CAROL@example.net", "--name", "Another Carol")

    _assert_refused(outcome, "carol@example.net", "already exists")


def test_user_add_refuses_an_invalid_address_with_exit_1(gateway: Cli) -> None:
    _assert_refused(gateway("user", "add", "not-an-address"), "not a valid email address")


# --- rooms and members ---------------------------------------------------------------------


def test_room_create_prints_the_room_id_and_adds_every_member_with_the_kind(
    gateway: Cli, database: Database, world: World, now: datetime
) -> None:
    _add_carol(database, now)

    outcome = gateway(
        "room",
        "create",
        "Hiring: backend",
        "--owner",
        "alice@example.com",
        "--member",
        "bob@example.org",
        "--member",
        "Carol@Example.net",
        "--kind",
        "interview",
    )

    assert outcome.code == 0 and outcome.err == ""
    room_id = int(outcome.out)
    assert outcome.out == f"{room_id}\n"
    with database.read_session() as session:
        room = session.get(Room, room_id)
        assert room is not None
        assert (room.title, room.kind) == ("Hiring: backend", RoomKind.INTERVIEW)
    assert _room_member_roles(database, room_id) == {
        "alice@example.com": Role.OWNER,
        "bob@example.org": Role.MEMBER,
        "carol@example.net": Role.MEMBER,
    }


def test_room_create_defaults_to_a_group_room(
    gateway: Cli, database: Database, world: World
) -> None:
    outcome = gateway("room", "create", "Lunch", "--owner", "alice@example.com")

    assert outcome.code == 0
    with database.read_session() as session:
        room = session.get(Room, int(outcome.out))
        assert room is not None and room.kind == RoomKind.GROUP
    assert _room_member_roles(database, int(outcome.out)) == {"alice@example.com": Role.OWNER}


def test_room_create_with_an_unknown_member_creates_nothing(
    gateway: Cli, database: Database, world: World
) -> None:
    outcome = gateway(
        "room", "create", "Ghosts", "--owner", "alice@example.com", "--member", "nobody@example.net"
    )

    _assert_refused(outcome, "nobody@example.net")
    with database.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Room)) == 1  # the world's only


def test_room_add_member_then_remove_member_changes_the_membership(
    gateway: Cli, database: Database, world: World, now: datetime
) -> None:
    _add_carol(database, now)
    room = str(world.room.id)

    added = gateway("room", "add-member", room, "carol@example.net", "--role", "admin")

    assert added == Outcome(0, f"carol@example.net is in room {room} as admin\n", "")
    assert _room_member_roles(database, world.room.id)["carol@example.net"] == Role.ADMIN

    removed = gateway("room", "remove-member", room, "carol@example.net")

    assert removed == Outcome(0, f"removed carol@example.net from room {room}\n", "")
    assert "carol@example.net" not in _room_member_roles(database, world.room.id)
    with database.read_session() as session:
        user = find_user_by_email(session, "carol@example.net")
        assert user is not None
        membership = find_membership(session, world.room.id, user.id)
        assert membership is not None and membership.left_at is not None
    # Leaving revokes the reply address, and leaving twice is refused.
    _assert_refused(gateway("reply-address", room, "carol@example.net"), "not a member")
    _assert_refused(gateway("room", "remove-member", room, "carol@example.net"), "not a member")


# --- reply addresses -----------------------------------------------------------------------


def test_reply_address_prints_the_members_own_address_at_the_mail_domain(
    gateway: Cli, database: Database, world: World, keys: ReplyKeys
) -> None:
    outcome = gateway("reply-address", str(world.room.id), "bob@example.org")

    assert outcome.code == 0 and outcome.err == ""
    address = outcome.out.strip()
    assert outcome.out == f"{address}\n"
    assert address.endswith(f"@{MAIL_DOMAIN}")
    with database.read_session() as session:
        target = resolve_reply_address(session, address, keys, MAIL_DOMAIN)
    assert (target.room_id, target.user_id) == (world.room.id, world.bob.id)
    # Each member has an address of their own.
    alice = gateway("reply-address", str(world.room.id), "alice@example.com").out.strip()
    assert alice != address


def test_reply_address_refuses_a_non_member(
    gateway: Cli, database: Database, world: World, now: datetime
) -> None:
    _add_carol(database, now)

    outcome = gateway("reply-address", str(world.room.id), "carol@example.net")

    _assert_refused(outcome, "not a member")


# --- posting and reading -------------------------------------------------------------------


def test_post_then_messages_json_has_exactly_the_documented_shape(
    gateway: Cli, world: World
) -> None:
    before = datetime.now(UTC)
    posted = gateway(
        "post", str(world.room.id), "--as", "Alice@Example.com", "Can we **ship on Friday**?"
    )
    assert posted.code == 0 and posted.err == ""
    message_id = int(posted.out)

    outcome = gateway("messages", str(world.room.id), "--json")

    assert outcome.code == 0 and outcome.err == ""
    rows = json.loads(outcome.out)
    assert isinstance(rows, list) and len(rows) == 1
    [row] = rows
    assert set(row) == MESSAGE_KEYS
    assert row["id"] == message_id
    assert row["room_id"] == world.room.id
    assert row["author"] == "alice@example.com"
    assert row["author_name"] == "Alice Archer"
    assert row["origin"] == "api"
    assert row["body"] == "Can we **ship on Friday**?"
    assert "<strong>ship on Friday</strong>" in row["html"]
    assert (row["edited_at"], row["parent_id"], row["quoted_text"]) == (None, None, None)
    assert row["attachments"] == []
    created_at = datetime.fromisoformat(row["created_at"])
    assert created_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= created_at <= datetime.now(UTC)


def test_messages_limit_gives_the_newest_messages_oldest_first(gateway: Cli, world: World) -> None:
    room = str(world.room.id)
    for text in ("first", "second", "third"):
        assert gateway("post", room, "--as", "alice@example.com", text).code == 0

    limited = json.loads(gateway("messages", room, "--json", "--limit", "2").out)
    everything = json.loads(gateway("messages", room, "--json").out)

    assert [row["body"] for row in limited] == ["second", "third"]
    assert [row["body"] for row in everything] == ["first", "second", "third"]
    assert [row["id"] for row in everything] == sorted(row["id"] for row in everything)


def test_messages_without_json_prints_a_readable_history(
    gateway: Cli, database: Database, world: World
) -> None:
    room = str(world.room.id)
    first = int(gateway("post", room, "--as", "alice@example.com", "Ship on Friday?").out)
    second = int(gateway("post", room, "--as", "bob@example.org", "Friday works.\nSee you").out)

    outcome = gateway("messages", room)

    assert outcome.code == 0 and outcome.err == ""
    with database.read_session() as session:
        created = {m.id: m.created_at.isoformat() for m in session.scalars(select(Message))}
    assert outcome.out == (
        f"#{first} {created[first]} alice@example.com (api):\n"
        "  Ship on Friday?\n"
        f"#{second} {created[second]} bob@example.org (api):\n"
        "  Friday works.\n"
        "  See you\n"
    )


def test_post_by_a_non_member_is_refused(
    gateway: Cli, database: Database, world: World, now: datetime
) -> None:
    _add_carol(database, now)

    outcome = gateway("post", str(world.room.id), "--as", "carol@example.net", "hello")

    _assert_refused(outcome, "only members")
    assert json.loads(gateway("messages", str(world.room.id), "--json").out) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["messages", "999999"],
        ["messages", "999999", "--json"],
        ["post", "999999", "--as", "alice@example.com", "hello"],
        ["reply-address", "999999", "alice@example.com"],
        ["room", "add-member", "999999", "bob@example.org"],
        ["room", "remove-member", "999999", "bob@example.org"],
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_unknown_room_is_refused_with_exit_1(gateway: Cli, world: World, argv: list[str]) -> None:
    _assert_refused(gateway(*argv), "no room 999999")


def test_messages_refuses_a_negative_limit_as_a_usage_error(
    gateway: Cli, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    room = str(world.room.id)
    for text in ("first", "second"):
        assert gateway("post", room, "--as", "alice@example.com", text).code == 0
    capsys.readouterr()

    with pytest.raises(SystemExit) as exited:
        main(["messages", room, "--json", "--limit", "-1"])

    assert exited.value.code == 2
    assert capsys.readouterr().out == ""


def test_bad_setting_exits_2_with_one_line_naming_the_variable(
    gateway: Cli, monkeypatch: pytest.MonkeyPatch, world: World
) -> None:
    monkeypatch.setenv("GATEWAY_SMTP_PORT", "abc")

    outcome = gateway("messages", str(world.room.id))

    assert outcome.code == 2
    assert outcome.out == ""
    assert len(outcome.err.strip().splitlines()) == 1
    assert "GATEWAY_SMTP_PORT" in outcome.err and "'abc'" in outcome.err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["room", "create", "No owner"])

    assert exited.value.code == 2
    assert "--owner" in capsys.readouterr().err


# --- inspect-email -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "automated", "bounce", "reply_text"),
    [
        (
            "gmail_reply.eml",
            None,
            None,
            "Looks great — ship it. One nit: the hero image is a bit dark on mobile.",
        ),
        (
            "exchange_ooo.eml",
            {"reason": "auto-submitted: auto-generated"},
            None,
            "I am out of the office until 10 June with limited access to email.\n"
            "For urgent matters please contact design-team@contoso.com.",
        ),
    ],
)
def test_inspect_email_prints_the_documented_json(
    gateway: Cli,
    fixture: str,
    automated: dict[str, str] | None,
    bounce: dict[str, object] | None,
    reply_text: str,
) -> None:
    outcome = gateway("inspect-email", str(DATA / fixture))

    assert outcome.code == 0 and outcome.err == ""
    report = json.loads(outcome.out)
    assert set(report) == INSPECT_KEYS
    assert report["automated"] == automated
    assert report["bounce"] == bounce
    assert report["reply_text"] == reply_text
    assert report["attachments"] == [] and report["defects"] == []


def test_inspect_email_trims_the_quoted_history_of_a_reply(gateway: Cli) -> None:
    report = json.loads(gateway("inspect-email", str(DATA / "gmail_reply.eml")).out)

    assert report["from"] == "alice.example@gmail.com"
    assert report["from_name"] == "Alice Example"
    assert report["to"] == ["reply+k7hq2mz4@gateway.example"]
    assert report["in_reply_to"] == ["msg-1001.r42@gateway.example"]
    assert report["references"] == ["room-42@gateway.example", "msg-1001.r42@gateway.example"]
    assert "wrote:" not in report["reply_text"] and ">" not in report["reply_text"]
    assert "> Here are the new homepage mockups." in report["elided_text"]


def test_inspect_email_reports_a_permanent_bounce(gateway: Cli) -> None:
    report = json.loads(gateway("inspect-email", str(DATA / "dsn_permanent.eml")).out)

    assert set(report) == INSPECT_KEYS
    assert report["bounce"] == {
        "recipient": "old.member@example.net",
        "status": "5.1.1",
        "permanent": True,
    }
    assert report["automated"] is not None


def test_inspect_email_of_a_missing_file_is_refused_with_exit_1(
    gateway: Cli, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.eml"

    _assert_refused(gateway("inspect-email", str(missing)), "cannot read", str(missing))


def test_inspect_email_reads_standard_input_and_honours_mail_from(
    gateway: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = reply_email(
        "Bob Baker <bob@example.org>",
        f"someone@{MAIL_DOMAIN}",
        "Friday works for me.\n\nOn Mon, Alice wrote:\n> Can we ship on Friday?\n",
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))

    report = json.loads(gateway("inspect-email", "-").out)

    assert set(report) == INSPECT_KEYS
    assert (report["from"], report["from_name"]) == ("bob@example.org", "Bob Baker")
    assert report["to"] == [f"someone@{MAIL_DOMAIN}"]
    assert report["automated"] is None and report["bounce"] is None
    assert report["reply_text"] == "Friday works for me."

    # The same email with a null envelope sender reads as automated.
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    null_sender = json.loads(gateway("inspect-email", "-", "--mail-from", "").out)
    assert null_sender["automated"] == {"reason": "null sender"}


# --- database and delivery -----------------------------------------------------------------


def test_db_upgrade_creates_an_up_to_date_embedded_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    clear_gateway_environment(monkeypatch)
    data_dir = tmp_path / "fresh"
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(data_dir))
    gateway = Cli(capsys)

    assert gateway("db", "upgrade") == Outcome(0, "database is up to date\n", "")
    assert gateway("db", "upgrade") == Outcome(0, "database is up to date\n", "")

    database = Database(f"sqlite:///{data_dir / 'gateway.db'}")
    try:
        assert is_up_to_date(database)
    finally:
        database.dispose()


def test_deliver_without_a_relay_writes_the_notification_to_the_maildir(
    gateway: Cli, world: World, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_NOTIFY_GRACE_SECONDS", "0")
    room = str(world.room.id)
    assert gateway("post", room, "--as", "alice@example.com", "Can we ship on Friday?").code == 0
    bob_reply_to = gateway("reply-address", room, "bob@example.org").out.strip()

    outcome = gateway("deliver")

    assert outcome == Outcome(0, "composed 1, sent 1, retrying 0, failed 0\n", "")
    new = data_dir / "outbox-maildir" / "new"
    files = list(new.iterdir())
    assert len(files) == 1
    email = _parse_email(files[0].read_bytes())
    assert [address for _, address in getaddresses([str(email["To"])])] == ["bob@example.org"]
    reply_to = email["Reply-To"].addresses
    assert [address.addr_spec for address in reply_to] == [bob_reply_to]
    assert isinstance(reply_to[0], Address) and reply_to[0].domain == MAIL_DOMAIN
    assert "Can we ship on Friday?" in email.get_body(("plain",)).get_content()
    assert len(mailbox.Maildir(data_dir / "outbox-maildir", create=False)) == 1

    # Nothing is due any more: a second run sends nothing again.
    assert gateway("deliver").out == "composed 0, sent 0, retrying 0, failed 0\n"
    assert len(list(new.iterdir())) == 1


# --- the real entry point ------------------------------------------------------------------


def _start(argv: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> Outcome:
    out, err = process.communicate(timeout=60)
    return Outcome(process.returncode, out, err)


def test_entry_point_runs_as_a_program_with_exit_codes_and_stderr(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_DATA_DIR"] = str(tmp_path / "data")
    # Started together: each run pays the interpreter's start-up.
    running = [
        _start(["--help"], env),
        _start(["user", "add", "not-an-address"], env),
        _start(["room", "create", "No owner"], env),
    ]
    help_run, refused, misused = (_finish(process) for process in running)

    assert help_run.code == 0 and help_run.err == ""
    assert help_run.out.startswith("usage: gateway")
    for command_name in ("serve", "user", "room", "messages", "inspect-email"):
        assert command_name in help_run.out
    assert refused.code == 1
    assert refused.out == ""
    assert refused.err.startswith("error: ")
    assert "not-an-address" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    assert misused.code == 2
    assert misused.out == ""
    assert "--owner" in misused.err


def test_api_keys_are_made_listed_and_revoked(gateway: Cli, database: Database) -> None:
    made = gateway("api-key", "create", "marketplace")
    assert made.code == 0 and "cannot be shown again" in made.err
    secret = made.out.strip()
    assert secret.startswith("gw_") and len(secret) > 40
    with database.read_session() as session:
        assert find_api_key(session, secret) is not None
    again = gateway("api-key", "create", "marketplace")
    assert again.code == 1 and "already exists" in again.err

    listed = gateway("api-key", "list")
    assert listed.code == 0
    [line] = listed.out.splitlines()
    assert line.startswith("marketplace\t" + secret[:10]) and "live" in line
    assert secret not in listed.out  # never the secret again

    assert gateway("api-key", "revoke", "marketplace").code == 0
    with database.read_session() as session:
        assert find_api_key(session, secret) is None
    assert "revoked" in gateway("api-key", "list").out
    missing = gateway("api-key", "revoke", "nobody")
    assert missing.code == 1 and "no API key named" in missing.err
