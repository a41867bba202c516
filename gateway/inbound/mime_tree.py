"""The MIME structure of one received message, read in linear time on any input.

Owns splitting raw bytes into header fields and a tree of parts (RFC 5322 section 2.2, RFC 2045,
RFC 2046 section 5.1 multiparts, message/* bodies, RFC 3464 delivery-status field groups),
built as `email.message.Message` objects (compat32, as the standard library's parser builds
them) so every reader of `ParsedEmail.headers` keeps its usual API.

It replaces `email.parser.BytesParser` for received mail. That parser checks every body line
against every enclosing boundary (a message 30 multiparts deep with 1 MB of short lines took
2.6 s, 99 deep 8 s), builds every one of 100,000 tiny parts that nobody reads, recurses per
nesting level, and asks `get_boundary`, which is quadratic on a hostile Content-Type. Here:

- header lines are read once each, by regular expressions that cannot backtrack;
- a multipart's delimiter lines are found by `str.find` of "--boundary" within that part only,
  so an outer boundary ends an inner part by construction (RFC 2046 section 5.1.2);
- bodies are slices of the decoded text, never split into lines;
- at most MAX_PARTS parts are built and multiparts or messages nested deeper than MAX_DEPTH
  are not entered (each recorded as a defect): work is bounded by the size of the input.

A multipart whose declared boundary is missing or never used is split by the first delimiter
line actually in its body, once per message ("BoundaryRecovered"). Parameters are read by
gateway.inbound.mime_params, and `ReceivedPart` answers the standard library's parameter and
payload accessors through it, so no caller reaches the quadratic ones.

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import errors
from email.message import Message
from email.policy import compat32
from typing import Any

from gateway.inbound.encoded_text import decode_bytes, header_value_text
from gateway.inbound.mime_params import Params, param_value, read_params

MAX_PARTS = 250  # parts built per message; real mail has a handful, hostile mail thousands
MAX_DEPTH = 30  # multipart and message/* nesting entered; clients nest 3 or 4 levels
TEXT_PLAIN = "text/plain"
MESSAGE_RFC822 = "message/rfc822"
# RFC 3464 section 2 and RFC 6533 section 6: field groups separated by blank lines.
DELIVERY_STATUS_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
MULTIPART_ENCODINGS = frozenset({"", "7bit", "8bit", "binary"})  # RFC 2045 section 6.4

_MIME_HEADERS = frozenset(
    {"content-type", "content-disposition", "content-transfer-encoding", "content-id"}
)
_LINE_RE = re.compile(r"[^\r\n]*+(?:\r\n|\r|\n)?")
# What the standard library's parser takes for a header line: an envelope "From ", a field
# name (printable, no colon, possibly empty) and a colon, or a continuation.
_FIELD_LINE_RE = re.compile(r"From |[\041-\071\073-\176]*+:|[\t ]")
_DELIMITER_TAIL_RE = re.compile(r"(--)?[ \t]*+(?:\r\n|\r|\n|\Z)")
_BLANK_LINES_RE = re.compile(r"(?:\r\n|\r|\n)*+")
# A line end followed by an empty line: where a delivery-status field group ends.
_GROUP_END_RE = re.compile(r"(?P<eol>\r\n|\r(?!\n)|\n)(?:\r\n|\r|\n)")
# A multipart delimiter line (RFC 2046 section 5.1.1 bchars), for salvaging a multipart whose
# declared boundary is missing or never used.
_ANY_DELIMITER_RE = re.compile(r"^--([0-9A-Za-z'()+_,\-./:=?]{1,70}+)[ \t]*+\r?$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class PartHeaders:
    """The MIME header fields of one part, read once (the first of each)."""

    content_type: str  # lowercased type/subtype; the default type if absent, text/plain if bad
    type_params: Params
    disposition: str | None  # lowercased, None if absent
    disposition_params: Params
    encoding: str  # lowercased Content-Transfer-Encoding, "" if absent
    content_id: str | None  # without <>


class ReceivedPart(Message):
    """A compat32 message or part read by `read_message`.

    The standard library's parameter accessors (`get_param`, `get_params`, and through them
    `get_boundary`, `get_filename`, `get_content_charset`) and `get_payload` of 8-bit text
    are answered by our linear readers and charset rule: the originals are quadratic on a
    hostile Content-Type, and `get_payload` decodes with any declared codec (punycode, idna
    raise on 8-bit input).
    """

    def __init__(self) -> None:
        super().__init__(policy=compat32)
        self.mime = PartHeaders(TEXT_PLAIN, (), None, (), "", None)
        self._source = ""
        self._body_span = (0, 0)

    def raw_body(self) -> str:
        """The body as received (8-bit bytes as surrogate escapes), its transfer encoding kept."""
        start, end = self._body_span
        return self._source[start:end]

    def get_content_type(self) -> str:
        return self.mime.content_type

    def get_params(
        self, failobj: Any = None, header: str = "content-type", unquote: bool = True
    ) -> Any:
        value = self._first_value(header)
        if value is None:
            return failobj
        main, _, rest = value.partition(";")
        return [(main.strip(), ""), *read_params(rest)]

    def get_param(
        self,
        param: str,
        failobj: Any = None,
        header: str = "content-type",
        unquote: bool = True,
    ) -> Any:
        value = self._first_value(header)
        if value is None:
            return failobj
        found = param_value(read_params(value.partition(";")[2]), param.lower())
        return failobj if found is None else found

    def get_payload(self, i: int | None = None, decode: bool = False) -> Any:
        payload = self._payload
        if i is None and not decode and isinstance(payload, str) and not payload.isascii():
            charset = param_value(self.mime.type_params, "charset")
            return decode_bytes(payload.encode("utf-8", "surrogateescape"), charset)
        return super().get_payload(i, decode)

    def _first_value(self, header: str) -> str | None:
        key = header.lower()
        for name, value in self.raw_items():
            if name.lower() == key:
                return header_value_text(value)
        return None


def read_message(raw: bytes) -> tuple[ReceivedPart, list[str]]:
    """The message tree of `raw`, and the names of the defects found. Never raises on input."""
    reader = _Reader(raw.decode("ascii", "surrogateescape"))
    root = reader.entity(0, len(reader.text), 0, TEXT_PLAIN)
    assert root is not None  # the first part always fits
    return root, reader.defects


@dataclass(slots=True)
class _Reader:
    text: str
    defects: list[str] = field(default_factory=list)
    parts_left: int = MAX_PARTS
    salvaged: bool = False

    def entity(self, start: int, end: int, depth: int, default_type: str) -> ReceivedPart | None:
        """The part in text[start:end] (header fields, then body); None past MAX_PARTS."""
        part = self.new_part()
        if part is None:
            return None
        part.set_default_type(default_type)
        body = self.header_fields(part, start, end)[0]
        part.mime = _part_headers(part)
        part._body_span = (body, end)
        content_type = part.mime.content_type
        if content_type in DELIVERY_STATUS_TYPES:
            part.set_payload(self.field_groups(body, end))
        elif content_type.startswith(("message/", "multipart/")) and depth >= MAX_DEPTH:
            self.defects.append("DepthLimitExceeded")
            part.set_payload([])  # not entered
        elif content_type.startswith("message/"):
            inner = self.entity(body, end, depth + 1, TEXT_PLAIN)
            part.set_payload([inner] if inner is not None else [])
        elif content_type.startswith("multipart/"):
            self.multipart(part, body, end, depth)
        else:
            part.set_payload(self.text[body:end])
        return part

    def new_part(self) -> ReceivedPart | None:
        if self.parts_left <= 0:
            if "PartLimitExceeded" not in self.defects:
                self.defects.append("PartLimitExceeded")
            return None
        self.parts_left -= 1
        part = ReceivedPart()
        part._source = self.text
        return part

    def defect(self, part: Message, defect: errors.MessageDefect) -> None:
        part.defects.append(defect)
        self.defects.append(type(defect).__name__)

    def header_fields(self, part: Message, start: int, end: int) -> tuple[int, bool]:
        """Read the header fields at text[start:end] into `part`, as the standard library's
        parser does; return where the body starts and whether an empty line ended them."""
        text, position, lines = self.text, start, []
        while position < end:
            line_end = _end_of(_LINE_RE, text, position, end)
            line = text[position:line_end]
            if not _FIELD_LINE_RE.match(line):
                _add_field(part, lines)
                if line[0] in "\r\n":
                    return line_end, True
                self.defect(part, errors.MissingHeaderBodySeparatorDefect())
                return position, False
            first_line, position = position == start, line_end
            if line[0] in " \t":
                if lines:
                    lines.append(line)
                else:
                    self.defect(part, errors.FirstHeaderLineIsContinuationDefect(line))
                continue
            _add_field(part, lines)
            lines = []
            if line.startswith("From "):  # an mbox envelope line, where else a stray one
                if first_line:
                    part.set_unixfrom(line.rstrip("\r\n"))
                else:
                    self.defect(part, errors.MisplacedEnvelopeHeaderDefect(line))
            elif line[0] == ":":
                self.defect(part, errors.InvalidHeaderDefect("Missing header name."))
            else:
                lines = [line]
        _add_field(part, lines)
        return end, False

    def field_groups(self, start: int, end: int) -> list[Message]:
        """The field groups of a delivery-status body, each a part of its own (as compat32
        builds them); lines that are not fields stay in their group's payload."""
        text, groups = self.text, []
        position = _end_of(_BLANK_LINES_RE, text, start, end)
        while position < end and (group := self.new_part()) is not None:
            body, blank_line = self.header_fields(group, position, end)
            group.set_payload("")
            if not blank_line and body < end:
                found = _GROUP_END_RE.search(text, body, end)
                group.set_payload(text[body : found.end("eol") if found else end])
                body = found.end() if found else end
            groups.append(group)
            position = _end_of(_BLANK_LINES_RE, text, body, end)
        return groups

    def multipart(self, part: ReceivedPart, body: int, end: int, depth: int) -> None:
        boundary = (param_value(part.mime.type_params, "boundary") or "").rstrip()
        if not boundary:
            self.defect(part, errors.NoBoundaryInMultipartDefect())
        elif part.mime.encoding not in MULTIPART_ENCODINGS:
            self.defect(part, errors.InvalidMultipartContentTransferEncodingDefect())
        delimiters = _delimiter_lines(self.text, boundary, body, end) if boundary else iter(())
        first = next(delimiters, None)
        if first is None or first[2]:
            if boundary:
                self.defect(part, errors.StartBoundaryNotFoundDefect())
            unsplit_end = end if first is None else first[0]  # what precedes a lone closing
            delimiters, first = self.salvage(body, end)
            if first is None:
                part.set_payload(self.text[body:unsplit_end])
                return
        if first[0] > body:
            part.preamble = self.text[body : _without_line_end(self.text, body, first[0])]
        part.set_payload(self.subparts(part, delimiters, first[1], end, depth + 1))

    def subparts(
        self,
        part: ReceivedPart,
        delimiters: Iterator[tuple[int, int, bool]],
        start: int,
        end: int,
        depth: int,
    ) -> list[Message]:
        """The parts between the delimiter lines that follow the first one (at `start`)."""
        # RFC 2046 section 5.1.5: the parts of a digest are messages unless they say otherwise.
        digest = part.mime.content_type == "multipart/digest"
        kind = (depth, MESSAGE_RFC822 if digest else TEXT_PLAIN)
        children: list[Message] = []
        for line_start, next_line, closing in delimiters:
            # Delimiter lines with nothing between them delimit nothing (as compat32 reads it).
            if line_start > start:
                child = self.subpart(start, line_start, *kind)
                if child is None:
                    return children
                children.append(child)
            start = next_line
            if closing:
                part.epilogue = self.text[next_line:end]
                return children
        self.defect(part, errors.CloseBoundaryNotFoundDefect())
        child = self.subpart(start, end, *kind)
        return [*children, child] if child is not None else children

    def subpart(self, start: int, end: int, depth: int, default_type: str) -> ReceivedPart | None:
        # RFC 2046 section 5.1.1: the line end before a delimiter belongs to the delimiter.
        stop = _without_line_end(self.text, start, end)
        child = self.entity(start, stop, depth, default_type)
        if child is not None and child.epilogue == "" and self.text[stop - 1] not in "\r\n":
            child.epilogue = (
                None  # an inner closing delimiter right before ours, as compat32 has it
            )
        return child

    def salvage(self, body: int, end: int) -> tuple[Iterator[tuple[int, int, bool]], Any]:
        """Delimiter lines of the first boundary actually used in text[body:end] (compat32
        leaves such a body unsplit); tried once per message."""
        if self.salvaged:
            return iter(()), None
        self.salvaged = True
        found = _ANY_DELIMITER_RE.search(self.text, body, end)
        boundary = found.group(1).removesuffix("--") if found else ""
        if not boundary:
            return iter(()), None
        delimiters = _delimiter_lines(self.text, boundary, body, end)
        first = next(delimiters, None)
        if first is None or first[2]:
            return iter(()), None
        self.defects.append("BoundaryRecovered")
        return delimiters, first


