"""Reply-text extraction: what the person wrote in a reply email, and what was removed.

Owns: splitting the body of a reply into the text the person wrote and the elided rest
(quoted lines, quote headers such as "On ... wrote:" in many languages, Outlook
"From:/Sent:/To:/Subject:" blocks, forwarded mail, signatures, "Sent from my iPhone").
HTML-only mail goes through ``extract_reply_from_html``, which first cuts the mail client's
quote container, then converts to text (see ``gateway.inbound.html_text``). This module
owns the shape of a reply (where the person's text is, around which quotes); the line
kinds come from ``gateway.inbound.reply_lines``, attribution lines from ``attribution``,
header blocks from ``header_blocks`` and signatures from ``signatures``.

Principles: over-trimming (losing real text) is worse than under-trimming, so every rule
that removes text after the person's own text needs a strong signal; whatever is removed
is returned in ``elided`` so the UI can show it collapsed. Every pattern runs in bounded
time on any input: regexes only look at short lines, are anchored and free of nested
unbounded quantifiers, and the work per message is linear in its number of lines.

Judgement calls (each has a test in tests/inbound/test_reply_text.py):
- A body with nothing the person wrote (only quotes, a header and its quote, a bare
  "Sent from my iPhone") gives text "" and elides everything. The peer corpus keeps a
  bare quote (its case quote_only); we report the reply as empty instead.
- A quote the person answers point by point stays, as the context of the answers. After
  the person's text, a header's quote followed by one or two lines up to the end is cut
  with them: those lines are nearly always a signature or a list footer.
- A signature delimiter with no text above it cuts nothing: an empty reply would lose
  whatever the person put below it.

Must not import flask, aiosmtpd, sqlalchemy or anything from gateway.store / gateway.core:
stdlib only, pure functions, safe to call in the SMTP intake hot path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from gateway.inbound.closings import is_closing
from gateway.inbound.forwards import is_forward_marker
from gateway.inbound.header_blocks import field_block_end
from gateway.inbound.html_text import DEFAULT_BUDGET, HtmlBudget, html_to_text, split_quoted_html
from gateway.inbound.line_kinds import (
    DELIMS,
    EMPTY,
    FIELD,
    MARK,
    QUOTE,
    SEPARATORS,
    TEXT,
    next_non_empty,
)
from gateway.inbound.reply_lines import build_units, fenced_lines, mark_headers_before_quotes
from gateway.inbound.signatures import cut_signature, strip_tail

__all__ = ["ReplyText", "extract_reply_from_html", "extract_reply_text", "html_to_text"]


@dataclass(frozen=True, slots=True)
class ReplyText:
    """The person's own text and what was removed from around it (both outer-stripped)."""

    text: str
    elided: str
    # For HTML mail over its work budget: why it was read as tag-stripped text ("" if not).
    html_fallback: str = ""


# Lines analysed one by one; a body longer than this keeps the rest as one block of text.
_MAX_LINES = 10_000
_UNQUOTED_LINE = re.compile(r"^[ \t]*[^>\s]", re.MULTILINE)
# The rest of a link wrapped onto its own line: URL characters only (RFC 3986 section 2).
_LINK_TAIL = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%<>]{1,300}")

# After "On ... wrote:" and a quote block, text that runs to the end is kept only when it
# is this substantial; a line or two there is almost always a signature or a footer.
_KEEP_AFTER_QUOTE_LINES = 4
_KEEP_AFTER_QUOTE_CHARS = 250
# Shorter text under a quote is the person's when one of its first lines is a closing.
_CLOSING_WITHIN = 4


# --- public API ------------------------------------------------------------------------------


