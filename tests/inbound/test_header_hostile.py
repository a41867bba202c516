"""Header fields of received mail: read right on well-formed input, bounded on hostile input.

Properties over generated header text (address lists, encoded-words, Message-ID lists, nested
comments, quoted strings, parameters) check that reading never raises, gives the right types,
and gives back what was written; examples check each hostile shape the readers are bounded
against (long runs of "(", "<", quotes, spaces, "=?", thousands of addresses, ids or
parameter sections), and the answers the standard library got wrong.
"""

from __future__ import annotations

import base64
import encodings
import itertools
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.inbound.bounce_reports import Bounce, detect_bounce
from gateway.inbound.classification import asks_for_no_out_of_office, detect_automated
from gateway.inbound.mailboxes import ADDR_SPEC
from gateway.inbound.mime_params import MAX_SECTIONS, read_params
from gateway.inbound.parsing import (
    FIRST_REFERENCES,
    MAX_ADDRESS_LIST_CHARS,
    MAX_LISTED_ADDRESSES,
    MAX_REFERENCES,
    MAX_REPLY_TO_IDS,
    ParsedEmail,
    parse_email,
)

from hostile_text import hostile_text

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ADDRESS = re.compile(ADDR_SPEC)
FIELDS = [
    "To",
    "Cc",
    "Delivered-To",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Content-Type",
    "Content-Disposition",
]


def message(*fields: str, body: bytes = b"hello\r\n") -> bytes:
    head = "\r\n".join(["From: Ann <ann@example.org>", *fields]).encode("utf-8", "surrogateescape")
    return head + b"\r\n\r\n" + body


def with_attachment(disposition: str) -> bytes:
    part = f"--f\r\nContent-Type: application/pdf\r\nContent-Disposition: {disposition}\r\n\r\n"
    body = part.encode("utf-8", "surrogateescape") + b"JVBERi0x\r\n--f--\r\n"
    return message('Content-Type: multipart/mixed; boundary="f"', body=body)


def filenames(raw: bytes) -> list[str]:
    return [attachment.filename for attachment in parse_email(raw).attachments]


def assert_well_typed(parsed: ParsedEmail) -> None:
    for addresses in (parsed.to, parsed.cc, parsed.delivered_to):
        assert isinstance(addresses, tuple) and len(addresses) <= MAX_LISTED_ADDRESSES
        assert len(set(addresses)) == len(addresses)
        assert all(ADDRESS.fullmatch(a) and a == a.lower() for a in addresses)
    assert isinstance(parsed.subject, str)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", parsed.subject)
    assert parsed.message_id is None or (parsed.message_id and isinstance(parsed.message_id, str))
    for ids in (parsed.in_reply_to, parsed.references):
        assert isinstance(ids, tuple) and all(i and "<" not in i and ">" not in i for i in ids)
    assert len(parsed.in_reply_to) <= MAX_REPLY_TO_IDS and len(parsed.references) <= MAX_REFERENCES


# --- any text ------------------------------------------------------------------------------


@SETTINGS
@given(
    field=st.sampled_from(FIELDS),
    value=st.one_of(
        hostile_text(),
        st.text(st.sampled_from("ab@.,;:<>()\"\\[] \t=?*'%\r\né"), max_size=300),
    ),
)
def test_any_header_text_is_read_without_raising_into_well_typed_fields(field: str, value: str):
    parsed = parse_email(message(f"{field}: {value}", body=b"x"))
    assert_well_typed(parsed)
    detect_automated(parsed, "ann@example.org")
    detect_bounce(parsed, "<>")
    asks_for_no_out_of_office(parsed)


# --- address lists -------------------------------------------------------------------------

_NAME = st.text(st.sampled_from('abc XYZ,;:<>@()"\\.é日'), max_size=12)
_LOCAL = st.text(st.sampled_from("abcxyzABC019._-+="), min_size=1, max_size=8)


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _comment(name: str, depth: int) -> str:
    escaped = "".join("\\" + char if char in "()\\" else char for char in name)
    return "(" * depth + escaped + ")" * depth


