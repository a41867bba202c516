"""Text from the bytes and encoded-words of received mail, in linear time on any input.

Owns the charset rule of EMAIL-RULES 1.8 (the declared charset, then UTF-8, then
windows-1252; never a codec that is quadratic or turns escapes into characters), RFC 2047
encoded-words in header text, and lenient base64 (RFC 2045 section 6.8), which both body parts
and "B" encoded-words use.

Every step is one pass: encoded-words are found by a regular expression whose repeated parts
stop at the next "?" (so two attempts never scan the same characters), and a charset label is
looked up only when it names a codec this interpreter ships. An unknown label costs a set
lookup, not the import attempt `codecs.lookup` makes for it (about 20 microseconds each), nor
the entry the codec search keeps for every miss in a process-wide cache that never shrinks:
a header of 100,000 made-up labels would cost 2 seconds and leave 100,000 entries behind.

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import binascii
import codecs
import encodings
import pkgutil
import re
from encodings.aliases import aliases
from functools import lru_cache

UTF_8 = "utf-8"
WINDOWS_1252 = "cp1252"  # decodes every byte (with errors="replace" for its 5 unused ones)
MAX_CHARSET_LABEL_CHARS = 64
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
# What the interpreter's codec search can find: its aliases and its codec modules.
_KNOWN_LABELS = frozenset(aliases) | frozenset(
    module.name for module in pkgutil.iter_modules(encodings.__path__)
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UNFOLD_RE = re.compile(r"\r?\n(?=[ \t])")  # RFC 5322 section 2.2.3: unfolding removes CRLF
_LINE_BREAK_RE = re.compile(r"[\r\n]+")

# RFC 2047 section 2 encoded-word; spaces are tolerated in the text because broken encoders
# put them there, "?" is not (it ends the word).
_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]*+)\?([bBqQ])\?([^?]*+)\?=")
_BASE64_WORD_RE = re.compile(r"[A-Za-z0-9+/]*+=*+")
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_NOT_BASE64 = bytes(set(range(256)) - set(_BASE64_ALPHABET))
_BASE64_CHUNK_END_RE = re.compile(rb"(?<==)(?=[^=])")  # padding in mid-stream ends a chunk


@lru_cache(maxsize=256)
def codec_for(charset: str) -> str | None:
    """The Python codec for a declared charset label, or None if unknown or unsafe."""
    label = charset.strip().strip("\"'").strip().lower()
    if not label or len(label) > MAX_CHARSET_LABEL_CHARS or not _is_known_label(label):
        return None
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError, TypeError):
        return None
    if name in UNSAFE_CODECS:
        return None
    return CHARSET_SUPERSETS.get(name, name)


def _is_known_label(label: str) -> bool:
    # The normalization of encodings.search_function, which codecs.lookup ends in.
    normalized = encodings.normalize_encoding(label)
    return normalized in _KNOWN_LABELS or normalized.replace(".", "_") in _KNOWN_LABELS


def decode_bytes(data: bytes, charset: str | None, defects: list[str] | None = None) -> str:
    """Text from bytes: the declared charset, then UTF-8, then windows-1252 (EMAIL-RULES 1.8)."""
    codec = codec_for(charset) if charset else None
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


def header_value_text(value: object) -> str:
    """A raw header value as text: 8-bit bytes decoded (UTF-8, else windows-1252), unfolded."""
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        # compat32 keeps raw 8-bit header bytes as surrogate escapes; SMTPUTF8 senders
        # (RFC 6532) send UTF-8, older clients their local charset.
        text = decode_bytes(text.encode(UTF_8, "surrogateescape"), None)
    if "\n" not in text and "\r" not in text:
        return text
    return _LINE_BREAK_RE.sub(" ", _UNFOLD_RE.sub("", text))


def decode_rfc2047(value: str) -> str:
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
    return decode_base64(stripped.encode("ascii"))


def _decode_word_bytes(data: bytearray, charset: str) -> str:
    return decode_bytes(bytes(data), charset) if data else ""


def decode_base64(data: bytes) -> bytes:
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


__all__ = [
    "CHARSET_SUPERSETS",
    "UNSAFE_CODECS",
    "UTF_8",
    "WINDOWS_1252",
    "codec_for",
    "decode_base64",
    "decode_bytes",
    "decode_rfc2047",
    "header_value_text",
]
