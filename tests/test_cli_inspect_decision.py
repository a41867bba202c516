"""`gateway inspect-email FILE --rcpt ADDRESS` also says what intake would decide for the email
sent to that reply address (posted, or refused with which SMTP reply and why), from the real
pipeline and the room's rules, and stores, posts and queues nothing."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import find_membership
from gateway.store.database import Database
from gateway.store.models import InboundEmail, Message, Notification

from cli_support import Cli
from support import MAIL_DOMAIN, World, reply_email


def _bob_address(database: Database, world: World, keys: ReplyKeys) -> str:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        return reply_address(membership, keys, MAIL_DOMAIN)


def _nothing_stored(database: Database) -> bool:
    with database.read_session() as session:
        return all(
            not session.scalar(select(func.count()).select_from(table))
            for table in (Message, InboundEmail, Notification)
        )


def _decide(gateway_cli: Cli, tmp_path: Path, raw: bytes, *args: str) -> dict[str, object]:
    path = tmp_path / "reply.eml"
    path.write_bytes(raw)
    outcome = gateway_cli("inspect-email", str(path), *args)
    assert outcome.code == 0, outcome.err
    decision: dict[str, object] = json.loads(outcome.out)["decision"]
    return decision


def test_a_reply_that_would_be_posted_says_so_and_posts_nothing(
    gateway_cli: Cli, database: Database, world: World, keys: ReplyKeys, tmp_path: Path
) -> None:
    address = _bob_address(database, world, keys)
    raw = reply_email("Bob Baker <bob@example.org>", address, "Friday works for me.")
    decision = _decide(gateway_cli, tmp_path, raw, "--rcpt", address)
    assert decision["posted"] is True and decision["outcome"] == "posted"
    assert decision["smtp_reply"] == "250 2.0.0 OK: posted"
    assert _nothing_stored(database)


def test_a_reply_the_room_rules_refuse_says_which_reply_and_why(
    gateway_cli: Cli, database: Database, world: World, keys: ReplyKeys, tmp_path: Path
) -> None:
    address = _bob_address(database, world, keys)
    raw = reply_email("Bob Baker <bob@example.org>", address, "Mail me at bob.private@example.net")
    decision = _decide(gateway_cli, tmp_path, raw, "--rcpt", address)
    assert decision["posted"] is False
    reply = str(decision["smtp_reply"])
    assert reply.startswith("550 5.7.1") and "contact details" in reply.lower()
    assert _nothing_stored(database)


def test_a_stranger_and_an_unknown_address_are_refused_as_smtp_would(
    gateway_cli: Cli, database: Database, world: World, keys: ReplyKeys, tmp_path: Path
) -> None:
    address = _bob_address(database, world, keys)
    raw = reply_email("Mallory <mallory@example.net>", address, "Let me in.")
    stranger = _decide(gateway_cli, tmp_path, raw, "--rcpt", address)
    assert str(stranger["smtp_reply"]).startswith("550 5.7.1")
    unknown = f"nosuchtoken0000@{MAIL_DOMAIN}"
    raw = reply_email("Bob Baker <bob@example.org>", unknown, "Hello?")
    refused = _decide(gateway_cli, tmp_path, raw, "--rcpt", unknown)
    assert str(refused["smtp_reply"]).startswith("550 5.1.1")
    assert _nothing_stored(database)


def test_without_rcpt_no_decision_and_no_database_is_needed(
    gateway_cli: Cli, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    path = tmp_path / "reply.eml"
    path.write_bytes(reply_email("Bob <bob@example.org>", "x@example.com", "Hi"))
    outcome = gateway_cli("inspect-email", str(path))
    assert outcome.code == 0 and "decision" not in json.loads(outcome.out)
