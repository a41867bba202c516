"""One catalogue case, and how its labels are derived from the reply that was composed.

``make_case`` renders a ``clients.Reply`` as the client would send it, wraps it in an RFC
5322 message, and labels it: the expected text is what the person typed (unless given);
``words`` are its non-empty lines; ``unwanted`` are the quote header's lines, the first line
of each quoted paragraph, the signature's lines and the tagline. Labels are checked against
each other: every word must be in the expected text and no unwanted phrase may be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .clients import Reply, quoted_lines, render_html, render_plain
from .languages import Language
from .messages import build_message
from .scoring import normalise

SHAPES = (
    "top_post",
    "bottom_post",
    "interleaved",
    "forward_comment",
    "html_only",
    "signature_plain",
    "signature_delimited",
    "closing",
    "mobile_tagline",
    "sent_from_prose",
    "numbers",
    "notification_quote",
    "attribution_inline",
    "attribution_wrapped",
    "special_chars",
    "own_blockquote",
    "broken_quote_markers",
    "all_quote",
)
PARTS = ("plain", "html", "both")
# A list item's marker: HTML-to-text converters write "- ", "* ", "• " or "1. " for <li>,
# and Markdown output escapes a typed "-" at the start of a line, so words leave it out.
_LIST_MARKER = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    client: str
    language: str
    shape: str
    parts: str
    message: bytes
    expected: str | None  # None: judged by words and unwanted only
    words: tuple[str, ...]
    unwanted: tuple[str, ...]
    note: str = ""


def default_unwanted(reply: Reply) -> list[str]:
    found: list[str] = []
    if reply.quote is not None:
        found += [line for line in reply.quote.header.split("\n") if len(normalise(line)) >= 4]
        for paragraph in reply.quote.body:
            first = quoted_lines((paragraph.split("\n")[0],), marked=True)[0][2:]
            if len(normalise(first)) >= 12:
                found.append(first)
    found += [line for line in reply.signature.split("\n") if len(normalise(line)) >= 4]
    if reply.tagline:
        found.append(reply.tagline)
    return found


def make_case(
    case_id: str,
    client: str,
    language: Language | str,
    shape: str,
    reply: Reply,
    *,
    parts: str = "both",
    sender: tuple[str, str] | None = None,
    recipient: tuple[str, str] | None = None,
    subject: str | None = None,
    expected: str | None = "",
    words: list[str] | None = None,
    unwanted: list[str] | None = None,
    extra_unwanted: list[str] | None = None,
    plain: str | None = None,
    html: str | None = None,
    mailer: str = "",
    note: str = "",
) -> Case:
    """``expected=""`` (the default) means the person's text as typed; pass None for cases
    judged by labels alone, or the text itself when it differs from what was typed."""
    code = language if isinstance(language, str) else language.code
    if expected == "":
        expected = reply.text
        if parts != "plain" and any(_LIST_MARKER.match(line) for line in expected.split("\n")):
            # How a list typed in a rich editor comes out as text is the extractor's choice.
            expected = None
            note = note or "a list typed in HTML: judged by words"
    if isinstance(language, str):
        sender = sender or ("Bob Baker", "bob@example.org")
        recipient = recipient or ("Alice Archer", "alice.archer@example.com")
        subject = subject or "Re: Venue for the spring workshop"
    else:
        sender = sender or language.replier
        recipient = recipient or language.sender
        subject = subject or f"Re: {language.subject}"
    plain_part = (plain or render_plain(reply)) if parts in ("plain", "both") else None
    html_part = (html or render_html(reply)) if parts in ("html", "both") else None
    if words is None:
        source = reply.text if expected is None else expected
        words = [_LIST_MARKER.sub("", line) for line in source.split("\n") if line.strip()]
    if unwanted is None:
        unwanted = default_unwanted(reply)
    unwanted = [u for u in unwanted + (extra_unwanted or []) if u.strip()]
    message = build_message(
        case_id,
        sender=sender,
        recipient=recipient,
        subject=subject,
        plain=plain_part,
        html=html_part,
        mailer=mailer or client,
    )
    case = Case(case_id, client, code, shape, parts, message, expected, tuple(words),
                tuple(dict.fromkeys(unwanted)), note)  # fmt: skip
    check_labels(case)
    return case


def check_labels(case: Case) -> None:
    """Labels that contradict each other are a mistake in the catalogue, not a case."""
    if case.shape not in SHAPES or case.parts not in PARTS:
        raise ValueError(f"{case.id}: unknown shape or parts")
    for phrase in case.unwanted:
        if any(normalise(phrase) in normalise(word) for word in case.words):
            raise ValueError(f"{case.id}: unwanted {phrase!r} is inside a word phrase")
        if case.expected is not None and normalise(phrase) in normalise(case.expected):
            raise ValueError(f"{case.id}: unwanted {phrase!r} is in the expected text")
    if case.expected is not None:
        for word in case.words:
            if normalise(word) not in normalise(case.expected):
                raise ValueError(f"{case.id}: word {word!r} is not in the expected text")
