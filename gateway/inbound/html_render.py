"""Lines of text from a stream of HTML parse events.

Owns ``TextRenderer``: a parser target (lxml's ``target=`` protocol: ``start``, ``end``,
``data``, ``comment``, ``close``) that turns elements into lines (blocks become line
breaks, lists get markers, links become "text (url)", blockquotes "> " lines; <head>,
<style> and <script> are dropped) and passes each element and run of text on to a
``QuoteLocator`` (``gateway.inbound.html_quotes``), which notes where the client's quote
container begins. Beside each line it keeps the line as Markdown (``markdown``, one entry
per line): bold, italics, links and lists as the room shows them, the rest escaped
(``gateway.inbound.markdown_text``).

Positions are event numbers: every start tag, end tag, run of text and comment takes the
next number, so "before", "inside" and "after" a container are comparisons of integers.
The parser closes every element it opens, so the renderer keeps one frame per open
element and never recurses. It enforces the work budget it is given (depth, elements,
deadline) by raising ``OverBudget`` from inside the parse.

Stdlib only; must not import flask, aiosmtpd, sqlalchemy or anything from gateway.store /
gateway.core.
"""

from __future__ import annotations

import time

from gateway.inbound.html_quotes import QuoteLocator
from gateway.inbound.markdown_text import (
    BOLD,
    ITALIC,
    LIST_ITEM,
    PLAIN_ONLY,
    VERBATIM,
    Run,
    markdown_line,
)

__all__ = ["MarkdownLine", "OverBudget", "TextLine", "TextRenderer"]

# ZWNJ and ZWJ (U+200C, U+200D) stay: Persian and Indic spelling, emoji sequences.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"))

# Elements whose content is not part of the readable text.
_HIDDEN = frozenset(("style", "script", "title", "template", "xml"))
# Block elements: how many line breaks they put around themselves (2 = a blank line).
# fmt: off
_BLOCK_BREAKS = dict.fromkeys(("p", "h1", "h2", "h3", "h4", "h5", "h6", "pre"), 2) | dict.fromkeys((
    "table", "ul", "ol", "dl", "div", "li", "tr", "dt", "dd", "blockquote", "section",
    "article", "header", "footer", "main", "nav", "aside", "address", "center", "form",
    "fieldset", "figure", "figcaption", "hr", "body",
), 1)
# fmt: on
_LINK_SCHEMES = ("http://", "https://", "ftp://", "mailto:")
# List nesting shown at most (two spaces per level), so deep lists cannot multiply the text.
_MAX_INDENT = 16
# The same bound for Markdown, whose nested items are indented by their parents' markers.
_MAX_MARKDOWN_INDENT = 64
# Inline elements whose text is bold or italic in Markdown.
_EMPHASIS = {"b": BOLD, "strong": BOLD, "i": ITALIC, "em": ITALIC}
# How many events pass between two looks at the clock.
_CLOCK_EVERY = 512


