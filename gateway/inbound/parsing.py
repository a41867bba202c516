"""MIME parsing of one received raw message.

Owns turning the bytes a receiver (SMTP now, IMAP later) got into a `ParsedEmail`: addresses,
subject and message ids from the headers (RFC 5322, RFC 2047), the best text/plain and
text/html body parts, and the attachments. It implements EMAIL-RULES 1.8: the declared charset
first, then UTF-8, then windows-1252. `parse_email` never raises on any byte string: broken MIME
is recorded by name in `ParsedEmail.defects` and whatever is readable is kept.

Hostile structure is capped rather than refused: at most `MAX_PARTS` MIME parts are walked,
multiparts nested deeper than `MAX_DEPTH` are not entered, and a message declaring more than
`MAX_BOUNDARIES` boundaries has only its headers parsed (each recorded as a defect).

From is read by gateway.inbound.mailboxes (our own linear reader): `from_mailboxes` counts
every mailbox of every From field, which the sender check needs to be exactly one.

This runs in the SMTP server's hot path, so it parses with the `compat32` policy (the modern
policy builds a header object per field and is about 20x slower) and decodes the few headers
it needs itself.

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import binascii
import codecs
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import decode_params, getaddresses, unquote
from functools import lru_cache

from gateway.inbound.mailboxes import ADDR_SPEC, read_mailbox_list

MAX_PARTS = 250  # MIME parts walked per message; real mail has a handful, hostile mail thousands
MAX_DEPTH = 30  # multipart nesting entered; clients nest 3 or 4 levels
# Declared boundaries allowed before the body is not parsed at all: the stdlib parser checks
# every line against every open boundary, so deep nesting costs it depth squared (300 levels
# take 0.1 s, 1000 exhaust the recursion limit). Real mail declares a handful.
MAX_BOUNDARIES = 100
MAX_FILENAME_CHARS = 200
MAX_EXTENSION_CHARS = 16  # a longer "extension" is just part of a long name
# A text part is binary junk when more than BINARY_CHAR_RATIO of its characters, and at least
# MIN_BINARY_CHARS, are control characters or U+FFFD: random bytes give about 12%,
# person-written text none, or a stray few.
MIN_BINARY_CHARS = 8
BINARY_CHAR_RATIO = 0.05
META_SNIFF_BYTES = 4096  # how far into an HTML part a <meta charset> is looked for

TEXT_PLAIN = "text/plain"
TEXT_HTML = "text/html"
UTF_8 = "utf-8"
WINDOWS_1252 = "cp1252"  # decodes every byte (with errors="replace" for its 5 unused ones)

# Parts that are machinery, not files a person attached: signatures of multipart/signed
# (RFC 1847, RFC 3156, RFC 8551), the control part of PGP/MIME encryption, and the
# machine-readable parts of delivery and disposition reports (RFC 3464, RFC 8098), which
# classification reads from `ParsedEmail.headers` itself.
IGNORED_PART_TYPES = frozenset(
    {
        "application/pgp-signature",
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "application/pgp-encrypted",
        "message/delivery-status",
        "message/global-delivery-status",
        "message/disposition-notification",
        "message/global-disposition-notification",
        "text/rfc822-headers",
        "text/global-headers",
    }
)
# Extensions for made-up names of unnamed parts; mimetypes is avoided because its answers
# depend on the host's /etc/mime.types (image/jpeg -> ".jpe" on some).
MADE_UP_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/pjpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/bmp": ".bmp",
    "image/tiff": ".tif",
    "image/heic": ".heic",
    "image/heif": ".heif",
    "image/svg+xml": ".svg",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "text/csv": ".csv",
}
# Labels that mail in the wild uses for a superset encoding: decoding with the superset keeps
# characters the strict codec would reject (the same table browsers use, WHATWG Encoding).
CHARSET_SUPERSETS = {
    "iso8859-1": WINDOWS_1252,
    "iso8859-9": "cp1254",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
}
# Python text codecs that must never be applied to mail: punycode and idna are quadratic on
# large input, the escape codecs turn backslash sequences into arbitrary characters.
UNSAFE_CODECS = frozenset({"idna", "punycode", "unicode-escape", "raw-unicode-escape"})

_PARSER = BytesParser(policy=compat32)
_UNFOLD_RE = re.compile(r"\r?\n(?=[ \t])")  # RFC 5322 section 2.2.3: unfolding removes CRLF
_LINE_BREAK_RE = re.compile(r"[\r\n]+")
# RFC 2047 section 2 encoded-word; spaces are tolerated in the text because broken encoders
# put them there, "?" is not (it ends the word).
_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]*)\?([bBqQ])\?([^?]*)\?=")
# A MIME parameter (RFC 2045 section 5.1), with RFC 2231 "*" names; quoted values may escape.
_PARAM_RE = re.compile(r'(?:^|;)\s*([A-Za-z0-9_.*\-]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;\s]*)')
_BASE64_WORD_RE = re.compile(r"[A-Za-z0-9+/]*=*")
_ADDR_SPEC = ADDR_SPEC
_ADDR_SPEC_RE = re.compile(_ADDR_SPEC)
# One mailbox without comments, groups or escapes: `addr`, `Name <addr>`, `"Name" <addr>`.
_SINGLE_MAILBOX_RE = re.compile(
    rf'\s*(?:(?:"(?P<quoted>[^"\\]*)"|(?P<name>[^"<>,;:()@\\]*?))\s*<(?P<angle>{_ADDR_SPEC})>'
    rf"|(?P<bare>{_ADDR_SPEC}))\s*"
)
_MSG_ID_RE = re.compile(r"<([^<>]*)>")
_ID_TOKEN_SPLIT_RE = re.compile(r"[\s,]+")
_BINARY_CHARS_RE = re.compile("[\x01-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_CONTROL_CHARS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Path separators are handled apart; these are control characters (C0, C1), the line and
# paragraph separators, and the bidi overrides that make "gpj.exe" display as "exe.jpg".
_FILENAME_DROP_RE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
# What a display name or subject never carries onward (EMAIL-RULES section 3): controls
# (C0, DEL, C1) and the line and paragraph separators, written as spaces.
_NOT_ONE_LINE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_META_CHARSET_RE = re.compile(
    rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]{1,40})", re.IGNORECASE
)
# A multipart delimiter line (RFC 2046 section 5.1.1 bchars), for salvaging a multipart whose
# declared boundary is missing or never used.
_DELIMITER_LINE_RE = re.compile(r"^--([0-9A-Za-z'()+_,\-./:=?]{1,70})[ \t]*\r?$", re.MULTILINE)
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_NOT_BASE64 = bytes(set(range(256)) - set(_BASE64_ALPHABET))
_BASE64_CHUNK_END_RE = re.compile(rb"(?<==)(?=[^=])")  # padding in mid-stream ends a chunk
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UUENCODINGS = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str  # sanitized; made up ("image-1.png", "forwarded.eml") for unnamed parts
    content_type: str  # lowercased "type/subtype"
    data: bytes
    inline: bool  # Content-Disposition inline, or has a Content-ID
    content_id: str | None  # without <>


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    from_address: str | None  # the first From mailbox's addr-spec, lowercased; None if none
    from_name: str  # its decoded display name, "" if none
    # Mailboxes across ALL From fields (group members included) and "name: ...;" groups: the
    # sender check needs exactly one mailbox, however the others are dressed up.
    from_mailboxes: int
    from_groups: int
    to: tuple[str, ...]
    cc: tuple[str, ...]
    delivered_to: tuple[str, ...]  # Delivered-To and X-Original-To values
    subject: str  # RFC 2047 decoded, whitespace collapsed
    message_id: str | None  # without <>; None if absent or empty
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]  # in order
    text: str | None  # first non-attachment text/plain part with readable text, "\n" endings
    html: str | None  # first non-attachment text/html part with any text
    attachments: tuple[Attachment, ...]
    headers: Message  # the parsed top-level message (compat32), for header lookups
    defects: tuple[str, ...]  # names of the MIME defects found (informational)


@dataclass(slots=True)
class _Body:
    text: str | None = None
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    unnamed: dict[str, int] = field(default_factory=dict)  # made-up names given, per kind


@dataclass(frozen=True, slots=True)
class _PartHeaders:
    """The MIME headers of one part, read in one pass (compat32's accessors re-scan and
    re-parse the header list on every call, which dominated the parse time)."""

    content_type: str  # lowercased type/subtype
    type_params: str  # raw text after the first ";"
    disposition: str | None  # lowercased, None if absent
    disposition_params: str
    encoding: str  # lowercased Content-Transfer-Encoding, "" if absent
    content_id: str | None  # without <>


_MIME_HEADERS = frozenset(
    {"content-type", "content-disposition", "content-transfer-encoding", "content-id"}
)

# Headers `parse_email` reads, collected in one pass over the header list.
_WANTED_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "delivered-to",
        "x-original-to",
        "subject",
        "message-id",
        "in-reply-to",
        "references",
    }
)


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one raw message. Never raises; broken parts are skipped and named in `defects`."""
    defects: list[str] = []
    msg, complete = _parse_message(raw, defects)
    fields = _collect_headers(msg)
    from_list = read_mailbox_list(fields.get("from", []))
    first = from_list.mailboxes[0] if from_list.mailboxes else from_list.first_named
    body = _read_body(msg, defects) if complete else _Body()
    return ParsedEmail(
        from_address=first.address if first else None,
        from_name=_collapse_whitespace(_decode_rfc2047(first.name)) if first else "",
        from_mailboxes=from_list.count,
        from_groups=from_list.groups,
        to=_address_list(fields.get("to", [])),
        cc=_address_list(fields.get("cc", [])),
        delivered_to=_address_list(
            fields.get("delivered-to", []) + fields.get("x-original-to", [])
        ),
        subject=_collapse_whitespace(_decode_rfc2047(_first(fields, "subject"))),
        message_id=_message_id(_first(fields, "message-id")),
        in_reply_to=_msg_ids(" ".join(fields.get("in-reply-to", []))),
        references=_msg_ids(" ".join(fields.get("references", []))),
        text=body.text,
        html=body.html,
        attachments=tuple(body.attachments),
        headers=msg,
        defects=tuple(dict.fromkeys(defects)),
    )


