"""Header blocks: the "From: / Sent: / To: / Subject:" fields clients put over quoted mail.

Owns reading a field line (its name in any language of ``header_field_names``, *bold* as
Gmail renders Outlook's, with direction marks and odd spaces undone) and the test of whether
a run of field lines is an email's header block, not a person's own lines: a memo that
starts "To: the team / Subject: budget", a travel plan "From: Berlin / To: Paris / Date: ...".

A block is:
- three or more fields with a From and a Subject (every client writes both), or
- a From and a Sent, Date or Subject field, plus a sign that it describes an email (an
  address in the From field, or a Sent field with a time of day, or a Date field with a time
  of day under a separator or above a quote), and
- after the person's text, or under a separator or "Original Message" line. The caller cuts
  from the block on, so these signs are what protects the person's words; a short block at
  the very top (nothing typed above it) is left as text, since a reply typed below it would
  go with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gateway.inbound.header_field_names import DATE, FIELD_ROLES, FROM, SENT, SUBJECT
from gateway.inbound.line_kinds import EMPTY, FIELD, MARK, QUOTE, SEPARATORS, TEXT
from gateway.inbound.match_text import match_form

_MAX_NAME = 30  # longest field name looked up, in characters
_NAME_END = 40  # the colon must come within this many characters
# How far above a block to look for the person's text (further up counts as no text:
# the block is then judged by the stricter rule for a block at the top).
_TEXT_LOOKBACK = 200

_ADDRESS = re.compile(r"[^\s<>()\[\]@]@[^\s<>()\[\]@]")
# A time of day: "10:04", "10.04", "10:04:19"; not "7.12.2026" (a date).
_TIME = re.compile(r"(?<![\d.])\d{1,2}[:.]\d{2}(?![\d.])")
# Every client writes a date or a subject next to From.
_SECOND_ROLES = frozenset((SENT, DATE, SUBJECT))


def field_name(stripped: str) -> str | None:
    """The known field name a line starts with ("from", "betreff"...), or None."""
    parsed = _parse(stripped)
    return parsed[0] if parsed is not None else None


def field_block_end(texts: Sequence[str], kinds: list[str], i: int) -> int | None:
    """Index of the last line of the header block starting at ``i``, or None if the field
    lines there are not an email's header block (marks them as text then)."""
    fields: list[tuple[str, str]] = []
    last = i
    j = i
    while j < len(kinds):
        if kinds[j] == FIELD:
            parsed = _parse(match_form(texts[j]).strip())
            if parsed is not None:
                fields.append((FIELD_ROLES[parsed[0]], parsed[1]))
            last = j
            j += 1
        elif j + 1 < len(kinds) and kinds[j + 1] == FIELD and kinds[j] in (EMPTY, TEXT):
            j += 1  # a blank line between fields, or a wrapped "Subject:" line
        else:
            break
    if _is_block(fields, kinds, i, last):
        return last
    for k in range(i, last + 1):
        if kinds[k] == FIELD:
            kinds[k] = TEXT  # checked once; later passes treat these lines as text
    return None


def _parse(stripped: str) -> tuple[str, str] | None:
    """(name, value) of a field line in match form, or None."""
    colon = stripped.find(":", 0, _NAME_END)
    if colon <= 0:
        return None
    name = " ".join(stripped[:colon].strip(" \t*").lower().split())
    if not name or len(name) > _MAX_NAME or name not in FIELD_ROLES:
        return None
    return name, stripped[colon + 1 :].strip(" \t*")


def _is_block(fields: Sequence[tuple[str, str]], kinds: Sequence[str], i: int, last: int) -> bool:
    roles = {role for role, _ in fields}
    if FROM not in roles:
        return False
    if len(fields) >= 3 and SUBJECT in roles:
        return True
    if not roles & _SECOND_ROLES:
        return False  # "From: Ann / To: Bob" is how a person lists who is who
    separated = _separated(kinds, i)
    if not (separated or _text_above(kinds, i)):
        # At the top, the caller would drop everything from here: a reply typed below a
        # short block and its quote would be lost, so only a full block counts there.
        return False
    framed = separated or _quote_below(kinds, last)
    return (
        any(role == FROM and _ADDRESS.search(value) for role, value in fields)
        or any(role == SENT and _TIME.search(value) for role, value in fields)
        or (framed and any(role == DATE and _TIME.search(value) for role, value in fields))
    )


def _quote_below(kinds: Sequence[str], last: int) -> bool:
    after = last + 1
    while after < len(kinds) and kinds[after] == EMPTY:
        after += 1
    return after < len(kinds) and kinds[after] == QUOTE


def _separated(kinds: Sequence[str], first: int) -> bool:
    """A separator line or an "Original Message" marker right above the block."""
    above = first - 1
    while above >= 0 and kinds[above] == EMPTY:
        above -= 1
    return above >= 0 and (kinds[above] == MARK or kinds[above] in SEPARATORS)


def _text_above(kinds: Sequence[str], i: int) -> bool:
    """Did the person write anything in the units above ``i`` (looking a bounded way up)?"""
    return TEXT in kinds[max(0, i - _TEXT_LOOKBACK) : i]