def _encoded(name: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(name.encode()).decode() + "?="


@st.composite
def mailboxes(draw: st.DrawFn) -> tuple[str, str]:
    """(mailbox as written, its address lowercased): bare, angle, quoted or encoded name,
    nested comments before or after."""
    address = f"{draw(_LOCAL)}@{draw(st.sampled_from(['example.org', 'Mail.Example.NET']))}"
    name = draw(_NAME)
    depth = draw(st.integers(1, 4))
    written = draw(
        st.sampled_from(
            [
                address,
                f"<{address}>",
                f"{_quoted(name)} <{address}>",
                f"{_encoded(name)} <{address}>",
                f"{address} {_comment(name, depth)}",
                f"{_comment(name, depth)} {address}",
                f"{_comment(name, depth)}{_quoted(name)}{_comment(name, 1)} <{address}>",
            ]
        )
    )
    return written, address.lower()


@st.composite
def address_lists(draw: st.DrawFn) -> tuple[str, list[str]]:
    """(list as written, its addresses): mailboxes, some in a group, folded or not."""
    entries = draw(st.lists(mailboxes(), min_size=1, max_size=6))
    written = [text for text, _ in entries]
    if len(written) > 1 and draw(st.booleans()):
        written = [f"Team: {', '.join(written[:2])};", *written[2:]]
    separator = draw(st.sampled_from([", ", ",", ",\r\n ", " ,\t"]))
    return separator.join(written), [address for _, address in entries]


@SETTINGS
@given(to=address_lists(), cc=address_lists(), field=st.sampled_from(["To", "Cc"]))
def test_written_address_lists_are_read_back_in_order_each_address_once(
    to: tuple[str, list[str]], cc: tuple[str, list[str]], field: str
):
    parsed = parse_email(message(f"To: {to[0]}", f"Cc: {cc[0]}", f"Delivered-To: {to[0]}"))
    assert parsed.to == tuple(dict.fromkeys(to[1]))
    assert parsed.cc == tuple(dict.fromkeys(cc[1]))
    assert parsed.delivered_to == parsed.to


@SETTINGS
@given(name=_NAME, encoded=st.booleans())
def test_a_display_name_quoted_with_escapes_or_encoded_is_read_back(name: str, encoded: bool):
    written = _encoded(name) if encoded else _quoted(name)
    parsed = parse_email(f"From: {written} <ann@example.org>\r\n\r\nx".encode())
    assert (parsed.from_address, parsed.from_name) == ("ann@example.org", " ".join(name.split()))


def test_an_address_after_a_thousand_nested_comments_is_read():
    # email.utils.getaddresses recursed once per "(" and gave up (RecursionError): no address.
    comment = "(" * 1000 + "note" + ")" * 1000
    parsed = parse_email(message(f"To: {comment} real@example.org", f"Cc: x@y.org {comment}"))
    assert (parsed.to, parsed.cc) == (("real@example.org",), ("x@y.org",))


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("(", ()),  # an unclosed comment runs to the end of the field
        (")", ()),  # stray text, then a second word: not an address
        ("<", ()),  # "<" inside an angle-addr is part of it
        ('"', ()),
        ("\\", ()),
        ("=?", ()),
        ("=?utf-8?q?", ()),
        ("@", ()),
        (" ", ("real@example.org",)),
        ("\t", ("real@example.org",)),
        (",", ("real@example.org",)),
        (";", ("real@example.org",)),
    ],
)
def test_a_recipient_field_of_one_character_repeated_reads_no_made_up_address(
    unit: str, expected: tuple[str, ...]
):
    parsed = parse_email(message(f"To: {unit * 20_000} real@example.org"))
    assert parsed.to == expected


@pytest.mark.parametrize(
    ("written", "address"),
    [
        ("Bob Smith bob@example.org", None),  # a name without angle brackets is not part of it
        ("=?utf-8?q?Bob?= bob@example.org", None),
        ("bob . smith @ example . org", "bob.smith@example.org"),  # RFC 5322 section 4.4
        ("bob@example.org (Bob Smith)", "bob@example.org"),
    ],
)
def test_words_are_joined_into_an_address_only_around_its_dots_and_at(
    written: str, address: str | None
):
    parsed = parse_email(f"From: {written}\r\nTo: {written}\r\n\r\nx".encode())
    assert parsed.from_address == address
    assert parsed.to == ((address,) if address else ())


def test_an_address_after_a_long_run_of_spaces_inside_a_name_is_read():
    spaces = " " * (MAX_ADDRESS_LIST_CHARS - 100)
    parsed = parse_email(message(f"Cc: Ann{spaces}Lee <ann@example.org>, b@x.org"))
    assert parsed.cc == ("ann@example.org", "b@x.org")


def test_a_recipient_list_keeps_at_most_its_bound_of_addresses():
    written = ", ".join(f"user{i}@example.org" for i in range(MAX_LISTED_ADDRESSES + 50))
    parsed = parse_email(message(f"To: {written}"))
    assert parsed.to == tuple(f"user{i}@example.org" for i in range(MAX_LISTED_ADDRESSES))


def test_recipient_fields_are_read_up_to_their_character_bound():
    padding = "," * MAX_ADDRESS_LIST_CHARS
    parsed = parse_email(message("To: first@example.org", f"To: {padding}late@example.org"))
    assert parsed.to == ("first@example.org",)


# --- encoded words -------------------------------------------------------------------------

_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\ufffd"),
    min_size=1,
    max_size=40,
)