def _add_field(part: Message, lines: list[str]) -> None:
    if lines:
        part.set_raw(*compat32.header_source_parse(lines))


def _part_headers(part: Message) -> PartHeaders:
    values: dict[str, str] = {}
    for name, value in part.raw_items():
        key = name.lower()
        if key in _MIME_HEADERS and key not in values:
            values[key] = header_value_text(value)
    type_value, _, type_params = values.get("content-type", "").partition(";")
    content_type = "".join(type_value.split()).lower()
    if not content_type:
        content_type = part.get_default_type()  # message/rfc822 inside multipart/digest
    elif content_type.count("/") != 1:
        content_type = TEXT_PLAIN  # RFC 2045 section 5.2: an invalid type means text/plain
    disposition, _, disposition_params = values.get("content-disposition", "").partition(";")
    content_id = values.get("content-id", "").strip().strip("<>").strip()
    return PartHeaders(
        content_type=content_type,
        type_params=read_params(type_params),
        disposition=disposition.strip().lower() or None,
        disposition_params=read_params(disposition_params),
        encoding=values.get("content-transfer-encoding", "").partition(";")[0].strip().lower(),
        content_id=content_id or None,
    )


def _end_of(pattern: re.Pattern[str], text: str, start: int, end: int) -> int:
    """Where `pattern`, which matches anywhere (if only the empty string), ends from `start`."""
    match = pattern.match(text, start, end)
    assert match is not None
    return match.end()


