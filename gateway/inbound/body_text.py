"""The bytes and readable text of one received body part.

Owns undoing a part's transfer encoding (RFC 2045 section 6: base64, quoted-printable, the old
uuencode; anything else is taken as it is) and turning a text/plain or text/html part into the
text a person wrote: its declared charset (or an HTML part's <meta charset>) with the fallbacks
of EMAIL-RULES 1.8, line ends as "\n", no NUL or control characters, format=flowed soft breaks
joined (RFC 3676), and binary junk sent as text refused.

Each step is one pass over the part (`bytes.translate`, `binascii`, one `findall`, one split
into lines); the <meta> sniff reads only the first META_SNIFF_BYTES.

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import binascii
import re
from email.message import Message

from gateway.inbound.encoded_text import UTF_8, decode_base64, decode_bytes
from gateway.inbound.mime_params import param_value, plain_param
from gateway.inbound.mime_tree import TEXT_PLAIN, PartHeaders

TEXT_HTML = "text/html"
# A text part is binary junk when more than BINARY_CHAR_RATIO of its characters, and at least
# MIN_BINARY_CHARS, are control characters or U+FFFD: random bytes give about 12%,
# person-written text none, or a stray few.
MIN_BINARY_CHARS = 8
BINARY_CHAR_RATIO = 0.05
META_SNIFF_BYTES = 4096  # how far into an HTML part a <meta charset> is looked for

_BINARY_CHARS_RE = re.compile("[\x01-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_CONTROL_CHARS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_META_CHARSET_RE = re.compile(
    rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]{1,40})", re.IGNORECASE
)
_UUENCODINGS = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})


def raw_payload(part: Message) -> str | list[Message] | None:
    """The payload as read: text with 8-bit bytes kept as surrogate escapes, or the subparts.

    `get_payload()` would decode 8-bit text before the charset fallback can look at its
    bytes; the stored payload is what the standard library's own generator reads.
    """
    payload: object = getattr(part, "_payload", None)
    return payload if isinstance(payload, str | list) else None


def payload_bytes(part: Message, encoding: str) -> bytes | None:
    """The decoded body of a leaf part; None for a part that has subparts."""
    payload = raw_payload(part)
    if not isinstance(payload, str):
        return None
    return transfer_decoded(part, payload.encode(UTF_8, "surrogateescape"), encoding)


def transfer_decoded(part: Message, data: bytes, encoding: str) -> bytes:
    """`data` with its Content-Transfer-Encoding undone (RFC 2045 section 6)."""
    if encoding == "base64":
        return decode_base64(data)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(data)
    if encoding in _UUENCODINGS:
        decoded = part.get_payload(decode=True)
        return decoded if isinstance(decoded, bytes) else data
    return data  # 7bit, 8bit, binary, missing (RFC 2045 section 6.1: 7bit) or unknown


def decode_text_part(part: Message, headers: PartHeaders, defects: list[str]) -> str | None:
    """A text part's readable text with "\n" line endings; None if empty or binary junk."""
    data = payload_bytes(part, headers.encoding)
    if not data:
        return None
    charset = plain_param(headers.type_params, "charset")
    if charset is None:
        charset = param_value(headers.type_params, "charset")  # RFC 2231 encoded: rare
    if charset is None and headers.content_type == TEXT_HTML:
        charset = _meta_charset(data)
    text = decode_bytes(data, charset, defects).removeprefix("\ufeff")
    # NUL is dropped before judging: some mailers pad with it, and PostgreSQL text rejects it.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    junk = len(_BINARY_CHARS_RE.findall(text))
    if junk >= MIN_BINARY_CHARS and junk > len(text) * BINARY_CHAR_RATIO:
        defects.append("BinaryTextPart")
        return None
    if junk or "\x0c" in text:  # skip the second scan for clean text, the common case
        text = _CONTROL_CHARS_RE.sub("", text)
    params = headers.type_params
    if headers.content_type == TEXT_PLAIN and plain_param(params, "format") == "flowed":
        text = unflow(text, delete_space=plain_param(params, "delsp") == "yes")
    return text if text.strip() else None


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET_RE.search(data, 0, META_SNIFF_BYTES)
    return match.group(1).decode("ascii") if match else None


def unflow(text: str, *, delete_space: bool) -> str:
    """Join the soft line breaks of format=flowed text (RFC 3676 section 4).

    A line ending in a space continues on the next line of the same quote depth; the
    signature separator "-- " never flows; one leading space after the quote marks is
    stuffing and is removed. Quoted paragraphs are written back as ">" * depth + " ".
    """
    lines: list[str] = []
    paragraph: list[str] = []
    paragraph_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:].removeprefix(" ")
        if paragraph and depth != paragraph_depth:
            # RFC 3676 section 4.5: a flowed line followed by another depth ends there.
            lines.append(_quoted("".join(paragraph), paragraph_depth))
            paragraph = []
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delete_space:
            content = content[:-1]
        paragraph.append(content)
        paragraph_depth = depth
        if not flowed:
            lines.append(_quoted("".join(paragraph), depth))
            paragraph = []
    if paragraph:
        lines.append(_quoted("".join(paragraph), paragraph_depth))
    return "\n".join(lines)


def _quoted(text: str, depth: int) -> str:
    if not depth:
        return text
    return ">" * depth + (" " + text if text else "")


__all__ = [
    "TEXT_HTML",
    "TEXT_PLAIN",
    "decode_text_part",
    "payload_bytes",
    "raw_payload",
    "transfer_decoded",
    "unflow",
]
