"""Broken MIME messages for parser and intake tests.

`malformed_emails` are broken beyond recovery: none carries text a person wrote, so
`parse_email` must find no text, no HTML and no attachment in any of them (and the intake then
refuses them with "no readable text"). `recoverable_malformed_emails` are broken too, but
hold text a careful parser salvages; each comes with that text.

Every message is From `from_address` and To `to_address` with intact header lines, so a
test can route it to a real member and reach the body checks. Deterministic: no randomness
without a fixed seed.
"""

from __future__ import annotations

import base64
import random

CRLF = b"\r\n"
NESTING_DEPTH = 200
JUNK_SEED = 20240604
JUNK_LINE_BYTES = 76
PLACEHOLDER_ID = "malformed@example.org"
SUBJECT = "Re: [Design review] Homepage mockups"
# A B-word that is not base64 (kept as written) and a Q-word in an unknown charset (UTF-8 guess).
INVALID_RFC2047_SUBJECT = "=?utf-8?B?!!not-base64!!?= =?x-unknown?Q?caf=C3=A9?="
INVALID_RFC2047_SUBJECT_DECODED = "=?utf-8?B?!!not-base64!!?= café"


def _headers(from_address: str, to_address: str, *extra: str, subject: str = SUBJECT) -> bytes:
    lines = [
        f"From: Member <{from_address}>",
        f"To: <{to_address}>",
        f"Subject: {subject}",
        "Date: Tue, 4 Jun 2024 10:00:00 +0000",
        f"Message-ID: <{PLACEHOLDER_ID}>",
        "MIME-Version: 1.0",
        *extra,
    ]
    return CRLF.join(line.encode("utf-8", "surrogateescape") for line in lines) + CRLF


def _with_own_message_id(name: str, raw: bytes) -> bytes:
    """Each message gets its own Message-ID, so an intake that dedupes keeps every one."""
    own = f"{name.replace('_', '-')}@malformed.example.org".encode()
    return raw.replace(PLACEHOLDER_ID.encode(), own, 1)


def _message(
    from_address: str, to_address: str, body: bytes, *extra: str, subject: str = SUBJECT
) -> bytes:
    return _headers(from_address, to_address, *extra, subject=subject) + CRLF + body


def _junk(size: int) -> bytes:
    """Pseudo-random bytes (about one in eight a control character, as in any binary) in
    CRLF-ended lines short enough for SMTP (RFC 5321 section 4.5.3.1.6)."""
    data = random.Random(JUNK_SEED).randbytes(size).replace(b"\r", b"").replace(b"\n", b"")
    return CRLF.join(data[i : i + JUNK_LINE_BYTES] for i in range(0, len(data), JUNK_LINE_BYTES))


def _nested_multipart(depth: int) -> bytes:
    """The body of a multipart (boundary "b0") whose only part is a multipart, `depth` levels
    down, the innermost holding one empty part."""
    opening = b"".join(
        b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (level, level + 1)
        for level in range(depth - 1)
    )
    bottom = b"--b%d\r\n\r\n" % (depth - 1)
    closing = b"".join(b"--b%d--\r\n" % level for level in reversed(range(depth)))
    return opening + bottom + closing