def header_text(msg: Message, name: str) -> str:
    """The first `name` header, unfolded and RFC 2047 decoded; "" if absent. Never raises."""
    try:
        key = name.lower()
        for field_name, value in msg.raw_items():
            if field_name.lower() == key:
                return _decode_rfc2047(_header_str(value)).strip()
    except Exception:  # a header value no decoder expected must not fail the caller
        return ""
    return ""


# --- parsing and headers -------------------------------------------------------------------


def _parse_message(raw: bytes, defects: list[str]) -> tuple[Message, bool]:
    """The parsed message, and whether its body could be parsed at all."""
    if raw.lower().count(b"boundary") > MAX_BOUNDARIES:
        defects.append("TooManyBoundaries")
    else:
        try:
            return _parse_single_part(raw) or _PARSER.parsebytes(raw), True
        except Exception:  # RecursionError on absurd nesting, or a bug in the email package
            defects.append("ParseError")
    try:
        return _PARSER.parsebytes(raw, headersonly=True), False
    except Exception:
        return Message(), False


def _parse_single_part(raw: bytes) -> Message | None:
    """A message whose body is one part, parsed without walking the body line by line.

    Most replies are one text/plain part; the feed parser would split its body into lines
    only to join them again (half of its time). The header block is parsed as usual and the
    body taken as it is: the payload the full parse gives such a message. Anything else
    (multipart, message/*, a header block with defects) gets the full parse.
    """
    head = _uniform_header_block(raw)
    if head is None:
        return None
    msg = _PARSER.parsebytes(head, headersonly=True)
    # A payload here means the parser saw the header block end before the blank line.
    if msg.defects or msg.get_payload() or msg.get_content_maintype() in ("multipart", "message"):
        return None
    msg.set_payload(raw[len(head) :].decode("ascii", "surrogateescape"))
    return msg


