"""What an email says never carries control characters onward (EMAIL-RULES section 3): the
sender's display name and subject come out on one line, an attachment's file name without
controls or line separators. Such mail is cleaned, never refused: a person's reply still
gets in."""

from __future__ import annotations

import pytest

from gateway.inbound.parsing import parse_email

UNSAFE = "\x00\x01\r\n\x0b\x1b\x7f\x85\x9b\u2028\u2029"


def _email(from_header: str, filename_param: str, subject: str = "Plans") -> bytes:
    return (
        f"From: {from_header}\r\n"
        "To: room@reply.example.com\r\n"
        f"Subject: {subject}\r\n"
        "Message-ID: <a1@mail.example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n"
        f"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
        f"{filename_param}\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n"
    ).encode()


@pytest.mark.parametrize(
    "from_header",
    [
        "=?utf-8?q?Alice=00=0D=0ABcc=3A_x=40evil.example?= <alice@example.com>",
        "=?utf-8?b?QWxpY2XigKhCY2M6IHhAZXZpbC5leGFtcGxl?= <alice@example.com>",  # U+2028
        "=?utf-8?q?Alice=1B=5B31m=C2=85?= <alice@example.com>",
        '"Alice\x01 Archer" <alice@example.com>',
    ],
)
def test_a_display_name_hiding_controls_comes_out_on_one_line(from_header: str) -> None:
    parsed = parse_email(_email(from_header, 'filename="plans.pdf"'))
    assert parsed.from_address == "alice@example.com"
    assert parsed.from_name.startswith("Alice")
    assert not any(char in parsed.from_name for char in UNSAFE), repr(parsed.from_name)


def test_a_subject_hiding_controls_comes_out_on_one_line() -> None:
    raw = _email("alice@example.com", 'filename="a.pdf"', "=?utf-8?q?Ship=00=1B_it=E2=80=A8?=")
    subject = parse_email(raw).subject
    assert subject == "Ship it"


@pytest.mark.parametrize(
    "filename_param",
    [
        "filename*=utf-8''plans%E2%80%A8Bcc%3A%20x.pdf",
        "filename*=utf-8''plans%00%0D%0A%C2%85.pdf",
        'filename="=?utf-8?q?plans=0D=0A=E2=80=A9.pdf?="',
    ],
)
def test_an_attachment_name_loses_controls_and_line_separators(filename_param: str) -> None:
    (attachment,) = parse_email(_email("alice@example.com", filename_param)).attachments
    assert attachment.filename.startswith("plans") and attachment.filename.endswith(".pdf")
    assert not any(char in attachment.filename for char in UNSAFE), repr(attachment.filename)
