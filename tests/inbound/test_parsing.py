"""parse_email and header_text on real client mail, broken MIME and fuzzed bytes."""

from __future__ import annotations

import email
from email.header import Header
from email.policy import compat32
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.inbound.mime_tree import MAX_DEPTH, MAX_PARTS
from gateway.inbound.parsing import (
    MAX_FILENAME_CHARS,
    Attachment,
    ParsedEmail,
    header_text,
    parse_email,
)

from malformed import (
    INVALID_RFC2047_SUBJECT_DECODED,
    malformed_emails,
    recoverable_malformed_emails,
)

DATA = Path(__file__).resolve().parent.parent / "data"
FIXTURES = sorted(path.name for path in DATA.glob("*.eml"))
MEMBER = "member@example.org"
REPLY_ADDRESS = "reply+t0k3n@gateway.example"
NOTIFICATION_ID = "msg-1001.r42@gateway.example"
ROOM_ROOT_ID = "room-42@gateway.example"


def parse_fixture(name: str) -> ParsedEmail:
    return parse_email((DATA / name).read_bytes())


def email_bytes(*headers: str, body: bytes | str = b"") -> bytes:
    """A raw message From MEMBER To REPLY_ADDRESS with extra header lines and a body."""
    lines = [f"From: Member <{MEMBER}>", f"To: {REPLY_ADDRESS}", *headers]
    head = "\r\n".join(lines).encode("utf-8", "surrogateescape")
    return head + b"\r\n\r\n" + (body.encode() if isinstance(body, str) else body)


# --- real client mail ----------------------------------------------------------------------


class Contains(str):
    """An expected value that the actual text must contain (for long bodies and HTML)."""


GATEWAY_REPLY = "reply+{}@gateway.example"
NO_IDS: tuple[str, ...] = ()
THREAD = (ROOM_ROOT_ID, NOTIFICATION_ID)