def _uniform_header_block(raw: bytes) -> bytes | None:
    """The header block and its blank line, when every line of it ends the same way (all
    CRLF or all LF); None otherwise, since mixed and lone-CR line ends are the parser's job."""
    if raw.startswith((b"\r", b"\n")):  # an empty header block
        return None
    crlf = raw.find(b"\r\n\r\n")
    if crlf > 0:
        head = raw[: crlf + 4]
        pairs = head.count(b"\r\n")
        return head if head.count(b"\n") == pairs == head.count(b"\r") else None
    lf = raw.find(b"\n\n")
    if lf > 0 and b"\r" not in raw[: lf + 2]:
        return raw[: lf + 2]
    return None


def _collect_headers(msg: Message) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        key = name.lower()
        if key in _WANTED_HEADERS:
            found.setdefault(key, []).append(_header_str(value))
    return found


def _first(fields: dict[str, list[str]], name: str) -> str:
    values = fields.get(name)
    return values[0] if values else ""


def _header_str(value: object) -> str:
    """A raw header value as text: 8-bit bytes decoded (UTF-8, else windows-1252), unfolded."""
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        # compat32 keeps raw 8-bit header bytes as surrogate escapes; SMTPUTF8 senders
        # (RFC 6532) send UTF-8, older clients their local charset.
        text = _decode_bytes(text.encode(UTF_8, "surrogateescape"), None)
    if "\n" not in text and "\r" not in text:
        return text
    return _LINE_BREAK_RE.sub(" ", _UNFOLD_RE.sub("", text))


