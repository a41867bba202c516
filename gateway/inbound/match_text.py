"""The form of a reply line that quote-header and field patterns are matched against.

Owns undoing what changes how a line looks to a pattern without changing what it says:
direction controls and zero-width characters (right-to-left clients put U+200E/U+200F and
the Unicode 6.3 isolates around names, numbers and addresses), no-break and other odd spaces
(Gmail writes U+202F before "AM"; French puts U+00A0 before the colon) and full-width colons.
The matched form is used only for deciding; the text kept or elided is always the original,
and ``original_index`` maps a position in the matched form back to it.

Stdlib only; must not import anything from gateway.store or gateway.core.
"""

from __future__ import annotations

import re

# Removed: marks that only steer rendering (bidi embeddings, overrides and isolates, the
# Arabic letter mark, zero-width space/joiners, the byte-order mark).
_REMOVED = (
    "\u200b\u200c\u200d\u200e\u200f"  # zero-width space and joiners, LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
    "\u061c\ufeff"  # Arabic letter mark, byte-order mark
)
# Replaced one for one, so positions before a removed character stay put.
_SPACES = "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_COLONS = "\uff1a\ufe55\ufe13"

_TABLE = str.maketrans(
    {
        **dict.fromkeys(_REMOVED),
        **dict.fromkeys(_SPACES, " "),
        **dict.fromkeys(_COLONS, ":"),
    }
)
_NEEDS_WORK = re.compile("[" + _REMOVED + _SPACES + _COLONS + "]")
_REMOVED_SET = frozenset(_REMOVED)


def match_form(text: str) -> str:
    """``text`` with invisible marks removed, odd spaces as " " and colons as ":"."""
    if _NEEDS_WORK.search(text) is None:  # the common case costs one scan, no copy
        return text
    return text.translate(_TABLE)


def original_index(text: str, index: int) -> int:
    """The position in ``text`` of position ``index`` of ``match_form(text)``."""
    kept = 0
    for position, char in enumerate(text):
        if kept == index:
            return position
        if char not in _REMOVED_SET:
            kept += 1
    return len(text)