# Per fixture, every field other code relies on. "attachments" lists (filename, content type,
# inline, content id); a `Contains` value must be part of the actual text.
EXPECTED: dict[str, dict[str, object]] = {
    "gmail_reply.eml": {
        "from_address": "alice.example@gmail.com",
        "from_name": "Alice Example",
        "to": (GATEWAY_REPLY.format("k7hq2mz4"),),
        "delivered_to": (GATEWAY_REPLY.format("k7hq2mz4"),),
        "subject": "Re: [Design review] Homepage mockups",
        "message_id": "CAF3xY+Zp=q9wQ6bR1mNoV2w0dGhT8cQ5sK1eJ4uLz7vA@mail.gmail.com",
        "in_reply_to": (NOTIFICATION_ID,),
        "references": THREAD,
        "text": "Looks great — ship it. One nit: the hero image is a bit dark on mobile.\n\n"
        "On Mon, Jun 3, 2024 at 6:40\u202fPM Bob via Gateway <\n"
        "notifications@gateway.example> wrote:\n\n> Here are the new homepage mockups.\n>\n",
        "html": Contains(
            '<div dir="ltr">Looks great — ship it. One nit: the hero image is a bit dark on '
            'mobile.</div><br><div class="gmail_quote">'
        ),
        "attachments": [],
    },
    "outlook_html_reply.eml": {
        "from_address": "carol.smith@contoso.com",
        "from_name": "Carol Smith",
        "to": (GATEWAY_REPLY.format("p3xw9qr2"),),
        "cc": ("bob.jones@contoso.com",),
        "subject": "RE: [Design review] Homepage mockups",
        "message_id": "DB9PR08MB6587C0A8B1A9E2F4D3C2B1A0E9F82"
        "@DB9PR08MB6587.eurprd08.prod.outlook.com",
        "in_reply_to": (NOTIFICATION_ID,),
        "references": THREAD,
        "text": "Agreed. Let's review them at the café on Thursday.\n\nCarol\n\n"
        "From: Bob via Gateway <notifications@gateway.example>\nSent: 03 June 2024 18:40\n"
        "To: Carol Smith <Carol.Smith@contoso.com>\n"
        "Subject: [Design review] Homepage mockups\n\nHere are the new homepage mockups.\n",
        "html": Contains('<div id="divRplyFwdMsg" dir="ltr">'),
        "attachments": [],
    },
    "apple_mail_reply.eml": {
        "from_address": "dave.lee@icloud.com",
        "from_name": "Dave Lee",
        "to": (GATEWAY_REPLY.format("d4v3t0k3"),),
        "subject": "Re: [Design review] Homepage mockups",
        "message_id": "8F2E1B7C-3D4A-4E5F-9A6B-7C8D9E0F1A2B@icloud.com",
        "in_reply_to": (NOTIFICATION_ID,),
        "references": THREAD,
        "text": "I’d go with option B.\n\n> On 3 Jun 2024, at 19:40, Bob via Gateway "
        "<notifications@gateway.example> wrote:\n> \n> Here are the new homepage mockups.\n\n",
        "html": Contains('I’d go with option B.<br id="lineBreakAtBeginningOfMessage">'),
        "attachments": [],
    },
    "thunderbird_reply.eml": {
        "from_address": "erin@example.org",
        "from_name": "Erin Novak",
        "to": (GATEWAY_REPLY.format("3r1nt0k3"),),
        "subject": "Re: [Design review] Homepage mockups",
        "message_id": "5b1c3f6e-8d2a-4c1e-b7f0-3a9e2d4c6b81@example.org",
        "in_reply_to": (NOTIFICATION_ID,),
        "references": THREAD,
        # format=flowed (RFC 3676): soft line breaks joined, the "-- " separator kept.
        "text": "Option B reads better, but the contrast of the grey captions is too low for "
        "WCAG AA. Could we darken them a little before the review with Zoë?\n\n"
        "On 03/06/2024 18:40, Bob via Gateway wrote:\n> Here are the new homepage mockups. "
        "The hero image and the navigation were reworked.\n\n-- \nErin Novak\n",
        "html": None,
        "attachments": [],
    },
    "windows1252_no_charset.eml": {
        "from_address": "kim@oldmail.example",
        "from_name": "Kim Lee",
        "to": (GATEWAY_REPLY.format("k1mt0k3n"),),
        "subject": "Re: [Design review] Homepage mockups",
        "message_id": "000a01dab6c2$1f2e3d40$5d4c3b2a@kimspc",
        "in_reply_to": (NOTIFICATION_ID,),
        "references": (NOTIFICATION_ID,),
        "text": "“Option B” is fine – the café budget is €10.\n\n",
        "html": None,
        "attachments": [],
    },
    "rfc2047_subject.eml": {
        "from_address": "andre@example.de",
        "from_name": "André Müller",
        "to": (GATEWAY_REPLY.format("4ndr3tok"),),
        "cc": ("juergen@example.de", "zoe@example.de"),
        "subject": "Re: [Design review] 🎨 Mockups für die Startseite",
        "message_id": "b6c5d4e3-f2a1-4b0c-9d8e-7f6a5b4c3d2e@example.de",
        "in_reply_to": (NOTIFICATION_ID,),
        "references": (NOTIFICATION_ID,),
        "text": "Sieht gut aus, danke!\n",
        "html": None,
        "attachments": [],
    },
    "html_only.eml": {
        "from_address": "nina@webmail.example",
        "from_name": "Nina Rossi",
        "to": (GATEWAY_REPLY.format("n1n4t0k3"),),
        "subject": "Re: [Design review] Homepage mockups",
        "message_id": "1717504809.552118@webmail.example",
        "in_reply_to": (NOTIFICATION_ID,),
        "references": THREAD,
        "text": None,
        "html": Contains('<div>Perfetto, grazie! 👍</div><div><br></div><hr id="zwchr">'),
        "attachments": [],
    },
    "attachments.eml": {
        "from_address": "erin@example.org",
        "to": (GATEWAY_REPLY.format("3r1nt0k3"),),
        "subject": "Re: [Design review] Homepage mockups",
        "message_id": "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f@example.org",
        "in_reply_to": (NOTIFICATION_ID,),
        "references": THREAD,
        "text": "Invoice and my notes attached; the colour swatch is inline.\n\n",
        "html": Contains('<p><img src="cid:part1.Kx9Lm2Np.Qr3St4Uv@example.org" alt=""></p>'),
        "attachments": [
            ("image-1.png", "image/png", True, "part1.Kx9Lm2Np.Qr3St4Uv@example.org"),
            ("Rechnung März 2024.pdf", "application/pdf", False, None),
            ("notes.txt", "text/plain", False, None),
        ],
    },
    "outlook_attachment.eml": {
        "from_address": "carol.smith@contoso.com",
        "to": (GATEWAY_REPLY.format("p3xw9qr2"),),
        "subject": "RE: [Design review] Homepage mockups",
        "message_id": "VI1PR08MB53251A2B3C4D5E6F7A8B9C0D1E2F3"
        "@VI1PR08MB5325.eurprd08.prod.outlook.com",
        "in_reply_to": (NOTIFICATION_ID,),
        "references": (NOTIFICATION_ID,),
        "text": "The presentation is attached.\n",
        "html": Contains("<div>The presentation is attached.</div>"),
        "attachments": [
            (
                "Präsentation Entwürfe.pptx",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                False,
                None,
            )
        ],
    },
    "forwarded.eml": {
        "from_address": "oscar@example.net",
        "from_name": "Oscar Wilde",
        "to": (GATEWAY_REPLY.format("0sc4rt0k"),),
        "subject": "Fwd: Printer quote",
        "message_id": "ZmU8xY2z9Q1w@shell.example.net",
        "in_reply_to": NO_IDS,
        "references": NO_IDS,
        "text": "The printer's quote is below, for the record.\n",
        "html": None,
        "attachments": [("forwarded.eml", "message/rfc822", True, None)],
    },
    "japanese_iso2022jp.eml": {
        "from_address": "taro@example.jp",
        "from_name": "山田 太郎",
        "to": (GATEWAY_REPLY.format("t4r0t0k3"),),
        "subject": "Re: 了解しました。",
        "message_id": "20240604233000.A1B2.TARO@example.jp",
        "in_reply_to": (NOTIFICATION_ID,),
        "references": NO_IDS,
        "text": "了解しました。明日確認します。\n",
        "html": None,
        "attachments": [],
    },
    "exchange_ooo.eml": {
        "from_address": "frank.miller@contoso.com",
        "to": (GATEWAY_REPLY.format("fr4nkt0k"),),
        "subject": "Automatic reply: [Design review] Homepage mockups",
        "message_id": "6f1e2d3c4b5a4f9e8d7c6b5a4f3e2d1c@AS8PR07MB7973.eurprd07.prod.outlook.com",
        "in_reply_to": (NOTIFICATION_ID,),
        "references": (NOTIFICATION_ID,),
        "text": "I am out of the office until 10 June with limited access to email.\n"
        "For urgent matters please contact design-team@contoso.com.\n",
        "html": Contains("<div>I am out of the office until 10 June"),
        "attachments": [],
    },
    "gmail_vacation.eml": {
        "from_address": "grace.hopper.dev@gmail.com",
        "to": (GATEWAY_REPLY.format("gr4c3tok"),),
        "delivered_to": (GATEWAY_REPLY.format("gr4c3tok"),),
        "subject": "Away until June 10",
        "message_id": "CAGbQ1xN8pVv0Lm2ZkE+3w=Ry7uTt5FhJd2Sg9Xo4aQ@mail.gmail.com",
        "in_reply_to": (NOTIFICATION_ID,),
        "references": (NOTIFICATION_ID,),
        "text": "Hi, I'm travelling until June 10 and will answer when I'm back.\n",
        "html": Contains("Hi, I'm travelling until June 10"),
        "attachments": [],
    },
    "german_ooo.eml": {
        "from_address": "hans.schmidt@beispiel.de",
        "to": (GATEWAY_REPLY.format("h4nst0k3"),),
        "subject": "Abwesenheitsnotiz: [Design review] Homepage mockups",
        "message_id": "OF5A3B2C1D.4E5F6A7B-ONC1258B2A.0032C1F0@beispiel.de",
        "in_reply_to": NO_IDS,
        "references": NO_IDS,
        "text": "Ich bin bis einschließlich 14.06.2024 nicht im Büro. In dringenden Fällen "
        "wenden Sie sich bitte an meine Kollegin Frau Müller.\n",
        "html": None,
        "attachments": [],
    },
    "list_mail.eml": {
        "from_address": "ivan@example.com",
        "to": ("design@lists.example.org",),
        "subject": "[design] Brand colours",
        "message_id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d@example.com",
        "in_reply_to": NO_IDS,
        "references": NO_IDS,
        "text": Contains("Here is the proposed palette for the new brand.\n____"),
        "html": None,
        "attachments": [],
    },
    "dsn_permanent.eml": {
        "from_address": "mailer-daemon@mx.gateway.example",
        "from_name": "Mail Delivery System",
        "to": ("bounces+m1001.old.member=example.net@gateway.example",),
        "subject": "Undelivered Mail Returned to Sender",
        "message_id": "20240604091203.3F1A2B4C5D@mx.gateway.example",
        "in_reply_to": NO_IDS,
        "references": NO_IDS,
        "text": Contains("<old.member@example.net>: host mx1.example.net[203.0.113.25] said"),
        "html": None,
        "attachments": [],  # delivery-status and rfc822-headers parts are report machinery
    },
    "dsn_temporary.eml": {
        "from_address": "mailer-daemon@mx.gateway.example",
        "to": ("bounces+m1002.slow.user=example.com@gateway.example",),
        "subject": "Delayed Mail (still being retried)",
        "message_id": "20240604131209.8E7D6C5B4A@mx.gateway.example",
        "in_reply_to": NO_IDS,
        "references": NO_IDS,
        "text": Contains("# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #"),
        "html": None,
        "attachments": [],
    },
    "dsn_gmail.eml": {
        "from_address": "mailer-daemon@googlemail.com",
        "from_name": "Mail Delivery Subsystem",
        "to": ("bounces@reply.example.com",),
        "subject": "Delivery Status Notification (Failure)",
        "message_id": "6571a2b3.050a0220.1234.5678.GMR@mx.google.com",
        "in_reply_to": NO_IDS,
        "references": NO_IDS,
        "text": Contains("Your message wasn't delivered to no.such.person@gmail.com"),
        "html": Contains("<h2>Address not found</h2>"),
        # The returned message (message/rfc822) is a part of its own, as in any mail.
        "attachments": [("forwarded.eml", "message/rfc822", False, None)],
    },
    "dsn_exchange.eml": {
        "from_address": "postmaster@contoso.com",
        "to": ("bounces@reply.example.com",),
        "subject": "Undeliverable: [Gateway] Website redesign",
        "message_id": "b3c1e6f0-7a2d-4f5e-9c3b-1a2b3c4d5e6f@contoso.com",
        "in_reply_to": NO_IDS,
        "references": NO_IDS,
        "text": Contains("former.employee wasn't found at contoso.com."),
        "html": Contains("couldn't be delivered.</p>"),
        "attachments": [],  # text/rfc822-headers: report machinery
    },
    "dsn_amazon_ses.eml": {
        "from_address": "mailer-daemon@amazonses.com",
        "to": ("bounces@reply.example.com",),
        "subject": "Delivery Status Notification (Delay)",
        "message_id": "0100018c-aaaa-bbbb-cccc-000000000000-000000@email.amazonses.com",
        "in_reply_to": NO_IDS,
        "references": NO_IDS,
        "text": Contains("full.mailbox@example.org"),
        "html": None,
        "attachments": [("forwarded.eml", "message/rfc822", False, None)],
    },
    "exim_bounce.eml": {
        "from_address": "mailer-daemon@relay.example.com",
        "from_name": "Mail Delivery System",
        "to": ("bounces+m1003@gateway.example",),
        "subject": "Mail delivery failed: returning message to sender",
        "message_id": "E1sEQbN-0003Kx-2Z@relay.example.com",
        "in_reply_to": NO_IDS,
        "references": NO_IDS,
        "text": Contains("The following address(es) failed:\n\n  gone.away@example.com\n"),
        "html": None,
        "attachments": [],
    },
    "qmail_failure_notice.eml": {
        "from_address": "mailer-daemon@mail.smallhost.example",
        "from_name": "",
        "to": ("bounces+m1004@gateway.example",),
        "subject": "failure notice",
        "message_id": None,
        "in_reply_to": NO_IDS,
        "references": NO_IDS,
        "text": Contains("<nobody.here@smallhost.example>:\nSorry, no mailbox here"),
        "html": None,
        "attachments": [],
    },
    "mdn_read_receipt.eml": {
        "from_address": "carol.smith@contoso.com",
        "to": (GATEWAY_REPLY.format("p3xw9qr2"),),
        "subject": "Read: [Design review] Homepage mockups",
        "message_id": "mdn-5c4b3a29@contoso.com",
        "in_reply_to": NO_IDS,
        "references": NO_IDS,
        "text": "Your message was read on Tuesday, 4 June 2024 15:40:00 (UTC).\n",
        "html": None,
        "attachments": [],
    },
}
REQUIRED_FIELDS = {
    "from_address", "to", "subject", "message_id", "in_reply_to", "references", "text", "html",
    "attachments",
}  # fmt: skip