def _collapse_whitespace(text: str) -> str:
    """`text` on one line: controls and line breaks as spaces, runs of spaces as one."""
    return " ".join(_NOT_ONE_LINE_RE.sub(" ", text).split())


def _decode_rfc2047(value: str) -> str:
    """Decode RFC 2047 encoded-words, keeping any word that cannot be decoded as it is.

    Whitespace between two encoded-words is dropped (RFC 2047 section 6.2), and adjacent words
    in the same charset are joined before decoding, because encoders split multibyte
    characters across words.
    """
    if "=?" not in value:
        return value
    pieces: list[str] = []
    pending = bytearray()
    pending_charset = ""
    position = 0
    previous_was_word = False
    for match in _ENCODED_WORD_RE.finditer(value):
        between = value[position : match.start()]
        if not (previous_was_word and (not between or between.isspace())):
            pieces.append(_decode_word_bytes(pending, pending_charset))
            pending.clear()
            pieces.append(between)
        charset = match.group(1).partition("*")[0]  # RFC 2231 section 5: charset*language
        data = _encoded_word_bytes(match.group(2), match.group(3))
        if data is None:
            pieces.append(_decode_word_bytes(pending, pending_charset))
            pending.clear()
            pieces.append(match.group(0))
            previous_was_word = False
        else:
            if pending and charset.lower() != pending_charset.lower():
                pieces.append(_decode_word_bytes(pending, pending_charset))
                pending.clear()
            pending += data
            pending_charset = charset
            previous_was_word = True
        position = match.end()
    pieces.append(_decode_word_bytes(pending, pending_charset))
    pieces.append(value[position:])
    return "".join(pieces)


def _encoded_word_bytes(encoding: str, text: str) -> bytes | None:
    if encoding in "qQ":
        # RFC 2047 section 4.2: "_" is a space; binascii's header mode does exactly that.
        return binascii.a2b_qp(text.encode(UTF_8, "surrogateescape"), header=True)
    stripped = text.strip()
    if not _BASE64_WORD_RE.fullmatch(stripped):
        return None  # not base64 at all: keep the word as written
    return _decode_base64(stripped.encode("ascii"))


def _decode_word_bytes(data: bytearray, charset: str) -> str:
    return _decode_bytes(bytes(data), charset) if data else ""


def _address_list(values: list[str]) -> tuple[str, ...]:
    addresses = (address for _, address in _parse_addresses(values) if address)
    return tuple(dict.fromkeys(addresses))


