"""Bounces (RFC 3464 reports and the rest), from real mail systems' formats to the score they
leave against the address that failed: over real SMTP, to our VERP return address or to the
plain bounce address (EMAIL-RULES section 2)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from test_smtp import bob_address

from gateway.core.bounce_addresses import bounce_address, verify_bounce_local_part
from gateway.core.bounces import (
    DISABLE_THRESHOLD,
    PERMANENT_WEIGHT,
    TEMPORARY_WEIGHT,
    find_address_health,
    is_bouncing,
    record_bounce,
    resume_email,
)
from gateway.core.reply_addresses import ReplyKeys
from gateway.inbound.bounce_reports import Bounce, detect_bounce
from gateway.inbound.bounce_scoring import score_bounces
from gateway.inbound.parsing import parse_email
from gateway.inbound.quoted_original import MAX_ORIGINAL_IDS
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import (
    AddressHealth,
    InboundEmail,
    InboundOutcome,
    OutboxEmail,
    OutboxState,
)

from smtp_gateway import SMTPGateway
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


def _sent_to(database: Database, address: str, now: datetime, message_id: str | None = None) -> int:
    """An email we sent to `address` (as dispatch leaves it, then delivered)."""
    with database.transaction() as session:
        row = OutboxEmail(
            kind="room_message",
            created_at=now,
            envelope_from="bounces@reply.example.com",
            recipient=address,
            message_id_header=message_id or f"gw.{address}@reply.example.com",
            raw=b"Subject: hi\r\n\r\nhi\r\n",
            state=OutboxState.SENT,
            attempts=1,
            next_attempt_at=now,
        )
        session.add(row)
        session.flush()
        return row.id


GMAIL_QUOTED_ID = "gw.0123456789abcdef0123456789abcdef@reply.example.com"


def _report(recipient_in_report: str, quoted_id: str | None = None) -> bytes:
    """Gmail's report naming `recipient_in_report`, quoting an email with `quoted_id` (or with
    no Message-ID at all)."""
    raw = (DATA / "dsn_gmail.eml").read_bytes()
    raw = raw.replace(b"no.such.person@gmail.com", recipient_in_report.encode())
    if quoted_id is None:
        return raw.replace(f"Message-ID: <{GMAIL_QUOTED_ID}>\n".encode(), b"")
    return raw.replace(GMAIL_QUOTED_ID.encode(), quoted_id.encode())


def _health(database: Database, address: str) -> AddressHealth | None:
    with database.read_session() as session:
        return find_address_health(session, address)


def _outcomes(database: Database) -> list[InboundOutcome]:
    with database.read_session() as session:
        return list(session.scalars(select(InboundEmail.outcome).order_by(InboundEmail.id)))


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
    assert _outcomes(database) == [InboundOutcome.BOUNCE]


@pytest.mark.parametrize("system_address", ["postmaster", "bounces", f"bounces-{'a' * 24}"])
def test_forged_reports_naming_a_member_score_nothing_however_many_arrive(
    database: Database, settings: Settings, now: datetime, world: World, system_address: str
) -> None:
    """Anyone can send a DSN naming anyone: without our signed address or our Message-ID,
    three days of them must not stop a member's email."""
    _sent_to(database, "bob@example.org", now)
    clock = [now]
    with SMTPGateway(database, settings, clock=lambda: clock[0]) as gateway:
        for day in range(int(DISABLE_THRESHOLD / PERMANENT_WEIGHT) + 1):
            clock[0] = now + timedelta(days=day)
            forged = _report("bob@example.org", quoted_id=f"made-up-{day}@reply.example.com")
            transcript = gateway.deliver(
                forged, mail_from="", rcpt_to=[f"{system_address}@{settings.mail_domain}"]
            )
            assert transcript.final[0] == 250
    assert _health(database, "bob@example.org") is None
    with database.read_session() as session:
        assert not is_bouncing(session, "bob@example.org")
    assert set(_outcomes(database)) == {InboundOutcome.BOUNCE}  # kept, all of them
    with database.read_session() as session:  # and each record says why it counted for nothing
        reasons = session.scalars(select(InboundEmail.reason)).all()
    assert reasons and all("not scored" in reason for reason in reasons)


def test_a_report_sent_to_a_reply_address_scores_nothing(
    database: Database, keys: ReplyKeys, now: datetime, world: World, smtp_gateway
) -> None:
    _sent_to(database, "alice@example.com", now)
    transcript = smtp_gateway.deliver(
        _report("alice@example.com"), mail_from="", rcpt_to=[bob_address(database, world, keys)]
    )
    assert transcript.final[0] == 250
    assert _health(database, "alice@example.com") is None
    assert _outcomes(database) == [InboundOutcome.BOUNCE]


QUOTING_REPORTS = {
    "message/rfc822 (Gmail)": ("dsn_gmail.eml", "no.such.person@gmail.com", GMAIL_QUOTED_ID),
    "text/rfc822-headers (Postfix)": (
        "dsn_permanent.eml",
        "old.member@example.net",
        "msg-1001.r42@gateway.example",
    ),
    "quoted in the text (Exim)": (
        "exim_bounce.eml",
        "gone.away@example.com",
        "msg-1003.r42@gateway.example",
    ),
}


