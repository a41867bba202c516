"""Email bytes: writing a composed email's header lines and text + HTML body as wire bytes.

Owns the wire form of every email the gateway composes, byte for byte what the standard
library's email package writes with the SMTP policy (EMAIL_POLICY): header lines folded at 78
characters (RFC 5322 section 2.1.1), RFC 2047 encoded words for non-ASCII text, a
multipart/alternative body whose text and HTML parts are quoted-printable, so the whole
email is 7-bit and no relay needs 8BITMIME. (A site email's text part of plain ASCII lines
goes as 7bit instead, so a long link in it stays whole on its line: plain_text_part.)

Except where that would break a header line (EMAIL-RULES section 3), whatever the
interpreter's patch level. The email package parses a value before it folds it, and its
parser decodes any RFC 2047 encoded word in the value: a title typed as
"=?utf-8?q?Plans=0D=0ABcc:_x?=" would come out as two header lines on releases without the
fix for CVE-2024-6923, and as "Plans Bcc: x" on the others. So here:
- control characters (C0, DEL, C1, with CR, LF and NUL), U+2028, U+2029 and lone surrogates
  in a value are written as spaces;
- a value (or display name) holding "=?" never reaches the email package's parser: it is
  written whole as encoded words of its own characters, so the reader's client shows the
  very text we were given, and nothing is ever decoded on the way out;
- every header line is checked last: each line break in it must be CRLF followed by a space
  or tab (a fold, RFC 5322 section 2.2.3), else ValueError (a fault of ours, never written);
  on the direct paths, whose values cannot hold a line break, the header's name is checked.

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
from email.header import Header
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
# What a header value cannot carry: C0 controls (CR, LF, NUL among them), DEL, C1 controls
# (NEL among them), the Unicode line and paragraph separators (str.splitlines, which the
# email package folds with, breaks lines at all of these) and lone surrogates (no charset
# writes them). Each is written as a space.
_UNWRITABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# The same in an already folded value, whose "\n" and tab are its folds.
_UNWRITABLE_FOLDED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# A header field name (RFC 5322 section 3.6.8): printable ASCII but ":".
_FIELD_NAME = re.compile(r"[!-9;-~]+")
# What RFC 2047 encoded words start with: a value holding it is never parsed (module docstring).
_ENCODED_WORD_START = "=?"
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
# A text part of printable ASCII lines no longer than RFC 5322 allows (998 octets) goes as it
# is: quoted-printable would break a long line (a sign-in link) at 76 characters with soft
# line breaks and write its "=" as "=3D", so the link could not be copied from the raw email.
_PLAIN_TEXT_PART_HEADERS = (
    'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n'
)
_PLAIN_TEXT_LINE = re.compile(r"[\t -~]{0,998}")
_HTML_PART_HEADERS = (
    'Content-Type: text/html; charset="utf-8"\r\n'
    "Content-Transfer-Encoding: quoted-printable\r\nMIME-Version: 1.0\r\n\r\n"
)
# The email package's boundary: 15 "=", a random 19-digit number, "==". Quoted-printable
# writes every "=" of the content as "=3D", so no encoded line can equal a delimiter line.
_BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))


def header_line(name: str, value: str) -> bytes:
    """The header `name: value`, folded and encoded as EmailMessage writes it; controls in
    `value` written as spaces, and a value holding "=?" as encoded words of its own text
    (module docstring). Never raises for free text (Subject, References, List-*, X-*...); for
    a structured header (Message-ID, Date...) whose syntax cannot hold the value, raises as
    the email package does."""
    if _is_plain(name.lower(), value):
        return _plain_line(name, value)
    value = _UNWRITABLE.sub(" ", value)
    if _ENCODED_WORD_START in value:
        return _encoded_words_line(name, value)
    return _folded(name, value)


def _plain_line(name: str, value: str) -> bytes:
    """A plain ASCII value that fits on the header's line, or else on a line of its own: the
    email package moves a value that does not fit after the name, but would fit on the next
    line, there whole (a value is one syntactic unit); anything longer is folded by it."""
    # The value matched _PLAIN_VALUE (printable ASCII): only the name is left to check.
    if len(name) + 2 + len(value) <= MAX_LINE:
        return f"{_field_name(name)}: {value}{CRLF}".encode("ascii")
    if 1 + len(value) <= MAX_LINE:
        return f"{_field_name(name)}:{CRLF} {value}{CRLF}".encode("ascii")
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
    "<" stay inside the name instead of breaking the address list. Controls in the name are
    written as spaces, and a name holding "=?" as encoded words of its own text.

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
            head = f"{_field_name(name)}: {phrase}"
            if len(head) + 1 > MAX_LINE:
                head = f"{name}:{CRLF} {phrase}"
            return f"{head}{CRLF} <{addr_spec}>{CRLF}".encode("ascii")
    display_name = _UNWRITABLE.sub(" ", display_name)
    if _ENCODED_WORD_START in display_name:
        # RFC 2047 section 5 (3): a phrase may be encoded words; the address stays as it is.
        return _encoded_words_line(name, display_name, f"<{_written_address(addr_spec)}>")
    return _folded(name, Address(display_name=display_name, addr_spec=addr_spec))


def _is_plain_phrase(display_name: str) -> bool:
    # A backslash is left to the email package, which quotes it in its own way.
    return "\\" not in display_name and _PLAIN_VALUE.fullmatch(display_name) is not None


def _written_address(addr_spec: str) -> str:
    """The addr-spec as an address header writes it (a local part quoted if it must be);
    ValueError when it cannot be written in a 7-bit header (RFC 6531) or holds controls."""
    if _PLAIN_ADDRESS.fullmatch(addr_spec):
        return addr_spec
    written = Address(addr_spec=addr_spec).addr_spec
    if not written.isascii() or _UNWRITABLE.search(written):
        raise ValueError(f"the address {addr_spec!r} cannot be written in a 7-bit header")
    return written


def _encoded_words_line(name: str, text: str, tail: str = "") -> bytes:
    """`name: text tail`, the text written whole as RFC 2047 encoded words of its own
    characters (so "=?" in it reads as "=?", never as the start of a word), folded at 78
    characters; `tail` (an angle-bracketed address) after it, on the last line if it fits."""
    header = Header(text, "utf-8", maxlinelen=MAX_LINE, header_name=name)
    lines = header.encode(splitchars=" ", linesep=CRLF).split(CRLF)
    if tail:
        last = f"{lines[-1]} {tail}"
        start = len(name) + 2 if len(lines) == 1 else 0
        if start + len(last) <= MAX_LINE:
            lines[-1] = last
        else:
            lines.append(f" {tail}")
    return _guarded(f"{_field_name(name)}: {CRLF.join(lines)}{CRLF}".encode("ascii"))


@functools.lru_cache(maxsize=16)
def date_line(when: datetime) -> bytes:
    """The Date header of an email composed at `when` (RFC 5322 section 3.3). A batch of
    emails shares its `now`, so this is worked out once per batch."""
    return _folded("Date", format_datetime(when))


def raw_header_line(name: str, folded_value: str) -> bytes:
    """A header whose value is already encoded and folded (lines joined by "\\n", each
    further line starting with a space or tab), as EmailMessage.set_raw stores it; refolded
    only if a line is still too long and the value holds no "=?". Controls other than the
    folds are written as spaces; ValueError if a "\\n" does not start a folded line."""
    value = _UNWRITABLE_FOLDED.sub(" ", folded_value)
    if _ENCODED_WORD_START in value:
        # Refolding parses the value, and the parser decodes encoded words (module
        # docstring): written as folded by the caller, an overlong line and all (RFC 5322
        # section 2.1.1 allows up to 998 characters).
        return _guarded(
            f"{_field_name(name)}: {value.replace(chr(10), CRLF)}{CRLF}".encode("ascii")
        )
    return _guarded(EMAIL_POLICY.fold_binary(name, value))


def _folded(name: str, value: Any) -> bytes:
    """The slow path: the email package's header class for `name` parses and folds. Only
    for a value without controls or "=?" (its parser would decode encoded words)."""
    stored_name, header = EMAIL_POLICY.header_store_parse(name, value)
    return _guarded(EMAIL_POLICY.fold_binary(stored_name, header))


@functools.lru_cache(maxsize=64)
def _field_name(name: str) -> str:
    """`name` if it is a header field name (_FIELD_NAME), else ValueError. The direct paths
    write values that cannot break a line (printable ASCII and single spaces), so the name
    is what their lines are checked for."""
    if not _FIELD_NAME.fullmatch(name):
        raise ValueError(f"refusing to write a header named {name!r}")
    return name


def _guarded(line: bytes) -> bytes:
    """`line`, a whole header line, if each line break in it is a CRLF and each but the
    last starts a folded line (CRLF and a space or tab, RFC 5322 section 2.2.3): whatever
    wrote it, no value can start a header line of its own. ValueError otherwise: a fault of
    ours, never written."""
    end = len(line) - 2
    if line.find(b"\r") == end and line.find(b"\n") == end + 1:
        return line  # one line: its only CR and LF end it
    breaks = line.count(b"\n")
    if (
        breaks == line.count(b"\r") == line.count(b"\r\n")
        and breaks == 1 + line.count(b"\r\n ") + line.count(b"\r\n\t")
        and line.endswith(b"\r\n")
    ):
        return line
    raise ValueError(f"refusing to write a header line with a line break in its value: {line!r}")


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


def plain_text_part(text: str) -> str | None:
    """The text part's content as 7bit wire form when every line is printable ASCII (tabs
    too) of at most 998 octets, else None (quoted-printable it is). A line can never equal
    the boundary's delimiter: the boundary is random, made after the part."""
    lines = text.splitlines() or [""]
    if not all(_PLAIN_TEXT_LINE.fullmatch(line) for line in lines):
        return None
    return "".join(line + CRLF for line in lines)


def alternative_body(text_part: str, html_part: str, *, plain_text: bool = False) -> bytes:
    """MIME-Version, the multipart/alternative Content-Type and the body: the quoted-printable
    text and HTML parts (wire form, from BodyEncoder or Stencil), as EmailMessage writes
    them after set_content(text) and add_alternative(html, subtype="html"). With
    `plain_text`, the text part is 7bit wire form from plain_text_part."""
    boundary = "=" * 15 + f"{random.randrange(sys.maxsize):0{_BOUNDARY_DIGITS}d}" + "=="
    text_headers = _PLAIN_TEXT_PART_HEADERS if plain_text else _TEXT_PART_HEADERS
    return (
        f"MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\n{text_headers}{text_part}"
        f"\r\n--{boundary}\r\n{_HTML_PART_HEADERS}{html_part}"
        f"\r\n--{boundary}--\r\n"
    ).encode("ascii")