def _parse_addresses(values: list[str]) -> list[tuple[str, str | None]]:
    """(raw display name, lowercased addr-spec or None) per address.

    Addresses are split before RFC 2047 decoding: a decoded display name may contain the
    commas and angle brackets that separate addresses (RFC 2047 section 5, rule 3).
    """
    parsed: list[tuple[str, str | None]] = []
    for value in values:
        single = _SINGLE_MAILBOX_RE.fullmatch(value)
        if single is not None:  # the common case, about 10x faster than getaddresses
            name = single.group("quoted") or single.group("name") or ""
            parsed.append((name, (single.group("angle") or single.group("bare")).lower()))
        else:
            parsed.extend(_parse_address_list(value))
    return parsed


def _parse_address_list(value: str) -> list[tuple[str, str | None]]:
    try:
        pairs = getaddresses([value])
    except Exception:  # the address parser is lenient, but must not fail the message
        return []
    parsed: list[tuple[str, str | None]] = []
    for name, address in pairs:
        address = address.strip().lower()
        valid = _ADDR_SPEC_RE.fullmatch(address) is not None
        if valid or name:
            parsed.append((name, address if valid else None))
    return parsed


def _message_id(value: str) -> str | None:
    ids = _msg_ids(value)
    if ids:
        return ids[0]
    token = value.strip().strip("<>").strip()
    return token.split()[0] if token else None


def _msg_ids(value: str) -> tuple[str, ...]:
    """Message ids in order, without <> (RFC 5322 section 3.6.4), duplicates dropped.

    Clients that forget the brackets are tolerated: then every token holding an "@" counts,
    which skips the "Your message of ..." prose some old clients put in In-Reply-To.
    """
    ids = ["".join(found.split()) for found in _MSG_ID_RE.findall(value)]
    if not any(ids):
        ids = [token.strip("<>") for token in _ID_TOKEN_SPLIT_RE.split(value) if "@" in token]
    return tuple(dict.fromkeys(mid for mid in ids if mid))


# --- charsets ------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _codec_for(charset: str) -> str | None:
    """The Python codec for a declared charset label, or None if unknown or unsafe."""
    label = charset.strip().strip("\"'").strip().lower()
    if not label or len(label) > 64:
        return None
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError, TypeError):
        return None
    if name in UNSAFE_CODECS:
        return None
    return CHARSET_SUPERSETS.get(name, name)


def _decode_bytes(data: bytes, charset: str | None, defects: list[str] | None = None) -> str:
    """Text from bytes: the declared charset, then UTF-8, then windows-1252 (EMAIL-RULES 1.8)."""
    codec = _codec_for(charset) if charset else None
    if charset and codec is None and defects is not None:
        defects.append("UnknownCharset")
    if codec is None and data[:2] in _UTF16_BOMS:
        codec = "utf-16"
    if codec is not None:
        try:
            return data.decode(codec)
        except (UnicodeError, LookupError, ValueError):  # LookupError: not a text codec
            if defects is not None:
                defects.append("CharsetDecodeError")
    if codec != UTF_8:
        try:
            return data.decode(UTF_8)
        except UnicodeDecodeError:
            pass
    if codec == UTF_8:
        return data.decode(UTF_8, "replace")  # declared UTF-8 with a few bad bytes
    return data.decode(WINDOWS_1252, "replace")


def _read_part_headers(part: Message) -> _PartHeaders:
    values: dict[str, str] = {}
    for name, value in part.raw_items():
        key = name.lower()
        if key in _MIME_HEADERS and key not in values:
            values[key] = _header_str(value)
    type_value, _, type_params = values.get("content-type", "").partition(";")
    content_type = "".join(type_value.split()).lower()
    if not content_type:
        content_type = part.get_default_type()  # message/rfc822 inside multipart/digest
    elif content_type.count("/") != 1:
        content_type = TEXT_PLAIN  # RFC 2045 section 5.2: an invalid type means text/plain
    disposition_value, _, disposition_params = values.get("content-disposition", "").partition(";")
    content_id = values.get("content-id", "").strip().strip("<>").strip()
    return _PartHeaders(
        content_type=content_type,
        type_params=type_params,
        disposition=disposition_value.strip().lower() or None,
        disposition_params=disposition_params,
        encoding=values.get("content-transfer-encoding", "").partition(";")[0].strip().lower(),
        content_id=content_id or None,
    )


