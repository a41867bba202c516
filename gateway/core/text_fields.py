"""Single-line text fields: what a title or a name may hold, wherever it comes from.

Owns the one rule for text a person gives that can end up in an email header (room titles,
display names, account names, alert titles; EMAIL-RULES section 3): no control characters
(C0 and C1, CR, LF and NUL among them, and DEL), no U+2028 LINE SEPARATOR or U+2029
PARAGRAPH SEPARATOR, and no RFC 2047 encoded word whose text decodes to one of them, since
some mail libraries decode such a word and write its line break out as a new header line. A
tab is read as a space (people paste them from spreadsheets), in the text and inside an
encoded word alike. `single_line_text` refuses such text with an error naming the field.
(Text that arrives by email is cleaned, not refused, by gateway.inbound.parsing.)

Encoded words are decoded here, in linear time (regular expressions that cannot backtrack
far, binascii, plain codecs), not by the email package, whose decoders are lenient in ways
that have been neither safe nor linear on hostile input. The outbound header writer
(gateway.outbound.email_bytes) has its own guard: refusing here tells the person who typed
the text, instead of writing it differently later.

Must not import any adapter library.
"""

from __future__ import annotations

import binascii
import re

from gateway.core.errors import InvalidInput, UnsafeText

# C0 controls but tab, DEL, C1 controls (NEL among them), and the Unicode line and paragraph
# separators: every character str.splitlines breaks at, and the rest of the controls.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_UNSAFE_BYTES = re.compile(b"[\x00-\x08\x0a-\x1f\x7f]")
# `=?charset?q-or-b?text?=` (RFC 2047 section 2) wherever it is (inside a word, a quoted
# string), as lenient readers find it. Strictly, the text holds no "?" and a run of words
# in one charset is decoded together (RFC 2047 section 6.2), as the email package's header
# parser does; loosely, the text runs to the first "?=", as email.header.decode_header
# reads it. Each part stops at the next "?" or the first "?=", so both scans are linear
# (the loose one only up to the last "?=", so that every attempt ends in a match).
_STRICT_WORD = re.compile(r"=\?([^?]*)\?([qQbB])\?([^?]*)\?=")
_LOOSE_WORD = re.compile(r"=\?([^?]*)\?([qQbB])\?(.*?)\?=", re.DOTALL)
_Q_ESCAPE = re.compile(rb"=([a-fA-F0-9]{2})")
# Charsets whose decoders are plain table or UTF codecs: anything else (utf-7,
# unicode_escape, punycode...) can turn harmless-looking bytes into a line break, so an
# encoded word in it is refused unread.
_CHECKABLE_CHARSET = re.compile(
    r"utf-?8|utf-?(?:16|32)(?:-?[bl]e)?|(?:us-)?ascii|iso-?8859-\d{1,2}|latin-?[1-9]|l[1-9]"
    r"|(?:windows|cp)-?125[0-8]|koi8-[ru]|gb2312|gbk|gb18030|big5|euc-(?:jp|kr)"
    r"|shift[-_]jis|sjis|cp9(?:32|36|49)"
)
# An encoded word may decode to another one; a reader decodes once, but look a little deeper.
_MAX_NESTING = 3
# No title or name comes near this (each field has its own, smaller limit); it bounds the
# work done on hostile input before that limit is checked.
MAX_TEXT_LENGTH = 10_000


def single_line_text(field: str, value: str) -> str:
    """`value` with its tabs as spaces, or UnsafeText naming `field` ("room title") when it
    holds a control character, a line break or an encoded word that could hide one;
    InvalidInput when it is longer than MAX_TEXT_LENGTH."""
    if len(value) > MAX_TEXT_LENGTH:
        raise InvalidInput(f"{field} is far too long")
    if _UNSAFE.search(value):
        raise UnsafeText(field, f"{field} may not contain control characters or line breaks")
    if _hides_unsafe_text(value, _MAX_NESTING):
        raise UnsafeText(
            field,
            f"{field} may not contain an encoded word (=?...?=) that could hide control "
            "characters or line breaks",
        )
    return value.replace("\t", " ")


def _hides_unsafe_text(value: str, depth: int) -> bool:
    """Whether an encoded word in `value`, read strictly or loosely, decodes to unsafe text."""
    if depth == 0 or "=?" not in value:
        return False
    if _strict_runs_unsafe(value, depth):
        return True
    loose = value[: value.rfind("?=") + 2]
    return any(
        _unsafe_word(match.group(1), _word_bytes(match.group(2), match.group(3)), depth)
        for match in _LOOSE_WORD.finditer(loose)
    )


def _strict_runs_unsafe(value: str, depth: int) -> bool:
    """Each run of adjacent encoded words in one charset (only white space between them),
    whose bytes a reader joins before decoding: a character may be split across words."""
    run: list[list[bytes]] = []
    charset = ""
    end = -1
    for match in _STRICT_WORD.finditer(value):
        adjacent = end >= 0 and (match.start() == end or value[end : match.start()].isspace())
        if not (adjacent and match.group(1).lower() == charset.lower()):
            if run and _unsafe_word(charset, _joined(run), depth):
                return True
            run, charset = [], match.group(1)
        run.append(_word_bytes(match.group(2), match.group(3)))
        end = match.end()
    return bool(run) and _unsafe_word(charset, _joined(run), depth)


def _joined(run: list[list[bytes]]) -> list[bytes]:
    """Each way the run's words could decode, joined (a word has a few readings)."""
    ways = max(len(readings) for readings in run)
    return [b"".join(readings[min(i, len(readings) - 1)] for readings in run) for i in range(ways)]


def _word_bytes(encoding: str, text: str) -> list[bytes]:
    """The bytes an encoded word's text may stand for (RFC 2047 section 4), decoded as
    lenient readers do. Text beyond ASCII (not allowed there) is read as UTF-8 and, as
    email.header does, as Latin-1. Q: "=XX" escapes, "_" for a space, anything else as it
    is. B: the email package's three tries (padded, as it is, with "==" more)."""
    readings: list[bytes] = []
    for data in dict.fromkeys(
        (text.encode("utf-8", "surrogatepass"), text.encode("raw-unicode-escape"))
    ):
        if encoding in "qQ":
            spaced = data.replace(b"_", b" ")
            readings.append(_Q_ESCAPE.sub(lambda m: bytes.fromhex(m.group(1).decode()), spaced))
            continue
        padded = data + b"==="[: -len(data) % 4]
        for attempt in (padded, data, data + b"=="):
            try:
                readings.append(binascii.a2b_base64(attempt))
            except binascii.Error:
                continue
    return readings or [text.encode("utf-8", "surrogatepass")]


def _unsafe_word(charset: str, readings: list[bytes], depth: int) -> bool:
    """Whether any reading of an encoded word's bytes in `charset` is unsafe text."""
    name = charset.partition("*")[0].lower()  # RFC 2231 section 5: charset*language
    if not _CHECKABLE_CHARSET.fullmatch(name):
        return True
    for data in readings:
        if _UNSAFE_BYTES.search(data):
            return True
        try:
            text = data.decode(name, "replace")
        except LookupError:  # a name the pattern allows but Python does not know
            return True
        if _UNSAFE.search(text) or _hides_unsafe_text(text, depth - 1):
            return True
    return False