def test_every_fixture_has_expectations_for_every_required_field():
    assert sorted(EXPECTED) == FIXTURES
    for name, expected in EXPECTED.items():
        assert expected.keys() >= REQUIRED_FIELDS, name


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_parses_to_the_expected_fields(name: str):
    parsed = parse_fixture(name)
    for field_name, value in EXPECTED[name].items():
        actual = getattr(parsed, field_name)
        if field_name == "attachments":
            actual = [(a.filename, a.content_type, a.inline, a.content_id) for a in actual]
        if isinstance(value, Contains):
            assert actual is not None and value in actual, field_name
        else:
            assert actual == value, field_name


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_parses_without_defects(name: str):
    assert parse_fixture(name).defects == ()


def test_plain_text_is_preferred_and_html_kept_within_multipart_alternative():
    parsed = parse_fixture("gmail_reply.eml")
    assert parsed.text is not None and parsed.text.startswith("Looks great")
    assert parsed.html is not None and parsed.html.startswith('<div dir="ltr">Looks great')


def test_html_only_mail_has_no_text_but_its_decoded_html():
    parsed = parse_fixture("html_only.eml")
    assert parsed.text is None
    assert parsed.html is not None and "Perfetto, grazie! 👍" in parsed.html


def test_windows_1252_text_without_declared_charset_keeps_smart_quotes_and_euro():
    assert parse_fixture("windows1252_no_charset.eml").text == (
        "“Option B” is fine – the café budget is €10.\n\n"
    )