def _simple_param(params: str, name: str) -> str | None:
    """A plain `name=value` parameter, lowercased; None if absent."""
    for key, value in _PARAM_RE.findall(params):
        if key.lower() == name:
            return str(value).strip('"').strip().lower()
    return None


def _charset(headers: _PartHeaders) -> str | None:
    charset = _simple_param(headers.type_params, "charset")
    if charset is not None or "charset*" not in headers.type_params.lower():
        return charset
    return _param_value(headers.type_params, "charset")  # RFC 2231 encoded: rare


# --- transfer encodings --------------------------------------------------------------------


def _decode_base64(data: bytes) -> bytes:
    """Lenient base64 (RFC 2045 section 6.8: characters outside the alphabet are ignored).

    Also repairs missing padding, a stray last character, and streams encoded in padded
    chunks (some mailers encode line by line). Returns b"" when nothing is decodable.
    """
    cleaned = data.translate(None, _NOT_BASE64)
    chunks = _BASE64_CHUNK_END_RE.split(cleaned) if b"=" in cleaned.rstrip(b"=") else [cleaned]
    return b"".join(_decode_base64_chunk(chunk) for chunk in chunks)


def _decode_base64_chunk(chunk: bytes) -> bytes:
    try:
        return binascii.a2b_base64(chunk)
    except binascii.Error:
        pass
    digits = chunk.replace(b"=", b"")
    if len(digits) % 4 == 1:
        digits = digits[:-1]  # one stray character cannot encode anything
    try:
        return binascii.a2b_base64(digits + b"=" * (-len(digits) % 4))
    except binascii.Error:
        return b""


def _raw_payload(part: Message) -> str | list[Message] | None:
    """The payload as parsed: text with 8-bit bytes kept as surrogate escapes, or the subparts.

    `get_payload()` would decode 8-bit text with the declared charset and errors="replace",
    losing the bytes before the charset fallback can look at them; the stored payload is what
    the stdlib's own generator reads.
    """
    payload: object = getattr(part, "_payload", None)
    return payload if isinstance(payload, str | list) else None


def _payload_bytes(part: Message, encoding: str) -> bytes | None:
    """The decoded body of a leaf part; None for a part that has subparts."""
    payload = _raw_payload(part)
    if not isinstance(payload, str):
        return None
    data = payload.encode(UTF_8, "surrogateescape")  # compat32 keeps 8-bit bytes as escapes
    if encoding == "base64":
        return _decode_base64(data)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(data)
    if encoding in _UUENCODINGS:
        decoded = part.get_payload(decode=True)
        return decoded if isinstance(decoded, bytes) else data
    return data  # 7bit, 8bit, binary, missing (RFC 2045 section 6.1: 7bit) or unknown


# --- body ----------------------------------------------------------------------------------


def _read_body(msg: Message, defects: list[str]) -> _Body:
    body = _Body()
    for part, headers in _leaf_parts(msg, defects):
        try:
            _take_leaf(part, headers, body, defects)
        except Exception:  # one undecodable part must not lose the rest of the message
            defects.append("PartDecodeError")
    return body


def _leaf_parts(msg: Message, defects: list[str]) -> Iterator[tuple[Message, _PartHeaders]]:
    """Leaf parts in document order, without recursion, within MAX_PARTS and MAX_DEPTH."""
    stack: list[tuple[Message, int]] = [(msg, 0)]
    walked = 0
    salvaged = False
    while stack:
        part, depth = stack.pop()
        walked += 1
        if walked > MAX_PARTS:
            defects.append("PartLimitExceeded")
            return
        defects.extend(type(defect).__name__ for defect in part.defects)
        headers = _read_part_headers(part)
        children = _subparts(part, headers.content_type)
        if children is None and not salvaged and _is_unsplit_multipart(part, headers):
            salvaged = True  # one re-parse per message at most
            children = _salvage_multipart(part, headers.content_type, defects)
        if children is None:
            yield part, headers
        elif depth >= MAX_DEPTH:
            defects.append("DepthLimitExceeded")
        else:
            stack.extend((child, depth + 1) for child in reversed(children))


