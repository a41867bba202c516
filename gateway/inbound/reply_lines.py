"""Reading a reply body line by line: each line's kind, and wrapped attribution lines joined.

Owns ``build_units``: the body's lines as units of text with a kind each (see
``gateway.inbound.line_kinds``), where an attribution line a client wrapped over several
lines becomes one unit. Lines inside closed ``` fences are always text. Work is linear in
the number of lines: patterns only look at short lines, and joining wrapped headers has a
budget per message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gateway.inbound.attribution import (
    decoration_free,
    is_lead_header,
    is_mark,
    is_quote_header,
    may_start_header,
)
from gateway.inbound.header_blocks import field_name
from gateway.inbound.line_kinds import (
    EMPTY,
    FIELD,
    MARK,
    MAX_CANDIDATE,
    QUOTE,
    RFC_DELIM,
    RULE,
    SIG_DELIM,
    TEXT,
    next_non_empty,
)

# A quote header wrapped over several lines: how many lines back we look, how long the
# joined header may be, and how many join attempts one message may spend in total.
_MAX_WRAP_BACK = 5
_MAX_JOINED = 500
_JOIN_BUDGET = 400

_RULE_CHARS = frozenset("-_=*#~+ \tᐧ")
# Last characters of a line that may end a quote header ("wrote", "wrote ----", ":").
_HEADER_END_HINTS = frozenset(":：-*e")

# Supercite-style quoting ("Ann> text", "C>"), as some Usenet-era clients write it.
_SUPERCITE = re.compile(r"^[A-Z][A-Za-z]{0,11}>(?:\s|$)")


def build_units(lines: list[str], fenced: set[int]) -> tuple[list[str], list[str]]:
    """Classify lines; a quote header wrapped over several lines becomes one unit."""
    texts: list[str] = []
    kinds: list[str] = []
    floor = 0  # a wrapped header may not reach back before this line
    budget = [_JOIN_BUDGET]
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            kind = EMPTY
        elif i in fenced:
            kind = TEXT
            floor = i + 1
        else:
            kind = QUOTE if stripped[0] == ">" else _classify(stripped, line)
            if (
                kind in (TEXT, QUOTE)
                and (stripped[-1] in _HEADER_END_HINTS or stripped[0].isdigit())
                and _may_end_header(stripped)
            ):
                back = _wrapped_header(lines, i, floor, budget)
                if back is not None:
                    # Lines from ``floor`` on are one unit each, so the header's earlier
                    # lines are the last ``back`` units.
                    if back:
                        del texts[-back:]
                        del kinds[-back:]
                    first = i - back
                    texts.append(_join_lines(lines[first : i + 1]))
                    kinds.append(QUOTE if lines[first].lstrip().startswith(">") else MARK)
                    floor = i + 1
                    continue
        texts.append(line)
        kinds.append(kind)
    return texts, kinds


def mark_headers_before_quotes(texts: Sequence[str], kinds: list[str]) -> None:
    """An "On <anything> wrote:" line right above a quote block is its header even with no
    date or address in it (a client set to a terse attribution: "On Mon, Ann wrote:")."""
    for i, kind in enumerate(kinds):
        if kind != TEXT or not texts[i].rstrip().endswith((":", "：")):
            continue
        line = texts[i].strip()
        if len(line) <= MAX_CANDIDATE and is_lead_header(line):
            following = next_non_empty(kinds, i + 1)
            if following < len(kinds) and kinds[following] == QUOTE:
                kinds[i] = MARK


def fenced_lines(lines: Sequence[str]) -> set[int]:
    """Indices of lines inside closed ``` code fences (fence lines included): plain text."""
    fenced: set[int] = set()
    opening: int | None = None
    for i, line in enumerate(lines):
        if not line.lstrip().startswith("```"):
            continue
        if opening is None:
            opening = i
        else:
            fenced.update(range(opening, i + 1))
            opening = None
    return fenced


