"""HTML mail to readable plain text, and where a mail client's quoted part begins.

Owns ``html_to_text`` and ``split_quoted_html`` (the same text, split where the quote
container a mail client put under the reply begins), and the work budget one HTML body
may use. The rendering is ``gateway.inbound.html_render``, the container rules
``gateway.inbound.html_quotes``.

The parse is lxml's HTML parser (libxml2) fed in chunks, with ``TextRenderer`` as its
event target: no tree is built and nothing recurses. libxml2 reads malformed markup
(unclosed tags, comments and marked sections, stray "<") in one pass; what it cannot do
in linear time is match an end tag against a deep stack of open elements, so the depth is
capped. A body over its budget (``HtmlBudget``: characters, depth, elements, an optional
deadline) is read by ``gateway.inbound.html_strip`` instead, and the result says so in
``fallback``. Never raises on any str.

Must not import flask, aiosmtpd, sqlalchemy or anything from gateway.store /
gateway.core; the reply-text rules live in ``gateway.inbound.reply_text``.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from lxml import etree

from gateway.inbound.html_quotes import FROM_FIELD_NAMES
from gateway.inbound.html_render import MarkdownLine, OverBudget, TextLine, TextRenderer
from gateway.inbound.html_strip import strip_tags

__all__ = [
    "DEFAULT_BUDGET",
    "FROM_FIELD_NAMES",
    "HtmlBudget",
    "HtmlReplySplit",
    "RenderedHtml",
    "html_to_text",
    "join_lines",
    "quote_marked",
    "render_html",
    "split_quoted_html",
]

logger = logging.getLogger(__name__)

_BLANK_RUNS = re.compile(r"\n{3,}")
# Quote depth shown at most (">" per level), so deep nesting cannot multiply the text.
_MAX_MARKERS = 32
_SURROGATES = re.compile("[\ud800-\udfff]")
# Bytes handed to the parser at a time: the deadline is looked at between two chunks.
_CHUNK = 32 * 1024


@dataclass(frozen=True, slots=True)
class HtmlBudget:
    """The work one HTML body may take before it is read as tag-stripped text instead.

    ``max_depth`` bounds libxml2's one superlinear step (an end tag is matched against
    every open element), so the parse costs at most that much per tag; 256 is libxml2's
    own default limit and deeper than any client's quoting of a long thread.
    """

    max_chars: int = 2_000_000
    max_depth: int = 256
    max_elements: int = 200_000
    deadline: float | None = None  # a time.monotonic() value, or no deadline


DEFAULT_BUDGET = HtmlBudget()


@dataclass(frozen=True, slots=True)
class HtmlReplySplit:
    """An HTML mail as text, split where the client's quote container begins."""

    reply: str  # the text above the quote container (the whole text when there is none)
    quoted: str  # the container and what follows it, as text ("" when there is none)
    whole: str  # the whole mail as text
    # Why the mail was read as tag-stripped text, not parsed ("" when it was parsed):
    # then ``reply`` is ``whole`` and ``quoted`` is "".
    fallback: str = ""


@dataclass(frozen=True, slots=True)
class RenderedHtml:
    """An HTML mail read once: its lines, the same lines as Markdown, and where the
    client's quote container begins (None when there is none). A mail over its budget has
    no lines: ``fallback`` says why and ``stripped`` holds its tag-stripped text."""

    lines: list[TextLine]
    markdown: list[MarkdownLine]
    cut: int | None
    fallback: str = ""
    stripped: str = ""


def html_to_text(html: str, budget: HtmlBudget = DEFAULT_BUDGET) -> str:
    """Readable plain text for an HTML body (never raises on malformed markup)."""
    return split_quoted_html(html, budget).whole


def split_quoted_html(html: str, budget: HtmlBudget = DEFAULT_BUDGET) -> HtmlReplySplit:
    """Convert ``html`` to text in one pass, and split it at the client's quote container.

    The earliest container that ends the mail wins: a quote followed by more text is an
    inline answer, so it stays in ``reply`` (as "> " lines) for the plain-text rules.
    """
    rendered = render_html(html, budget)
    if rendered.fallback:
        text = rendered.stripped
        return HtmlReplySplit(reply=text, quoted="", whole=text, fallback=rendered.fallback)
    whole = join_lines(rendered.lines)
    cut = rendered.cut
    if cut is None:
        return HtmlReplySplit(reply=whole, quoted="", whole=whole)
    reply = join_lines([line for line in rendered.lines if line[2] < cut])
    quoted = join_lines([line for line in rendered.lines if line[2] >= cut])
    return HtmlReplySplit(reply=reply, quoted=quoted, whole=whole)


def render_html(html: str, budget: HtmlBudget = DEFAULT_BUDGET) -> RenderedHtml:
    """Read ``html`` in one pass into lines (and their Markdown); over ``budget``, into
    tag-stripped text instead. Never raises."""
    if len(html) > budget.max_chars:
        # The person's words are at the top; what is cut off is the quoted history.
        start, _ = _utf8(html[: budget.max_chars])
        return _stripped(start, f"longer than {budget.max_chars} characters (the rest is left out)")
    html, data = _utf8(html)
    try:
        renderer = _parse(data, budget)
    except OverBudget as over:
        return _stripped(html, over.reason)
    except Exception:
        # lxml wraps libxml2, whose failures are not all documented; the mail is still read.
        logger.exception("HTML parse failed; reading the mail as stripped text")
        return _stripped(html, "not parsed")
    return RenderedHtml(renderer.lines, renderer.markdown, renderer.quotes.cut())


def _parse(data: bytes, budget: HtmlBudget) -> TextRenderer:
    renderer = TextRenderer(budget.max_depth, budget.max_elements, budget.deadline)
    if not data or data.isspace():
        return renderer  # libxml2 calls an empty document an error
    # Bytes with the encoding named, so a <meta charset> in the mail cannot re-decode them.
    parser = etree.HTMLParser(target=renderer, encoding="utf-8", no_network=True)
    for offset in range(0, len(data), _CHUNK):
        if budget.deadline is not None and time.monotonic() > budget.deadline:
            raise OverBudget("not read before its deadline")
        parser.feed(data[offset : offset + _CHUNK])
    parser.close()
    return renderer


def _utf8(html: str) -> tuple[str, bytes]:
    """``html`` and its UTF-8 bytes, lone surrogates (which no encoder takes) as U+FFFD."""
    try:
        return html, html.encode("utf-8")
    except UnicodeEncodeError:
        html = _SURROGATES.sub("\ufffd", html)
        return html, html.encode("utf-8")


def _stripped(html: str, reason: str) -> RenderedHtml:
    return RenderedHtml([], [], None, fallback=reason, stripped=strip_tags(html))


def join_lines(lines: list[TextLine]) -> str:
    """Rendered lines as text: quoted lines marked ">" per level, blank runs as one."""
    rendered = [
        text if not depth else quote_marked(depth, text) for depth, text, _position in lines
    ]
    return _BLANK_RUNS.sub("\n\n", "\n".join(rendered)).strip()


def quote_marked(depth: int, text: str) -> str:
    """A line at blockquote depth ``depth`` as text: ">" per level (at most _MAX_MARKERS)."""
    marker = ">" * min(depth, _MAX_MARKERS)
    return f"{marker} {text}" if text else marker