def test_line_endings_are_normalized_to_newline():
    parsed = parse_fixture("outlook_html_reply.eml")  # stored with CRLF
    assert parsed.text is not None and "\r" not in parsed.text
    assert parsed.html is not None and "\r" not in parsed.html


def test_text_part_with_a_filename_is_an_attachment_not_the_body():
    parsed = parse_fixture("attachments.eml")
    notes = next(a for a in parsed.attachments if a.filename == "notes.txt")
    assert notes.data == b"1. darker captions\n2. bigger CTA\n"
    assert parsed.text is not None and "darker captions" not in parsed.text


def test_inline_image_without_a_name_gets_a_made_up_name_and_its_content_id():
    image = parse_fixture("attachments.eml").attachments[0]
    assert image == Attachment(
        filename="image-1.png",
        content_type="image/png",
        data=image.data,
        inline=True,
        content_id="part1.Kx9Lm2Np.Qr3St4Uv@example.org",
    )
    assert image.data.startswith(b"\x89PNG\r\n\x1a\n")


def test_attachment_data_is_decoded_from_base64():
    pdf = parse_fixture("attachments.eml").attachments[1]
    assert pdf.data.startswith(b"%PDF-1.4\n") and pdf.data.endswith(b"%%EOF\n")


def test_forwarded_message_is_an_attachment_holding_the_whole_message():
    forwarded = parse_fixture("forwarded.eml").attachments[0]
    inner = email.message_from_bytes(forwarded.data, policy=compat32)
    assert inner["Subject"] == "Printer quote"
    assert inner.get_payload() == "500 brochures, 4 pages, matt: EUR 412.\n"


