"""Contact details in message text: finding email addresses and phone numbers, and the
refusal that names them.

Owns what counts as a contact detail, for the rule that they may only be shared once a
contract has started (enforced by gateway.core.messages on the words a member wrote: for an
emailed reply, the reply text without its quote or signature), and what the refusal says in
each kind of room. Detection is deliberately about what people type to get around the rule:
plain addresses, spelled-out ones ("bob [at] example [dot] com", "bob(at)example(dot)com",
"bob at example dot com") and phone numbers (gateway.core.phone_numbers). It must not fire
on what a conversation about work is full of: prose ("look at the report, dot the i's"),
dates, times, prices, version numbers, order and invoice numbers and web page URLs.

Every pattern is bounded (no unbounded repetition next to another that can match the same
characters) and spelled-out forms stay on one line, so a hostile 100,000-character body
costs linear time.

Pure text in, text out: must not import sqlalchemy, flask, aiosmtpd or any gateway module but
gateway.core.errors and gateway.core.phone_numbers.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from gateway.core.errors import NotAllowed
from gateway.core.phone_numbers import find_phone_numbers

__all__ = ["ContactDetailsNotAllowed", "contact_details_refusal", "find_contact_details"]


class ContactDetailsNotAllowed(NotAllowed):
    """A message shares email addresses or phone numbers outside a contract room.

    A NotAllowed, so adapters that know only the base classes still answer 403 or
    550 5.7.1; the web compose box answers 422 for it (the text needs changing).
    `found` holds every offending piece, as written.
    """

    def __init__(self, message: str, found: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.found = tuple(found)


# Why contact details wait, in the words that fit each kind of room (RoomKind values). Rooms
# of other kinds (direct, group) read DEFAULT_REASON; contract rooms are never refused.
DEFAULT_REASON = (
    "Contact details (email addresses and phone numbers) can only be shared once a "
    "contract has started."
)
REASONS = {
    "interview": (
        "Contact details (email addresses and phone numbers) cannot be shared during an "
        "interview: keep talking here until a contract has started."
    ),
    "ticket": (
        "Support tickets cannot hold contact details (email addresses and phone numbers): "
        "every agent on the ticket can read them."
    ),
}
# The refusal travels as one SMTP reply line, cut at 300 characters (gateway.inbound.smtp),
# and as a one-line web error: the list of pieces stops before it would push past that.
MAX_REFUSAL_CHARS = 300
MAX_PIECE_CHARS = 60


def contact_details_refusal(
    found: str | Sequence[str], kind: str = "group"
) -> ContactDetailsNotAllowed:
    """The refusal for a message in a room of `kind`, naming every piece in `found`."""
    pieces = [found] if isinstance(found, str) else list(dict.fromkeys(found))  # each once
    reason = REASONS.get(str(kind), DEFAULT_REASON)
    if len(pieces) == 1:
        return ContactDetailsNotAllowed(
            f"{reason} Remove {_shortened(pieces[0])} and send again.", pieces
        )
    lead = f"{reason} Remove these {len(pieces)} and send again: "
    return ContactDetailsNotAllowed(lead + _listed(pieces, MAX_REFUSAL_CHARS - len(lead)), pieces)


def _listed(pieces: list[str], budget: int) -> str:
    """'a, b and c.' within `budget` characters, or 'a, b and 7 more.' when all do not fit."""
    shown = [_shortened(piece) for piece in pieces[: budget // 3]]  # a piece takes >= 3
    if len(", ".join(shown)) + len(" and .") <= budget and len(shown) == len(pieces):
        return ", ".join(shown[:-1]) + f" and {shown[-1]}."
    more = f" and {len(pieces)} more."  # the longest the tail can be
    used, count = 0, 0
    for piece in shown:
        if count and used + len(", ") + len(piece) + len(more) > budget:
            break
        used += (len(", ") if count else 0) + len(piece)
        count += 1
    return ", ".join(shown[:count]) + f" and {len(pieces) - count} more."


def _shortened(piece: str) -> str:
    return piece if len(piece) <= MAX_PIECE_CHARS else piece[: MAX_PIECE_CHARS - 3] + "..."


_LOCAL = r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TLD = r"[A-Za-z]{2,24}\b"
_OPEN, _CLOSE = r"[\[({<]", r"[\])}>]"
_GAP = r"[ \t]{0,8}"  # spelled-out forms never span lines
_SPACE = r"[ \t]{1,8}"
# Top-level domains a spelled-out "at ... dot" address may end in: common ones that are not
# also English words ("look at this dot in the chart" is prose, not an address in India).
_SPELLED_TLD = (
    r"(?:com|net|org|edu|gov|mil|int|info|biz|io|co|ai|app|dev|xyz|online|site|tech|email"
    r"|mail|uk|de|fr|es|nl|ru|ch|se|pl|jp|cn|br|au|ca|eu|mx|ar|za|nz|ie|dk|fi|pt|gr|cz|hu"
    r"|ro|tr|ua|il|kr|hk|sg|tw|vn|th|ph|pk|ng|ke|ae|ly|gg|tv|cc|ws|fm|nu|ms|la)\b"
)

# bob@example.com
_PLAIN_EMAIL = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.){{1,8}}{_TLD}")
# bob [at] example.com, bob(at)example(dot)com, bob @ example [.] com, bob@example dot com
_MARKED_AT = rf"(?:{_GAP}{_OPEN}{_GAP}(?:at|@){_GAP}{_CLOSE}{_GAP}|{_SPACE}@{_SPACE}|@)"
_ANY_DOT = rf"(?:{_GAP}{_OPEN}{_GAP}(?:dot|\.){_GAP}{_CLOSE}{_GAP}|{_SPACE}dot{_SPACE}|\.)"
_MARKED_EMAIL = re.compile(
    rf"{_LOCAL}{_MARKED_AT}(?:{_LABEL}{_ANY_DOT}){{1,8}}{_TLD}", re.IGNORECASE
)
# bob at example dot com: the words "at" and "dot" are everywhere in prose, so this form
# counts only when every dot is spelled out too ("have a look at github.com" is a sentence,
# not an address) and it ends in a known top-level domain ("look at the report, dot the i's").
_SPELLED_DOT = rf"(?:{_GAP}{_OPEN}{_GAP}(?:dot|\.){_GAP}{_CLOSE}{_GAP}|{_SPACE}dot{_SPACE})"
_SPELLED_EMAIL = re.compile(
    rf"{_LOCAL}{_SPACE}at{_SPACE}(?:{_LABEL}{_SPELLED_DOT}){{1,8}}{_SPELLED_TLD}",
    re.IGNORECASE,
)
# Each pattern with a cheap test for the one token it cannot match without. Every emailed
# reply is checked, and the obfuscated forms' leading local part would otherwise be tried at
# every position of a text that holds no address at all.
_EMAILS = (
    (re.compile("@"), _PLAIN_EMAIL),
    (re.compile(rf"@|{_OPEN}{_GAP}at{_GAP}{_CLOSE}", re.IGNORECASE), _MARKED_EMAIL),
    (re.compile(rf"{_OPEN}{_GAP}(?:dot|\.){_GAP}{_CLOSE}|\sdot\s", re.IGNORECASE), _SPELLED_EMAIL),
)


def find_contact_details(text: str) -> list[str]:
    """Every email address and phone number in `text`, as written, in order of appearance."""
    taken = _Spans()
    for gate, pattern in _EMAILS:
        if gate.search(text) is None:
            continue
        for match in pattern.finditer(text):
            taken.add(match.start(), match.group())
    for start, phone in find_phone_numbers(text):
        taken.add(start, phone)
    return taken.pieces()


class _Spans:
    """Found pieces that do not overlap, kept sorted by offset (a bisect per piece, so a
    text holding thousands of pieces stays cheap)."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._pieces: list[str] = []

    def add(self, start: int, piece: str) -> None:
        end = start + len(piece)
        index = bisect.bisect_left(self._starts, start)
        if index > 0 and self._ends[index - 1] > start:
            return  # overlaps the piece before it
        if index < len(self._starts) and self._starts[index] < end:
            return  # overlaps the piece after it
        self._starts.insert(index, start)
        self._ends.insert(index, end)
        self._pieces.insert(index, piece)

    def pieces(self) -> list[str]:
        return list(self._pieces)
