"""Markdown for one line of text read from HTML mail: its runs, emphasis and links.

Owns ``escape_markdown`` (a person's own characters as literal Markdown: a "*", "_" or
"[" they typed, or a "#", ">", "- " or "1. " they put at the start of a line, never
becomes formatting) and ``markdown_line`` (the runs of one line, each with its emphasis
and link, as the Markdown the room stores: ``**bold**``, ``*italic*``, ``[text](url)``).

It writes for the room's dialect (gateway.core.rendering: CommonMark through markdown-it
with html off, a newline as a line break, bare http(s) URLs linked before emphasis is
read). Only ``*`` delimiters are written: CommonMark lets them open and close inside a
word, ``_`` not. Links are written for http, https and mailto only, as the room renders
no other.

One pass over each line: linear. Stdlib only: must not import flask, aiosmtpd, sqlalchemy,
gateway.store or gateway.core.
"""

from __future__ import annotations

import re

__all__ = [
    "BOLD",
    "ITALIC",
    "LIST_ITEM",
    "PLAIN_ONLY",
    "VERBATIM",
    "Run",
    "escape_markdown",
    "markdown_line",
]

BOLD = 1
ITALIC = 2
PLAIN_ONLY = 4  # text the plain rendering adds (a link's " (url)"): not in Markdown
VERBATIM = 8  # Markdown already (list markers, a rule): written as it is
LIST_ITEM = 16  # with VERBATIM: the marker that starts a list item

# A run of text: (text, flags, link target or None).
Run = tuple[str, int, "str | None"]

LINK_SCHEMES = ("http://", "https://", "mailto:")
# Characters that are Markdown wherever they stand (CommonMark section 2.4 lists what a
# backslash may escape; these are the ones the room's rules react to): "&" only where it
# starts an entity, "_" only where it is not inside a word (which never emphasises).
_INLINE_SPECIALS = re.compile(
    r"[\\*`\[\]~<]|&(?=#|[A-Za-z][A-Za-z0-9]{0,31};)|(?<![^\W_])_|_(?![^\W_])"
)
# A bare URL as the room finds it (gateway.core.rendering): linked before emphasis is
# read, so it is left as typed, without the trailing characters the room leaves out.
_BARE_URL = re.compile(r"(?<![A-Za-z0-9.+-])https?://[\w\[][^\s<>\"`]{0,2040}", re.IGNORECASE)
_URL_TRAILING_PUNCTUATION = ".,:;!?'\"*_~"
# What opens a block at the start of a line (CommonMark sections 4 and 5).
# List markers and setext or thematic-break lines need a space or the line end after them;
# escaping one before other text would change how the room finds a URL right after it.
_BLOCK_START = re.compile(
    r"[ \t\u00a0]*+(?:([#>])|([-+=])(?=\s|$|[-=\s]*$)|(\d{1,9})([.)])(?=\s|$))"
)
_URL_UNSAFE = {ord(" "): "%20", ord("("): "%28", ord(")"): "%29", ord("<"): "%3C", ord(">"): "%3E"}


def escape_markdown(
    text: str, at_line_start: bool = False, *, urls: bool = True, glued: bool = False
) -> str:
    """`text` as Markdown that shows exactly these characters. Bare URLs are left for the
    room to link (``urls``; not inside a link, where it links none); ``glued`` says that
    Markdown follows `text` without a space."""
    pieces, position = [], 0
    for found in _BARE_URL.finditer(text) if urls else ():
        pieces.append(_INLINE_SPECIALS.sub(_backslashed, text[position : found.start()]))
        url = _trimmed_url(found.group())
        position = found.start() + len(url)
        if glued if position == len(text) else not text[position].isspace():
            # The room would take what follows (a backslash escaping the next character,
            # emphasis) as part of the URL: an autolink (CommonMark 6.5) ends where it says.
            url = f"<{url}>"
        pieces.append(url)
    pieces.append(_INLINE_SPECIALS.sub(_backslashed, text[position:]))
    escaped = "".join(pieces)
    return _escape_block_start(escaped) if at_line_start else escaped


def markdown_line(runs: list[Run]) -> str:
    """One line's runs as Markdown: runs with the same emphasis and link are one span."""
    spans: list[tuple[list[str], int, str | None]] = []
    for text, flags, href in runs:
        if flags & PLAIN_ONLY or not text:
            continue
        if flags & VERBATIM:
            spans.append(([text], VERBATIM, None))
            continue
        style = flags & (BOLD | ITALIC)
        target = href if href and href.lower().startswith(LINK_SCHEMES) else None
        if spans and spans[-1][1:] == (style, target):
            spans[-1][0].append(text)
        else:
            spans.append(([text], style, target))
    texts = ["".join(pieces) for pieces, _style, _target in spans]
    out: list[str] = []
    at_start = True
    for i, (_pieces, style, target) in enumerate(spans):
        if style == VERBATIM:
            out.append(texts[i])
            continue
        after = texts[i + 1][:1] if i + 1 < len(spans) else ""
        text = escape_markdown(
            texts[i], at_start, urls=target is None, glued=bool(after) and not after.isspace()
        )
        at_start = False
        if style and out and out[-1].endswith("*") and not text[:1].isspace():
            style = 0  # delimiters of two spans would run together ("*a***b**")
        if target and out and out[-1].endswith("!"):
            out[-1] = out[-1][:-1] + "\\!"  # "![" would open an image
        out.append(_span(text, style, target, out[-1][-1:] if out else "", after))
    return "".join(out).rstrip()


def _span(text: str, style: int, target: str | None, before: str, after: str) -> str:
    """One span with its markers inside its outer white space (CommonMark needs emphasis
    delimiters next to non-space characters)."""
    core = text.strip()
    if not core:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(core) + len(lead) :]
    if style and _glued(core, before if not lead else " ", after if not trail else " "):
        style = 0  # a delimiter between a letter and punctuation would show as typed
    if style & ITALIC:
        core = f"*{core}*"
    if style & BOLD:
        core = f"**{core}**"
    if target:
        core = f"[{core}]({target.strip().translate(_URL_UNSAFE)})"
    return lead + core + trail


def _glued(core: str, before: str, after: str) -> bool:
    """Whether a delimiter around `core` would fail CommonMark's flanking rules (section
    6.2): punctuation inside it and a letter or digit outside it."""
    return bool(
        (before and before.isalnum() and not core[0].isalnum())
        or (after and after.isalnum() and not core[-1].isalnum())
    )


def _trimmed_url(url: str) -> str:
    """The URL without the characters after it that belong to the sentence, as the room
    trims it; a closing bracket stays when it balances one inside."""
    opened = {")": url.count("("), "]": url.count("[")}
    closed = {")": url.count(")"), "]": url.count("]")}
    end = len(url)
    while end:
        last = url[end - 1]
        if last in _URL_TRAILING_PUNCTUATION:
            end -= 1
        elif last in closed and opened[last] < closed[last]:
            closed[last] -= 1
            end -= 1
        else:
            break
    return url[:end]


def _backslashed(match: re.Match[str]) -> str:
    return "\\" + match.group()


def _escape_block_start(text: str) -> str:
    """Escape the character that would open a block: a heading, quote, list or rule; and
    indentation (four spaces open a code block) as no-break spaces, which keep it."""
    indent = len(text) - len(text.lstrip(" \t"))
    if indent:
        text = text[:indent].replace("\t", "    ").replace(" ", "\u00a0") + text[indent:]
    match = _BLOCK_START.match(text)
    if match is None:
        return text
    mark = match.start(match.lastindex or 0)
    return text[:mark] + "\\" + text[mark:]
