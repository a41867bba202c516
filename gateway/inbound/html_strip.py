"""Tag-stripped text of HTML in one forward pass: the reading of last resort.

Owns ``strip_tags``: what ``gateway.inbound.html_text`` returns when an HTML body is over
its work budget. It never parses: it walks the string once with ``str.find`` from an ever
growing position (each character is looked at a bounded number of times), drops tags,
comments and the content of <script>, <style>, <title> and the like, ends a line at each
block tag, writes text inside <blockquote> as "> " lines (so the plain-text reply rules
still tell the quote from the reply) and decodes character references. Quoted attribute
values are not tracked, so a ">" inside one ends the tag early: good enough for a mail
that was too big or too odd to parse. Never raises on any str.

Stdlib only; must not import anything from gateway.
"""

from __future__ import annotations

import html as html_entities
import re

__all__ = ["strip_tags"]

# Elements whose content is never shown; the scan jumps to their end tag.
_HIDDEN = ("script", "style", "title", "template", "xml")
# Tags that end a line, and those that also leave a blank line (as html_text renders them).
_BREAKING = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    ]
)
_PARAGRAPHS = frozenset(["blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "p", "pre"])
# Quote depth shown at most (">" per level): keeps the output linear in the input.
_MAX_MARKERS = 32
_NAME_END = " \t\n\r\f/>"
# Zero-width space, word joiner and BOM are dropped; ZWNJ and ZWJ (U+200C, U+200D) stay:
# they are spelling in Persian and Indic scripts and join emoji sequences.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"))
# Tags written as a bare name ("p", "/BLOCKQUOTE"): (lowercased name, name without "/").
_BARE = {
    spelling: (tag, tag.removeprefix("/"))
    for name in (*_BREAKING, "a", "b", "em", "font", "i", "span", "strong", "td", "th", "u")
    for tag in (name, "/" + name)
    for spelling in (tag, tag.upper())
}
_BARE_LONGEST = 1 + max(map(len, _BARE))
# A literal search: re finds it in one pass over the text it skips.
_HIDDEN_END = {name: re.compile(f"</{name}", re.IGNORECASE) for name in _HIDDEN}


def strip_tags(html: str) -> str:
    """The text of ``html`` without markup: one line per block, spaces collapsed."""
    text = _Text()
    add = text.add
    find = html.find
    position = 0
    closing = 0  # the first ">" at or after the last "<" (-1: there is none)
    length = len(html)
    while position < length:
        opening = find("<", position)
        if opening == -1:
            add(html[position:])
            break
        if opening > position:
            add(html[position:opening])
        if 0 <= closing <= opening:
            closing = find(">", opening + 1)
        # Most tags are a bare name ("p", "/blockquote"): one lookup, nothing else to scan.
        known = (
            _BARE.get(html[opening + 1 : closing])
            if 0 < closing - opening <= _BARE_LONGEST
            else None
        )
        if known is None:
            position = _skip_markup(html, opening, text)
            continue
        name, bare = known
        if bare in _BREAKING:
            text.end_line(blank=bare in _PARAGRAPHS)
        if bare == "blockquote":
            text.quote = max(0, text.quote - 1) if name != bare else text.quote + 1
        position = closing + 1
    text.end_line()
    return "\n".join(text.lines).strip()


class _Text:
    """Lines being written: text runs, line ends, and the blockquote depth."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.quote = 0
        self._runs: list[str] = []
        self._depth = 0  # the quote depth where the current line began

    def add(self, run: str) -> None:
        if not run:
            return
        if not self._runs:
            self._depth = self.quote
        self._runs.append(html_entities.unescape(run) if "&" in run else run)

    def end_line(self, blank: bool = False) -> None:
        if not self._runs:
            # Nothing written since the last line end (a run of block tags): no line.
            if blank and self.lines and self.lines[-1]:
                self.lines.append("")
            return
        raw = "".join(self._runs).translate(_INVISIBLE).replace("\x00", "\ufffd")
        self._runs = []
        line = " ".join(raw.split())
        if line:
            markers = ">" * min(self._depth, _MAX_MARKERS)
            self.lines.append(f"{markers} {line}" if markers else line)
        if blank and self.lines and self.lines[-1]:
            self.lines.append("")


def _skip_markup(html: str, opening: int, text: _Text) -> int:
    """Where the text resumes after the "<" at ``opening``."""
    if html.startswith("<!--", opening):
        end = html.find("-->", opening + 4)
        return len(html) if end == -1 else end + 3
    following = html[opening + 1 : opening + 2]
    if not following or not (following.isascii() and (following.isalpha() or following in "/!?")):
        text.add("<")  # "a < b", "<3": text, as HTML reads it
        return opening + 1
    closing = html.find(">", opening + 1)
    if closing == -1:
        return len(html)  # a tag still open at the end of the mail hides the rest
    name = _tag_name(html, opening + 1, closing)
    bare = name.removeprefix("/")
    if bare in _BREAKING:
        text.end_line(blank=bare in _PARAGRAPHS)
    if bare == "blockquote":
        text.quote = max(0, text.quote - 1) if name != bare else text.quote + 1
    if name in _HIDDEN_END:
        end = _HIDDEN_END[name].search(html, closing + 1)
        if end is None:
            return len(html)
        closing = html.find(">", end.end())
        return len(html) if closing == -1 else closing + 1
    return closing + 1


def _tag_name(html: str, start: int, stop: int) -> str:
    """The lowercased name of the tag between ``start`` and ``stop`` ("/p" for an end tag)."""
    end = start + 1
    while end < stop and html[end] not in _NAME_END:
        end += 1
    return html[start:end].lower()
