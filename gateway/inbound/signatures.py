"""Signatures and mobile taglines at the end of a reply.

Owns the trailing lines a reply sheds (blank lines, quotes, separators, taglines such as
"Sent from my iPhone", whose tables are ``gateway.inbound.taglines``), the RFC 3676 "-- "
delimiter and the looser ones ("--", an em dash, an underscore line) with the test that
what follows them is a signature (a short block of short lines, never prose), and the cut
of a signature block with no delimiter (``gateway.inbound.signature_blocks``).
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.inbound.line_kinds import DELIMS, EMPTY, FIELD, QUOTE, RFC_DELIM, SEPARATORS, TEXT
from gateway.inbound.signature_blocks import signature_block_start
from gateway.inbound.taglines import is_tagline

# A block after "--", an em dash or an underscore line counts as a signature when it is
# short and made of short lines (names, titles, phone numbers, links), not prose.
_SIG_MAX_LINES = 10
_SIG_MAX_LINE = 200
_SIG_MAX_AVERAGE = 70


def is_mobile_signature(text: str) -> bool:
    """Is this whole line a phone's or mail app's tagline (see ``gateway.inbound.taglines``)?"""
    return is_tagline(text)


def strip_tail(texts: Sequence[str], kinds: Sequence[str], kept: list[int]) -> list[int]:
    """Drop trailing blank lines, quotes, separators and "Sent from my ..." lines."""
    end = len(kept)
    while end:
        i = kept[end - 1]
        kind = kinds[i]
        removable = kind in (EMPTY, QUOTE, *SEPARATORS) or (
            kind == TEXT and is_mobile_signature(texts[i])
        )
        if not removable:
            break
        end -= 1
    return kept[:end]


def cut_signature(texts: Sequence[str], kinds: Sequence[str], kept: list[int]) -> list[int]:
    """Cut the signature: at a delimiter, then a block with none at the end of the rest.

    Only ever removes a suffix of ``kept``.
    """
    kept = _cut_at_delimiter(texts, kinds, kept)
    return kept[: signature_block_start(texts, kinds, kept)]


def _cut_at_delimiter(texts: Sequence[str], kinds: Sequence[str], kept: list[int]) -> list[int]:
    """Cut at the first signature delimiter that follows the person's text.

    "-- " (RFC 3676 section 4.3) always starts a signature. "--", an em dash or an
    underscore line do only when a short block of short lines follows (never prose).
    With no text above the delimiter nothing is cut: an empty reply would lose whatever
    the person put below it, and a stray signature is the lesser harm.
    """
    seen_text = False
    for pos, i in enumerate(kept):
        kind = kinds[i]
        if kind in DELIMS and seen_text:
            if kind == RFC_DELIM or _looks_like_signature(texts, kept, pos + 1):
                return kept[:pos]
        elif kind in (TEXT, FIELD):
            seen_text = True
    return kept


def _looks_like_signature(texts: Sequence[str], kept: Sequence[int], start: int) -> bool:
    """Is ``kept[start:]`` a short block of short lines? Stops early, so a mail full of
    delimiters stays linear."""
    count = total = 0
    for pos in range(start, len(kept)):
        length = len(texts[kept[pos]].strip())
        if not length:
            continue
        count += 1
        total += length
        if count > _SIG_MAX_LINES or length > _SIG_MAX_LINE:
            return False
    return total <= _SIG_MAX_AVERAGE * count
