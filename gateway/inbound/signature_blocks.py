"""Signature blocks with no delimiter at the end of a reply.

Owns ``signature_block_start``: where, among the kept lines of a reply, a trailing
signature block begins ("Bob Smith / Senior Engineer | ACME / +1 555 0100", a logo
placeholder, a confidentiality notice), so that the reply keeps the person's words, their
closing ("Regards,") and the name under it, and sheds the rest.

The rules, from the end of the reply upwards (``gateway.inbound.signature_lines`` says
what each line is):
- The block is the run of lines at the end that are not prose; a sentence of prose, a
  closing, a line ending in ":" (the person introduces what follows) or a quote ends it.
  A paragraph that is a confidentiality notice belongs to the block although it is prose.
- After a closing the first line is the name: the cut starts under it. Without a closing
  the cut starts at the first datum (phone, title, address...); the short lines above it
  stay.
- The cut needs a strong signal: a notice, a print footer or a logo placeholder; or two
  data, of two kinds or under a name (the full name again, "Bob" / "Bob Baker", counts as
  one); or one contact datum under a name with only short lines to the end.
- Nothing is cut when the person's words may be among the data: a loose line of many
  words, more loose lines than data, more than a few words under the last datum, or a
  line that says the data is given on purpose ("My new number is below").
- Something the person wrote must stay above the cut; under a quote (an inline answer)
  the data must be under a name.

Linear: the walk stops at the first prose line and after ``_MAX_BLOCK`` lines, and each
paragraph is joined once.

Stdlib only; must not import anything from gateway.store / gateway.core.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.inbound.line_kinds import EMPTY, FIELD, MAX_CANDIDATE, SEPARATORS, TEXT
from gateway.inbound.signature_lines import (
    ANCHORS,
    CLOSING,
    DATA,
    FOOTER,
    INTRO,
    LOGO,
    PLAIN,
    PROSE,
    TITLE,
    first_field,
    is_caseless,
    is_name,
    is_notice,
    line_kind,
)
from gateway.inbound.signature_words import DATA_NOUNS, POINTER_HINTS

__all__ = ["signature_block_start"]

_MAX_BLOCK = 60  # lines of a signature block at most (a notice's lines included)
_NOTICE = "notice"
_QUOTE = "quote"  # the block starts under a quote or a quote header
_FULL_NAME = "full name"  # the name under the closing, again, atop the signature
_SHORT = 90  # characters of a short line
_LOOSE_WORDS = 6  # a loose line in the cut part with more words than this is the person's
_TRAILING_WORDS = 3  # ...and under the last datum, more words than this
_SELF_EVIDENT = frozenset((_NOTICE, FOOTER, LOGO))


def signature_block_start(texts: Sequence[str], kinds: Sequence[str], kept: list[int]) -> int:
    """The position in ``kept`` where a trailing signature block starts (``len(kept)``
    when there is none)."""
    block, stopper, above = _trailing_block(texts, kinds, kept)
    if not block or stopper == INTRO:
        return len(kept)
    cut = _cut_index(texts, kept, block, stopper)
    if cut is None:
        return len(kept)
    if not (stopper == CLOSING and cut == 1):
        # The lines over the data: "My new number is below", "Please ship to" give them
        # on purpose.
        if any(_gives_on_purpose(texts[kept[pos]]) for pos, _line in block[:cut]):
            return len(kept)
        if above >= 0 and _points_below(texts[kept[above]]):
            return len(kept)
    return block[cut][0]


def _points_below(text: str) -> bool:
    """Does this line point at what follows it ("My new number is below")?"""
    lowered = text[:MAX_CANDIDATE].casefold()
    return any(hint in lowered for hint in POINTER_HINTS)


def _gives_on_purpose(text: str) -> bool:
    """Is this short line of the person's about the data near it ("new address")?"""
    lowered = text[:MAX_CANDIDATE].casefold()
    return _points_below(text) or any(noun in lowered for noun in DATA_NOUNS)


def _trailing_block(
    texts: Sequence[str], kinds: Sequence[str], kept: list[int]
) -> tuple[list[tuple[int, str]], str, int]:
    """The block's (position, kind) lines, top first; what ended it above: a closing, an
    intro, prose, a quote (or header), or "" (the start of the mail); and that line's
    position (-1 at the start)."""
    block: list[tuple[int, str]] = []
    pos = len(kept) - 1
    notice_from = -1  # lines from this position on are a notice paragraph
    while pos >= 0:
        i = kept[pos]
        kind = kinds[i]
        if kind == EMPTY or kind in SEPARATORS:
            pos -= 1
            continue
        if kind not in (TEXT, FIELD):
            return block[::-1], _QUOTE, pos
        if len(block) >= _MAX_BLOCK:
            return [], "", -1  # too long to be a signature: cut nothing
        if notice_from == -1 and _ends_paragraph(kinds, kept, pos):
            start = _paragraph_start(kinds, kept, pos)
            if start < pos or len(texts[i]) > _SHORT:
                joined = " ".join(texts[kept[p]].strip() for p in range(start, pos + 1))
                if is_notice(joined):
                    notice_from = _notice_top(texts, kept, start, pos)
        if notice_from != -1 and pos >= notice_from:
            line = _NOTICE
        else:
            notice_from = -1
            line = line_kind(texts[i])
            if line in (PROSE, CLOSING, INTRO):
                return block[::-1], line, pos
        block.append((pos, line))
        pos -= 1
    return block[::-1], "", -1