class OverBudget(Exception):
    """Raised inside the parse when the mail needs more work than it was given."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# A line: (depth, text, position): its blockquote nesting (rendered as that many ">"),
# its text, and the event at which its content starts. A tuple: one per line of the mail.
TextLine = tuple[int, str, int]
# A line as Markdown, and whether it is a list item (a paragraph after a list needs a
# blank line in Markdown, or it continues the last item).
MarkdownLine = tuple[str, bool]


# An open element and what its end must undo: its tag, where the quote container it
# opens starts (or None), and its link (href, text) if it is one. A tuple: one per element.
_Frame = tuple[str, "int | None", "tuple[str | None, list[str]] | None"]
# Tags whose start does more than a block's line breaks.
_SPECIAL = frozenset(("br", "hr", "a", "td", "th", "ul", "ol", "li"))


class TextRenderer:
    """Renders lines, one parse event at a time; ``quotes`` notes the quote containers."""

    def __init__(self, max_depth: int, max_elements: int, deadline: float | None) -> None:
        self._max_depth = max_depth
        self._max_elements = max_elements
        self._deadline = deadline
        self._event = 0
        self._elements = 0
        self._frames: list[_Frame] = []
        self._pending: list[str] = []  # text not yet handled (the parser splits runs)
        # The parser's ``data`` call: a bound append, as runs of text are the most events.
        self.data = self._pending.append
        self.lines: list[TextLine] = []
        self.markdown: list[MarkdownLine] = []  # one per line of ``lines``
        self._parts: list[str] = []  # the line being built
        self._runs: list[Run] = []  # the same line as runs, for its Markdown
        self._emphasis = {BOLD: 0, ITALIC: 0}  # open <b>/<strong> and <i>/<em> elements
        self._line_depth = 0
        self._line_position = 0
        self._breaks = 0  # line breaks owed before the next text (2 = a blank line)
        self._hidden = 0
        self._in_head = False
        self._pre = 0
        self._quote = 0
        # Per open list: [counter, is_ordered, width of its current Markdown marker, the
        # Markdown indent of its items (its parent item's content column)].
        self._lists: list[list[int]] = []
        self._prefix = ""  # list marker waiting for the item's first text
        self._markdown_prefix = ""  # the same marker as Markdown
        self._links: list[tuple[str | None, list[str]]] = []
        self.quotes = QuoteLocator()

    # -- parser target protocol

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self._pending:
            self._flush()
        self._event += 1
        self._elements += 1
        frames = self._frames
        if (
            len(frames) >= self._max_depth
            or self._elements > self._max_elements
            or (self._deadline is not None and self._elements % _CLOCK_EVERY == 0)
        ):
            self._check_budget()
        container = self.quotes.start(tag, attrib, self._event)
        if tag == "head":
            self._in_head = True
        elif tag == "body":
            self._in_head = False
        if tag in _HIDDEN:
            self._hidden += 1
            frames.append((tag, container, None))
        elif tag in _SPECIAL:
            frames.append((tag, container, self._open(tag, attrib)))
        elif tag in _EMPHASIS:
            frames.append((tag, container, None))
            self._emphasis[_EMPHASIS[tag]] += 1
        else:
            frames.append((tag, container, None))
            breaks = _BLOCK_BREAKS.get(tag)
            if breaks is not None:
                # ``_block``, written out: block tags are most of a mail's elements.
                if self._parts:
                    self._end_line()
                if breaks > self._breaks:
                    self._breaks = breaks
                if tag == "blockquote":
                    self._quote += 1
                elif tag == "pre":
                    self._pre += 1

    def end(self, tag: str) -> None:
        if self._pending:
            self._flush()
        self._event += 1
        if not self._frames:
            return
        tag, container, link = self._frames.pop()
        self.quotes.end(tag, container, self._event)
        if tag == "head":
            self._in_head = False
        if tag in _HIDDEN:
            self._hidden -= 1
        elif link is not None:
            self._links.pop()
            self._close_link(*link)
        elif tag == "hr":
            return  # the rule was written at its start
        elif tag in ("ul", "ol"):
            self._lists.pop()
            self._block(1)
        elif tag in _EMPHASIS:
            self._emphasis[_EMPHASIS[tag]] -= 1
        else:
            breaks = _BLOCK_BREAKS.get(tag)
            if breaks is not None:
                if self._parts:
                    self._end_line()
                if breaks > self._breaks:
                    self._breaks = breaks
                if tag == "blockquote":
                    self._quote -= 1
                elif tag == "pre":
                    self._pre -= 1

    def comment(self, text: str) -> None:
        if self._pending:
            self._flush()
        self._event += 1
        self.quotes.comment()

    def close(self) -> None:
        if self._pending:
            self._flush()
        self._end_line()

    # -- budget

    def _check_budget(self) -> None:
        """Raise ``OverBudget`` if this element is one too deep or too many, or late."""
        if len(self._frames) >= self._max_depth:
            raise OverBudget(f"nested deeper than {self._max_depth} elements")
        if self._elements > self._max_elements:
            raise OverBudget(f"more than {self._max_elements} elements")
        if (
            self._deadline is not None
            and self._elements % _CLOCK_EVERY == 0
            and time.monotonic() > self._deadline
        ):
            raise OverBudget("not read before its deadline")

    # -- elements

    def _open(self, tag: str, attrib: dict[str, str]) -> tuple[str | None, list[str]] | None:
        """Start one of the ``_SPECIAL`` elements; its link, if it is one."""
        if tag == "br":
            self._line_break()
        elif tag == "hr":
            self._block(1)
            self._emit("---", VERBATIM)
            self._block(1)
        elif tag == "a":
            link: tuple[str | None, list[str]] = (attrib.get("href"), [])
            self._links.append(link)
            return link
        elif tag in ("td", "th"):
            if self._parts:
                self._parts.append(" ")
        elif tag in ("ul", "ol"):
            self._block(1)
            outer = self._lists[-1] if self._lists else None
            indent = outer[3] + outer[2] if outer else 0
            self._lists.append([0, tag == "ol", 0, min(indent, _MAX_MARKDOWN_INDENT)])
        else:
            self._start_item()
        return None

    def _flush(self) -> None:
        """Handle the text since the last event as one run, as it stood in the mail."""
        pending = self._pending
        data = pending[0] if len(pending) == 1 else "".join(pending)
        pending.clear()  # the same list: ``data`` appends to it
        self._event += 1
        if self._hidden or self._in_head:
            return
        if not data.isascii():  # the invisible characters are all outside ASCII
            data = data.translate(_INVISIBLE)
        # Each run of white space as one space (str.split's white space is re's "\s"), and
        # none at the start of a line or after a space.
        words = data.split()
        if words:
            self.quotes.text(data, self._event)
        if self._pre:
            self._emit_preformatted(data)
            return
        parts = self._parts
        spaced = bool(parts) and not parts[-1].endswith(" ")
        if not words:
            if data and spaced:
                self._emit(" ")
            return
        text = " ".join(words)
        if spaced and data[0].isspace():
            text = " " + text
        if data[-1].isspace():
            text += " "
        self._emit(text)

    # -- building lines

    def _emit(self, text: str, flags: int = 0) -> None:
        if self._breaks:
            if self._parts:
                self._end_line()
            lines = self.lines
            if self._breaks > 1 and lines and lines[-1][1]:
                depth = lines[-1][0]
                self._blank_line(depth if depth < self._quote else self._quote)
            self._breaks = 0
        shown = text
        if not self._parts:
            self._line_depth = self._quote
            self._line_position = self._event
            if self._prefix:
                shown = self._prefix + text
                self._parts.append(self._prefix)
                self._runs.append((self._markdown_prefix, VERBATIM | LIST_ITEM, None))
                self._prefix = ""
        self._parts.append(text)
        self._runs.append((text, flags | self._style(), self._href()))
        for _href, link_text in self._links:
            link_text.append(shown)

    def _style(self) -> int:
        emphasis = self._emphasis
        return (BOLD if emphasis[BOLD] else 0) | (ITALIC if emphasis[ITALIC] else 0)

    def _href(self) -> str | None:
        return self._links[-1][0] if self._links else None

    def _blank_line(self, depth: int) -> None:
        self.lines.append((depth, "", self._event))
        self.markdown.append(("", False))

    def _emit_preformatted(self, data: str) -> None:
        first, *rest = data.split("\n")
        if first:
            self._emit(first)
        for segment in rest:
            if not self._parts:
                self._blank_line(self._quote)
            self._end_line()
            if segment:
                self._emit(segment)

    def _end_line(self) -> None:
        parts = self._parts
        if parts:
            text = parts[0] if len(parts) == 1 else "".join(parts)
            # Keep the RFC 3676 signature separator "-- " intact; trim other lines.
            text = text if text == "-- " else text.rstrip()
            self.lines.append((self._line_depth, text, self._line_position))
            runs = self._runs
            item = bool(runs) and bool(runs[0][1] & LIST_ITEM)
            self.markdown.append((markdown_line(runs), item))
            self._parts = []
            self._runs = []

    def _block(self, breaks: int) -> None:
        if self._parts:
            self._end_line()
        if breaks > self._breaks:
            self._breaks = breaks

    def _line_break(self) -> None:
        if self._parts:
            self._end_line()
        else:
            self._blank_line(self._quote)
        self._breaks = 0

    def _start_item(self) -> None:
        self._block(1)
        if not self._lists:
            self._prefix = self._markdown_prefix = "- "
            return
        counter = self._lists[-1]
        counter[0] += 1
        indent = "  " * min(len(self._lists) - 1, _MAX_INDENT)
        marker = f"{counter[0]}. " if counter[1] else "- "
        self._prefix = indent + marker
        # CommonMark nests an item under its parent's content column (section 5.2).
        self._markdown_prefix = " " * counter[3] + marker
        counter[2] = len(marker)

    def _close_link(self, href: str | None, link_text: list[str]) -> None:
        if not href or not href.lower().startswith(_LINK_SCHEMES):
            return
        label = "".join(link_text).strip()
        target = href.strip()
        shown = target[len("mailto:") :] if target.lower().startswith("mailto:") else target
        # A link whose text already is its address ("example.com/a") needs no repeat.
        if not label or _bare_address(label) == _bare_address(shown):
            return
        self._emit(f" ({shown})", PLAIN_ONLY)


def _bare_address(address: str) -> str:
    bare = address.lower().removeprefix("https://").removeprefix("http://")
    return bare.removeprefix("www.").rstrip("/")