def _q_encoded(data: bytes) -> str:
    """RFC 2047 section 4.2: ASCII letters and digits as they are, "_" for a space, else =XX."""
    return "".join(
        "_"
        if byte == 0x20
        else chr(byte)
        if chr(byte).isascii() and chr(byte).isalnum()
        else f"={byte:02X}"
        for byte in data
    )


def _word(data: bytes, kind: str) -> str:
    if kind in "qQ":
        return f"=?utf-8?{kind}?{_q_encoded(data)}?="
    return f"=?UTF-8?{kind}?{base64.b64encode(data).decode()}?="


@SETTINGS
@given(
    text=_TEXT,
    cuts=st.lists(st.integers(1, 200), max_size=6),
    kinds=st.lists(st.sampled_from("qQbB"), min_size=7, max_size=7),
    separator=st.sampled_from([" ", "\r\n ", "\r\n\t", "  "]),
)
def test_text_encoded_in_words_split_anywhere_is_decoded_back(
    text: str, cuts: list[int], kinds: list[str], separator: str
):
    # Encoders split the bytes of one character across words: they are joined before decoding.
    data = text.encode()
    points = sorted({0, len(data), *(cut for cut in cuts if cut < len(data))})
    pieces = [data[start:end] for start, end in itertools.pairwise(points)]
    words = separator.join(_word(piece, kind) for piece, kind in zip(pieces, kinds, strict=False))
    assert parse_email(message(f"Subject: {words}")).subject == " ".join(text.split())


def test_subject_of_a_hundred_thousand_open_words_is_kept_as_written():
    parsed = parse_email(message("Subject: " + "=?" * 100_000))
    assert parsed.subject == "=?" * 100_000


def test_words_in_thousands_of_made_up_charsets_fall_back_to_utf8_and_leave_no_trace():
    # codecs.lookup tries an import per unknown label and keeps every miss in a process-wide
    # cache (encodings._cache) that never shrinks: each hostile message would grow it.
    cached = len(encodings._cache)
    words = " ".join(f"=?x{i}-hostile?q?caf=C3=A9?=" for i in range(5000))
    assert parse_email(message(f"Subject: {words}")).subject == "café" * 5000
    assert len(encodings._cache) == cached


# --- Message-ID lists ----------------------------------------------------------------------

_ID = st.builds(
    "{}@{}".format,
    st.text(st.sampled_from("abcXYZ019.$%+=_-"), min_size=1, max_size=12),
    st.sampled_from(["example.org", "gateway.example", "[10.0.0.1]"]),
)


@SETTINGS
@given(
    ids=st.lists(_ID, max_size=20),
    separator=st.sampled_from([" ", "\r\n ", "\r\n\t", ", ", " (a comment) ", ""]),
)
def test_written_message_id_lists_are_read_back_in_order_each_once(ids: list[str], separator: str):
    written = separator.join(f"<{message_id}>" for message_id in ids)
    parsed = parse_email(message(f"References: {written}", f"In-Reply-To: {written}"))
    expected = tuple(dict.fromkeys(ids))
    assert parsed.references == expected
    assert parsed.in_reply_to == expected[:MAX_REPLY_TO_IDS]
    assert parsed.message_id is None


def test_references_of_ten_thousand_ids_keep_their_first_and_their_last():
    ids = [f"m{i}@example.org" for i in range(10_000)]
    written = " ".join(f"<{message_id}>" for message_id in ids)
    parsed = parse_email(message(f"References: {written}", f"In-Reply-To: {written}"))
    last = MAX_REFERENCES - FIRST_REFERENCES
    assert parsed.references == (*ids[:FIRST_REFERENCES], *ids[-last:])
    assert parsed.in_reply_to == tuple(ids[:MAX_REPLY_TO_IDS])


@pytest.mark.parametrize("unit", ["<", ">", "<>", "<<>>", "<@", ">@<", "(", '"', "=?"])
def test_message_id_fields_of_one_shape_repeated_give_no_made_up_ids(unit: str):
    parsed = parse_email(message(f"References: {unit * 50_000}", f"In-Reply-To: {unit * 50_000}"))
    assert (parsed.references, parsed.in_reply_to) == ((), ())


# --- parameters ----------------------------------------------------------------------------

_PARAM_VALUE = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)
_PARAM_NAME = st.text(st.sampled_from("abcxyz019-_."), min_size=1, max_size=8)


@SETTINGS
@given(params=st.lists(st.tuples(_PARAM_NAME, _PARAM_VALUE), max_size=6))
def test_written_quoted_parameters_are_read_back(params: list[tuple[str, str]]):
    written = "".join(f"; {name}={_quoted(value)}" for name, value in params)
    assert read_params(written) == tuple(params)


_FILENAME = st.text(
    st.sampled_from("abcXYZ019 -_()é日ß;=,'\"%*+&"), min_size=1, max_size=60
).filter(lambda name: name.strip() and not name.strip().startswith("."))


