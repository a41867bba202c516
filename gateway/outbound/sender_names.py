"""The sender names our emails carry: "Alice Archer via Project X", short enough to read.

Owns the From display name of room emails and the one-line form of any name or subject
that goes into a header. Gmail writes its attribution line as "On <date>, <name> <address>
wrote:" and wraps it at 76 columns; a long room title in the name would be cut in the
middle of the name, and the first half would read as the person's reply. So the name is
at most MAX_FROM_NAME characters (Gmail's longest lead, 33, plus the name and " <" fit on
one line), shortened at a word boundary with an ellipsis; the Subject keeps the full title.
"""

from __future__ import annotations

# Gmail quotes a reply under "On Wed, Dec 16, 2026 at 10:04 PM <display name> <address>
# wrote:", wrapped at 76 columns; its date takes up to 33 of them (French and Spanish about
# as many). A display name this short keeps the whole name and the "<" on that first line,
# so the line still reads as an attribution once wrapped, in any language.
MAX_FROM_NAME = 36
MAX_FROM_AUTHOR = 22
ELLIPSIS = "\u2026"


def one_line(text: str) -> str:
    """Whitespace collapsed: a name or subject never carries a line break into a header."""
    return " ".join(text.split())


def from_display_name(author: str, via: str) -> str:
    """ "Alice Archer via Project X", at most MAX_FROM_NAME characters: the room's title
    (and a long author's name) shortened at a word boundary with an ellipsis. The Subject
    and the body keep the full title."""
    author, via = one_line(author), one_line(via)
    if len(author) + len(" via ") + len(via) <= MAX_FROM_NAME:
        return f"{author} via {via}"
    author = _shortened(author, MAX_FROM_AUTHOR)
    return f"{author} via {_shortened(via, MAX_FROM_NAME - len(author) - len(' via '))}"


def _shortened(text: str, limit: int) -> str:
    """`text`, or its start cut at a space (a hard cut when the first word is too long) with
    an ellipsis, at most `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if text[limit - 1] != " " and space >= (limit - 1) // 2:  # else the cut ends a word
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + ELLIPSIS