def test_unnamed_forwarded_messages_are_numbered():
    inner = b"From: a@example.com\r\nSubject: one\r\n\r\nbody\r\n"
    part = b"--f\r\nContent-Type: message/rfc822\r\n\r\n" + inner
    raw = email_bytes(
        'Content-Type: multipart/mixed; boundary="f"', body=part + part + b"--f--\r\n"
    )
    assert [a.filename for a in parse_email(raw).attachments] == [
        "forwarded.eml",
        "forwarded-2.eml",
    ]


def test_signature_parts_of_signed_mail_are_not_attachments():
    body = (
        b"--s\r\nContent-Type: text/plain\r\n\r\nSigned words.\r\n"
        b'--s\r\nContent-Type: application/pkcs7-signature; name="smime.p7s"\r\n'
        b'Content-Disposition: attachment; filename="smime.p7s"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\r\n--s--\r\n"
    )
    parsed = parse_email(email_bytes('Content-Type: multipart/signed; boundary="s"', body=body))
    assert parsed.text == "Signed words."  # the CRLF before a delimiter is part of it
    assert parsed.attachments == ()


# --- headers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decoded"),
    [
        pytest.param("=?UTF-8?B?R3LDvMOfZQ==?=", "Grüße", id="utf8-b"),
        pytest.param("=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=", "Grüße aus Köln", id="utf8-q"),
        pytest.param("=?ISO-8859-1?Q?Caf=E9_cr=E8me?=", "Café crème", id="latin1-q"),
        pytest.param("=?iso-8859-1?b?Q2Fm6Q==?=", "Café", id="latin1-b-lowercase"),
        pytest.param("Re: =?utf-8?q?caf=C3=A9?= tomorrow", "Re: café tomorrow", id="mixed-text"),
        pytest.param("=?utf-8?q?a?= =?utf-8?q?b?=", "ab", id="space-between-words-dropped"),
        pytest.param("=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab", id="folded-words"),
        # A multibyte character split across two words (some encoders do it).
        pytest.param("=?utf-8?B?8J+O?= =?utf-8?B?qA==?=", "🎨", id="split-character"),
        pytest.param("=?utf-8*en?q?hello?=", "hello", id="rfc2231-language"),
        pytest.param("=?utf-8?B?!!junk!!?= ok", "=?utf-8?B?!!junk!!?= ok", id="bad-b-kept"),
        pytest.param("=?x-unknown?Q?caf=C3=A9?=", "café", id="unknown-charset-utf8-guess"),
        pytest.param("=?x-unknown?Q?caf=E9?=", "café", id="unknown-charset-1252-guess"),
        pytest.param("=?utf-8?q?unterminated", "=?utf-8?q?unterminated", id="unterminated"),
        pytest.param("Hello\r\n world", "Hello world", id="plain-folded"),
    ],
)
def test_header_text_decodes_rfc2047_and_unfolds(value: str, decoded: str):
    msg = email.message_from_bytes(f"Subject: {value}\r\n\r\n".encode(), policy=compat32)
    assert header_text(msg, "subject") == decoded