def malformed_emails(from_address: str, to_address: str) -> list[tuple[str, bytes]]:
    """(name, raw message) pairs of broken MIME with no recoverable person-written text."""

    def message(body: bytes, *extra: str) -> bytes:
        return _message(from_address, to_address, body, *extra)

    mixed = 'Content-Type: multipart/mixed; boundary="frontier"'
    messages = [
        ("multipart_without_boundary_or_parts", message(b"", "Content-Type: multipart/mixed")),
        (
            "multipart_without_boundary_with_blank_lines",
            message(b"\r\n\r\n\r\n", "Content-Type: multipart/alternative"),
        ),
        ("multipart_declared_boundary_never_used_empty_body", message(b"", mixed)),
        ("multipart_only_closing_delimiter", message(b"--frontier--\r\n", mixed)),
        ("multipart_only_part_is_empty", message(b"--frontier\r\n\r\n--frontier--\r\n", mixed)),
        (
            "multipart_only_part_has_headers_but_no_body",
            message(
                b"--frontier\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n--frontier--\r\n",
                mixed,
            ),
        ),
        (
            "multipart_boundary_mismatch_with_empty_parts",
            message(b"--other\r\nContent-Type: text/plain\r\n\r\n\r\n--other--\r\n", mixed),
        ),
        (
            "multipart_alternative_with_empty_text_and_html",
            message(
                b"--alt\r\nContent-Type: text/plain\r\n\r\n\r\n"
                b"--alt\r\nContent-Type: text/html\r\n\r\n  \r\n--alt--\r\n",
                'Content-Type: multipart/alternative; boundary="alt"',
            ),
        ),
        (
            "base64_text_of_non_alphabet_garbage",
            message(
                b"%%%%$$$$!!!!****\r\n####@@@@~~~~\r\n",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: base64",
            ),
        ),
        (
            "base64_text_decoding_to_control_characters",
            message(
                base64.encodebytes(bytes(range(1, 32)) * 16).replace(b"\n", CRLF),
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: base64",
            ),
        ),
        (
            "base64_text_only_padding",
            message(
                b"====\r\n====\r\n",
                "Content-Type: text/plain",
                "Content-Transfer-Encoding: base64",
            ),
        ),
        (
            "headers_truncated_mid_line_without_body",
            _headers(from_address, to_address) + b"X-Truncated: this header is cut off and no bo",
        ),
        ("headers_and_separator_but_no_body", message(b"")),
        ("text_plain_only_nul_bytes", message(b"\x00" * 512, "Content-Type: text/plain")),
        (
            "text_plain_binary_junk",
            message(
                _junk(2048),
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
            ),
        ),
        (
            "text_plain_only_control_characters",
            message(bytes(range(1, 9)) * 64, "Content-Type: text/plain; charset=us-ascii"),
        ),
        (
            "unknown_charset_and_empty_body",
            message(b"", "Content-Type: text/plain; charset=x-no-such-charset"),
        ),
        (
            "unknown_charset_and_whitespace_body",
            message(b"  \r\n\t\r\n\r\n", 'Content-Type: text/plain; charset="x-klingon-7"'),
        ),
        (
            "quoted_printable_only_soft_line_breaks",
            message(
                b"=\r\n=\r\n=\r\n",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
            ),
        ),
        (
            "unknown_transfer_encoding_binary_junk",
            message(_junk(512), "Content-Type: text/plain", "Content-Transfer-Encoding: x-gzip64"),
        ),
        (
            "nested_multipart_200_levels_with_nothing_at_the_bottom",
            message(
                _nested_multipart(NESTING_DEPTH),
                'Content-Type: multipart/mixed; boundary="b0"',
            ),
        ),
        ("message_rfc822_only_and_empty", message(b"", "Content-Type: message/rfc822")),
        (
            "unnamed_application_octet_stream_only",
            message(
                base64.encodebytes(_junk(300)).replace(b"\n", CRLF),
                "Content-Type: application/octet-stream",
                "Content-Transfer-Encoding: base64",
            ),
        ),
        (
            "attachment_with_empty_body",
            message(
                b"--frontier\r\nContent-Type: text/plain\r\n"
                b'Content-Disposition: attachment; filename="notes.txt"\r\n\r\n'
                b"--frontier--\r\n",
                mixed,
            ),
        ),
        (
            "eight_bit_junk_in_headers_and_empty_body",
            message(
                b"",
                "X-Junk: \udcff\udcfe\udc80\udc81\udc9d garbage \udcc0\udcc1",
                "Content-Type: text/plain; charset=\udcff\udcfe",
            ),
        ),
        (
            "missing_header_body_separator_then_only_a_delimiter",
            _headers(from_address, to_address, mixed) + b"--frontier--\r\n",
        ),
        (
            "multipart_signed_with_empty_content_and_signature",
            message(
                b"--sig\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n\r\n"
                b'--sig\r\nContent-Type: application/pgp-signature; name="signature.asc"\r\n\r\n'
                b"-----BEGIN PGP SIGNATURE-----\r\n\r\niQEzBAEBCAAdFiEE\r\n"
                b"-----END PGP SIGNATURE-----\r\n--sig--\r\n",
                "Content-Type: multipart/signed; micalg=pgp-sha256; "
                'protocol="application/pgp-signature"; boundary="sig"',
            ),
        ),
        ("content_type_garbage_and_empty_body", message(b"", "Content-Type: ;;;===;")),
    ]
    return [(name, _with_own_message_id(name, raw)) for name, raw in messages]


def recoverable_malformed_emails(
    from_address: str, to_address: str
) -> list[tuple[str, bytes, str]]:
    """(name, raw message, the text a parser must recover) for broken-but-salvageable mail."""

    def message(body: bytes, *extra: str) -> bytes:
        return _message(from_address, to_address, body, *extra)

    text = "Sounds good, see you on Thursday."
    messages = [
        (
            "undeclared_charset_windows_1252",
            message(
                b"\x93Option B\x94 is fine \x96 the caf\xe9 budget is \x8010.\r\n",
                "Content-Type: text/plain",
                "Content-Transfer-Encoding: 8bit",
            ),
            "“Option B” is fine – the café budget is €10.",
        ),
        (
            "base64_text_missing_padding",
            message(
                base64.b64encode(text.encode()).rstrip(b"="),
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: base64",
            ),
            text,
        ),
        (
            "base64_text_with_stray_characters_and_extra_character",
            message(
                b"U291bmRz*IGdvb2Qs IHNlZSB5b3Ug\r\nb24gVGh1cnNkYXku!X\r\n",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: base64",
            ),
            text,
        ),
        (
            "unknown_charset_name_with_ascii_text",
            message(text.encode() + CRLF, "Content-Type: text/plain; charset=x-mac-klingon"),
            text,
        ),
        (
            "declared_us_ascii_but_utf8_bytes",
            message(
                "Grüße aus Köln — bis Donnerstag.\r\n".encode(),
                "Content-Type: text/plain; charset=us-ascii",
                "Content-Transfer-Encoding: 7bit",
            ),
            "Grüße aus Köln — bis Donnerstag.",
        ),
        (
            "mixed_crlf_lf_and_cr_line_endings",
            message(b"First line\r\nsecond line\nthird line\rfourth line\r\n"),
            "First line\nsecond line\nthird line\nfourth line",
        ),
        (
            "invalid_rfc2047_word_in_subject",
            _message(
                from_address,
                to_address,
                text.encode() + CRLF,
                "Content-Type: text/plain; charset=utf-8",
                subject=INVALID_RFC2047_SUBJECT,
            ),
            text,
        ),
        (
            "text_padded_with_nul_bytes",
            message(text.encode() + b"\x00" * 300, "Content-Type: text/plain; charset=utf-8"),
            text,
        ),
        (
            "multipart_boundary_declared_differs_from_the_one_used",
            message(
                b"--real-boundary\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                + text.encode()
                + b"\r\n--real-boundary--\r\n",
                'Content-Type: multipart/alternative; boundary="declared-boundary"',
            ),
            text,
        ),
        (
            "multipart_without_closing_delimiter",
            message(
                b"--frontier\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text.encode(),
                'Content-Type: multipart/mixed; boundary="frontier"',
            ),
            text,
        ),
    ]
    return [(name, _with_own_message_id(name, raw), text) for name, raw, text in messages]