def _classify(stripped: str, line: str) -> str:
    if not stripped:
        return EMPTY
    first = stripped[0]
    if first == ">":
        return QUOTE
    if len(stripped) > MAX_CANDIDATE:
        return TEXT
    if first.isupper() and ">" in stripped[:13] and _SUPERCITE.match(stripped):
        return QUOTE
    if first in _RULE_CHARS or first in "—–":
        separator = _separator_kind(line, stripped)
        if separator is not None:
            return separator
    if is_mark(stripped):
        return MARK
    if (":" in stripped[:40] or "：" in stripped[:40]) and field_name(stripped) is not None:
        return FIELD
    return TEXT


def _separator_kind(line: str, stripped: str) -> str | None:
    if line == "-- ":
        return RFC_DELIM  # RFC 3676 section 4.3: "-- " alone on a line starts a signature
    if stripped in ("--", "—", "–") or (len(stripped) >= 5 and set(stripped) == {"_"}):
        return SIG_DELIM
    if len(stripped) >= 3 and set(stripped) <= _RULE_CHARS:
        return RULE
    if stripped == "ᐧ":  # the marker Gmail tracking extensions leave under a message
        return RULE
    return None


# --- quote headers wrapped over several lines ------------------------------------------------


def _may_end_header(stripped: str) -> bool:
    """Cheap pre-check: could this (stripped) line be the last line of a quote header?"""
    if not stripped or len(stripped) > MAX_CANDIDATE:
        return False
    last = stripped[-1]
    if last in ":：":
        return True
    if last in "-*":  # Zoho: "---- On <date>, <name> wrote ----"
        return stripped.rstrip("-* \t").endswith("wrote")
    # Old Gmail headers have no colon but start with a date.
    return stripped.endswith("wrote") or stripped[0].isdigit()


def _wrapped_header(lines: Sequence[str], end: int, floor: int, budget: list[int]) -> int | None:
    """How many lines before ``end`` the quote header ending at ``end`` starts, or None.

    The nearest start that makes a complete header wins, so a header never swallows the
    text above it; a sentence end ("...interesting.") stops the search.
    """
    end_quoted = lines[end].lstrip().startswith(">")
    for back in range(_MAX_WRAP_BACK + 1):
        first = end - back
        if first < floor:
            return None
        start = lines[first]
        if len(start) > MAX_CANDIDATE:
            return None
        if not start.strip():
            continue
        if back:
            if _ends_sentence(start):
                return None
            start_quoted = start.lstrip().startswith(">")
            if not _same_quoting(lines, first, end, start_quoted, end_quoted):
                return None
            if not may_start_header(decoration_free(start)):
                continue
        joined = _join_lines(lines[first : end + 1])
        if len(joined) > _MAX_JOINED:
            return None
        budget[0] -= 1
        if budget[0] < 0:
            return None
        if is_quote_header(decoration_free(joined)):
            return back
    return None


def _same_quoting(
    lines: Sequence[str], first: int, end: int, start_quoted: bool, end_quoted: bool
) -> bool:
    """A header is either quoted on every line or on none (the last line may start with
    ">" when a client wrapped "<address>" so that ">" opens the next line)."""
    if start_quoted and not end_quoted:
        return False
    for i in range(first + 1, end):
        inner = lines[i]
        if inner.strip() and inner.lstrip().startswith(">") != start_quoted:
            return False
    return True


def _ends_sentence(line: str) -> bool:
    stripped = line.rstrip()
    if stripped.endswith(("!", "?")):
        return True
    if not stripped.endswith("."):
        return False
    word = stripped[:-1].rsplit(None, 1)[-1] if stripped[:-1].strip() else ""
    # Long words end sentences; short ones are abbreviations in dates ("janv.", "Fr., 28.").
    return len(word) >= 6 and word.isalpha()


def _join_lines(lines: Sequence[str]) -> str:
    first, *rest = lines
    return first + "".join(" " + line.lstrip() for line in rest if line.strip())