def _subparts(part: Message, content_type: str) -> list[Message] | None:
    """The parts of a multipart; None for a leaf. message/* parts are leaves (attachments)."""
    payload = _raw_payload(part)
    if not content_type.startswith("multipart/") or not isinstance(payload, list):
        return None
    return [child for child in payload if isinstance(child, Message)]


def _is_unsplit_multipart(part: Message, headers: _PartHeaders) -> bool:
    return headers.content_type.startswith("multipart/") and isinstance(_raw_payload(part), str)


def _salvage_multipart(
    part: Message, content_type: str, defects: list[str]
) -> list[Message] | None:
    """Split a multipart whose boundary is missing or never appears, by the first delimiter
    line actually in its body (compat32 leaves such a body unsplit: NoBoundaryInMultipart,
    StartBoundaryNotFound)."""
    body = _raw_payload(part)
    if not isinstance(body, str):
        return None
    match = _DELIMITER_LINE_RE.search(body)
    if match is None:
        return None
    boundary = match.group(1).removesuffix("--")  # the first delimiter may be the closing one
    if not boundary:
        return None
    head = f'Content-Type: {content_type}; boundary="{boundary}"\r\n\r\n'
    try:
        reparsed = _PARSER.parsebytes(head.encode("ascii") + body.encode(UTF_8, "surrogateescape"))
    except Exception:
        return None
    children = _subparts(reparsed, content_type)
    if children:
        defects.append("BoundaryRecovered")
    return children or None


def _take_leaf(part: Message, headers: _PartHeaders, body: _Body, defects: list[str]) -> None:
    content_type, disposition = headers.content_type, headers.disposition
    filename = _filename(headers)
    # RFC 2183: a text part with a filename or "attachment" disposition is a file, not the body.
    if content_type in (TEXT_PLAIN, TEXT_HTML) and not filename and disposition != "attachment":
        _take_body_text(part, headers, body, defects)
        return
    if content_type in IGNORED_PART_TYPES:
        return
    named = bool(filename) or disposition == "attachment"
    if not (named or content_type.startswith(("image/", "message/"))):
        defects.append("UnnamedPartIgnored")  # e.g. text/calendar alternatives, stray blobs
        return
    data: bytes | None
    if content_type.startswith("message/"):
        data = _message_bytes(part, headers.encoding)
    else:
        data = _payload_bytes(part, headers.encoding)
    if not data or not data.strip():
        return
    body.attachments.append(
        Attachment(
            filename=_sanitize_filename(filename) or _made_up_name(content_type, body.unnamed),
            content_type=content_type,
            data=data,
            inline=disposition == "inline" or headers.content_id is not None,
            content_id=headers.content_id,
        )
    )


def _take_body_text(part: Message, headers: _PartHeaders, body: _Body, defects: list[str]) -> None:
    if headers.content_type == TEXT_PLAIN and body.text is None:
        body.text = _decode_text_part(part, headers, defects)
    elif headers.content_type == TEXT_HTML and body.html is None:
        body.html = _decode_text_part(part, headers, defects)


def _decode_text_part(part: Message, headers: _PartHeaders, defects: list[str]) -> str | None:
    """A text part's readable text with "\n" line endings; None if empty or binary junk."""
    data = _payload_bytes(part, headers.encoding)
    if not data:
        return None
    charset = _charset(headers)
    if charset is None and headers.content_type == TEXT_HTML:
        charset = _meta_charset(data)
    text = _decode_bytes(data, charset, defects).removeprefix("\ufeff")
    # NUL is dropped before judging: some mailers pad with it, and PostgreSQL text rejects it.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    junk = len(_BINARY_CHARS_RE.findall(text))
    if junk >= MIN_BINARY_CHARS and junk > len(text) * BINARY_CHAR_RATIO:
        defects.append("BinaryTextPart")
        return None
    if junk or "\x0c" in text:  # skip the second scan for clean text, the common case
        text = _CONTROL_CHARS_RE.sub("", text)
    if (
        headers.content_type == TEXT_PLAIN
        and _simple_param(headers.type_params, "format") == "flowed"
    ):
        delete_space = _simple_param(headers.type_params, "delsp") == "yes"
        text = _unflow(text, delete_space=delete_space)
    return text if text.strip() else None


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET_RE.search(data, 0, META_SNIFF_BYTES)
    return match.group(1).decode("ascii") if match else None


