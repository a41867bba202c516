"""Reading a reply body line by line: each line's kind, and wrapped attribution lines joined.

Owns ``build_units``: the body's lines as units of text with a kind each (see
``gateway.inbound.line_kinds``), where an attribution line a client wrapped over two or
three lines becomes one unit, and a line where the person's reply runs into an attribution
("Sounds good. On <date>, Ann <a@b.c> wrote:") becomes two. Lines are matched in their
``match_text`` form (no direction marks, plain spaces and colons); the units keep the
original characters. Lines inside closed ``` fences are always text. Work is linear in the
number of lines: patterns only look at short lines, and joining wrapped headers has a budget
per message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gateway.inbound.attribution import (
    ADDRESS,
    DATE,
    LEAD,
    NAME,
    decoration_free,
    ends_with_verb,
    find_attribution,
    is_decorated,
    is_lead_header,
    is_mark,
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
from gateway.inbound.match_text import match_form, original_index

# A quote header wrapped over several lines: how many lines back we look, how long the
# joined header may be, and how many join attempts one message may spend in total.
_MAX_WRAP_BACK = 5
_MAX_JOINED = 500
_JOIN_BUDGET = 400
# A line was wrapped by the client (not ended by the person) when it and the next word
# would not have fitted: clients wrap at 72 to 78 columns.
_WRAP_WIDTH = 60

_RULE_CHARS = frozenset("-_=*#~+ \tᐧ")

# Supercite-style quoting ("Ann> text", "C>"), as some Usenet-era clients write it.
_SUPERCITE = re.compile(r"^[A-Z][A-Za-z]{0,11}>(?:\s|$)")


def build_units(lines: list[str], fenced: set[int]) -> tuple[list[str], list[str]]:
    """Classify lines; a quote header wrapped over several lines becomes one unit, and a
    line shared by the reply and an attribution becomes two."""
    texts: list[str] = []
    kinds: list[str] = []
    plains: list[str] = []  # each line in its match form (long lines as they are)
    floor = 0  # a wrapped header may not reach back before this line
    budget = [_JOIN_BUDGET]
    for i, line in enumerate(lines):
        plain = match_form(line) if len(line) <= MAX_CANDIDATE else line
        plains.append(plain)
        stripped = plain.strip()
        if not stripped:
            kind = EMPTY
        elif i in fenced:
            kind = TEXT
            floor = i + 1
        else:
            kind = QUOTE if stripped[0] == ">" else _classify(stripped, plain)
            if kind in (TEXT, QUOTE) and _may_end_header(stripped):
                found = _wrapped_header(plains, i, floor, budget)
                if found is not None:
                    _add_header(lines, plains, i, found, texts, kinds)
                    floor = i + 1
                    continue
        if stripped == ":" and floor == i and kinds and kinds[-1] == MARK:
            # "... a écrit" then " :" wrapped onto a line of its own
            texts[-1] = _join_lines([texts[-1], line])
            floor = i + 1
            continue
        texts.append(line)
        kinds.append(kind)
    return texts, kinds


def _add_header(
    lines: Sequence[str],
    plains: Sequence[str],
    end: int,
    found: tuple[int, int],
    texts: list[str],
    kinds: list[str],
) -> None:
    """Replace the header's earlier lines (the last ``back`` units) by one unit, after the
    person's text when the first line starts with it."""
    back, offset = found
    if back:
        # Lines from ``floor`` on are one unit each, so the header's earlier lines are the
        # last ``back`` units.
        del texts[-back:]
        del kinds[-back:]
    first = end - back
    head = lines[first]
    if offset:
        cut = original_index(head, offset)
        texts.append(head[:cut])
        kinds.append(TEXT)
        head = head[cut:]
    texts.append(_join_lines([head, *lines[first + 1 : end + 1]]))
    kinds.append(QUOTE if plains[first].lstrip().startswith(">") else MARK)


