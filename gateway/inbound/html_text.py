"""HTML mail to readable plain text, and where a mail client's quoted part begins.

Owns: ``html_to_text`` (paragraphs, line breaks, lists, links as "text (url)", blockquotes
as "> " lines, entities decoded; <head>, <style> and <script> dropped) and
``split_quoted_html``: the same text, split where the quote container a mail client put
under the reply begins (Gmail ``gmail_quote``, Outlook ``divRplyFwdMsg`` / ``appendonsend``
/ the <hr> or border-top "From:" block, Apple Mail and Thunderbird ``blockquote type=cite``
with ``moz-cite-prefix``, Yahoo ``yahoo_quoted``, a plain ``<blockquote>`` ending the mail).

Built on the stdlib ``html.parser`` only, which never raises on malformed markup and runs
in linear time. Must not import flask, aiosmtpd, sqlalchemy or anything from
gateway.store / gateway.core; the reply-text rules live in ``gateway.inbound.reply_text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

__all__ = ["FROM_FIELD_NAMES", "HtmlReplySplit", "html_to_text", "split_quoted_html"]

_WHITESPACE = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_BLANK_RUNS = re.compile(r"\n{3,}")

# Elements whose content is not part of the readable text.
_HIDDEN = frozenset(("style", "script", "title", "template", "xml"))
# Block elements: how many line breaks they put around themselves (2 = a blank line).
_BLOCK_BREAKS = {
    "p": 2,
    "h1": 2,
    "h2": 2,
    "h3": 2,
    "h4": 2,
    "h5": 2,
    "h6": 2,
    "pre": 2,
    "table": 1,
    "ul": 1,
    "ol": 1,
    "dl": 1,
    "div": 1,
    "li": 1,
    "tr": 1,
    "dt": 1,
    "dd": 1,
    "blockquote": 1,
    "section": 1,
    "article": 1,
    "header": 1,
    "footer": 1,
    "main": 1,
    "nav": 1,
    "aside": 1,
    "address": 1,
    "center": 1,
    "form": 1,
    "fieldset": 1,
    "figure": 1,
    "figcaption": 1,
    "hr": 1,
    "body": 1,
}
_LINK_SCHEMES = ("http://", "https://", "ftp://", "mailto:")


@dataclass(frozen=True, slots=True)
class HtmlReplySplit:
    """An HTML mail as text, split where the client's quote container begins."""

    reply: str  # the text above the quote container (the whole text when there is none)
    quoted: str  # the container and what follows it, as text ("" when there is none)
    whole: str  # the whole mail as text


def html_to_text(html: str) -> str:
    """Readable plain text for an HTML body (never raises on malformed markup)."""
    return split_quoted_html(html).whole


def split_quoted_html(html: str) -> HtmlReplySplit:
    """Convert ``html`` to text in one pass, and split it at the client's quote container.

    The earliest container that ends the mail wins: a quote followed by more text is an
    inline answer, so it stays in ``reply`` (as "> " lines) for the plain-text rules.
    """
    renderer = _Renderer(html)
    renderer.feed(html)
    renderer.close()
    lines = renderer.finish()
    whole = _join(lines)
    cut = renderer.quote_cut()
    if cut is None:
        return HtmlReplySplit(reply=whole, quoted="", whole=whole)
    reply = _join([line for line in lines if line.offset < cut])
    quoted = _join([line for line in lines if line.offset >= cut])
    return HtmlReplySplit(reply=reply, quoted=quoted, whole=whole)


# Containers that hold the quoted mail; the part after them must be free of text for the
# cut to apply (text after a quote is an inline answer and stays).
_CONTAINER_CLASSES = frozenset(
    (
        "gmail_quote",
        "gmail_quote_container",
        "yahoo_quoted",
        "protonmail_quote",
        "moz-forward-container",
    )
)
# Markers after which everything is the quoted mail (Outlook puts the quoted message in
# the siblings that follow its header block).
_TO_END_IDS = frozenset(
    (
        "divrplyfwdmsg",
        "x_divrplyfwdmsg",
        "appendonsend",
        "x_appendonsend",
        "mail-editor-reference-message-container",
    )
)
# The "From" field in the languages mail clients write their header blocks in.
FROM_FIELD_NAMES = frozenset(
    (
        "from",
        "von",
        "de",
        "da",
        "van",
        "från",
        "fra",
        "od",
        "от",
        "від",
        "发件人",
        "寄件者",
        "差出人",
        "lähettäjä",
        "feladó",
        "odesílatel",
        "kimden",
        "보낸 사람",
    )
)


