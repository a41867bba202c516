"""detect_automated and detect_bounce on real mail and on one message per rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.inbound.bounce_reports import Bounce, detect_bounce
from gateway.inbound.classification import (
    AUTO_REPLY_SUBJECT_PREFIXES,
    Automated,
    detect_automated,
)
from gateway.inbound.parsing import ParsedEmail, parse_email

DATA = Path(__file__).resolve().parent.parent / "data"
PERSON = "member@example.org"


def parse_fixture(name: str) -> ParsedEmail:
    return parse_email((DATA / name).read_bytes())


def person_email(
    *headers: str,
    from_header: str = f"Member <{PERSON}>",
    subject: str = "Re: [Design review] Homepage mockups",
    body: str = "Sounds good.\r\n",
) -> ParsedEmail:
    """A plain person-written reply, plus the given header lines."""
    lines = [
        f"From: {from_header}",
        "To: reply+t0k3n@gateway.example",
        f"Subject: {subject}",
        "Message-ID: <reply-1@example.org>",
        "Content-Type: text/plain; charset=utf-8",
        *headers,
    ]
    return parse_email(("\r\n".join(lines) + "\r\n\r\n" + body).encode())


def delivery_report(*recipient_blocks: str, report_type: str = "delivery-status") -> ParsedEmail:
    """An RFC 3464 report from a mail system with the given per-recipient field blocks."""
    status = "Reporting-MTA: dns; mx.example.net\r\n\r\n" + "\r\n\r\n".join(recipient_blocks)
    raw = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
        "To: bounces@gateway.example\r\n"
        "Subject: Delivery report\r\n"
        f'Content-Type: multipart/report; report-type={report_type}; boundary="r"\r\n\r\n'
        "--r\r\nContent-Type: text/plain\r\n\r\nSee the report.\r\n"
        f"--r\r\nContent-Type: message/delivery-status\r\n\r\n{status}\r\n--r--\r\n"
    )
    return parse_email(raw.encode())


# --- person-written mail -------------------------------------------------------------------

PERSON_FIXTURES = [
    ("gmail_reply.eml", "alice.example@gmail.com"),
    ("outlook_html_reply.eml", "carol.smith@contoso.com"),
    ("apple_mail_reply.eml", "dave.lee@icloud.com"),
    ("thunderbird_reply.eml", "erin@example.org"),
    ("windows1252_no_charset.eml", "kim@oldmail.example"),
    ("rfc2047_subject.eml", "andre@example.de"),
    ("html_only.eml", "nina@webmail.example"),
    ("attachments.eml", "erin@example.org"),
    ("outlook_attachment.eml", "carol.smith@contoso.com"),
    ("forwarded.eml", "oscar@example.net"),
    ("japanese_iso2022jp.eml", "taro@example.jp"),
]


@pytest.mark.parametrize(("name", "mail_from"), PERSON_FIXTURES)
def test_person_written_fixture_is_neither_automated_nor_a_bounce(name: str, mail_from: str):
    parsed = parse_fixture(name)
    assert detect_automated(parsed, mail_from) is None
    assert detect_bounce(parsed, mail_from) is None


def test_outlook_x_auto_response_suppress_alone_is_a_person():
    # Outlook and Exchange set it on ordinary mail: it asks others not to auto-reply.
    assert "X-Auto-Response-Suppress" in parse_fixture("outlook_html_reply.eml").headers
    for value in ("All", "OOF", "DR, RN, NRN, OOF, AutoReply"):
        parsed = person_email(f"X-Auto-Response-Suppress: {value}")
        assert detect_automated(parsed, PERSON) is None


@pytest.mark.parametrize("value", ["no", "No", "NO (written by a person)", "no; reason=test"])
def test_auto_submitted_no_is_a_person(value: str):
    assert detect_automated(person_email(f"Auto-Submitted: {value}"), PERSON) is None


# --- automated mail: fixtures --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "mail_from", "reason"),
    [
        ("exchange_ooo.eml", "frank.miller@contoso.com", "auto-submitted: auto-generated"),
        ("gmail_vacation.eml", "grace.hopper.dev@gmail.com", "auto-submitted: auto-replied"),
        ("german_ooo.eml", "hans.schmidt@beispiel.de", "subject: abwesenheitsnotiz"),
        ("list_mail.eml", "design-bounces@lists.example.org", "list header: List-Id"),
        ("mdn_read_receipt.eml", "carol.smith@contoso.com", "multipart/report"),
        ("dsn_permanent.eml", "", "null sender"),
        ("dsn_temporary.eml", "", "null sender"),
        ("exim_bounce.eml", "", "null sender"),
        ("qmail_failure_notice.eml", "", "null sender"),
    ],
)
def test_automated_fixture_is_detected_with_its_reason(name: str, mail_from: str, reason: str):
    assert detect_automated(parse_fixture(name), mail_from) == Automated(reason)


@pytest.mark.parametrize("name", ["exchange_ooo.eml", "gmail_vacation.eml", "german_ooo.eml"])
@pytest.mark.parametrize("mail_from", ["", "someone@example.com"])
def test_out_of_office_is_not_a_bounce(name: str, mail_from: str):
    assert detect_bounce(parse_fixture(name), mail_from) is None


def test_read_receipt_is_not_a_bounce():
    assert detect_bounce(parse_fixture("mdn_read_receipt.eml"), "") is None


# --- automated mail: one rule at a time ----------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "mail_from", "from_header", "reason"),
    [
        pytest.param((), "", f"<{PERSON}>", "null sender", id="null-envelope-sender"),
        pytest.param((), "<>", f"<{PERSON}>", "null sender", id="null-envelope-brackets"),
        pytest.param(("Return-Path: <>",), PERSON, PERSON, "null sender", id="return-path-null"),
        pytest.param(
            (), PERSON, "MAILER-DAEMON@mx.example.com", "sender: mailer-daemon", id="mailer-daemon"
        ),
        pytest.param(
            (), PERSON, "MAILER-DAEMON (Mail Delivery System)", "sender: mailer-daemon", id="no-at"
        ),
        pytest.param((), PERSON, "postmaster@example.com", "sender: postmaster", id="postmaster"),
        pytest.param((), PERSON, "noreply@example.com", "sender: noreply", id="noreply"),
        pytest.param((), PERSON, "No-Reply@example.com", "sender: noreply", id="no-reply"),
        pytest.param((), PERSON, "do-not-reply@example.com", "sender: noreply", id="do-not-reply"),
        pytest.param((), PERSON, "donotreply@example.com", "sender: noreply", id="donotreply"),
        pytest.param(
            (), PERSON, "notifications-noreply@example.com", "sender: noreply", id="noreply-word"
        ),
        pytest.param((), PERSON, "bounces@example.com", "sender: bounce", id="bounces"),
        pytest.param((), PERSON, "bounce@example.com", "sender: bounce", id="bounce"),
        pytest.param(
            (),
            "MAILER-DAEMON@mx.example.com",
            PERSON,
            "envelope sender: mailer-daemon",
            id="envelope-mailer-daemon",
        ),
        pytest.param(
            ("Auto-Submitted: auto-replied",),
            PERSON,
            PERSON,
            "auto-submitted: auto-replied",
            id="auto-replied",
        ),
        pytest.param(
            ("Auto-Submitted: Auto-Generated; owner-email=x@example.com",),
            PERSON,
            PERSON,
            "auto-submitted: auto-generated",
            id="auto-generated-with-parameter",
        ),
        pytest.param(
            ("Auto-Submitted: auto-notified",),
            PERSON,
            PERSON,
            "auto-submitted: auto-notified",
            id="auto-notified",
        ),
        pytest.param(
            ("Auto-Submitted:",), PERSON, PERSON, "auto-submitted: empty", id="auto-submitted-empty"
        ),
        pytest.param(("Precedence: bulk",), PERSON, PERSON, "precedence: bulk", id="bulk"),
        pytest.param(("Precedence: junk",), PERSON, PERSON, "precedence: junk", id="junk"),
        pytest.param(("Precedence: List",), PERSON, PERSON, "precedence: list", id="list"),
        pytest.param(
            ("Precedence: auto_reply",), PERSON, PERSON, "precedence: auto_reply", id="auto_reply"
        ),
        pytest.param(
            ("X-Precedence: bulk",), PERSON, PERSON, "x-precedence: bulk", id="x-precedence"
        ),
        pytest.param(("X-Autoreply: yes",), PERSON, PERSON, "x-autoreply", id="x-autoreply"),
        pytest.param(("X-Autorespond: x",), PERSON, PERSON, "x-autorespond", id="x-autorespond"),
        pytest.param(("X-AutoResponse: 1",), PERSON, PERSON, "x-autoresponse", id="x-autoresponse"),
        pytest.param(
            ("X-Failed-Recipients: a@example.com",),
            PERSON,
            PERSON,
            "x-failed-recipients",
            id="x-failed-recipients",
        ),
        pytest.param(
            ("X-Gateway-Loop: gateway.example",), PERSON, PERSON, "loop header", id="loop-header"
        ),
        *(
            pytest.param(
                (f"{name}: <mailto:x@lists.example.org>",),
                PERSON,
                PERSON,
                f"list header: {name}",
                id=name.lower(),
            )
            for name in (
                "List-Id",
                "List-Unsubscribe",
                "List-Post",
                "List-Help",
                "List-Subscribe",
                "List-Owner",
                "List-Archive",
            )
        ),
    ],
)
def test_each_automated_rule_is_detected(
    headers: tuple[str, ...], mail_from: str, from_header: str, reason: str
):
    parsed = person_email(*headers, from_header=from_header)
    assert detect_automated(parsed, mail_from) == Automated(reason)


def test_multipart_report_is_automated():
    parsed = delivery_report("Final-Recipient: rfc822; a@example.com\r\nAction: delivered")
    assert detect_automated(parsed, "mta@example.net") == Automated("multipart/report")


def test_loop_header_name_is_configurable_and_case_insensitive():
    parsed = person_email("x-acme-loop: 1")
    assert detect_automated(parsed, PERSON) is None
    assert detect_automated(parsed, PERSON, loop_header="X-Acme-Loop") == Automated("loop header")


def test_first_reason_follows_the_documented_order():
    parsed = person_email(
        "List-Id: <design.lists.example.org>",
        "Precedence: bulk",
        "Auto-Submitted: auto-generated",
        "X-Gateway-Loop: gateway.example",
        from_header="noreply@example.com",
        subject="Automatic reply: hello",
    )
    assert detect_automated(parsed, "") == Automated("loop header")
    without_loop = person_email(
        "List-Id: <design.lists.example.org>",
        "Precedence: bulk",
        "Auto-Submitted: auto-generated",
        from_header="noreply@example.com",
        subject="Automatic reply: hello",
    )
    assert detect_automated(without_loop, "") == Automated("null sender")
    assert detect_automated(without_loop, PERSON) == Automated("auto-submitted: auto-generated")


@pytest.mark.parametrize("prefix", AUTO_REPLY_SUBJECT_PREFIXES)
def test_localized_auto_reply_subject_prefix_is_automated(prefix: str):
    parsed = person_email(subject=f"{prefix}: [Design review] Homepage mockups")
    assert detect_automated(parsed, PERSON) == Automated(f"subject: {prefix.lower()}")


@pytest.mark.parametrize(
    "subject",
    [
        "OUT OF OFFICE",
        "out of office : back Monday",  # French typography, a space before the colon
        "[Auto-Reply] Homepage mockups",
        "自动回复：Homepage mockups",  # full-width colon
        "Re\u0301ponse automatique: x",  # decomposed accent (Apple Mail), matched after NFC
    ],
)
def test_auto_reply_subject_variants_are_automated(subject: str):
    assert detect_automated(person_email(subject=subject), PERSON) is not None


@pytest.mark.parametrize(
    "subject",
    [
        "Re: Out of office",  # a person answering an auto-reply
        "AW: Automatische Antwort: Homepage",
        "Out of office next week, please review before",
        "Absence of evidence",
        "Automobile club",
        "Autosvarsystem demo",
        "Meeting notes (automatic reply handling)",
    ],
)
def test_person_subjects_resembling_auto_replies_are_not_automated(subject: str):
    assert detect_automated(person_email(subject=subject), PERSON) is None


@pytest.mark.parametrize("local_part", ["noreplyjohn", "replynot", "daemon", "post-master"])
def test_sender_local_parts_resembling_system_names_are_people(local_part: str):
    parsed = person_email(from_header=f"{local_part}@example.com")
    assert detect_automated(parsed, PERSON) is None


# --- bounces -------------------------------------------------------------------------------


def test_rfc3464_permanent_failure_names_the_final_recipient():
    bounce = detect_bounce(parse_fixture("dsn_permanent.eml"), "")
    assert bounce == Bounce(
        recipient="old.member@example.net",
        status="5.1.1",
        permanent=True,
        original_message_ids=("msg-1001.r42@gateway.example",),
    )


def test_rfc3464_delayed_delivery_is_a_temporary_bounce():
    bounce = detect_bounce(parse_fixture("dsn_temporary.eml"), "")
    assert bounce == Bounce(
        recipient="slow.user@example.com",
        status="4.4.1",
        permanent=False,
        original_message_ids=("msg-1002.r42@gateway.example",),
    )


def test_delivery_report_is_read_whatever_the_envelope_sender():
    bounce = detect_bounce(parse_fixture("dsn_permanent.eml"), "mta@example.net")
    assert bounce is not None and bounce.recipient == "old.member@example.net"


def test_success_report_is_not_a_bounce():
    parsed = delivery_report(
        "Final-Recipient: rfc822; a@example.com\r\nAction: delivered\r\nStatus: 2.0.0"
    )
    assert detect_bounce(parsed, "") is None


def test_report_prefers_a_permanent_failure_over_a_delay():
    parsed = delivery_report(
        "Final-Recipient: rfc822; slow@example.com\r\nAction: delayed\r\nStatus: 4.4.7",
        "Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.2.1",
    )
    assert detect_bounce(parsed, "") == Bounce("gone@example.com", "5.2.1", True)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(
            "Final-Recipient: rfc822; a@example.com\r\nAction: failed\r\nStatus: 4.4.7",
            Bounce("a@example.com", "4.4.7", False),
            id="failed-with-temporary-status",
        ),
        pytest.param(
            "Final-Recipient: rfc822; a@example.com\r\nAction: failed",
            Bounce("a@example.com", None, True),
            id="failed-without-status",
        ),
        pytest.param(
            "Final-Recipient: rfc822; a@example.com\r\nAction: failed\r\n"
            "Diagnostic-Code: smtp; 550 5.7.1 Rejected by policy",
            Bounce("a@example.com", "5.7.1", True),
            id="status-from-diagnostic-code",
        ),
        pytest.param(
            "Final-Recipient: rfc822; a@example.com\r\nAction: failed\r\n"
            "Diagnostic-Code: smtp; 452 mailbox full",
            Bounce("a@example.com", None, False),
            id="basic-smtp-code-4xx",
        ),
        pytest.param(
            "Original-Recipient: rfc822; <Orig@Example.com>\r\nStatus: 5.1.1",
            Bounce("orig@example.com", "5.1.1", True),
            id="original-recipient-no-action",
        ),
    ],
)
def test_report_fields_decide_recipient_status_and_permanence(fields: str, expected: Bounce):
    assert detect_bounce(delivery_report(fields), "") == expected


def test_exim_bounce_names_the_recipient_from_x_failed_recipients():
    bounce = detect_bounce(parse_fixture("exim_bounce.eml"), "")
    assert bounce == Bounce(
        recipient="gone.away@example.com",
        status=None,
        permanent=True,
        original_message_ids=("msg-1003.r42@gateway.example",),
    )


def test_non_standard_bounce_recipient_and_status_are_read_from_the_text():
    bounce = detect_bounce(parse_fixture("qmail_failure_notice.eml"), "")
    assert bounce == Bounce(
        recipient="nobody.here@smallhost.example", status="5.1.1", permanent=True
    )


@pytest.mark.parametrize(
    ("from_header", "subject", "permanent"),
    [
        (
            "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
            "Delivery Status Notification (Failure)",
            True,
        ),
        (
            "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
            "Delivery Status Notification (Delay)",
            False,
        ),
        ("postmaster@contoso.com", "Undeliverable: [Design review] Homepage mockups", True),
        ("postmaster@contoso.com", "Unzustellbar: [Design review] Homepage mockups", True),
        ("MAILER-DAEMON@mail.example.com", "Returned mail: see transcript for details", True),
        (
            "MAILER-DAEMON@mail.example.com",
            "Warning: could not send message for past 4 hours",
            False,
        ),
    ],
)
def test_mail_system_bounce_subjects_are_bounces(from_header: str, subject: str, permanent: bool):
    parsed = person_email(
        from_header=from_header,
        subject=subject,
        body="Your message wasn't delivered to lost@example.com because it doesn't exist.\r\n",
    )
    bounce = detect_bounce(parsed, "bounce-handler@example.com")
    assert bounce == Bounce(recipient="lost@example.com", status=None, permanent=permanent)


def test_bounce_subject_from_a_person_is_not_a_bounce():
    parsed = person_email(subject="Undeliverable: my joke fell flat", body="lost@example.com")
    assert detect_bounce(parsed, PERSON) is None


def test_x_failed_recipients_from_a_person_is_not_a_bounce():
    parsed = person_email("X-Failed-Recipients: lost@example.com")
    assert detect_bounce(parsed, PERSON) is None


def test_mail_system_notice_without_failure_markers_is_not_a_bounce():
    parsed = person_email(
        from_header="MAILER-DAEMON@mx.example.com",
        subject="Delivery Status Notification (Success)",
    )
    assert detect_bounce(parsed, "") is None


# --- fuzzing -------------------------------------------------------------------------------

REPORTS = [(DATA / name).read_bytes() for name in ("dsn_permanent.eml", "mdn_read_receipt.eml")]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(REPORTS),
    st.floats(0, 1),
    st.binary(max_size=64),
    st.booleans(),
    st.sampled_from(["", PERSON]),
)
def test_classification_never_raises_on_damaged_reports(
    report: bytes, where: float, junk: bytes, cut: bool, mail_from: str
):
    position = int(len(report) * where)
    raw = report[:position] + junk + (b"" if cut else report[position:])
    parsed = parse_email(raw)
    automated = detect_automated(parsed, mail_from)
    bounce = detect_bounce(parsed, mail_from)
    assert automated is None or automated.reason
    assert bounce is None or isinstance(bounce.permanent, bool)
