"""The text, or the HTML, inside an RTF body (the body Outlook puts in winmail.dat).

Owns ``read_rtf``: one pass over RTF (RFC-less, Microsoft's RTF 1.9.1) that keeps the
document's text and drops its tables of fonts, colours, styles, pictures and other
destinations. RTF that Outlook made from an HTML or plain text message ([MS-OXRTFEX]:
``\\fromhtml1`` / ``\\fromtext``) is "de-encapsulated": for HTML, the original markup is
the text of the ``\\*\\htmltag`` groups and the text outside ``\\htmlrtf`` regions.

The reader is one regular expression that cannot backtrack, walked once, and a stack of
group states whose depth is capped: linear on any input. Never raises on any bytes.
Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["RtfBody", "read_rtf"]

MAX_GROUP_DEPTH = 256  # deeper groups are read as if at this depth
_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|[\r\n]+"
    rb"|([^\\{}\r\n]+)|\\",
    re.DOTALL,
)
# Destinations whose text is not the document's (RTF 1.9.1 "destinations").
_SKIPPED = frozenset(
    b"fonttbl colortbl stylesheet info pict object header footer headerl headerr headerf "
    b"footerl footerr footerf listtable listoverridetable rsidtbl generator xmlnstbl "
    b"themedata colorschememapping latentstyles datastore filetbl revtbl fldinst "
    b"bkmkstart bkmkend field_inst nonshppict shpinst".split()
)
_CHARACTERS = {
    b"par": "\n",
    b"line": "\n",
    b"tab": "\t",
    b"emdash": "\u2014",
    b"endash": "\u2013",
    b"bullet": "\u2022",
    b"lquote": "\u2018",
    b"rquote": "\u2019",
    b"ldblquote": "\u201c",
    b"rdblquote": "\u201d",
}
_SYMBOLS = {b"{": "{", b"}": "}", b"\\": "\\", b"~": "\u00a0", b"_": "\u2011"}


@dataclass(frozen=True, slots=True)
class RtfBody:
    text: str
    kind: str  # "html" (de-encapsulated HTML), "text" (plain text)


@dataclass(slots=True)
class _Group:
    skip: bool = False
    suppressed: bool = False  # inside \htmlrtf: RTF-only rendering of encapsulated HTML
    html_tag: bool = False


def read_rtf(data: bytes) -> RtfBody:
    """The text of an RTF document, or the HTML it encapsulates."""
    out: list[str] = []
    pending = bytearray()  # \'hh bytes, decoded together (a multi-byte character)
    stack = [_Group()]
    mode = "rtf"
    encoding = "cp1252"
    star = False  # the last token was \* (an ignorable destination follows)
    skip_chars = 0  # characters after \uN that stand in for it
    unicode_skip = 1
    for match in _TOKEN.finditer(data):
        word, argument, hexa, symbol, brace, run = match.groups()
        group = stack[-1]
        if hexa is not None:
            if skip_chars:
                skip_chars -= 1
            elif _shown(group, mode):
                pending.append(int(hexa, 16))
            continue
        if pending:
            out.append(_decoded(pending, encoding))
            pending.clear()
        if brace is not None:
            if brace == b"{":
                if len(stack) < MAX_GROUP_DEPTH:
                    stack.append(_Group(group.skip, group.suppressed))
            elif len(stack) > 1:
                stack.pop()
            star = False
            continue
        if word is not None:
            if star or word in _SKIPPED:
                if word == b"htmltag" and mode == "html":
                    group.html_tag = True
                else:
                    group.skip = True
            star = False
            if word == b"fromhtml":
                mode = "html"
            elif word == b"fromtext" and mode == "rtf":
                mode = "text"
            elif word == b"htmlrtf":
                group.suppressed = argument != b"0"
            elif word == b"ansicpg" and argument:
                encoding = _codepage(argument, encoding)
            elif word == b"uc" and argument:
                unicode_skip = max(0, min(int(argument), 8))
            elif word == b"u" and argument:
                code = int(argument) % 65536  # RTF writes code points over 32767 negative
                if _shown(group, mode):
                    out.append("\ufffd" if 0xD800 <= code < 0xE000 else chr(code))
                skip_chars = unicode_skip
            elif word in _CHARACTERS and _shown(group, mode) and not group.html_tag:
                out.append(_CHARACTERS[word])
            continue
        if symbol is not None:
            star = symbol == b"*"
            if symbol in _SYMBOLS and _shown(group, mode):
                out.append(_SYMBOLS[symbol])
            continue
        if run is not None:
            star = False
            if skip_chars:
                skipped = min(skip_chars, len(run))
                run, skip_chars = run[skipped:], skip_chars - skipped
            if run and _shown(group, mode):
                out.append(_decoded(run, encoding))
    if pending:
        out.append(_decoded(pending, encoding))
    return RtfBody("".join(out), "html" if mode == "html" else "text")


def _shown(group: _Group, mode: str) -> bool:
    if group.skip:
        return False
    return not (mode == "html" and group.suppressed and not group.html_tag)


def _codepage(argument: bytes, current: str) -> str:
    name = f"cp{int(argument)}"
    try:
        codecs.lookup(name)
    except LookupError:
        return current
    return name


def _decoded(data: bytes | bytearray, encoding: str) -> str:
    return bytes(data).decode(encoding, "replace")
