"""Soft line breaks a mail client put into a plain text part, joined back into paragraphs.

Owns ``machine_wrap_width`` (does a text look wrapped by a program at one width, and which)
and ``join_soft_wraps``. Clients that do not send format=flowed (RFC 3676, unflowed by
gateway.inbound.body_text) hard-wrap their text/plain part: Gmail near 76 columns, others
at 70-78 (RFC 5322 section 2.1.1 recommends 78). A room shows every line break, so a
wrapped paragraph reads as ragged lines.

A break is taken for a soft wrap only when the client had to break there: the line is near
the wrap width and the next line's first word would not have fitted on it. Everything else
stays as written (lists, short lines, addresses, poems, quotes, indented lines, a sentence
end followed by a list item). Under-joining is what happened before; over-joining loses
structure, so each rule errs toward keeping the break.

Each line is measured once into a `_Break`; trying each candidate width is then a pass of
integer comparisons over those: linear.
Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["join_soft_wraps", "machine_wrap_width"]

# The widths clients wrap at; a text with a longer line (holding a space) was not wrapped.
MIN_WRAP_WIDTH = 60
MAX_WRAP_WIDTH = 80
# A wrapped line is at most this much shorter than the width (a long next word aside).
MAX_SHORTFALL = 25
# A line ending a sentence is joined to the next only when this close to the width.
SENTENCE_SHORTFALL = 12

# Lines that start structure of their own: list items, quotes, indentation, separators.
_STARTS_ITEM = re.compile(r"[ \t>|]|[-*+•·o§]\s|\d{1,3}[.)]\s|[A-Za-z][.)]\s|--|__|==")
_SENTENCE_END = frozenset(".!?:;")


@dataclass(frozen=True, slots=True)
class _Break:
    """The line break after one line, as far as it can be judged without a width."""

    length: int  # of the line, right-stripped
    previous: int  # length of the line before, 0 if blank, quoted or the first
    next_word: int  # length of the next line's first word
    sentence: bool  # a sentence ends here and the next line starts with a capital


def machine_wrap_width(text: str) -> int | None:
    """The width a program wrapped `text` at, or None if it does not look wrapped there."""
    lines = [line.rstrip() for line in text.split("\n")]
    # Quoted lines are left out: clients add "> " to lines they wrapped before.
    widest = max(
        (len(line) for line in lines if " " in line.strip() and not line.startswith(">")),
        default=0,
    )
    if widest > MAX_WRAP_WIDTH:
        return None
    breaks = [found for found in _candidates(lines) if found is not None]
    best, best_count = None, 0
    # The soft wraps found shrink as the width grows: keep the widest width that finds as
    # many as the narrowest, the one that calls fewest borderline breaks soft.
    for width in range(max(widest, MIN_WRAP_WIDTH), MAX_WRAP_WIDTH + 1):
        count = sum(1 for found in breaks if _is_soft(found, width))
        if count and count >= best_count:
            best, best_count = width, count
        if count < best_count:
            break
    return best


def join_soft_wraps(text: str, width: int | None = None) -> str:
    """`text` with its soft wraps (at `width`, found when not given) joined by a space."""
    if width is None:
        width = machine_wrap_width(text)
    if width is None:
        return text
    written = text.split("\n")
    candidates = _candidates([line.rstrip() for line in written])
    out: list[str] = []
    paragraph: list[str] = []  # the lines being joined, each stripped
    for line, found in zip(written, candidates, strict=True):
        paragraph.append(line.strip() if paragraph else line.rstrip())
        if found is None or not _is_soft(found, width):
            out.append(" ".join(paragraph) if len(paragraph) > 1 else line)
            paragraph = []
    return "\n".join(out)


def _candidates(lines: list[str]) -> list[_Break | None]:
    """For each line (right-stripped), the break after it if it could be a soft wrap at
    some width; None where the lines around it say it is not one."""
    found: list[_Break | None] = []
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if (
            not line
            or not following
            or len(line) > MAX_WRAP_WIDTH
            or line[0] in " \t>"
            or line == "--"
            or line.endswith(":")
            or _STARTS_ITEM.match(following)
        ):
            found.append(None)
            continue
        previous = lines[i - 1] if i else ""
        found.append(
            _Break(
                length=len(line),
                previous=len(previous) if previous and previous[0] != ">" else 0,
                next_word=len(following.split(None, 1)[0]),
                sentence=line[-1] in _SENTENCE_END and following[0].isupper(),
            )
        )
    return found


def _is_soft(found: _Break, width: int) -> bool:
    """Whether a program wrapping at `width` had to break the line there."""
    if not width - MAX_SHORTFALL <= found.length <= width:
        return False
    # A wrapped line starts a paragraph or follows a wrapped line: one that follows a
    # short line is in a block of short lines (a signature, an address) and stays.
    if found.previous and found.previous < width - MAX_SHORTFALL:
        return False
    if found.length + 1 + found.next_word <= width:
        return False  # the word would have fitted: the writer broke the line
    return not found.sentence or found.length >= width - SENTENCE_SHORTFALL