def extract_reply_text(body: str, *, forward: bool = False) -> ReplyText:
    """Split a text/plain reply body into what the person wrote and what was removed.

    ``forward``: the email forwards another one (see ``gateway.inbound.forwards``), so a
    header block with nothing typed above it opens the forwarded message, which is kept;
    in a reply it opens the quoted mail of an empty reply."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    lines = body.split("\n")
    overflow = ""
    if len(lines) > _MAX_LINES:
        # Bounded time on huge bodies: lines past the limit are one opaque block of text,
        # kept unless a cut above it elides it (under-trimming, never over-trimming).
        overflow = "\n".join(lines[_MAX_LINES:])
        lines = lines[:_MAX_LINES]
    fenced = fenced_lines(lines) if "```" in body else set()
    texts, kinds = build_units(lines, fenced)
    mark_headers_before_quotes(texts, kinds)
    _requote_wrapped_links(texts, kinds)
    if overflow.strip():
        texts.append(overflow)
        kinds.append(TEXT if _UNQUOTED_LINE.search(overflow) else QUOTE)
    keep = _drop_embedded_mail(texts, kinds, forward)
    kept = [i for i in range(len(kinds)) if keep[i]]
    kept = strip_tail(texts, kinds, kept)
    kept = cut_signature(texts, kinds, kept)
    kept = strip_tail(texts, kinds, kept)
    if not any(kinds[i] in (TEXT, FIELD) for i in kept):
        kept = []  # nothing the person wrote: a bare quote, a bare "Sent from my iPhone"
    kept_set = set(kept)
    text = "\n".join(texts[i] for i in kept)
    elided = "\n".join(texts[i] for i in range(len(texts)) if i not in kept_set)
    return ReplyText(text=text.strip(), elided=elided.strip())


def extract_reply_from_html(
    html: str, budget: HtmlBudget = DEFAULT_BUDGET, *, forward: bool = False
) -> ReplyText:
    """Extract the reply from an HTML-only mail: cut the client's quote container first,
    then apply the plain-text rules to the rest (for "On ... wrote:" lines the client left
    outside its container, signatures, "Sent from my iPhone").

    A mail over ``budget`` is read as tag-stripped text by the plain-text rules alone, and
    ``html_fallback`` says why (see ``gateway.inbound.html_text``)."""
    split = split_quoted_html(html, budget)
    reply = extract_reply_text(split.reply, forward=forward)
    if not split.quoted:  # always so for a mail read as stripped text
        return replace(reply, html_fallback=split.fallback)
    if not reply.text:
        # Nothing above the container (a forward without comment, or a reply the person
        # left empty): judge the whole mail as text, so a forwarded body is still kept
        # and an empty reply still comes out empty.
        return extract_reply_text(split.whole, forward=forward)
    elided = "\n\n".join(part for part in (reply.elided, split.quoted) if part)
    return ReplyText(text=reply.text, elided=elided)


def _requote_wrapped_links(texts: Sequence[str], kinds: list[str]) -> None:
    """A quoted link some clients wrap without its ">" ("> https://host/long/path" then
    "?view=list") is still quote: read as text it would look like an answer between quotes
    and keep the whole quote as its context."""
    for i in range(1, len(kinds) - 1):
        if kinds[i] != TEXT or kinds[i - 1] != QUOTE or kinds[i + 1] not in (QUOTE, EMPTY):
            continue
        tail = texts[i].strip()
        if not _LINK_TAIL.fullmatch(tail) or not any(c in tail for c in "/?&=#%"):
            continue
        above = texts[i - 1].rstrip()
        last_word = above[above.rfind(" ") + 1 :]
        if "://" in last_word or last_word.startswith(("www.", "<http")):
            kinds[i] = QUOTE


# --- quote headers, forwarded mail and header blocks ------------------------------------------


def _drop_embedded_mail(texts: list[str], kinds: list[str], forward: bool) -> list[bool]:
    """Which units to keep once quote headers, forwards and Outlook blocks are handled.

    After the person's text, a header cuts the rest of the mail, unless it introduces a
    quote that the person answers below (an inline reply): then only the header goes.
    Before any text (bottom-posting, a forward without comment) a header is dropped, and
    so is the quote it introduces when the person's text follows it.
    """
    keep = [True] * len(kinds)
    seen_text = False
    i = 0
    while i < len(kinds):
        kind = kinds[i]
        if kind == MARK:
            if seen_text:
                if _answered_inline(texts, kinds, i):
                    keep[i] = False
                    i += 1
                    continue
                below = _text_below_quote(texts, kinds, i)
                if below is None:
                    _cut_from(kinds, keep, i)
                    return keep
                # A closing or a line or two under the quote ("Regards, Bob"): the
                # person's words stay, the header and the quote between them go.
                keep[i:below] = [False] * (below - i)
                i = below
            else:
                forward = forward or is_forward_marker(texts[i])
                stop = _top_header_extent(texts, kinds, i)
                keep[i:stop] = [False] * (stop - i)
                i = stop
            continue
        if kind == FIELD:
            last = field_block_end(texts, kinds, i)
            if last is None:
                seen_text = True
                i += 1
                continue
            below = next_non_empty(kinds, last + 1)
            quoted_below = below < len(kinds) and kinds[below] == QUOTE
            if seen_text or not (forward or quoted_below):
                # After the person's text, or an empty reply's quoted mail: cut it all.
                _cut_from(kinds, keep, i)
                return keep
            if quoted_below:
                # The block over a "> " quote, and the person's answer under it.
                stop = _top_header_extent(texts, kinds, last)
                keep[i:stop] = [False] * (stop - i)
                _drop_separators_above(kinds, keep, i)
                i = stop
                continue
            keep[i : last + 1] = [False] * (last + 1 - i)
            _drop_separators_above(kinds, keep, i)
            i = last + 1
            continue
        if kind == TEXT:
            seen_text = True
        i += 1
    return keep


def _quote_block_end(kinds: Sequence[str], i: int) -> int:
    """First unit after the quote block starting at ``i`` (blank lines inside included)."""
    while i < len(kinds) and kinds[i] in (QUOTE, EMPTY):
        i += 1
    return i


@dataclass(slots=True)
class _AfterQuote:
    """What follows a quote block, up to the next header or signature delimiter."""

    first: str  # kind of the first non-empty unit, "" at the end of the mail
    text_lines: int
    text_chars: int
    interleaved: bool  # text followed by more quote: the person answers point by point


def _after_quote(texts: Sequence[str], kinds: Sequence[str], i: int) -> _AfterQuote:
    j = next_non_empty(kinds, i)
    first = kinds[j] if j < len(kinds) else ""
    lines = chars = 0
    while j < len(kinds):
        kind = kinds[j]
        if kind == MARK or kind in DELIMS:
            break
        if kind in (TEXT, FIELD):
            lines += 1
            chars += len(texts[j].strip())
        elif kind == QUOTE and lines:
            return _AfterQuote(first, lines, chars, interleaved=True)
        j += 1
    return _AfterQuote(first, lines, chars, interleaved=False)


def _answered_inline(texts: Sequence[str], kinds: Sequence[str], i: int) -> bool:
    """Header at ``i`` after the person's text: is its quote answered below it?"""
    quote = next_non_empty(kinds, i + 1)
    if quote >= len(kinds) or kinds[quote] != QUOTE:
        return False
    after = _after_quote(texts, kinds, _quote_block_end(kinds, quote))
    if after.first not in (TEXT, FIELD):
        return False
    if after.interleaved:
        return True
    return (
        after.text_lines >= _KEEP_AFTER_QUOTE_LINES or after.text_chars >= _KEEP_AFTER_QUOTE_CHARS
    )


