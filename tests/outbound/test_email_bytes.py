"""Email bytes: header lines, quoted-printable parts and the multipart body come out byte for
byte as the email package's EmailMessage writes them with the same policy, for every value
without "=?" or control characters (those are written so that they cannot break a header
line: tests/outbound/test_header_line_safety.py)."""

from __future__ import annotations

import random
import re
import string
from email.headerregistry import Address
from email.message import EmailMessage

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from gateway.outbound.email_bytes import (
    EMAIL_POLICY,
    BodyEncoder,
    address_line,
    alternative_body,
    header_line,
)

# Printable ASCII heavy on the characters header syntax cares about, some spaces, some
# non-ASCII: most draws take the direct path, the rest the email package's.
_HEADER_CHARS = st.sampled_from([*"abcXYZ019 .,;:<>@\"'()[]\\=?-_/!#~é—", "  "])
# Plain ASCII words, from short lines to ones that need a line of their own or folding.
PLAIN_TEXT = st.lists(st.from_regex(r"[A-Za-z0-9<>@.:/=?_-]{1,30}", fullmatch=True), min_size=1,
                      max_size=6).map(" ".join)  # fmt: skip
HEADER_TEXT = st.one_of(st.lists(_HEADER_CHARS, max_size=90).map("".join), PLAIN_TEXT).map(
    lambda text: text.replace("=?", "= ?")  # the email package would decode an encoded word
)
ADDRESSES = st.sampled_from(
    [
        "bob@example.org",
        "user5@members.bench.example",
        "first.last+tag@sub-domain.example.net",
        "r" * 40 + "@reply.example.com",
        '"quoted local"@example.org',
        "a..b@example.org",
    ]
)
_BODY_CHARS = st.sampled_from([*"ab Z=.\t<>&é👍\r", "\n", " \n", "=\n", "x" * 40])
BODY_TEXT = st.lists(_BODY_CHARS, max_size=120).map("".join)
BOUNDARY = re.compile(rb"={15}\d{19}==")


def library_header(name: str, value: object) -> bytes:
    email = EmailMessage(policy=EMAIL_POLICY)
    email[name] = value
    return bytes(email).removesuffix(b"\r\n")


def library_address_line(name: str, display_name: str, addr_spec: str) -> bytes:
    return library_header(name, Address(display_name=display_name, addr_spec=addr_spec))


def library_body(text: str, html: str) -> bytes:
    email = EmailMessage(policy=EMAIL_POLICY)
    email.set_content(text, cte="quoted-printable")
    email.add_alternative(html, subtype="html", cte="quoted-printable")
    return bytes(email)


def outcome(write, *args):  # type: ignore[no-untyped-def]
    """What `write(*args)` gives: its bytes, or the type of error it raises (the email
    package's parser fails on some malformed ids with more than ValueError)."""
    try:
        return write(*args)
    except Exception as error:
        return type(error)


@settings(max_examples=3000, deadline=None)
@given(
    st.sampled_from(["Subject", "References", "List-Archive", "X-Gateway-Loop", "Message-ID"]),
    st.one_of(HEADER_TEXT, HEADER_TEXT.map(lambda text: f"<{text}@example.org>")),
)
def test_header_line_is_what_email_message_writes(name: str, value: str) -> None:
    assert outcome(header_line, name, value) == outcome(library_header, name, value)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(["From", "To", "Reply-To"]), HEADER_TEXT, ADDRESSES)
def test_address_line_is_what_email_message_writes_for_an_address(
    name: str, display_name: str, addr_spec: str
) -> None:
    expected = outcome(library_address_line, name, display_name, addr_spec)
    assert outcome(address_line, name, display_name, addr_spec) == expected


def test_address_line_refuses_an_internationalized_local_part_like_email_message() -> None:
    expected = outcome(library_address_line, "To", "Jü", "jü@example.org")
    assert isinstance(expected, type) and issubclass(expected, ValueError)
    assert outcome(address_line, "To", "Jü", "jü@example.org") == expected


@settings(max_examples=300, deadline=None)
@given(BODY_TEXT, BODY_TEXT)
def test_body_is_what_set_content_and_add_alternative_write(text: str, html: str) -> None:
    encoder = BodyEncoder(max_lines=8)  # small: the tests also cross a fresh start
    ours = alternative_body(encoder.encode(text), encoder.encode(html))
    assert BOUNDARY.sub(b"B", ours) == BOUNDARY.sub(b"B", library_body(text, html))


@settings(max_examples=300, deadline=None)
@given(BODY_TEXT, st.sampled_from(["http://x.example/u/abc?a=1&b=2", "Zoë <Ünal>", "= \t"]))
def test_a_stencil_filled_in_encodes_as_the_text_rendered_with_the_value(
    text: str, value: str
) -> None:
    marker = "gw-slot-0123456789abcdef-name"
    template = f"{text}\nfooter: {marker} and {marker}\n{text}"
    stencil = BodyEncoder().stencil(template, {marker: "name"})
    rendered = template.replace(marker, str(escape(value)))
    assert stencil.fill({"name": value}, escape) == BodyEncoder().encode(rendered)


def test_plain_lines_near_and_past_the_line_length_are_what_email_message_writes() -> None:
    rng = random.Random(5322)
    alphabet = string.ascii_letters + string.digits + "<>@.:/=?_-"
    for _ in range(3000):
        words = [
            "".join(rng.choices(alphabet, k=rng.randint(1, 45))).replace("=?", "= ?")
            for _ in range(rng.randint(1, 5))
        ]
        value = " ".join(words)
        name = rng.choice(["List-Post", "References", "Subject", "X-Gateway-Loop"])
        assert outcome(header_line, name, value) == outcome(library_header, name, value)
        local_part = re.sub(r"[^A-Za-z0-9]", "", words[-1])[:30]
        display_name, address = " ".join(words[:-1]), f"{local_part}x@reply.example.com"
        expected = outcome(library_address_line, "Reply-To", display_name, address)
        assert outcome(address_line, "Reply-To", display_name, address) == expected