@dataclass(slots=True)
class _Line:
    depth: int  # blockquote nesting: rendered as that many ">"
    text: str
    offset: int  # where in the HTML the line's content starts


@dataclass(slots=True)
class _Open:
    tag: str
    depth: int
    start: int


def _join(lines: list[_Line]) -> str:
    rendered = []
    for line in lines:
        if line.depth:
            marker = ">" * line.depth
            rendered.append(f"{marker} {line.text}" if line.text else marker)
        else:
            rendered.append(line.text)
    return _BLANK_RUNS.sub("\n\n", "\n".join(rendered)).strip()


def _bare_address(address: str) -> str:
    bare = address.lower().removeprefix("https://").removeprefix("http://")
    return bare.removeprefix("www.").rstrip("/")


class _Renderer(HTMLParser):
    """Renders lines (blocks become line breaks) and notes where quote containers are."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self._html = html
        self._line_starts = [0]
        self._line_starts.extend(m.end() for m in re.finditer("\n", html))
        self._lines: list[_Line] = []
        self._parts: list[str] = []  # the line being built
        self._line_depth = 0
        self._line_offset = 0
        self._breaks = 0  # line breaks owed before the next text (2 = a blank line)
        self._hidden = 0
        self._in_head = False
        self._pre = 0
        self._quote = 0
        self._lists: list[list[int]] = []  # per open list: [counter, is_ordered]
        self._prefix = ""  # list marker waiting for the item's first text
        self._links: list[tuple[str | None, list[str]]] = []
        # Quote containers, as (start, end) offsets into the HTML.
        self._candidates: list[tuple[int, int]] = []
        self._last_free_text = -1  # offset of the last visible text outside any container
        self._inside_to_end = False  # past a marker after which everything is quoted
        self._depth = {"div": 0, "blockquote": 0}
        self._open: list[_Open] = []
        self._await_from: int | None = None  # an <hr> or border-top div, if "From:" follows
        self._cite_prefix: int | None = None  # Thunderbird's moz-cite-prefix div

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    # -- parser callbacks

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "head":
            self._in_head = True
        elif tag == "body":
            self._in_head = False
        if tag in _HIDDEN:
            self._hidden += 1
            return
        if tag in ("div", "blockquote", "hr"):
            self._locate(tag, attrs)
        if tag == "br":
            self._line_break()
        elif tag == "hr":
            self._block(1)
            self._emit("---")
            self._block(1)
        elif tag == "a":
            self._links.append((dict(attrs).get("href"), []))
        elif tag in ("td", "th"):
            if self._parts:
                self._parts.append(" ")
        elif tag in ("ul", "ol"):
            self._block(1)
            self._lists.append([0, tag == "ol"])
        elif tag == "li":
            self._start_item()
        elif tag in _BLOCK_BREAKS:
            self._block(_BLOCK_BREAKS[tag])
            if tag == "blockquote":
                self._quote += 1
            elif tag == "pre":
                self._pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr", "img", "meta", "link", "input"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
            return
        if tag in self._depth:
            self._close_container(tag)
        if tag == "a" and self._links:
            self._close_link(*self._links.pop())
        elif tag in ("ul", "ol"):
            if self._lists:
                self._lists.pop()
            self._block(1)
        elif tag in _BLOCK_BREAKS:
            self._block(_BLOCK_BREAKS[tag])
            if tag == "blockquote":
                self._quote = max(0, self._quote - 1)
            elif tag == "pre":
                self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._hidden or self._in_head:
            return
        data = data.translate(_INVISIBLE)
        if data.strip():
            self._saw_text(data)
        if self._pre:
            self._emit_preformatted(data)
            return
        text = _WHITESPACE.sub(" ", data)
        if not self._parts or self._parts[-1].endswith(" "):
            text = text.lstrip()
        if text:
            self._emit(text)

    # -- building lines

    def _emit(self, text: str) -> None:
        if self._breaks:
            self._end_line()
            if self._breaks > 1 and self._lines and self._lines[-1].text:
                depth = min(self._quote, self._lines[-1].depth)
                self._lines.append(_Line(depth, "", self._offset()))
            self._breaks = 0
        if not self._parts:
            self._line_depth = self._quote
            self._line_offset = self._offset()
            if self._prefix:
                text = self._prefix + text
                self._prefix = ""
        self._parts.append(text)
        for _href, link_text in self._links:
            link_text.append(text)

    def _emit_preformatted(self, data: str) -> None:
        first, *rest = data.split("\n")
        if first:
            self._emit(first)
        for segment in rest:
            if not self._parts:
                self._lines.append(_Line(self._quote, "", self._offset()))
            self._end_line()
            if segment:
                self._emit(segment)

    def _end_line(self) -> None:
        if self._parts:
            text = "".join(self._parts)
            # Keep the RFC 3676 signature separator "-- " intact; trim other lines.
            text = text if text == "-- " else text.rstrip()
            self._lines.append(_Line(self._line_depth, text, self._line_offset))
            self._parts = []

    def _block(self, breaks: int) -> None:
        self._end_line()
        self._breaks = max(self._breaks, breaks)

    def _line_break(self) -> None:
        if self._parts:
            self._end_line()
        else:
            self._lines.append(_Line(self._quote, "", self._offset()))
        self._breaks = 0

    def _start_item(self) -> None:
        self._block(1)
        if not self._lists:
            self._prefix = "- "
            return
        counter = self._lists[-1]
        counter[0] += 1
        indent = "  " * (len(self._lists) - 1)
        self._prefix = f"{indent}{counter[0]}. " if counter[1] else f"{indent}- "

    def _close_link(self, href: str | None, link_text: list[str]) -> None:
        if not href or not href.lower().startswith(_LINK_SCHEMES):
            return
        label = "".join(link_text).strip()
        target = href.strip()
        shown = target[len("mailto:") :] if target.lower().startswith("mailto:") else target
        # A link whose text already is its address ("example.com/a") needs no repeat.
        if not label or _bare_address(label) == _bare_address(shown):
            return
        self._emit(f" ({shown})")

    def finish(self) -> list[_Line]:
        self._end_line()
        # Containers never closed run to the end of the mail.
        self._candidates.extend((opened.start, len(self._html)) for opened in self._open)
        return self._lines

    # -- locating the quote container

    def _locate(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        if tag == "hr":
            self._await_from = start
            return
        self._depth[tag] += 1
        attributes = {name: value or "" for name, value in attrs}
        if tag == "blockquote":
            begin = start if self._cite_prefix is None else self._cite_prefix
            self._cite_prefix = None
            self._open.append(_Open(tag, self._depth[tag], begin))
            return
        classes = set(attributes.get("class", "").lower().split())
        element_id = attributes.get("id", "").lower()
        style = attributes.get("style", "").lower().replace(" ", "")
        if element_id in _TO_END_IDS or "outlookmessageheader" in classes:
            self._candidates.append((self._after_hr(start), len(self._html)))
            self._inside_to_end = True
        elif classes & _CONTAINER_CLASSES:
            self._open.append(_Open(tag, self._depth[tag], start))
        elif "moz-cite-prefix" in classes:
            self._cite_prefix = start
        elif "border-top:solid" in style or "border-top:1pt" in style:
            self._await_from = start

    def _after_hr(self, start: int) -> int:
        """Outlook puts an <hr> right before its header block: start the cut there."""
        hr = self._html.rfind("<hr", max(0, start - 500), start)
        if hr != -1:
            close = self._html.find(">", hr, start)
            if close != -1 and not self._html[close + 1 : start].strip():
                return hr
        return start

    def _close_container(self, tag: str) -> None:
        depth = self._depth[tag]
        if self._open and self._open[-1].tag == tag and self._open[-1].depth == depth:
            opened = self._open.pop()
            close = self._html.find(">", self._offset())
            end = len(self._html) if close == -1 else close + 1
            self._candidates.append((opened.start, end))
        self._depth[tag] = max(0, depth - 1)

    def _saw_text(self, data: str) -> None:
        if self._await_from is not None:
            word = data.strip().rstrip(":： \u00a0").lower()
            if word in FROM_FIELD_NAMES:
                self._candidates.append((self._await_from, len(self._html)))
                self._inside_to_end = True
            self._await_from = None
        if not self._open and not self._inside_to_end:
            self._last_free_text = self._offset()

    def quote_cut(self) -> int | None:
        """Offset of the earliest quote container after which only quoted text follows
        (iOS Mail, for one, puts its "On ... wrote:" line in a blockquote of its own)."""
        ending = [start for start, end in self._candidates if self._last_free_text < end]
        return min(ending) if ending else None
