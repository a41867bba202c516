"""Replies the trusted receiving MTA says fail DMARC are held, not posted, over a real SMTP
socket: recorded as held with the reason, and the member is told (EMAIL-RULES 1.6)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from test_smtp import bob_address, inbound_records, room_messages

from gateway.core.held_replies import NOTICE_TITLE
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Alert, InboundOutcome

from cli_support import cli_for
from smtp_gateway import SMTPGateway
from support import World, reply_email

TRUSTED = "mx.example.com"
REPLY = "Friday works for me."


@pytest.fixture
def clock(now: datetime) -> list[datetime]:
    return [now]


@pytest.fixture
def guarded_gateway(
    database: Database, settings: Settings, clock: list[datetime]
) -> Iterator[SMTPGateway]:
    """The gateway behind an MTA whose authserv-id is TRUSTED."""
    trusting = dataclasses.replace(settings, trusted_authserv_id=TRUSTED)
    with SMTPGateway(database, trusting, clock=lambda: clock[0]) as gateway:
        yield gateway


def _reply_with_results(address: str, *results: tuple[str, str], number: int = 1) -> bytes:
    """Bob's reply with Authentication-Results fields ((authserv-id, resinfo) each, topmost
    first) as the MTA in front leaves them."""
    raw = reply_email(
        "Bob Baker <bob@example.org>",
        address,
        REPLY,
        message_id=f"<reply-{number}@mail.example.org>",
    )
    head = "".join(f"Authentication-Results: {who};\r\n\t{what}\r\n" for who, what in results)
    received = f"Received: from mail.example.org by {TRUSTED} with ESMTPS id 4B1C{number}\r\n"
    return (head + received).encode() + raw


def _deliver(gateway: SMTPGateway, database: Database, world: World, keys, *results, **kw):
    address = bob_address(database, world, keys)
    raw = _reply_with_results(address, *results, **kw)
    return gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])


def _notices(database: Database, user_id: int) -> list[Alert]:
    with database.read_session() as session:
        return list(
            session.scalars(
                select(Alert).where(Alert.user_id == user_id, Alert.title == NOTICE_TITLE)
            )
        )


DMARC_FAIL = (TRUSTED, "spf=pass smtp.mailfrom=example.org; dmarc=fail header.from=example.org")


def test_a_reply_failing_dmarc_is_held_recorded_and_the_member_told(
    guarded_gateway: SMTPGateway, database: Database, world: World, keys
) -> None:
    transcript = _deliver(guarded_gateway, database, world, keys, DMARC_FAIL)
    assert transcript.final[0] == 250
    assert room_messages(database, world) == []
    [record] = inbound_records(database)
    assert record.outcome is InboundOutcome.HELD and "dmarc=fail" in record.reason
    assert (record.room_id, record.user_id) == (world.room.id, world.bob.id)
    [notice] = _notices(database, world.bob.id)
    assert "dmarc=fail" in notice.body_source


def test_without_dmarc_a_reply_neither_spf_nor_dkim_passed_for_is_held(
    guarded_gateway: SMTPGateway, database: Database, world: World, keys
) -> None:
    _deliver(
        guarded_gateway,
        database,
        world,
        keys,
        (TRUSTED, "spf=softfail smtp.mailfrom=example.org; dkim=none; dmarc=none"),
    )
    assert room_messages(database, world) == []
    [record] = inbound_records(database)
    assert record.outcome is InboundOutcome.HELD and "spf=softfail" in record.reason


def test_forged_mail_all_day_tells_the_member_once(
    guarded_gateway: SMTPGateway,
    database: Database,
    world: World,
    keys,
    clock: list[datetime],
    now: datetime,
) -> None:
    for number in range(1, 4):
        clock[0] = now + timedelta(hours=number)
        _deliver(guarded_gateway, database, world, keys, DMARC_FAIL, number=number)
    assert [r.outcome for r in inbound_records(database)] == [InboundOutcome.HELD] * 3
    assert len(_notices(database, world.bob.id)) == 1


def test_a_reply_passing_dmarc_is_posted(
    guarded_gateway: SMTPGateway, database: Database, world: World, keys
) -> None:
    passing = (TRUSTED, "spf=pass smtp.mailfrom=example.org; dmarc=pass header.from=example.org")
    transcript = _deliver(guarded_gateway, database, world, keys, passing)
    assert transcript.final == (250, "2.0.0 OK: posted")
    [message] = room_messages(database, world)
    assert message.author_id == world.bob.id and message.body_source == REPLY
    assert _notices(database, world.bob.id) == []


def test_another_mtas_dmarc_fail_changes_nothing(
    guarded_gateway: SMTPGateway, database: Database, world: World, keys
) -> None:
    elsewhere = ("mx.elsewhere.example", "dmarc=fail header.from=example.org")
    passing = (TRUSTED, "dmarc=pass header.from=example.org")
    transcript = _deliver(guarded_gateway, database, world, keys, elsewhere, passing, elsewhere)
    assert transcript.final == (250, "2.0.0 OK: posted")
    assert len(room_messages(database, world)) == 1


def test_another_mtas_pass_does_not_vouch_for_a_reply(
    guarded_gateway: SMTPGateway, database: Database, world: World, keys
) -> None:
    forged = ("mx.elsewhere.example", "spf=pass; dkim=pass; dmarc=pass")
    _deliver(guarded_gateway, database, world, keys, forged)
    assert room_messages(database, world) == []
    [record] = inbound_records(database)
    assert record.outcome is InboundOutcome.HELD and TRUSTED in record.reason


def test_without_a_trusted_mta_configured_dmarc_results_are_not_read(
    smtp_gateway: SMTPGateway, database: Database, world: World, keys
) -> None:
    transcript = _deliver(smtp_gateway, database, world, keys, DMARC_FAIL)
    assert transcript.final == (250, "2.0.0 OK: posted")
    assert len(room_messages(database, world)) == 1


def test_an_operator_releases_a_held_reply_and_it_is_posted_once(
    guarded_gateway: SMTPGateway,
    database: Database,
    world: World,
    keys,
    tmp_path,
    monkeypatch,
    capsys,
) -> None:
    _deliver(guarded_gateway, database, world, keys, DMARC_FAIL)
    [record] = inbound_records(database)
    gateway_cli = cli_for(monkeypatch, capsys, guarded_gateway.settings, tmp_path / "cli")
    monkeypatch.setenv("GATEWAY_TRUSTED_AUTHSERV_ID", TRUSTED)

    refused = gateway_cli("inbound", "retry", str(record.id))
    assert refused.code == 1 and "is held: release it" in refused.err
    shown = gateway_cli("inbound", "show", str(record.id))
    assert shown.code == 0 and "outcome: held" in shown.out and "dmarc=fail" in shown.out

    released = gateway_cli("inbound", "release", str(record.id))
    assert released.code == 0, released.err
    assert released.out.startswith(f"{record.id}: posted")
    [message] = room_messages(database, world)
    assert (message.author_id, message.body_source) == (world.bob.id, REPLY)
    [record] = inbound_records(database)
    assert (record.outcome, record.message_id) == (InboundOutcome.POSTED, message.id)
    again = gateway_cli("inbound", "release", str(record.id))
    assert again.code == 1 and "not held: nothing to release" in again.err
    assert len(room_messages(database, world)) == 1
