"""The MIME structure of received mail: read as the standard library reads well-formed mail,
bounded on hostile mail, and never through the standard library's quadratic accessors."""

from __future__ import annotations

from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.inbound.bounce_reports import detect_bounce
from gateway.inbound.mime_tree import MAX_DEPTH, MAX_PARTS, read_message
from gateway.inbound.parsing import parse_email

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STANDARD_PARSER = BytesParser(policy=compat32)
HEAD = b"From: Ann <ann@example.org>\r\nTo: reply@gateway.example\r\n"


def message(content_type: bytes, body: bytes) -> bytes:
    return HEAD + b"Content-Type: " + content_type + b"\r\n\r\n" + body


def shape(msg: Message) -> tuple[object, ...]:
    """What a reader of the tree sees: envelope line, fields, payload, preamble, epilogue."""
    payload = msg._payload  # the payload as stored, before any decoding
    body = [shape(child) for child in payload] if isinstance(payload, list) else payload
    return (msg.get_unixfrom(), msg.items(), body, msg.preamble, msg.epilogue)


def parts(msg: Message) -> list[Message]:
    found, stack = [], [msg]
    while stack:
        part = stack.pop()
        found.append(part)
        payload = part._payload
        stack.extend(payload if isinstance(payload, list) else [])
    return found


# --- well-formed mail: as the standard library reads it ------------------------------------

_LINE = st.text(st.sampled_from("abc XYZ-=:;<>\"'é\t"), max_size=20).filter(
    lambda line: not line.startswith("-")
)
_FIELD = st.sampled_from(
    [
        "Subject: hi",
        "X-Note: a\r\n folded",
        "Content-Transfer-Encoding: 8bit",
        "Content-Disposition: attachment; filename=a.txt",
        "X-Empty:",
    ]
)


@st.composite
def entities(draw: st.DrawFn, depth: int = 0) -> list[str]:
    """The lines of one well-formed MIME entity: a leaf, a multipart with preamble and
    epilogue, a message/rfc822 or a delivery-status report, nested a few levels."""
    fields = draw(st.lists(_FIELD, max_size=3))
    kind = draw(st.sampled_from(["leaf", "leaf", "status", "multipart", "message"][: 5 - depth]))
    if kind == "leaf":
        content_type = draw(
            st.sampled_from(["text/plain; charset=utf-8", "text/html", "image/png"])
        )
        return [f"Content-Type: {content_type}", *fields, "", *draw(st.lists(_LINE, max_size=4))]
    if kind == "message":
        return ["Content-Type: message/rfc822", *fields, "", *draw(entities(depth + 2))]
    if kind == "status":
        groups = draw(st.lists(st.sampled_from(["Action: failed", "Status: 5.1.1"]), min_size=1))
        return ["Content-Type: message/delivery-status", "", *"\n\n".join(groups).split("\n")]
    boundary = f"b{depth}-{draw(st.integers(0, 999))}"
    lines = [f'Content-Type: multipart/mixed; boundary="{boundary}"', *fields, ""]
    lines += draw(st.lists(_LINE, max_size=2))  # preamble
    for child in draw(st.lists(entities(depth + 1), min_size=1, max_size=3)):
        lines += [f"--{boundary}", *child]
    return [*lines, f"--{boundary}--", *draw(st.lists(_LINE, max_size=2))]


@SETTINGS
@given(lines=entities(), line_end=st.sampled_from(["\r\n", "\n"]), unix_from=st.booleans())
def test_well_formed_mail_is_read_into_the_tree_the_standard_library_builds(
    lines: list[str], line_end: str, unix_from: bool
):
    head = ["From nobody Mon Jan  1 00:00:00 2024"] if unix_from else []
    raw = line_end.join([*head, "From: Ann <ann@example.org>", *lines]).encode()
    raw = raw.replace(b"\r\n", b"\n").replace(b"\n", line_end.encode())
    assert shape(read_message(raw)[0]) == shape(STANDARD_PARSER.parsebytes(raw))


# --- any bytes: bounded --------------------------------------------------------------------

_MIME_BYTES = st.lists(
    st.sampled_from(
        [
            b"\r\n",
            b"\n",
            b"\r",
            b"--b",
            b"--b--",
            b"--",
            b"Content-Type: multipart/mixed; boundary=b",
            b"Content-Type: message/rfc822",
            b"Content-Type: message/delivery-status",
            b'Content-Type: multipart/digest; boundary="b"',
            b"X: y",
            b" folded",
            b"From x",
            b":",
            b"\xff",
            b"boundary*=''b",
        ]
    ),
    max_size=60,
).map(b"".join)