@pytest.mark.parametrize(
    ("raw_subject", "decoded"),
    [
        pytest.param("Grüße".encode(), "Grüße", id="raw-utf8"),
        pytest.param("Grüße".encode("cp1252"), "Grüße", id="raw-windows-1252"),
    ],
)
def test_raw_8bit_header_is_decoded_as_utf8_then_windows_1252(raw_subject: bytes, decoded: str):
    parsed = parse_email(b"Subject: " + raw_subject + b"\r\n\r\nhi\r\n")
    assert parsed.subject == decoded
    assert header_text(parsed.headers, "Subject") == decoded


def test_header_text_is_empty_for_a_missing_header_and_reads_header_objects():
    msg = email.message_from_bytes(b"Subject: x\r\n\r\n", policy=compat32)
    msg["X-Set-By-Code"] = Header("Grüße", "utf-8")
    assert header_text(msg, "X-Absent") == ""
    assert header_text(msg, "x-set-by-code") == "Grüße"


def test_subject_whitespace_is_collapsed():
    parsed = parse_email(email_bytes("Subject:   Re:\t lots \r\n   of   space  ", body="x"))
    assert parsed.subject == "Re: lots of space"


def test_display_name_with_an_encoded_comma_stays_one_address():
    parsed = parse_email(
        email_bytes("Cc: =?utf-8?q?M=C3=BCller=2C_J=C3=BCrgen?= <J@Example.de>, x@y.org", body="x")
    )
    assert parsed.cc == ("j@example.de", "x@y.org")


def test_addresses_are_lowercased_and_deduplicated_in_order():
    parsed = parse_email(
        email_bytes(
            'Cc: B@Example.com, a@example.com, "Bee" <b@example.com>, undisclosed:;', body="x"
        )
    )
    assert parsed.cc == ("b@example.com", "a@example.com")


def test_from_without_a_domain_has_no_address_but_keeps_its_name():
    parsed = parse_email(b"From: MAILER-DAEMON (Mail Delivery System)\r\n\r\nx\r\n")
    assert parsed.from_address is None
    assert parsed.from_name == "Mail Delivery System"


def test_missing_from_gives_no_address_and_empty_name():
    parsed = parse_email(b"Subject: hi\r\n\r\nx\r\n")
    assert (parsed.from_address, parsed.from_name, parsed.to, parsed.subject) == (
        None,
        "",
        (),
        "hi",
    )


def test_delivered_to_and_x_original_to_are_collected():
    parsed = parse_email(
        email_bytes(
            "Delivered-To: Reply+A@gateway.example",
            "X-Original-To: reply+b@gateway.example",
            "Delivered-To: reply+a@gateway.example",
            body="x",
        )
    )
    assert parsed.delivered_to == ("reply+a@gateway.example", "reply+b@gateway.example")


@pytest.mark.parametrize(
    ("header", "message_id"),
    [
        pytest.param("Message-ID: <abc@example.org>", "abc@example.org", id="bracketed"),
        pytest.param("Message-ID:  abc@example.org ", "abc@example.org", id="bare"),
        pytest.param("Message-ID: <>", None, id="empty-brackets"),
        pytest.param("Message-ID:   ", None, id="blank"),
        pytest.param("X-Other: 1", None, id="absent"),
    ],
)
def test_message_id_is_stripped_of_brackets_or_none(header: str, message_id: str | None):
    assert parse_email(email_bytes(header, body="x")).message_id == message_id


def test_references_and_in_reply_to_keep_order_and_tolerate_missing_brackets():
    parsed = parse_email(
        email_bytes(
            "In-Reply-To: <b@x> (Bob's message of Monday)",
            "References: <root@x>\r\n <a@x>\r\n\t<b@x> <a@x>",
            body="x",
        )
    )
    assert parsed.in_reply_to == ("b@x",)
    assert parsed.references == ("root@x", "a@x", "b@x")
    bare = parse_email(
        email_bytes("References: root@x, a@x", "In-Reply-To: Your message", body="x")
    )
    assert (bare.references, bare.in_reply_to) == (("root@x", "a@x"), ())


# --- body decoding -------------------------------------------------------------------------


def test_declared_charset_is_used():
    raw = email_bytes("Content-Type: text/plain; charset=koi8-r", body="Привет".encode("koi8_r"))
    assert parse_email(raw).text == "Привет"


def test_iso_8859_1_label_decodes_windows_1252_quotes():
    # Mail labelled ISO-8859-1 is nearly always windows-1252 (WHATWG Encoding does the same).
    raw = email_bytes("Content-Type: text/plain; charset=iso-8859-1", body=b"\x93ok\x94 \x80")
    assert parse_email(raw).text == "“ok” €"


def test_unsafe_codec_names_are_not_applied():
    raw = email_bytes("Content-Type: text/plain; charset=punycode", body=b"abc-def")
    parsed = parse_email(raw)
    assert parsed.text == "abc-def"
    assert "UnknownCharset" in parsed.defects


def test_html_charset_is_sniffed_from_meta_when_the_part_declares_none():
    html = '<html><head><meta charset="windows-1251"></head><body>Привет</body></html>'
    raw = email_bytes("Content-Type: text/html", body=html.encode("cp1251"))
    assert parse_email(raw).html == html


