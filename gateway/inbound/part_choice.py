"""Which body part of a reply the room gets: the text/plain part or the text/html one.

Owns ``choose_reply``. EMAIL-RULES 1.9 prefers text/plain, and for most mail it is the
better reading; but clients derive it from the HTML the person wrote and lose things on
the way: Gmail hard-wraps it near 76 columns, Outlook drops lists and links. So, per
message, with both parts present:

- the HTML reply (gateway.inbound.html_markdown) is used when the text part looks
  machine-wrapped (gateway.inbound.soft_wraps) or the HTML carries formatting (bold,
  italics, links, lists), and only when the two agree on the person's words: every word
  of the text part's reply is in the HTML one (counted, leaving out any bracketed run,
  where clients write "[image: ...]" and "<url>" for what the text cannot show), and the
  HTML one has hardly any more (more is a quote or signature its rules did not cut). If
  the HTML reply lost a word the text reply has, the text reply is used: losing words is
  worse than losing formatting;
- otherwise the text reply is used, its soft wraps joined back into paragraphs.

HTML-only mail gets the HTML reply; text-only mail the text reply with soft wraps joined.
Work is linear: two extractions, one count of words each.
Must not import flask, aiosmtpd, sqlalchemy or anything from gateway.store / gateway.core.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from gateway.inbound.html_markdown import extract_html_reply
from gateway.inbound.html_text import DEFAULT_BUDGET, HtmlBudget
from gateway.inbound.reply_text import ReplyText, extract_reply_text
from gateway.inbound.soft_wraps import join_soft_wraps, machine_wrap_width

__all__ = ["ChosenReply", "choose_reply", "read_reply", "words_agree"]

# Words are letter-digit runs of two or more (a single letter is often a client's bullet:
# Outlook writes "o" and "§" for nested items); scripts written without spaces count
# character by character, since a wrap may fall anywhere in them.
_WORDS = re.compile(
    r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
    r"|[^\W_\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}"
)
# Words the HTML reply may have beyond the text reply's: a few, and one in EXTRA_PER.
MAX_EXTRA_WORDS = 2
EXTRA_PER = 20
# Invisible characters that some parts carry and others not (the HTML reader drops them).
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
# What a client's text part writes for things only the HTML shows, in brackets ("[image:
# logo.png]", "[cid:image001.png@01D...]", Outlook's "[A picture containing ...]") or angle
# brackets ("<https://...>", "<mailto:...>"): any bracketed run is left out of the count.
_CLIENT_NOTES = re.compile(r"\[(?:image|cid)?:?[^\[\]\n]{0,300}\]|<[^<>\s]{1,2000}>")


@dataclass(frozen=True, slots=True)
class ChosenReply:
    """The reply, and the body it was read from as plain text lines (the text part with
    its soft wraps joined, or the HTML part read as text): each line of the reply is one
    of its lines, with the same words."""

    reply: ReplyText
    source: str


def choose_reply(
    text: str | None,
    html: str | None,
    budget: HtmlBudget = DEFAULT_BUDGET,
    *,
    forward: bool = False,
) -> ReplyText:
    """The reply a person wrote, from the part that shows it best (Markdown text)."""
    return read_reply(text, html, budget, forward=forward).reply


def read_reply(
    text: str | None,
    html: str | None,
    budget: HtmlBudget = DEFAULT_BUDGET,
    *,
    forward: bool = False,
) -> ChosenReply:
    """The reply a person wrote, from the part that shows it best, and that part
    (``forward``: the email forwards another, as extract_reply_text takes it)."""
    has_text = bool(text and text.strip())
    if not has_text:
        if html:
            from_html = extract_html_reply(html, budget, forward=forward)
            return ChosenReply(from_html.reply, from_html.whole)
        return ChosenReply(ReplyText(text="", elided=""), "")
    assert text is not None
    plain = extract_reply_text(text, forward=forward)
    width = machine_wrap_width(text)
    if html:
        from_html = extract_html_reply(html, budget, forward=forward)
        wanted = width is not None or from_html.formatted
        if (
            wanted
            and from_html.reply.text
            and not from_html.reply.html_fallback
            and words_agree(plain.text, from_html.plain)
        ):
            return ChosenReply(from_html.reply, from_html.whole)
    if width is None:
        return ChosenReply(plain, text)
    joined = replace(plain, text=join_soft_wraps(plain.text, width))
    return ChosenReply(joined, join_soft_wraps(text, width))


def words_agree(text: str, html: str) -> bool:
    """Whether the HTML reply (as plain text) has every word of the text reply, and
    hardly any more."""
    ours = Counter(_words(text))
    theirs = Counter(_words(html))
    if Counter(_words(_CLIENT_NOTES.sub(" ", text))) - theirs:
        return False
    extra = sum((theirs - ours).values())
    return extra <= MAX_EXTRA_WORDS + ours.total() // EXTRA_PER


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.translate(_INVISIBLE).casefold())