@SETTINGS
@given(name=_FILENAME, form=st.sampled_from(["quoted", "2231", "sections", "2047"]), cut=st.data())
def test_a_filename_written_in_any_mime_form_is_read_back(name: str, form: str, cut: st.DataObject):
    encoded = "".join(f"%{byte:02X}" for byte in name.encode())
    if form == "quoted":
        disposition = f"attachment; filename={_quoted(name)}"
    elif form == "2231":
        disposition = f"attachment; filename*=utf-8''{encoded}"
    elif form == "2047":
        disposition = f'attachment; filename="{_encoded(name)}"'
    else:  # RFC 2231 section 3 continuations, each cut between two %XX escapes
        size = cut.draw(st.integers(3, 30)) // 3 * 3
        sections = [encoded[i : i + size] for i in range(0, len(encoded), size)]
        first, *rest = sections
        disposition = f"attachment; filename*0*=utf-8'en'{first}" + "".join(
            f";\r\n filename*{index}*={section}" for index, section in enumerate(rest, start=1)
        )
    assert filenames(with_attachment(disposition)) == [name.strip()]


def test_a_filename_written_both_plain_and_rfc2231_is_read_from_rfc2231():
    disposition = "attachment; filename=\"plain.pdf\"; filename*=utf-8''r%C3%A9al.pdf"
    assert filenames(with_attachment(disposition)) == ["réal.pdf"]


def test_a_filename_written_whole_and_in_sections_is_still_read():
    disposition = "attachment; filename*=utf-8''whole.pdf; filename*0=sec; filename*1=tion.pdf"
    assert filenames(with_attachment(disposition)) == ["whole.pdf"]


def test_a_filename_in_thousands_of_sections_joins_only_the_first():
    sections = "; ".join(f"filename*{i}*=A" for i in range(5000))
    assert filenames(with_attachment(f"attachment; {sections}")) == ["A" * MAX_SECTIONS]


def test_a_content_type_with_an_open_quote_and_many_semicolons_still_splits_its_parts():
    # The standard library's parameter splitter recounted the quotes before each ";".
    body = b"--f\r\nContent-Type: text/plain\r\n\r\nhello\r\n--f--\r\n"
    raw = message('Content-Type: multipart/mixed; boundary="f"; x="' + ";" * 100_000, body=body)
    assert parse_email(raw).text == "hello"


def test_a_charset_parameter_of_semicolons_falls_back_to_utf8():
    raw = message('Content-Type: text/plain; charset="' + ";" * 100_000, body="Grüße".encode())
    assert parse_email(raw).text == "Grüße"


# --- classification ------------------------------------------------------------------------


def test_failed_recipients_padded_with_near_addresses_still_name_the_real_one():
    padding = ("a" * 60 + "@" + "b" * 70 + " ") * 5000
    raw = message("Subject: Undeliverable", f"X-Failed-Recipients: lost@example.com {padding}")
    bounce = detect_bounce(parse_email(raw), "<>")
    assert bounce is not None and bounce.recipient == "lost@example.com"


def test_a_report_part_in_an_unsafe_charset_with_8bit_text_is_read_without_raising():
    # The standard library's get_payload() decoded it with punycode and raised.
    body = (
        b"--b\r\nContent-Type: text/plain; charset=punycode\r\n\r\n"
        + "Zustellung fehlgeschlagen: lost@example.com\r\n".encode("latin-1") * 3
        + b"\xe9\r\n--b--\r\n"
    )
    raw = message(
        "Subject: Undeliverable", 'Content-Type: multipart/report; boundary="b"', body=body
    )
    bounce = detect_bounce(parse_email(raw), "<>")
    assert bounce == Bounce("lost@example.com", None, True)


def test_a_global_delivery_status_report_is_read_from_its_recipient_fields():
    status = (
        b"Reporting-MTA: dns; mx.example.com\r\n\r\n"
        b"Final-Recipient: rfc822; lost@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    )
    body = (
        b"--b\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n"
        b"--b\r\nContent-Type: message/global-delivery-status\r\n\r\n" + status + b"--b--\r\n"
    )
    raw = message(
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"', body=body
    )
    assert detect_bounce(parse_email(raw), "ann@example.org") == Bounce(
        "lost@example.com", "5.1.1", True
    )


def test_a_report_of_a_hundred_thousand_field_groups_is_read_from_its_first():
    groups = b"Final-Recipient: rfc822; lost@example.com\r\nAction: failed\r\n\r\n" * 100_000
    body = b"--b\r\nContent-Type: message/delivery-status\r\n\r\n" + groups + b"--b--\r\n"
    raw = message('Content-Type: multipart/report; boundary="b"', body=body)
    assert detect_bounce(parse_email(raw), "<>") == Bounce("lost@example.com", None, True)