@SETTINGS
@given(raw=st.one_of(_MIME_BYTES, st.binary(max_size=600)))
def test_any_bytes_are_read_into_a_bounded_tree_whose_payloads_are_pieces_of_the_input(
    raw: bytes,
):
    root, defects = read_message(raw)
    found = parts(root)
    assert len(found) <= MAX_PARTS and all(isinstance(name, str) for name in defects)
    texts = [part._payload for part in found if isinstance(part._payload, str)]
    assert sum(map(len, texts)) <= len(raw)  # slices of the input, none copied twice
    assert all(text.encode("utf-8", "surrogateescape") in raw for text in texts)


# --- hostile structure ---------------------------------------------------------------------

ABOVE = b"--top\r\nContent-Type: text/plain\r\n\r\nabove\r\n--top\r\n"


def test_text_naming_the_word_boundary_a_thousand_times_is_read():
    # The body used to be skipped when "boundary" appeared more than 100 times anywhere.
    raw = HEAD + b"\r\n" + b"the boundary of the garden\r\n" * 1000
    assert parse_email(raw).text == "the boundary of the garden\n" * 1000


def test_multipart_nested_a_thousand_deep_keeps_the_text_above_it():
    levels = b"".join(
        b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (level, level)
        for level in range(1000)
    )
    parsed = parse_email(message(b'multipart/mixed; boundary="top"', ABOVE + levels))
    assert parsed.text == "above"
    assert "DepthLimitExceeded" in parsed.defects


def test_messages_nested_two_thousand_deep_keep_the_text_above_them():
    # The standard library recursed once per level (RecursionError): nothing was read.
    inner = b"Content-Type: message/rfc822\r\n\r\n" * 2000
    parsed = parse_email(message(b'multipart/mixed; boundary="top"', ABOVE + inner))
    assert parsed.text == "above"
    assert max(_depths(parsed.headers)) <= MAX_DEPTH + 1


def _depths(msg: Message, depth: int = 0) -> list[int]:
    payload = msg._payload
    children = payload if isinstance(payload, list) else []
    return [depth, *(d for child in children for d in _depths(child, depth + 1))]


def test_a_hundred_thousand_parts_build_a_tree_of_at_most_the_limit():
    raw = message(b'multipart/mixed; boundary="b"', b"--b\r\n\r\nx\r\n" * 100_000 + b"--b--\r\n")
    parsed = parse_email(raw)
    assert len(parts(parsed.headers)) == MAX_PARTS
    assert "PartLimitExceeded" in parsed.defects


def test_a_delivery_status_of_a_hundred_thousand_groups_builds_at_most_the_limit():
    groups = b"Action: failed\r\n\r\n" * 100_000
    report = b"--b\r\nContent-Type: message/delivery-status\r\n\r\n" + groups + b"--b--\r\n"
    parsed = parse_email(message(b'multipart/report; boundary="b"', report))
    assert len(parts(parsed.headers)) == MAX_PARTS


def test_delimiter_lines_of_an_outer_boundary_end_the_inner_parts():
    body = (
        b'--o\r\nContent-Type: multipart/alternative; boundary="i"\r\n\r\n'
        b"--i\r\nContent-Type: text/plain\r\n\r\ninner\r\n"
        b"--o\r\nContent-Type: text/html\r\n\r\n<p>outer</p>\r\n--o--\r\n"
    )
    parsed = parse_email(message(b'multipart/mixed; boundary="o"', body))
    assert (parsed.text, parsed.html) == ("inner", "<p>outer</p>")


@pytest.mark.parametrize("line_end", [b"\r\n", b"\n"])
def test_a_forwarded_message_is_attached_as_the_bytes_received(line_end: bytes):
    inner = b"From: Bo <bo@example.net>\r\nSubject: quote\r\n\r\nEUR 412.\r\n\r\n-- \r\nBo\r\n"
    inner = inner.replace(b"\r\n", line_end)
    body = b"--f\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--f--\r\n"
    (attachment,) = parse_email(message(b'multipart/mixed; boundary="f"', body)).attachments
    assert attachment.data == inner


def test_the_standard_library_accessors_on_a_hostile_part_answer_without_raising():
    content_type = b'text/plain; charset=punycode; name="a.txt"; x="' + b";" * 100_000
    root, _ = read_message(message(content_type, b"caf\xe9 \xff\r\n"))
    assert root.get_param("name") == "a.txt"
    assert (root.get_filename(), root.get_content_charset()) == ("a.txt", "punycode")
    assert root.get_payload() == "café ÿ\r\n"  # our charset rule: punycode is never applied
    assert root.get_params()[0] == ("text/plain", "")


def test_a_bounce_whose_parts_decline_every_charset_is_still_read():
    body = (
        b"--b\r\nContent-Type: text/rfc822-headers; charset=idna\r\n\r\n"
        b"Message-ID: <m1@gateway.example>\r\nSubject: caf\xe9\r\n--b--\r\n"
    )
    raw = HEAD + b"Subject: Undeliverable\r\nContent-Type: multipart/report; boundary=b\r\n\r\n"
    bounce = detect_bounce(parse_email(raw + body), "<>")
    assert bounce is not None and bounce.original_message_ids == ("m1@gateway.example",)
