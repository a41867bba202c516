"""Bounces (RFC 3464 reports and the rest), from real mail systems' formats to the score they
leave against the address that failed: over real SMTP, to our VERP return address or to the
plain bounce address (EMAIL-RULES section 2)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.core.bounce_addresses import bounce_address, verify_bounce_local_part
from gateway.core.bounces import (
    DISABLE_THRESHOLD,
    PERMANENT_WEIGHT,
    TEMPORARY_WEIGHT,
    find_address_health,
    record_bounce,
    resume_email,
)
from gateway.core.reply_addresses import ReplyKeys
from gateway.inbound.classification import Bounce, detect_bounce
from gateway.inbound.parsing import parse_email
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import (
    AddressHealth,
    InboundEmail,
    InboundOutcome,
    OutboxEmail,
    OutboxState,
)

from support import World

DATA = Path(__file__).parent.parent / "data"


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("dsn_permanent.eml", Bounce("old.member@example.net", "5.1.1", True)),  # Postfix
        ("exim_bounce.eml", Bounce("gone.away@example.com", None, True)),  # Exim, no DSN
        ("dsn_gmail.eml", Bounce("no.such.person@gmail.com", "5.1.1", True)),
        ("dsn_exchange.eml", Bounce("former.employee@contoso.com", "5.1.10", True)),
        ("dsn_amazon_ses.eml", Bounce("full.mailbox@example.org", "4.2.2", False)),
    ],
)
def test_each_mail_systems_report_names_the_address_and_the_failure(
    fixture: str, expected: Bounce
) -> None:
    found = detect_bounce(parse_email((DATA / fixture).read_bytes()), "")
    assert found is not None
    assert (found.recipient, found.permanent) == (expected.recipient, expected.permanent)
    if expected.status is not None:
        assert found.status == expected.status


# A broken report: the boundary parameter is never closed, a field holds a NUL, the status is
# no status, the recipient is empty.
MALFORMED_REPORT = (
    b"Return-Path: <>\r\nFrom: MAILER-DAEMON@broken.example\r\n"
    b"To: bounces@reply.example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="cut\r\n\r\n'
    b"--cut\r\nContent-Type: message/delivery-status\r\n\r\n"
    b"Final-Recipient: rfc822;\r\nAction: fai\x00led\r\nStatus: 9.9\r\n\r\n--cut"
)


def test_a_malformed_report_is_read_without_crashing() -> None:
    found = detect_bounce(parse_email(MALFORMED_REPORT), "")
    # Nothing usable in it: not a failure we can pin on an address.
    assert found is None or found.recipient is None


def test_a_malformed_report_over_smtp_is_kept_and_scores_nothing(
    database: Database, settings: Settings, now: datetime, smtp_gateway
) -> None:
    _sent_to(database, "bob@example.org", now)
    transcript = smtp_gateway.deliver(
        MALFORMED_REPORT, mail_from="", rcpt_to=[f"bounces@{settings.mail_domain}"]
    )
    assert transcript.final[0] == 250
    with database.read_session() as session:
        assert session.scalar(select(func.count()).select_from(InboundEmail)) == 1
        assert session.scalar(select(func.count()).select_from(AddressHealth)) == 0


# --- the score ----------------------------------------------------------------------------------


T0 = datetime.fromisoformat("2026-11-23T09:30:00+00:00")


def _bounce(database: Database, at: datetime, *, permanent: bool = True) -> AddressHealth:
    with database.transaction() as session:
        return record_bounce(
            session, "Bob@Example.org", permanent=permanent, status="5.1.1", now=at
        )


def test_permanent_failures_count_more_than_temporary_ones(database: Database) -> None:
    assert _bounce(database, T0, permanent=False).score == TEMPORARY_WEIGHT
    later = _bounce(database, T0 + timedelta(days=1), permanent=True)
    assert later.score == TEMPORARY_WEIGHT + PERMANENT_WEIGHT
    assert later.address == "bob@example.org" and later.bounces == 2


def test_at_most_one_bounce_counts_per_address_per_day(database: Database) -> None:
    for minutes in (0, 10, 600, 1439):
        health = _bounce(database, T0 + timedelta(minutes=minutes))
    assert (health.score, health.bounces) == (PERMANENT_WEIGHT, 4)
    assert _bounce(database, T0 + timedelta(days=1)).score == 2 * PERMANENT_WEIGHT


def test_the_threshold_stops_email_and_a_quiet_month_resets_the_score(
    database: Database,
) -> None:
    days = int(DISABLE_THRESHOLD / PERMANENT_WEIGHT)
    for day in range(days - 1):
        assert _bounce(database, T0 + timedelta(days=day)).disabled_at is None
    disabled = _bounce(database, T0 + timedelta(days=days - 1))
    assert disabled.disabled_at == T0 + timedelta(days=days - 1)
    with database.transaction() as session:
        resume_email(session, "bob@example.org")
    resumed = _bounce(database, T0 + timedelta(days=days))
    assert (resumed.disabled_at, resumed.score) == (None, PERMANENT_WEIGHT)
    # A month without bounces: the next one starts from zero again.
    quiet = _bounce(database, T0 + timedelta(days=days + 31))
    assert quiet.score == PERMANENT_WEIGHT


# --- VERP addresses -----------------------------------------------------------------------------


def test_a_bounce_address_names_its_email_and_refuses_forgeries(keys: ReplyKeys) -> None:
    address = bounce_address(123_456, keys, "reply.example.com")
    local_part = address.split("@")[0]
    assert "+" not in address and local_part == local_part.lower()
    assert verify_bounce_local_part(local_part, keys) == 123_456
    assert verify_bounce_local_part(local_part.upper(), keys) == 123_456  # case-folding MTAs
    tampered = local_part[:-1] + ("a" if local_part[-1] != "a" else "b")
    assert verify_bounce_local_part(tampered, keys) is None
    stranger = ReplyKeys.from_secrets("another-secret-0123456789abcdefghijk")
    assert verify_bounce_local_part(local_part, stranger) is None
    assert verify_bounce_local_part("bounces-", keys) is None


# --- over SMTP ----------------------------------------------------------------------------------


def _sent_to(database: Database, address: str, now: datetime) -> int:
    """An email we sent to `address` (as dispatch leaves it, then delivered)."""
    with database.transaction() as session:
        row = OutboxEmail(
            kind="room_message",
            created_at=now,
            envelope_from="bounces@reply.example.com",
            recipient=address,
            message_id_header=f"gw.{address}@reply.example.com",
            raw=b"Subject: hi\r\n\r\nhi\r\n",
            state=OutboxState.SENT,
            attempts=1,
            next_attempt_at=now,
        )
        session.add(row)
        session.flush()
        return row.id


def _report(recipient_in_report: str) -> bytes:
    raw = (DATA / "dsn_gmail.eml").read_bytes()
    return raw.replace(b"no.such.person@gmail.com", recipient_in_report.encode())


def _health(database: Database, address: str) -> AddressHealth | None:
    with database.read_session() as session:
        return find_address_health(session, address)


def test_a_report_to_the_verp_address_counts_against_the_address_that_email_went_to(
    database: Database, settings: Settings, keys: ReplyKeys, now: datetime, smtp_gateway
) -> None:
    outbox_id = _sent_to(database, "bob@example.org", now)
    verp = bounce_address(outbox_id, keys, settings.mail_domain)
    # The remote report names some alias: the VERP address is what we trust.
    transcript = smtp_gateway.deliver(
        _report("alias@forwarder.example"), mail_from="", rcpt_to=[verp]
    )
    assert transcript.final[0] == 250
    health = _health(database, "bob@example.org")
    assert health is not None and (health.score, health.last_status) == (PERMANENT_WEIGHT, "5.1.1")
    assert _health(database, "alias@forwarder.example") is None
    with database.read_session() as session:
        (outcome,) = session.scalars(select(InboundEmail.outcome))
    assert outcome is InboundOutcome.BOUNCE


def test_a_forged_verp_address_earns_no_trust_the_report_counts_as_if_plain(
    database: Database,
    settings: Settings,
    keys: ReplyKeys,
    now: datetime,
    smtp_gateway,
    world: World,
) -> None:
    _sent_to(database, "bob@example.org", now)
    forged = f"bounces-{'a' * 24}@{settings.mail_domain}"
    transcript = smtp_gateway.deliver(_report("bob@example.org"), mail_from="", rcpt_to=[forged])
    assert transcript.final[0] == 250
    # Not a valid token: kept, and judged by the report's recipient, one of our users.
    health = _health(database, "bob@example.org")
    assert health is not None and health.score == PERMANENT_WEIGHT


def test_a_report_to_the_plain_bounce_address_counts_only_for_one_of_our_users(
    database: Database, settings: Settings, now: datetime, smtp_gateway, world: World
) -> None:
    _sent_to(database, "bob@example.org", now)
    plain = f"bounces@{settings.mail_domain}"
    smtp_gateway.deliver(_report("Bob@Example.ORG"), mail_from="", rcpt_to=[plain])
    smtp_gateway.deliver(_report("stranger@example.com"), mail_from="", rcpt_to=[plain])
    assert _health(database, "bob@example.org") is not None
    assert _health(database, "stranger@example.com") is None
    with database.read_session() as session:
        assert session.scalar(select(func.count()).select_from(AddressHealth)) == 1


def test_an_out_of_office_to_the_bounce_address_is_not_a_bounce(
    database: Database, settings: Settings, now: datetime, smtp_gateway
) -> None:
    _sent_to(database, "bob@example.org", now)
    raw = (DATA / "gmail_vacation.eml").read_bytes()
    smtp_gateway.deliver(
        raw, mail_from="bob@example.org", rcpt_to=[f"bounces@{settings.mail_domain}"]
    )
    assert _health(database, "bob@example.org") is None
