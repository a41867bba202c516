"""The parameters of a received MIME header field, in linear time on any input.

Owns reading `name=value` parameters (RFC 2045 section 5.1: tokens and quoted strings) and
assembling RFC 2231 values: `name*=charset'language'%XX` and numbered continuations
`name*0*=...; name*1=...`. A value written both ways is read from its RFC 2231 form, which
carries the characters the plain form could not (as RFC 6266 section 4.3 decides for HTTP).

It replaces the standard library's `Message.get_param` family, whose parameter splitter
(`email.message._parseparam`) re-counts the quotes before every ";" and copies the rest of the
field per parameter: quadratic, about 5 seconds for a 64 KB Content-Type of semicolons after
an open quote. Here one regular expression pass reads every parameter: its repeated parts are
possessive and stop at ";" or a quote, so nothing is scanned twice. At most MAX_PARAMS
parameters of a field are read and at most MAX_SECTIONS continuations of one value joined.

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from gateway.inbound.encoded_text import UTF_8, codec_for, decode_bytes

MAX_PARAMS = 100  # real fields carry a few; RFC 2231 continuations a few dozen at most
MAX_SECTIONS = 100  # RFC 2231 continuations joined into one value

# A parameter after a ";" (or at the start of the text after the field's value), RFC 2231 "*"
# names included; a quoted value may escape and may be left unclosed.
_PARAM_RE = re.compile(
    r"(?:^|;)\s*+(?P<name>[A-Za-z0-9_.*\-]++)\s*+=\s*+"
    r'(?:"(?P<quoted>(?:[^"\\]++|\\.)*+)"?|(?P<token>[^;\s]*+))',
    re.DOTALL,
)
# The section suffix of a continuation name after "name*": "0", "1*", ...
_SECTION_RE = re.compile(r"(\d{1,3})(\*?)")
_ESCAPE_RE = re.compile(r'\\([\\"])')

Params = tuple[tuple[str, str], ...]


def read_params(text: str) -> Params:
    """(lowercased name, value) of each parameter in `text`, the part of a field after its
    first ";", in order; quoted values unquoted. At most MAX_PARAMS are read."""
    params: list[tuple[str, str]] = []
    for match in _PARAM_RE.finditer(text):
        quoted = match.group("quoted")
        value = match.group("token") if quoted is None else _unquoted(quoted)
        params.append((match.group("name").lower(), value))
        if len(params) >= MAX_PARAMS:
            break
    return tuple(params)


def _unquoted(text: str) -> str:
    # Only \\ and \" are escapes (as email.utils.unquote has it, but read left to right):
    # clients write Windows paths ("C:\Users\kim\a.pdf") in quoted filenames unescaped.
    return _ESCAPE_RE.sub(r"\1", text) if "\\" in text else text


def plain_param(params: Params, name: str) -> str | None:
    """A plain `name=value` parameter, stripped and lowercased (charset, format, delsp);
    None if absent."""
    for key, value in params:
        if key == name:
            return value.strip().lower()
    return None


def param_value(params: Params, name: str) -> str | None:
    """A parameter's value, RFC 2231 encoded or continued values decoded; None if absent."""
    plain: str | None = None
    sections: dict[int, tuple[str, bool]] = {}
    prefix = name + "*"
    for key, value in params:
        if key == name:
            plain = value if plain is None else plain
        elif key == prefix:
            return _joined([(value, True)])  # name*=charset'language'text (RFC 2231 section 4)
        elif key.startswith(prefix):
            section = _SECTION_RE.fullmatch(key, len(prefix))
            if section is not None and len(sections) < MAX_SECTIONS:
                sections.setdefault(int(section.group(1)), (value, bool(section.group(2))))
    if sections:
        return _joined([sections[index] for index in sorted(sections)])
    return plain


def _joined(sections: list[tuple[str, bool]]) -> str:
    """The value of RFC 2231 sections in order: encoded ones ("*") are %-decoded, and the
    first, when encoded, starts with charset'language' (RFC 2231 sections 3 and 4)."""
    charset: str | None = None
    first, first_encoded = sections[0]
    if first_encoded and first.count("'") >= 2:
        charset, _, rest = first.partition("'")
        first = rest.partition("'")[2]
        sections = [(first, True), *sections[1:]]
    codec = (codec_for(charset) if charset else None) or UTF_8
    data = b"".join(
        unquote_to_bytes(text.encode(UTF_8, "surrogateescape"))
        if encoded
        else _encoded(text, codec)
        for text, encoded in sections
    )
    return decode_bytes(data, charset or None)


def _encoded(text: str, codec: str) -> bytes:
    """A plain section as bytes of the value's charset (it should be ASCII, but raw 8-bit
    header text is read as UTF-8 or windows-1252 before it gets here)."""
    try:
        return text.encode(codec, "replace")
    except (LookupError, UnicodeError, ValueError):  # LookupError: not a text codec
        return text.encode(UTF_8, "surrogateescape")


__all__ = ["MAX_PARAMS", "Params", "param_value", "plain_param", "read_params"]
