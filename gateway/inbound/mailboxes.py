"""Reading an address header (From, To, Cc...) into its mailboxes, in linear time on any input.

Owns how many mailboxes a field set names and which they are (RFC 5322 section 3.4:
mailbox, name-addr, angle-addr, group; section 3.2.2 comments and 3.2.4 quoted strings; the
obsolete route of section 4.4). The sender check rests on this count, so it is our own reader
rather than `email.utils.getaddresses`, which recurses per nested comment (RecursionError on
a few thousand "(") and whose answer could differ from ours on input crafted for the gap.

One pass over the text: each step of the loop consumes a whole token (an atom, a quoted
string, a domain literal, a run of whitespace, one special character) matched by a regular
expression with no backtracking, and comments are skipped by a depth counter, never by
recursion. Display names are returned as written (quotes and escapes removed), not RFC 2047
decoded: a decoded name may hold the commas and angle brackets that separate addresses
(RFC 2047 section 5, rule 3), so decoding comes after splitting.

At most MAX_READ_CHARS of the fields are read (no person's From comes near it; a caller reading
a recipient list asks for more); an unread remainder holding an "@" or "<" sets `unread`, which
a caller counts as one more mailbox, so padding cannot push a second author out of sight.

Tolerated, as mail in the wild needs: an entry with no "@" and no angle-addr ("Baker, Bob
<bob@example.org>" from clients that forget to quote a name) is a stray word, not a mailbox.

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_READ_CHARS = 8192
# An addr-spec as the gateway accepts it: no whitespace, quotes or specials on either side.
ADDR_SPEC = r"[^@\s<>,;:\"()\[\]\\]+@[^@\s<>,;:\"()\[\]\\]+"
_ADDR_SPEC_RE = re.compile(ADDR_SPEC)
# Every alternative starts with a different character class and the repeated groups cannot
# fail once started (the closing quote or bracket is optional), so nothing backtracks.
_TOKEN_RE = re.compile(
    r'"(?:[^"\\]++|\\.)*+"?'  # quoted-string (an unclosed one runs to the end)
    r"|\[(?:[^\]\\]++|\\.)*+\]?"  # domain-literal
    r"|[(<>,:;@]"  # comment start and the specials that shape the list
    r"|\\.?"  # a stray quoted-pair
    r"|\s++"
    r'|[^"\[(<>,:;@\\\s]++',  # atom text (dots and stray ")" or "]" included)
    re.DOTALL,
)
# The common shapes, `addr`, `Name <addr>`, `"Name" <addr>`, matched at once (about ten times
# faster than the token loop). The display name is words separated by whitespace, and every
# repetition is possessive, so no run of spaces is tried at more than one split.
_NAME_WORD = r"[^\"<>,;:()@\\\[\]\s]++"
_SIMPLE_MAILBOX_RE = re.compile(
    rf'\s*+(?:(?:"(?P<quoted>[^"\\]*+)"|(?P<name>{_NAME_WORD}(?:\s++{_NAME_WORD})*+)?)'
    rf"\s*+<(?P<angle>{ADDR_SPEC})>|(?P<bare>{ADDR_SPEC}))\s*+"
)
_COMMENT_TOKEN_RE = re.compile(r"[^()\\]++|\\.?|[()]", re.DOTALL)
_QUOTED_PAIR_RE = re.compile(r"\\(.)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Mailbox:
    name: str  # display name as written, quotes and escapes removed; "" if none
    address: str | None  # lowercased addr-spec; None when what is written is not one


@dataclass(frozen=True, slots=True)
class MailboxList:
    mailboxes: tuple[Mailbox, ...]  # every entry with an "@" or an angle-addr, in order
    groups: int  # group constructs ("name: ...;") seen
    # The first entry with a name, mailbox or not: "MAILER-DAEMON (Mail Delivery System)".
    first_named: Mailbox | None
    unread: bool = False  # text past MAX_READ_CHARS that may name more mailboxes

    @property
    def count(self) -> int:
        """Mailboxes named, an unread remainder counted as one more."""
        return len(self.mailboxes) + self.unread


@dataclass(slots=True)
class _Entry:
    """What one comma-separated entry has shown so far."""

    phrase: list[str] = field(default_factory=list)  # display-name words before any "<"
    comments: list[str] = field(default_factory=list)
    bare: list[str] = field(default_factory=list)  # tokens outside angle brackets, as written
    angles: list[str] = field(default_factory=list)  # each angle-addr's text
    angle: list[str] | None = None  # the angle-addr being read
    has_at: bool = False  # an "@" outside angle brackets

    def mailboxes(self) -> list[Mailbox]:
        name = _words(self.phrase) or " ".join(self.comments)
        if self.angles:
            # A second angle-addr in one entry is a second mailbox, however it is dressed.
            return [
                Mailbox(name if index == 0 else "", _address(_without_route(text)))
                for index, text in enumerate(self.angles)
            ]
        if self.has_at:
            return [Mailbox(" ".join(self.comments), _address("".join(self.bare)))]
        return []

    def named(self) -> Mailbox | None:
        found = self.mailboxes()
        if found:
            return found[0]
        name = " ".join(self.comments)
        return Mailbox(name, None) if name else None


@dataclass(slots=True)
class _Reader:
    mailboxes: list[Mailbox] = field(default_factory=list)
    groups: int = 0
    first_named: Mailbox | None = None
    entry: _Entry = field(default_factory=_Entry)
    in_group: bool = False

    def end_entry(self) -> None:
        entry, self.entry = self.entry, _Entry()
        if entry.angle is not None:  # an unclosed "<" ends with its entry
            entry.angles.append("".join(entry.angle))
        self.mailboxes.extend(entry.mailboxes())
        if self.first_named is None:
            self.first_named = entry.named()

    def special(self, char: str) -> None:
        """One of < > , : ; @ outside a quoted string or comment."""
        entry = self.entry
        if entry.angle is not None:
            if char == ">":
                entry.angles.append("".join(entry.angle))
                entry.angle = None
            else:  # "," ":" "@" inside brackets belong to the (obsolete route) address
                entry.angle.append(char)
        elif char == "<":
            entry.angle = []
        elif char == ",":
            self.end_entry()
        elif char == ":" and not self.in_group:
            # What came before was the group's display name, not a mailbox.
            self.groups += 1
            self.in_group = True
            self.entry = _Entry()
        elif char == ";":
            self.end_entry()
            self.in_group = False
        else:  # "@", a stray ">" or a second ":"
            entry.has_at = entry.has_at or char == "@"
            entry.bare.append(char)
            entry.phrase.append(char)

    def text(self, token: str) -> None:
        """An atom, quoted string, domain literal or stray quoted-pair."""
        entry = self.entry
        if entry.angle is not None:
            entry.angle.append(token)
            return
        entry.bare.append(token)
        if not entry.angles:
            entry.phrase.append(_unquoted(token))

    def space(self) -> None:
        entry = self.entry
        if entry.angle is not None:
            entry.angle.append(" ")
            return
        entry.bare.append(" ")
        if not entry.angles:
            entry.phrase.append(" ")


def read_mailbox_list(values: Iterable[str], max_chars: int = MAX_READ_CHARS) -> MailboxList:
    """Every mailbox the header fields `values` name (all of them, in order), reading at most
    `max_chars` characters of them. Never raises."""
    reader, budget, unread = _Reader(), max_chars, False
    for value in values:
        if len(value) > budget:
            rest = value[budget:]
            unread = unread or "@" in rest or "<" in rest
            value = value[:budget]
        budget -= len(value)
        _read_field(value, reader)
    return MailboxList(tuple(reader.mailboxes), reader.groups, reader.first_named, unread)


def _read_field(value: str, reader: _Reader) -> None:
    simple = _SIMPLE_MAILBOX_RE.fullmatch(value)
    if simple is not None:
        name = _words([simple.group("quoted") or simple.group("name") or ""])
        mailbox = Mailbox(name, (simple.group("angle") or simple.group("bare")).lower())
        reader.mailboxes.append(mailbox)
        reader.first_named = reader.first_named or mailbox
        return
    position, end = 0, len(value)
    while position < end:
        char = value[position]
        if char == "(":
            comment, position = read_comment(value, position)
            reader.entry.comments.append(comment)
            continue
        match = _TOKEN_RE.match(value, position)
        assert match is not None  # the alternatives cover every character
        token, position = match.group(), match.end()
        if char in "<>,:;@":
            reader.special(char)
        elif char.isspace():
            reader.space()
        else:
            reader.text(token)
    reader.end_entry()  # each field is a list of its own: a group does not span two
    reader.in_group = False


def read_comment(value: str, start: int) -> tuple[str, int]:
    """The text of the comment opening at `start` (nested ones included) and where it ends;
    an unclosed comment runs to the end of the field."""
    depth, position, pieces = 0, start, []
    while position < len(value):
        match = _COMMENT_TOKEN_RE.match(value, position)
        assert match is not None
        token, position = match.group(), match.end()
        if token == "(":
            depth += 1
            if depth == 1:
                continue
        elif token == ")":
            depth -= 1
            if depth == 0:
                break
        pieces.append(_QUOTED_PAIR_RE.sub(r"\1", token) if token[0] == "\\" else token)
    return " ".join("".join(pieces).split()), position


def _unquoted(token: str) -> str:
    if token[0] != '"':
        return token
    inner = token[1:]
    # Closed when it ends in a quote that no backslash escapes (an unclosed one runs on).
    if inner.endswith('"') and (len(inner) - 1 - len(inner[:-1].rstrip("\\"))) % 2 == 0:
        inner = inner[:-1]
    return _QUOTED_PAIR_RE.sub(r"\1", inner) if "\\" in inner else inner


def _words(pieces: list[str]) -> str:
    return " ".join("".join(pieces).split())


def _without_route(text: str) -> str:
    """The addr-spec of an angle-addr with an obsolete route: <@relay.example:bob@x>."""
    return text.rpartition(":")[2] if text.startswith("@") else text


def _address(text: str) -> str | None:
    """The addr-spec written as `text`, lowercased; None if it is not one. Whitespace may
    surround its dots and "@" (the obsolete syntax of RFC 5322 section 4.4); anywhere else it
    separates words, and two words are not an address."""
    words = text.lower().split()
    if not words:
        return None
    pieces = [words[0]]
    for word in words[1:]:
        joined = pieces[-1].endswith((".", "@")) or word.startswith((".", "@"))
        pieces.append(word if joined else " " + word)
    address = "".join(pieces)
    return address if _ADDR_SPEC_RE.fullmatch(address) else None


__all__ = ["ADDR_SPEC", "Mailbox", "MailboxList", "read_comment", "read_mailbox_list"]