def _unflow(text: str, *, delete_space: bool) -> str:
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


# --- attachments ---------------------------------------------------------------------------


def _filename(headers: _PartHeaders) -> str:
    """The decoded filename, or "": Content-Disposition filename (RFC 2183), else the older
    Content-Type name; RFC 2231 encoded, or RFC 2047 encoded as Outlook and Gmail send it.

    compat32's get_filename() is not used: it turns raw 8-bit names into U+FFFD.
    """
    name = _param_value(headers.disposition_params, "filename") or _param_value(
        headers.type_params, "name"
    )
    return _decode_rfc2047(name).strip() if name else ""


def _param_value(params: str, name: str) -> str | None:
    """A parameter's value, RFC 2231 continuations and charset decoded; None if absent."""
    if name not in params.lower():
        return None
    pairs = [(key.lower(), value) for key, value in _PARAM_RE.findall(params)]
    try:
        decoded = decode_params([("", ""), *pairs])
    except Exception:  # e.g. numbered and unnumbered continuations of one name mixed
        return None
    for key, value in decoded[1:]:
        if key != name:
            continue
        if not isinstance(value, tuple):
            return str(unquote(value))
        # RFC 2231 section 4: (charset, language, %-decoded text as latin-1 code points);
        # decoded with the same charset fallback as everything else.
        charset, _, text = value
        return _decode_bytes(unquote(text).encode("latin-1", "replace"), charset)
    return None


def _message_bytes(part: Message, encoding: str) -> bytes:
    """An embedded message (message/rfc822) as bytes, b"" if it is empty."""
    payload = _raw_payload(part)
    if not isinstance(payload, list):
        return _payload_bytes(part, encoding) or b""
    inner = next((child for child in payload if isinstance(child, Message)), None)
    if inner is None or _is_empty_message(inner):
        return b""
    data = inner.as_bytes()
    # RFC 2046 section 5.2.1 allows only 7bit/8bit/binary here, but some clients encode anyway.
    if encoding == "base64":
        return _decode_base64(data)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(data)
    return data


def _is_empty_message(msg: Message) -> bool:
    payload = _raw_payload(msg)
    return not msg.keys() and isinstance(payload, str) and not payload.strip()


def _image_extension(content_type: str) -> str:
    if content_type in MADE_UP_EXTENSIONS:
        return MADE_UP_EXTENSIONS[content_type]
    subtype = content_type.partition("/")[2]  # image/avif -> ".avif"
    return "." + subtype if subtype.isalnum() and len(subtype) <= MAX_EXTENSION_CHARS else ".bin"


def _sanitize_filename(name: str) -> str:
    """The last path component, without control or bidi characters, at most 200 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", _FILENAME_DROP_RE.sub("", name))
    name = name.strip().lstrip(".").strip()  # no hidden files, no ".."
    if len(name) <= MAX_FILENAME_CHARS:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and 0 < len(extension) <= MAX_EXTENSION_CHARS:
        return stem[: MAX_FILENAME_CHARS - len(extension) - 1].rstrip() + "." + extension
    return name[:MAX_FILENAME_CHARS].rstrip()


def _made_up_name(content_type: str, given: dict[str, int]) -> str:
    if content_type.startswith("message/"):
        kind, extension = "forwarded", ".eml"
    elif content_type.startswith("image/"):
        kind, extension = "image", _image_extension(content_type)
    else:
        kind, extension = "attachment", MADE_UP_EXTENSIONS.get(content_type, ".bin")
    count = given[kind] = given.get(kind, 0) + 1
    if kind == "forwarded" and count == 1:
        return "forwarded.eml"
    return f"{kind}-{count}{extension}"


__all__ = [
    "Attachment",
    "ParsedEmail",
    "header_text",
    "parse_email",
]