def test_utf16_text_with_byte_order_mark_is_decoded():
    raw = email_bytes("Content-Type: text/plain", body="Hello ✓".encode("utf-16"))
    assert parse_email(raw).text == "Hello ✓"


def test_nul_and_control_characters_are_removed_from_text():
    raw = email_bytes("Content-Type: text/plain", body=b"Hi\x00 there\x07,\x0b friend\r\n")
    assert parse_email(raw).text == "Hi there, friend\n"


def test_format_flowed_with_delsp_removes_the_soft_break_space():
    raw = email_bytes(
        "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes",
        body=b"Zusammen \r\ngeschrieben\r\n>> tief \r\n>> zitiert\r\n",
    )
    assert parse_email(raw).text == "Zusammengeschrieben\n>> tiefzitiert\n"


def test_quoted_printable_body_is_decoded():
    raw = email_bytes(
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        body=b"Caf=C3=A9 =\r\nau lait\r\n",
    )
    assert parse_email(raw).text == "Café au lait\n"


# --- attachments ---------------------------------------------------------------------------


def _attachment_named(header: str) -> Attachment:
    """The one attachment of a message whose file part has `header` (and a Content-Type)."""
    if not header.startswith("Content-Type:"):
        header = "Content-Type: application/octet-stream\r\n" + header
    body = (
        b"--f\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--f\r\n"
        + header.encode("utf-8", "surrogateescape")
        + b"\r\n\r\nDATA\r\n--f--\r\n"
    )
    parsed = parse_email(email_bytes('Content-Type: multipart/mixed; boundary="f"', body=body))
    (attachment,) = parsed.attachments
    return attachment


@pytest.mark.parametrize(
    ("header", "filename"),
    [
        pytest.param('Content-Disposition: attachment; filename="../../etc/passwd"', "passwd"),
        pytest.param(
            'Content-Disposition: attachment; filename="C:\\\\Users\\\\kim\\\\report.pdf"',
            "report.pdf",
            id="windows-path",
        ),
        pytest.param('Content-Disposition: attachment; filename="..."', "attachment-1.bin"),
        pytest.param(
            'Content-Disposition: attachment; filename="a\x01b\x7fc.txt"', "abc.txt", id="controls"
        ),
        pytest.param(
            'Content-Disposition: attachment; filename="invoice\u202efdp.exe"',
            "invoicefdp.exe",
            id="bidi-override",
        ),
        pytest.param('Content-Disposition: attachment; filename=".htaccess"', "htaccess"),
        pytest.param("Content-Disposition: attachment", "attachment-1.bin", id="unnamed"),
        pytest.param(
            "Content-Disposition: attachment; filename*=iso-8859-1''caf%E9.txt",
            "café.txt",
            id="rfc2231-latin1",
        ),
        pytest.param(
            'Content-Type: application/pdf; name="only-in-type.pdf"',
            "only-in-type.pdf",
            id="content-type-name",
        ),
        pytest.param(
            "Content-Disposition: attachment;\r\n filename*0*=utf-8''Gr%C3%BC;\r\n"
            ' filename*1="sse.txt"',
            "Grüsse.txt",
            id="rfc2231-continuations",
        ),
        pytest.param(
            'Content-Disposition: attachment; filename="Grüße.txt"', "Grüße.txt", id="raw-utf8"
        ),
        pytest.param(
            'Content-Disposition: attachment; filename="=?UTF-8?B?R3LDvMOfZS50eHQ=?="',
            "Grüße.txt",
            id="rfc2047",
        ),
    ],
)
def test_attachment_filename_is_sanitized(header: str, filename: str):
    assert _attachment_named(header).filename == filename


def test_long_attachment_filename_is_cut_to_the_limit_keeping_the_extension():
    name = "x" * 300 + ".pdf"
    attachment = _attachment_named(f'Content-Disposition: attachment; filename="{name}"')
    assert len(attachment.filename) == MAX_FILENAME_CHARS
    assert attachment.filename.endswith("x.pdf")


def test_unnamed_application_part_without_disposition_is_not_an_attachment():
    body = (
        b"--f\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
        b"--f\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\n--f--\r\n"
    )
    parsed = parse_email(email_bytes('Content-Type: multipart/mixed; boundary="f"', body=body))
    assert parsed.attachments == ()
    assert "UnnamedPartIgnored" in parsed.defects


# --- broken and hostile mail ---------------------------------------------------------------

MALFORMED = malformed_emails(MEMBER, REPLY_ADDRESS)
RECOVERABLE = recoverable_malformed_emails(MEMBER, REPLY_ADDRESS)


