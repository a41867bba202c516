"""Email bytes: writing a composed email's header lines and text + HTML body as wire bytes.

Owns the wire form of every email the gateway composes, byte for byte what the standard
library's email package writes with the SMTP policy (EMAIL_POLICY): header lines folded at 78
characters (RFC 5322 section 2.1.1), RFC 2047 encoded words for non-ASCII text, a
multipart/alternative body whose text and HTML parts are quoted-printable, so the whole
email is 7-bit and no relay needs 8BITMIME.

Why not just an EmailMessage: building one costs milliseconds per email (header objects,
parse trees, the generator), more than everything else an outbound email needs. Most header
lines the gateway writes are short ASCII ones whose folded form is the line itself: those
are written directly, and every other value (non-ASCII, long, unusual) goes through the
email package's own header classes, so the bytes are the same either way. Quoted-printable
works line by line, so `BodyEncoder` remembers the lines it has encoded: the layout lines
that every email of a kind shares are encoded once, and `Stencil` encodes a part rendered
once for many recipients, re-encoding only the lines that hold a per-recipient value.

May import the standard library only; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

import functools
import random
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from email import policy, quoprimime
from email.headerregistry import Address, UnstructuredHeader
from email.utils import format_datetime
from typing import Any

# Headers go out as RFC 2047 words, bodies as quoted-printable: the whole message is 7-bit,
# and no body line can exceed 998 octets (RFC 5322 section 2.1.1).
EMAIL_POLICY = policy.SMTP
CRLF = "\r\n"
MAX_LINE = EMAIL_POLICY.max_line_length  # 78

# A line the email package writes unchanged: printable ASCII without "=?" (which its parser
# would read as the start of an RFC 2047 encoded word), single spaces between words, none
# at either end.
_PLAIN_VALUE = re.compile(r"(?!.*=\?)[!-~]+(?: [!-~]+)*")
# A display name written as it is, or as a quoted string (RFC 5322 section 3.2.4).
_SPECIALS = frozenset('()<>@,:;."[]')
# An address of dot-atoms (RFC 5322 section 3.4.1) in ASCII: every address the gateway
# sends to in practice. Anything else (quoted local parts, RFC 6531 ones) takes the slow path.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOMAIN = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_DOMAIN}")
_PLAIN_MESSAGE_ID = re.compile(rf"<{_ATOM}(?:\.{_ATOM})*@{_DOMAIN}>")
# Headers the email package parses as free text (Subject, References, List-*, X-*...); the
# others (addresses, dates, Message-ID, MIME headers) have their own syntax.
_UNSTRUCTURED = frozenset(
    name
    for name in (*EMAIL_POLICY.header_factory.registry, "subject")
    if issubclass(EMAIL_POLICY.header_factory[name], UnstructuredHeader)
)

# The text and the HTML part, as EmailMessage.set_content and add_alternative write them
# (add_alternative gives the HTML part its own MIME-Version line; RFC 2045 allows it).
_TEXT_PART_HEADERS = (
    'Content-Type: text/plain; charset="utf-8"\r\n'
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
)
_HTML_PART_HEADERS = (
    'Content-Type: text/html; charset="utf-8"\r\n'
    "Content-Transfer-Encoding: quoted-printable\r\nMIME-Version: 1.0\r\n\r\n"
)
# The email package's boundary: 15 "=", a random 19-digit number, "==". Quoted-printable
# writes every "=" of the content as "=3D", so no encoded line can equal a delimiter line.
_BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))


def header_line(name: str, value: str) -> bytes:
    """The header `name: value`, folded and encoded as EmailMessage writes it."""
    if _is_plain(name.lower(), value):
        return _plain_line(name, value)
    return _folded(name, value)


def _plain_line(name: str, value: str) -> bytes:
    """A plain ASCII value that fits on the header's line, or else on a line of its own: the
    email package moves a value that does not fit after the name, but would fit on the next
    line, there whole (a value is one syntactic unit); anything longer is folded by it."""
    if len(name) + 2 + len(value) <= MAX_LINE:
        return f"{name}: {value}{CRLF}".encode("ascii")
    if 1 + len(value) <= MAX_LINE:
        return f"{name}:{CRLF} {value}{CRLF}".encode("ascii")
    return _folded(name, value)


def _is_plain(name: str, value: str) -> bool:
    if name == "message-id":
        return _PLAIN_MESSAGE_ID.fullmatch(value) is not None
    if name in _UNSTRUCTURED or name not in EMAIL_POLICY.header_factory.registry:
        return _PLAIN_VALUE.fullmatch(value) is not None
    return False


def address_line(name: str, display_name: str, addr_spec: str) -> bytes:
    """The header `name: display name <address>` (From, To, Reply-To), as EmailMessage writes
    it for an `Address`: the name quoted or RFC 2047-encoded as needed, so quotes, commas and
    "<" stay inside the name instead of breaking the address list.

    Raises ValueError (an email.errors defect) when the address cannot be written in a 7-bit
    header, e.g. an internationalized local part (RFC 6531).
    """
    if _is_plain_phrase(display_name) and _PLAIN_ADDRESS.fullmatch(addr_spec):
        phrase = display_name
        if not _SPECIALS.isdisjoint(display_name):
            phrase = '"' + display_name.replace('"', '\\"') + '"'
        if len(phrase) + len(addr_spec) + 4 <= MAX_LINE:  # " <" and ">" and the fold's space
            return _plain_line(name, f"{phrase} <{addr_spec}>")
        if len(phrase) + 2 <= MAX_LINE and len(addr_spec) + 3 <= MAX_LINE:
            # Too long for one line: the name, then the address on a line of its own. (The
            # space before "<" counts while the name is placed, then moves to the next line.)
            head = f"{name}: {phrase}"
            if len(head) + 1 > MAX_LINE:
                head = f"{name}:{CRLF} {phrase}"
            return f"{head}{CRLF} <{addr_spec}>{CRLF}".encode("ascii")
    return _folded(name, Address(display_name=display_name, addr_spec=addr_spec))


def _is_plain_phrase(display_name: str) -> bool:
    # A backslash is left to the email package, which quotes it in its own way.
    return "\\" not in display_name and _PLAIN_VALUE.fullmatch(display_name) is not None


@functools.lru_cache(maxsize=16)
def date_line(when: datetime) -> bytes:
    """The Date header of an email composed at `when` (RFC 5322 section 3.3). A batch of
    emails shares its `now`, so this is worked out once per batch."""
    return _folded("Date", format_datetime(when))


def raw_header_line(name: str, folded_value: str) -> bytes:
    """A header whose value is already encoded and folded (lines joined by "\\n"), as
    EmailMessage.set_raw stores it; refolded only if a line is still too long."""
    return EMAIL_POLICY.fold_binary(name, folded_value)


def _folded(name: str, value: Any) -> bytes:
    """The slow path: the email package's header class for `name` parses and folds."""
    stored_name, header = EMAIL_POLICY.header_store_parse(name, value)
    return EMAIL_POLICY.fold_binary(stored_name, header)