def _notice_top(texts: Sequence[str], kept: list[int], start: int, pos: int) -> int:
    """Where a notice starts in the paragraph ``start..pos``: below the short lines that
    head it with no blank line between (a closing, the name, a phone, a logo)."""
    while start < pos:
        text = texts[kept[start]]
        if line_kind(text) == PROSE or len(text.split()) > _LOOSE_WORDS:
            break
        start += 1
    return start


def _ends_paragraph(kinds: Sequence[str], kept: list[int], pos: int) -> bool:
    return pos + 1 >= len(kept) or kinds[kept[pos + 1]] == EMPTY


def _paragraph_start(kinds: Sequence[str], kept: list[int], pos: int) -> int:
    """First position of the paragraph ending at ``pos`` (at most ``_MAX_BLOCK`` lines)."""
    start = pos
    while start > 0 and pos - start < _MAX_BLOCK and kinds[kept[start - 1]] in (TEXT, FIELD):
        start -= 1
    return start


def _cut_index(
    texts: Sequence[str], kept: list[int], block: list[tuple[int, str]], stopper: str
) -> int | None:
    """Index into ``block`` where the cut starts, or None when the signal is too weak."""
    if stopper == CLOSING and block[0][1] == PLAIN:
        cut, named = 1, True  # "Regards," / the name / the rest
    else:
        cut = next(
            (n for n, (_pos, line) in enumerate(block) if line in DATA or line == _NOTICE),
            None,
        )
        if cut is None:
            return None
        above = texts[kept[block[cut - 1][0]]] if cut else ""
        if not stopper and (cut == 0 or (cut == 1 and is_name(above))):
            return None  # nothing above but a name (or nothing): it is all they wrote
        # Without a closing, a name is a full one ("Bob Smith", "王伟"): a lone "Team" or
        # "Bob" over data may head a list the person wrote.
        named = is_name(above) and (len(above.split()) >= 2 or is_caseless(above))
        if stopper == _QUOTE and not named:
            return None  # an answer under a quote ("What's your number?")
    rest = block[cut:]
    if not rest:
        return None
    name = texts[kept[block[cut - 1][0]]] if named else ""
    return cut if _strong(texts, kept, rest, name) else None


def _lists_people(
    texts: Sequence[str],
    kept: list[int],
    rest: list[tuple[int, str]],
    lines: list[str],
    name: str,
) -> bool:
    """Two lines of other people's names with titles ("Ann Lee | Product Manager") are a
    list the person wrote, not one person's signature."""
    others = 0
    for (pos, _kind), line in zip(rest, lines, strict=True):
        text = texts[kept[pos]]
        field = first_field(text)
        if line == TITLE and field != text.strip() and len(field.split()) >= 2:
            others += is_name(field) and not _repeats_name(text, name)
    return others >= 2


def _repeats_name(text: str, name: str) -> bool:
    """Is this line the full name again ("Bob" / ... / "Bob Baker | Operations")?"""
    field = first_field(text)
    if not name or not is_name(field):
        return False
    return not {word.casefold() for word in name.split()}.isdisjoint(
        word.casefold() for word in field.split()
    )


def _strong(texts: Sequence[str], kept: list[int], rest: list[tuple[int, str]], name: str) -> bool:
    named = bool(name)
    lines = [
        _FULL_NAME if line == PLAIN and _repeats_name(texts[kept[pos]], name) else line
        for pos, line in rest
    ]
    loose = [
        texts[kept[pos]] for (pos, _kind), line in zip(rest, lines, strict=True) if line == PLAIN
    ]
    for text in loose:
        if len(text.split()) > _LOOSE_WORDS or _gives_on_purpose(text):
            return False  # words of the person's among the data
    # Under the last datum only a word or three ("ACME", a slogan's name); a line such as
    # "Note: I'm out next week" after the signature is the person's.
    for (pos, _kind), line in zip(reversed(rest), reversed(lines), strict=True):
        if line != PLAIN:
            break
        if len(texts[kept[pos]].split()) > _TRAILING_WORDS:
            return False
    if _SELF_EVIDENT & set(lines):
        return True
    if _lists_people(texts, kept, rest, lines, name):
        return False
    data = [line for line in lines if line in DATA or line == _FULL_NAME]
    if not data or len(loose) > len(data):
        return False
    if len(data) >= 2 and (named or len(set(data)) >= 2):
        return True
    short = all(len(texts[kept[pos]].strip()) <= _SHORT for pos, _line in rest)
    return named and short and bool(ANCHORS & set(data))