def test_malformed_corpora_are_large_and_each_message_has_its_own_message_id():
    assert len(MALFORMED) >= 25 and len(RECOVERABLE) >= 8
    raws = [raw for _, raw in MALFORMED] + [raw for _, raw, _ in RECOVERABLE]
    message_ids = {parse_email(raw).message_id for raw in raws}
    assert None not in message_ids and len(message_ids) == len(raws)


@pytest.mark.parametrize("raw", [raw for _, raw in MALFORMED], ids=[n for n, _ in MALFORMED])
def test_unrecoverable_malformed_email_has_no_text_html_or_attachments(raw: bytes):
    parsed = parse_email(raw)
    assert parsed.text is None
    assert parsed.html is None
    assert parsed.attachments == ()
    # The envelope-level facts survive, so the intake can route it and say why it refused.
    assert parsed.from_address == MEMBER
    assert parsed.to == (REPLY_ADDRESS,)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(raw, text) for _, raw, text in RECOVERABLE],
    ids=[name for name, _, _ in RECOVERABLE],
)
def test_recoverable_malformed_email_yields_its_text(raw: bytes, expected: str):
    parsed = parse_email(raw)
    assert parsed.text is not None
    assert parsed.text.strip() == expected
    assert parsed.from_address == MEMBER


def test_invalid_encoded_word_in_subject_is_kept_and_valid_ones_decoded():
    raw = next(raw for name, raw, _ in RECOVERABLE if name == "invalid_rfc2047_word_in_subject")
    assert parse_email(raw).subject == INVALID_RFC2047_SUBJECT_DECODED


def test_multipart_nested_deeper_than_the_limit_is_not_entered_but_text_above_is_kept():
    depth = MAX_DEPTH + 5
    nested = b"".join(
        b'--n%d\r\nContent-Type: multipart/mixed; boundary="n%d"\r\n\r\n' % (i, i + 1)
        for i in range(depth)
    )
    bottom = b"--n%d\r\nContent-Type: text/html\r\n\r\n<p>deep</p>\r\n" % depth
    closing = b"".join(b"--n%d--\r\n" % i for i in reversed(range(depth + 1)))
    body = b"--top\r\nContent-Type: text/plain\r\n\r\nabove\r\n--top\r\n"
    body += b'Content-Type: multipart/mixed; boundary="n0"\r\n\r\n' + nested + bottom + closing
    body += b"--top--\r\n"
    parsed = parse_email(email_bytes('Content-Type: multipart/mixed; boundary="top"', body=body))
    assert parsed.text == "above"
    assert parsed.html is None
    assert "DepthLimitExceeded" in parsed.defects


def test_parts_beyond_the_limit_are_not_walked():
    part = b"--p\r\nContent-Type: image/png\r\nContent-Disposition: attachment\r\n\r\nAAAA\r\n"
    raw = email_bytes(
        'Content-Type: multipart/mixed; boundary="p"', body=part * (MAX_PARTS + 50) + b"--p--\r\n"
    )
    parsed = parse_email(raw)
    assert len(parsed.attachments) == MAX_PARTS - 1  # the multipart itself is one part walked
    assert "PartLimitExceeded" in parsed.defects


# --- fuzzing -------------------------------------------------------------------------------

FIXTURE_BYTES = [(DATA / name).read_bytes() for name in FIXTURES]
FUZZ_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _assert_well_formed(parsed: ParsedEmail) -> None:
    assert isinstance(parsed, ParsedEmail)
    for value in (parsed.text, parsed.html):
        assert value is None or (isinstance(value, str) and "\x00" not in value and value.strip())
    assert all(isinstance(a.data, bytes) and a.data for a in parsed.attachments)
    assert all(a.filename and "/" not in a.filename for a in parsed.attachments)
    assert all(len(a.filename) <= MAX_FILENAME_CHARS for a in parsed.attachments)


@FUZZ_SETTINGS
@given(st.binary(max_size=4096))
def test_parse_email_never_raises_on_arbitrary_bytes(raw: bytes):
    _assert_well_formed(parse_email(raw))


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> bytes:
    """A fixture with a few bytes replaced, inserted or deleted, or cut short."""
    data = bytearray(draw(st.sampled_from(FIXTURE_BYTES)))
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        junk = draw(
            st.one_of(
                st.binary(min_size=1, max_size=8),
                st.sampled_from([b"\r\n", b"\n\n", b"--", b"=?", b"?=", b";", b'"', b"=", b"\x00"]),
            )
        )
        if action == "replace":
            data[position : position + len(junk)] = junk
        elif action == "insert":
            data[position:position] = junk
        elif action == "delete":
            del data[position : position + len(junk)]
        else:
            del data[position:]
    return bytes(data)


@FUZZ_SETTINGS
@given(mutated_fixtures())
def test_parse_email_never_raises_on_mutated_fixtures(raw: bytes):
    _assert_well_formed(parse_email(raw))
