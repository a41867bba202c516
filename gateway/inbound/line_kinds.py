"""The kinds a reply body's lines are sorted into, shared by the modules that read them.

One character each, so a message's shape reads like "tteqqq" when debugging.
"""

from __future__ import annotations

EMPTY = "e"
TEXT = "t"
QUOTE = "q"
MARK = "b"  # a quote/forward header: "On ... wrote:", "-----Original Message-----"
FIELD = "h"  # a header field line such as "From: Ann <a@b.c>" (counts only in a block)
RULE = "r"  # a line of repeated punctuation: "*****", "=====", "-------"
SIG_DELIM = "s"  # "--", an em dash or "_____": a signature follows if what follows is short
RFC_DELIM = "S"  # exactly "-- ": the RFC 3676 section 4.3 signature separator

DELIMS = frozenset((SIG_DELIM, RFC_DELIM))
SEPARATORS = frozenset((RULE, SIG_DELIM, RFC_DELIM))

# Only lines up to this length are candidates for header/field/signature patterns; longer
# lines are always text (or quote). This bounds the cost of every pattern run on a line.
MAX_CANDIDATE = 300


def next_non_empty(kinds: list[str] | tuple[str, ...], i: int) -> int:
    """The first index from ``i`` on whose line is not blank (``len(kinds)`` if none)."""
    while i < len(kinds) and kinds[i] == EMPTY:
        i += 1
    return i