def _text_below_quote(texts: Sequence[str], kinds: Sequence[str], i: int) -> int | None:
    """Header at ``i`` after the person's text, its quote not answered point by point: the
    first line the person wrote below that quote, or None. Short text there is theirs when
    it has their closing ("Yes, I can.\n\nCheers,\nBob"); without one it is nearly always
    a signature or a list footer."""
    quote = next_non_empty(kinds, i + 1)
    if quote >= len(kinds) or kinds[quote] != QUOTE:
        return None  # the original follows unquoted (Outlook style): it runs to the end
    below = next_non_empty(kinds, _quote_block_end(kinds, quote))
    if below >= len(kinds) or kinds[below] != TEXT:
        return None
    seen = 0
    for j in range(below, len(kinds)):
        if kinds[j] not in (TEXT, EMPTY) or seen >= _CLOSING_WITHIN:
            break
        if kinds[j] == TEXT:
            if is_closing(texts[j]):
                return below
            seen += 1
    return None


def _top_header_extent(texts: Sequence[str], kinds: Sequence[str], i: int) -> int:
    """Header at ``i`` before any text: the index up to which (exclusive) to drop."""
    quote = next_non_empty(kinds, i + 1)
    if quote >= len(kinds) or kinds[quote] != QUOTE:
        return i + 1
    end = _quote_block_end(kinds, quote)
    if end >= len(kinds):
        return end  # the header and its quote are all there is
    if _after_quote(texts, kinds, end).interleaved:
        return i + 1  # point-by-point answers: keep the quotes as their context
    return end  # bottom-posted: the person's text follows the quote


def _cut_from(kinds: Sequence[str], keep: list[bool], i: int) -> None:
    """Drop everything from ``i`` on, and the separator lines right above it."""
    start = i
    j = i - 1
    while j >= 0 and keep[j] and kinds[j] in (EMPTY, *SEPARATORS):
        if kinds[j] != EMPTY:
            start = j
        j -= 1
    keep[start:] = [False] * (len(keep) - start)


def _drop_separators_above(kinds: Sequence[str], keep: list[bool], i: int) -> None:
    j = i - 1
    while j >= 0 and kinds[j] in (EMPTY, *SEPARATORS):
        if kinds[j] != EMPTY:
            keep[j] = False
        j -= 1