@pytest.mark.parametrize(
    ("fixture", "address", "message_id"), QUOTING_REPORTS.values(), ids=QUOTING_REPORTS.keys()
)
@pytest.mark.parametrize("system_address", ["bounces", "postmaster"])
def test_a_report_quoting_the_message_id_we_sent_to_that_address_scores(
    database: Database,
    settings: Settings,
    now: datetime,
    smtp_gateway,
    fixture: str,
    address: str,
    message_id: str,
    system_address: str,
) -> None:
    _sent_to(database, address, now, message_id=message_id)
    transcript = smtp_gateway.deliver(
        (DATA / fixture).read_bytes(),
        mail_from="",
        rcpt_to=[f"{system_address}@{settings.mail_domain}"],
    )
    assert transcript.final[0] == 250
    health = _health(database, address)
    assert health is not None and health.score == PERMANENT_WEIGHT


def test_a_report_quoting_our_message_id_but_naming_another_member_scores_nothing(
    database: Database, settings: Settings, now: datetime, world: World, smtp_gateway
) -> None:
    # Bob received our email, so he knows its Message-ID: he cannot use it against Alice.
    _sent_to(database, "bob@example.org", now, message_id="gw.feedface@reply.example.com")
    transcript = smtp_gateway.deliver(
        _report("alice@example.com", quoted_id="gw.feedface@reply.example.com"),
        mail_from="",
        rcpt_to=[f"bounces@{settings.mail_domain}"],
    )
    assert transcript.final[0] == 250
    assert _health(database, "alice@example.com") is None
    assert _health(database, "bob@example.org") is None


def test_each_report_says_whether_it_was_scored_and_why(
    database: Database, keys: ReplyKeys, now: datetime
) -> None:
    outbox_id = _sent_to(database, "bob@example.org", now, message_id="gw.cafe@reply.example.com")
    verp = bounce_address(outbox_id, keys, "reply.example.com")
    plain = "bounces@reply.example.com"

    def bounce(recipient: str | None, *ids: str) -> Bounce:
        return Bounce(recipient, "5.1.1", True, ids)

    reports = [
        (verp, bounce("alias@forwarder.example")),
        (plain, bounce("bob@example.org", "gw.cafe@reply.example.com")),
        (plain, bounce("bob@example.org")),
        (plain, bounce("bob@example.org", "not-ours@elsewhere.example")),
        (plain, bounce("alice@example.com", "gw.cafe@reply.example.com")),
        (plain, bounce(None, "gw.cafe@reply.example.com")),
    ]
    with database.transaction() as session:
        verdicts = score_bounces(session, reports, keys, now)
    assert [(v.scored, v.address) for v in verdicts] == [
        (True, "bob@example.org"),
        (True, "bob@example.org"),
        (False, "bob@example.org"),
        (False, "bob@example.org"),
        (False, "alice@example.com"),
        (False, None),
    ]
    reasons = [v.reason for v in verdicts]
    assert (
        reasons[0].startswith("scored against bob@example.org") and "bounce address" in reasons[0]
    )
    assert reasons[1].startswith("scored against bob@example.org") and "Message-ID" in reasons[1]
    assert all(reason.startswith("not scored: ") for reason in reasons[2:])
    assert "quotes no Message-ID" in reasons[2] and "quotes no Message-ID" in reasons[3]
    assert "another address" in reasons[4]
    assert "names no failed address" in reasons[5]


def test_an_out_of_office_to_the_bounce_address_is_not_a_bounce(
    database: Database, settings: Settings, now: datetime, smtp_gateway
) -> None:
    _sent_to(database, "bob@example.org", now)
    raw = (DATA / "gmail_vacation.eml").read_bytes()
    smtp_gateway.deliver(
        raw, mail_from="bob@example.org", rcpt_to=[f"bounces@{settings.mail_domain}"]
    )
    assert _health(database, "bob@example.org") is None


# --- the original Message-ID a report quotes ---------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "ids"),
    [
        ("dsn_gmail.eml", (GMAIL_QUOTED_ID,)),  # message/rfc822
        ("dsn_permanent.eml", ("msg-1001.r42@gateway.example",)),  # text/rfc822-headers
        ("dsn_temporary.eml", ("msg-1002.r42@gateway.example",)),
        ("exim_bounce.eml", ("msg-1003.r42@gateway.example",)),  # quoted in the text
        ("dsn_exchange.eml", ()),  # quotes headers without a Message-ID
        ("dsn_amazon_ses.eml", ()),
        ("qmail_failure_notice.eml", ()),
    ],
)
def test_a_report_carries_the_message_ids_of_the_original_it_quotes(
    fixture: str, ids: tuple[str, ...]
) -> None:
    found = detect_bounce(parse_email((DATA / fixture).read_bytes()), "")
    assert found is not None and found.original_message_ids == ids


def _headers_report(quoted_headers: bytes) -> bytes:
    return (
        (DATA / "dsn_permanent.eml")
        .read_bytes()
        .replace(b"Message-ID: <msg-1001.r42@gateway.example>\n", quoted_headers)
    )


def test_a_report_quoting_a_flood_of_message_ids_yields_a_few_and_the_first_ones() -> None:
    flood = b"".join(b"Message-ID: <id-%d@x.example>\n" % n for n in range(200_000))
    found = detect_bounce(parse_email(_headers_report(flood)), "")
    assert found is not None
    assert found.original_message_ids == tuple(f"id-{n}@x.example" for n in range(MAX_ORIGINAL_IDS))


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_any_quoted_header_block_is_read_without_raising(junk: bytes) -> None:
    found = detect_bounce(parse_email(_headers_report(junk)), "")
    assert found is not None and len(found.original_message_ids) <= MAX_ORIGINAL_IDS