def mark_headers_before_quotes(texts: Sequence[str], kinds: list[str]) -> None:
    """A terse attribution right above a quote block is its header even with no date or no
    address in it ("On Mon, Ann wrote:", "Ann wrote on 7 Dec 2026 10:04:")."""
    for i, kind in enumerate(kinds):
        if kind != TEXT or len(texts[i]) > MAX_CANDIDATE:
            continue
        line = match_form(texts[i]).strip()
        if not line.endswith(":") or not is_lead_header(line):
            continue
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
    if len(stripped) > MAX_CANDIDATE:
        return False
    # ":" ends most; "wrote ----" the decorated ones; old Gmail headers start with a date.
    return stripped[-1] in ":-*" or stripped[0].isdigit() or ends_with_verb(stripped)


def _wrapped_header(
    plains: Sequence[str], end: int, floor: int, budget: list[int]
) -> tuple[int, int] | None:
    """The quote header ending at line ``end``: how many lines before it it starts, and
    where on that first line (0 unless the person's reply shares the line), or None.

    The nearest start that makes a header wins, so a header never swallows the text above
    it; a sentence end ("...interesting.") stops the search. A header that starts with a
    name ("Northern region <a@b.c> wrote:") may still be the end of one that starts with
    "On <date>" on a line above, and one that starts with a date the end of one that starts
    with a name: the search goes on over lines the client wrapped (full lines, or lines that
    may start a header), and takes the longer header when it starts with a lead word, or
    as ``_extends`` allows.
    """
    if budget[0] <= 0:
        return None  # this message has spent its budget: the rest is read line by line
    end_quoted = plains[end].lstrip().startswith(">")
    found: tuple[int, int, str] | None = None
    for back in range(_MAX_WRAP_BACK + 1):
        first = end - back
        if first < floor:
            break
        start = plains[first]
        if len(start) > MAX_CANDIDATE:
            break
        if not start.strip():
            if found is not None:
                break
            continue
        start_quoted = start.lstrip().startswith(">")
        if back:
            if _ends_sentence(start):
                break
            if not _same_quoting(plains, first, end, start_quoted, end_quoted):
                break
            may_start = may_start_header(decoration_free(start))
            if found is not None and not (may_start or _filled(start, plains[first + 1])):
                break
            if found is None and not may_start:
                continue
        joined = _join_lines(plains[first : end + 1])
        if len(joined) > _MAX_JOINED:
            break
        budget[0] -= 1
        if budget[0] < 0:
            break
        attribution = find_attribution(decoration_free(joined), decorated=is_decorated(joined))
        if attribution is None:
            continue
        offset = attribution.offset
        if offset:  # only an unquoted line is split; a quote stays one unit
            offset = 0 if start_quoted else _decoration_length(joined) + offset
        if offset >= len(start):
            continue  # it starts on a later line: a nearer start was tried already
        if attribution.start == LEAD:
            return (back, offset)
        if found is None or _extends(found[2], attribution.start):
            found = (back, offset, attribution.start)
    return None if found is None else found[:2]


def _extends(nearer: str, longer: str) -> bool:
    """May a header that starts like ``longer`` take the place of a nearer one that starts
    like ``nearer``? Only for the ways clients wrap: the date part of "Ann <a@b.c>, <date>
    yazdı:", the name of "<date> Ann <a@b.c> kirjoitti:", the name before "<a@b.c>"."""
    if nearer == DATE:
        return longer in (NAME, ADDRESS)
    if nearer == NAME:
        return longer == DATE
    return nearer == ADDRESS and longer in (NAME, DATE)


def _decoration_length(text: str) -> int:
    """How many characters ``decoration_free`` removes from the start of ``text``."""
    return len(text) - len(decoration_free(text + "x")) + 1


def _filled(line: str, following: str) -> bool:
    """Did the client wrap ``line`` (it and the next word would have been too long)?"""
    words = following.split(None, 1)
    return len(line.rstrip()) + 1 + (len(words[0]) if words else 0) >= _WRAP_WIDTH


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