def _delimiter_lines(
    text: str, boundary: str, start: int, end: int
) -> Iterator[tuple[int, int, bool]]:
    """(line start, next line start, closing) of each delimiter line of `boundary` in
    text[start:end] (RFC 2046 section 5.1.1: "--" boundary, "--" if closing, then optional
    whitespace), up to the closing one."""
    needle = "--" + boundary
    position = start
    while (found := text.find(needle, position, end)) >= 0:
        tail = None
        if found == start or text[found - 1] in "\r\n":
            tail = _DELIMITER_TAIL_RE.match(text, found + len(needle), end)
        if tail is None:
            position = found + 1
            continue
        closing = tail.group(1) is not None
        yield found, tail.end(), closing
        if closing:
            return
        position = tail.end()


def _without_line_end(text: str, start: int, end: int) -> int:
    """`end` moved back over one line end ("\r\n", "\r" or "\n") that text[start:end] ends in."""
    if end > start and text[end - 1] == "\n":
        end -= 1
        if end > start and text[end - 1] == "\r":
            end -= 1
    elif end > start and text[end - 1] == "\r":
        end -= 1
    return end


__all__ = [
    "DELIVERY_STATUS_TYPES",
    "MAX_DEPTH",
    "MAX_PARTS",
    "PartHeaders",
    "ReceivedPart",
    "read_message",
]
