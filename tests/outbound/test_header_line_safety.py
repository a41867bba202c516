"""Email bytes: no text given to the header writer can break a header line, whatever the
interpreter's patch level. Controls are written as spaces; a value holding "=?" is written as
encoded words of its own characters (never decoded on the way out); every line break in a
header line is a fold."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.outbound.email_bytes import address_line, header_line, raw_header_line

from hostile_text import hostile_text

HOSTILE_TEXT = hostile_text()
UNSTRUCTURED = st.sampled_from(["Subject", "References", "In-Reply-To", "List-Archive",
                                "X-Gateway-Category"])  # fmt: skip
ADDRESS_HEADERS = st.sampled_from(["From", "To", "Reply-To"])
ADDRESS = "bob@example.org"
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
FOLDED_BREAK = re.compile(rb"\r\n(?![ \t])")


def assert_one_header_line(line: bytes, name: str) -> None:
    """`line` is the header `name` alone: it starts with the name, ends with CRLF, and every
    other line break in it is CRLF followed by a space or tab (a fold)."""
    assert line.startswith(name.encode("ascii") + b":")
    assert line.endswith(b"\r\n")
    assert line.isascii()
    assert line.count(b"\r") == line.count(b"\n") == line.count(b"\r\n")
    assert FOLDED_BREAK.findall(line[:-2]) == []
    assert all(len(part) <= 998 for part in line.split(b"\r\n"))


def read_back(line: bytes) -> object:
    parsed = BytesParser(policy=policy.default).parsebytes(line + b"\r\n")
    assert len(parsed.keys()) == 1
    return parsed.values()[0]


def without_controls(text: str) -> str:
    return _CONTROLS.sub(" ", text)


def _squeezed(text: str) -> str:
    return "".join(text.split())


@settings(max_examples=400, deadline=None)
@given(UNSTRUCTURED, HOSTILE_TEXT)
def test_header_line_never_breaks_a_line_and_reads_back_without_line_breaks(
    name: str, value: str
) -> None:
    line = header_line(name, value)
    assert_one_header_line(line, name)
    read = str(read_back(line))
    assert "\r" not in read and "\n" not in read and "\x00" not in read
    if "=?" in without_controls(value):
        # Encoded words of the text itself: the reader gets back exactly what was given.
        assert read == without_controls(value)


@settings(max_examples=400, deadline=None)
@given(ADDRESS_HEADERS, HOSTILE_TEXT)
def test_address_line_never_breaks_a_line_and_keeps_the_one_address(
    name: str, display_name: str
) -> None:
    line = address_line(name, display_name, ADDRESS)
    assert_one_header_line(line, name)
    header = read_back(line)
    [address] = header.addresses  # type: ignore[attr-defined]
    assert address.addr_spec == ADDRESS
    assert "\r" not in address.display_name and "\n" not in address.display_name
    if "=?" in without_controls(display_name):
        # The stdlib reader collapses a phrase's spaces and spaces its encoded words
        # apart: the characters, spaces aside, are the ones given.
        assert _squeezed(address.display_name) == _squeezed(without_controls(display_name))


@pytest.mark.parametrize(
    "value",
    [
        "=?utf-8?q?Plans=0D=0ABcc:_x@evil.example?=",
        "=?UTF-8?B?UGxhbnMNCkJjYzogeEBldmlsLmV4YW1wbGU=?=",
        "Plans\r\nBcc: x@evil.example",
        "Plans\u2028Bcc: x@evil.example",
        "Plans\x85Bcc: x@evil.example",
        "Plans\x00\nBcc: x@evil.example",
    ],
)
def test_an_encoded_or_literal_line_break_never_starts_a_header_line(value: str) -> None:
    for name, line in (
        ("Subject", header_line("Subject", value)),
        ("From", address_line("From", value, ADDRESS)),
    ):
        assert_one_header_line(line, name)
        assert b"\x00" not in line
        assert "\n" not in str(read_back(line))


def test_an_encoded_word_in_a_title_reads_as_the_characters_typed() -> None:
    title = "Q3 =?utf-8?q?plans?= review"
    assert str(read_back(header_line("Subject", title))) == title
    header = read_back(address_line("From", title, ADDRESS))
    assert header.addresses[0].display_name == title  # type: ignore[attr-defined]


def test_a_quoted_local_part_follows_an_encoded_display_name() -> None:
    line = address_line("To", "=?x?=", '"quoted local"@example.org')
    assert read_back(line).addresses[0].addr_spec == '"quoted local"@example.org'  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        address_line("To", "=?x?=", "jü@example.org")


def test_a_raw_value_keeps_its_folds_and_loses_its_controls() -> None:
    line = raw_header_line("List-Id", '"Plans\x00 for\u2028Q3"\n <room-1.example.com>')
    assert line == b'List-Id: "Plans  for Q3"\r\n <room-1.example.com>\r\n'


def test_a_raw_value_whose_line_break_is_not_a_fold_is_refused() -> None:
    with pytest.raises(ValueError):
        raw_header_line("List-Id", "Plans\nBcc: x@evil.example")
    with pytest.raises(ValueError):
        raw_header_line("List-Id", "=?utf-8?q?Plans?=\nBcc: x@evil.example")


def test_the_email_package_path_is_checked_too() -> None:
    # A header name is ours, but the last check holds for every line whoever wrote it.
    with pytest.raises(ValueError):
        header_line("Subject\r\nBcc", "x")
    with pytest.raises(ValueError):
        header_line("Subject\r\nBcc", "Zoë")  # through the email package