def encode_line(line: bytes) -> str:
    """One line of a UTF-8 text (no line break in it) as quoted-printable, wire form."""
    if not line:
        return ""
    return quoprimime.body_encode(line.decode("latin-1"), MAX_LINE).replace("\n", CRLF)


class BodyEncoder:
    """Quoted-printable encoding of text parts, as EmailMessage.set_content(text,
    cte="quoted-printable") encodes them, remembering the lines it has encoded.

    Bounded: past `max_lines` remembered lines it starts afresh (the lines worth keeping,
    a template's layout, come back at once).
    """

    def __init__(self, max_lines: int = 4096) -> None:
        self._max_lines = max_lines
        self._encoded: dict[bytes, str] = {}

    def encode(self, text: str) -> str:
        """The part's content, wire form (CRLF line ends, the last line ended too)."""
        return "".join(self.encode_lines(_lines_of(text)))

    def encode_lines(self, lines: Sequence[bytes]) -> list[str]:
        """Each line encoded and ended with CRLF."""
        encoded = self._encoded
        if len(encoded) > self._max_lines:
            encoded.clear()
        out = []
        for line in lines:
            known = encoded.get(line)
            if known is None:
                known = encoded[line] = encode_line(line) + CRLF
            out.append(known)
        return out

    def stencil(self, text: str, slots: Mapping[str, str]) -> Stencil:
        """A part rendered once with `slots` (marker -> name) standing for per-recipient
        values; see Stencil."""
        return Stencil(self, text, slots)


class Stencil:
    """A text part rendered once for many recipients, with markers (unguessable strings
    standing in the template context for per-recipient values) in some of its lines.

    The lines without markers are encoded once; `fill` substitutes a recipient's values
    and encodes only the lines that held markers. `escape` is applied to each value first
    (the HTML part's autoescape), so a value reads as if the template had rendered it.
    """

    def __init__(self, encoder: BodyEncoder, text: str, slots: Mapping[str, str]) -> None:
        self._slots = dict(slots)
        self._chunks: list[str | bytes] = []  # encoded runs of lines, and lines with markers
        run: list[bytes] = []
        for line in _lines_of(text):
            if any(marker.encode("ascii") in line for marker in self._slots):
                self._chunks += ["".join(encoder.encode_lines(run)), line]
                run = []
            else:
                run.append(line)
        self._chunks.append("".join(encoder.encode_lines(run)))

    def fill(self, values: Mapping[str, str], escape: Any = str) -> str:
        """The encoded part for one recipient: `values` maps slot names to their values."""
        by_marker = {
            marker.encode("ascii"): str(escape(values[name])).encode("utf-8")
            for marker, name in self._slots.items()
        }
        out = []
        for chunk in self._chunks:
            if isinstance(chunk, str):
                out.append(chunk)
                continue
            for marker, value in by_marker.items():
                chunk = chunk.replace(marker, value)
            # A value never holds a line break (a URL, a one-line name): still one line.
            out.append(encode_line(chunk) + CRLF)
        return "".join(out)


def _lines_of(text: str) -> list[bytes]:
    # An empty part is one empty line, as the email package writes it.
    return text.encode("utf-8").splitlines() or [b""]


def alternative_body(text_part: str, html_part: str) -> bytes:
    """MIME-Version, the multipart/alternative Content-Type and the body: the quoted-printable
    text and HTML parts (wire form, from BodyEncoder or Stencil), as EmailMessage writes
    them after set_content(text) and add_alternative(html, subtype="html")."""
    boundary = "=" * 15 + f"{random.randrange(sys.maxsize):0{_BOUNDARY_DIGITS}d}" + "=="
    return (
        f"MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\n{_TEXT_PART_HEADERS}{text_part}"
        f"\r\n--{boundary}\r\n{_HTML_PART_HEADERS}{html_part}"
        f"\r\n--{boundary}--\r\n"
    ).encode("ascii")
