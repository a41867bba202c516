"""The reply in an HTML mail as the Markdown a room stores, with its formatting kept.

Owns ``extract_html_reply``: the same reply ``extract_reply_from_html`` finds (the client's
quote container cut, then the plain-text rules of gateway.inbound.reply_text run on the
rest), written as Markdown: bold, italics, links and lists as the mail had them, every
other character escaped so it shows as typed (gateway.inbound.markdown_text).

The plain-text rules decide which lines are the reply; they read the plain rendering
(where "From:" is not "**From:**"). Each line they keep is then found, in order, among the
rendered lines, and its Markdown twin is written instead. A kept line that cannot be found
(a quote header the rules joined from several lines) makes the whole reply plain text,
escaped: the words are never lost to the formatting.

Work is linear: one parse, the rules, one forward walk over the lines.
Must not import flask, aiosmtpd, sqlalchemy or anything from gateway.store / gateway.core.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from gateway.inbound.html_render import MarkdownLine, TextLine
from gateway.inbound.html_text import (
    DEFAULT_BUDGET,
    HtmlBudget,
    join_lines,
    quote_marked,
    render_html,
)
from gateway.inbound.markdown_text import escape_markdown
from gateway.inbound.reply_text import ReplyText, extract_reply_text

__all__ = ["HtmlReply", "escaped_text", "extract_html_reply"]


@dataclass(frozen=True, slots=True)
class HtmlReply:
    """An HTML mail's reply: ``reply.text`` is Markdown, ``plain`` the same words as the
    plain-text rules kept them; ``formatted`` when the Markdown carries formatting the
    plain text cannot (emphasis, links, list items); ``whole`` the mail read as text, the
    lines the reply was taken from."""

    reply: ReplyText
    plain: str
    formatted: bool
    whole: str


@dataclass(frozen=True, slots=True)
class _Line:
    plain: str  # as the plain rendering has it (quote marks included)
    markdown: str  # the same line as Markdown (quote marks included)
    item: bool  # starts a list item
    depth: int  # blockquote depth


def extract_html_reply(
    html: str, budget: HtmlBudget = DEFAULT_BUDGET, *, forward: bool = False
) -> HtmlReply:
    """The reply in ``html`` as Markdown, as extract_reply_from_html finds it (``forward``:
    the email forwards another, see gateway.inbound.reply_text.extract_reply_text)."""
    rendered = render_html(html, budget)
    if rendered.fallback:
        plain = extract_reply_text(rendered.stripped, forward=forward)
        escaped = escaped_text(plain.text)
        reply = replace(plain, text=escaped, html_fallback=rendered.fallback)
        return HtmlReply(reply, plain.text, False, rendered.stripped)
    pairs = list(zip(rendered.lines, rendered.markdown, strict=True))
    cut = rendered.cut
    above = [pair for pair in pairs if cut is None or pair[0][2] < cut]
    lines = _lines(above)
    reply = extract_reply_text("\n".join(line.plain for line in lines), forward=forward)
    if cut is not None:
        quoted = join_lines([line for line, _ in pairs if line[2] >= cut])
        if not reply.text:
            # As extract_reply_from_html: nothing above the container, judge the whole.
            lines = _lines(pairs)
            reply = extract_reply_text("\n".join(line.plain for line in lines), forward=forward)
        else:
            elided = "\n\n".join(part for part in (reply.elided, quoted) if part)
            reply = ReplyText(text=reply.text, elided=elided)
    markdown, formatted = _markdown_of(reply.text, lines)
    whole = join_lines([line for line, _ in pairs])
    return HtmlReply(replace(reply, text=markdown), reply.text, formatted, whole)


def escaped_text(text: str) -> str:
    """Plain text as Markdown that shows it as it is, line by line."""
    return "\n".join(escape_markdown(line, at_line_start=True) for line in text.split("\n"))


def _lines(pairs: list[tuple[TextLine, MarkdownLine]]) -> list[_Line]:
    """The lines as html_text.join_lines writes them: blank runs as one blank line, none
    at either end."""
    lines: list[_Line] = []
    for (depth, text, _position), (markdown, item) in pairs:
        if depth:
            text, markdown = quote_marked(depth, text), quote_marked(depth, markdown)
        if not text and (not lines or not lines[-1].plain):
            continue
        lines.append(_Line(text, markdown, item, depth))
    while lines and not lines[-1].plain:
        lines.pop()
    return lines


def _markdown_of(text: str, lines: list[_Line]) -> tuple[str, bool]:
    """The Markdown of the kept ``text``: each of its lines matched, in order, to a rendered
    line; escaped plain text if one cannot be matched."""
    kept: list[_Line] = []
    position = 0
    for wanted in text.split("\n"):
        key = wanted.strip()
        while position < len(lines) and lines[position].plain.strip() != key:
            position += 1
        if position == len(lines):
            return escaped_text(text), False
        kept.append(lines[position])
        position += 1
    out: list[str] = []
    formatted = False
    previous: _Line | None = None
    for line in kept:
        if line.plain and previous is not None and previous.plain and _needs_blank(previous, line):
            out.append("")  # else the line would continue the list item or quote above
        formatted = formatted or line.item or line.markdown != _plain_markdown(line)
        out.append(line.markdown)
        previous = line
    return "\n".join(out).strip(), formatted


def _needs_blank(previous: _Line, line: _Line) -> bool:
    """CommonMark's lazy continuation (sections 5.1, 5.2) would pull ``line`` into the
    list item or quote that ``previous`` belongs to."""
    if previous.depth > line.depth:
        return True
    return previous.item and not line.item and line.depth == previous.depth


def _plain_markdown(line: _Line) -> str:
    """What the line's Markdown would be without formatting: its text escaped."""
    if not line.depth:
        return escape_markdown(line.plain, at_line_start=True)
    text = line.plain[min(line.depth, 32) :].removeprefix(" ")
    return quote_marked(line.depth, escape_markdown(text, at_line_start=True))
