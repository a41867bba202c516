"""Our own notification quoted back in a reply: found by its words, cut with its attribution.

Owns trimming what only we can know: every reply by email answers an email we composed, so
its words are known, whatever the client did to them. The notification is found in the
reply's body by runs of SHINGLE_WORDS consecutive words of ours (or our whole first line,
"Alice Archer wrote in Project X:"), compared on words alone: quote markers at any depth,
re-wrapping, punctuation and case (HTML read as text differs from our text part in those)
do not matter. A reply that repeats a few words of ours in its own sentence is not cut:
only whole lines made of our words count, and a block of them only when it is quoted with
">", holds our first line, or runs to the end of the mail.

The cut starts at the client's attribution line above the quote when there is one, in any
language, wrapped or garbled: up to MAX_ATTRIBUTION_LINES short lines directly above it (an
Outlook-style block of "Field: value" lines up to MAX_FIELD_LINES), taken only when they
name us (our sender, the room or our address) and end with ":" or also name a date or an
address without ending like a sentence: the person's last sentence is not taken for one.
What the person wrote below the quote (bottom-posting) is kept; when they answer it point
by point (their text, then more quoted lines), the quote is the context of the answers and
only the attribution goes. Lines are only ever removed from the text the reply extraction
kept (gateway.inbound.reply_text), and what is removed goes to `elided`.

Bounded: at most MAX_BODY_LINES lines and MAX_BODY_WORDS words of a body and MAX_SENT_WORDS
words of each email of ours are compared; the work is linear in them (one hash per word),
and the only patterns are anchored character classes.

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gateway.inbound.attribution import decoration_free, is_quote_header
from gateway.inbound.reply_text import ReplyText
from gateway.inbound.sent_text import MIN_NAME_CHARS, SentText, sent_text_of

# Consecutive words of ours that prove a line was quoted from us: more than people repeat
# in a sentence of their own, fewer than a short notification quoted without its footer.
SHINGLE_WORDS = 8
# Our first line ("X wrote in Y:") alone proves a quote when it has at least these words.
MIN_ANCHOR_WORDS = 3
MAX_BODY_LINES = 5_000
MAX_BODY_WORDS = 50_000
MAX_SENT_WORDS = 5_000
# A client's attribution: at most this many lines, each and together this short.
MAX_ATTRIBUTION_LINES = 3
MAX_ATTRIBUTION_LINE = 160
MAX_ATTRIBUTION_CHARS = 300
# Blank lines between an attribution and the quote it introduces (Gmail writes one).
MAX_BLANKS_ABOVE_QUOTE = 2
# An Outlook-style attribution: "Field: value" lines (From, Sent, To, Cc, Subject).
MIN_FIELD_LINES = 3
MAX_FIELD_LINES = 6

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
_LEAD = re.compile(r"[ \t>]*")
_DIGIT = re.compile(r"\d")
# A field name in any language ("From", "Frá", "Date d'envoi", "Päivämäärä"), then a colon.
_FIELD_LINE = re.compile(r"[^\W\d_][\w'. -]{0,24}[ \t]?:[ \t]")


def cut_quote_of_sent(reply: ReplyText, body: str, raws: Sequence[bytes]) -> ReplyText:
    """`cut_own_quote` against the bytes of our emails the reply may answer (newest first);
    `reply` as it is if the cut fails: the cut only improves a reply, and must never turn
    one into "try again later" for good."""
    if not raws or not body or not reply.text:
        return reply
    try:
        sent = [text for raw in raws if (text := sent_text_of(raw)) is not None]
        return cut_own_quote(reply, body, sent)
    except Exception:  # a fault of ours the same bytes would always meet
        log.exception("could not look for our own quote in a reply")
        return reply


def cut_own_quote(reply: ReplyText, body: str, sent: Sequence[SentText]) -> ReplyText:
    """`reply` without our quoted notification and the client's attribution line above it.

    `body` is the text the reply was extracted from (the text/plain part, or the HTML part
    read as text); `sent` our emails the reply may answer, newest first.
    """
    if not reply.text or not sent:
        return reply
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:MAX_BODY_LINES]
    cut = _cut_lines(lines, sent)
    if not cut:
        return reply
    return _without(reply, lines, cut)


# --- where our quote is ------------------------------------------------------------------------


@dataclass(slots=True)
class _Body:
    """A reply body line by line: its words as compared, and which lines are quoted."""

    lines: list[str]
    words: list[list[str]]
    quoted: list[bool]

    @classmethod
    def of(cls, lines: list[str]) -> _Body:
        words, quoted, budget = [], [], MAX_BODY_WORDS
        for line in lines:
            lead = _LEAD.match(line)
            end = lead.end() if lead else 0
            found = _WORD.findall(line[end:].casefold())[: max(budget, 0)]
            budget -= len(found)
            words.append(found)
            quoted.append(">" in line[:end])
        return cls(lines, words, quoted)

    def blank(self, i: int) -> bool:
        return not self.lines[i].strip(" \t>")


def _cut_lines(lines: list[str], sent: Sequence[SentText]) -> set[int]:
    """The body lines to remove: the attribution and our quote block (only the attribution
    when the person answers our quote point by point)."""
    body = _Body.of(lines)
    ours = _our_lines(body, sent)
    blocks = [b for b in _blocks(body, ours) if _is_quote(body, ours, b, sent)]
    if not blocks:
        return set()
    start, end = blocks[0]
    names = [name for s in sent for name in s.names]
    top = _attribution_start(body, start, names)
    if _answered_inline(body, ours, end):  # the quotes are the context of the answers
        return set(range(top, start))
    return set(range(top, end + 1))


def _answered_inline(body: _Body, ours: list[bool], end: int) -> bool:
    """Does the person's text below our quote (ending at `end`) come before more quoted
    lines: answers written point by point?"""
    answered = False
    for i in range(end + 1, len(body.lines)):
        if body.blank(i):
            continue
        if body.quoted[i] and answered:
            return True
        answered = answered or not (body.quoted[i] or ours[i])
    return False


def _our_lines(body: _Body, sent: Sequence[SentText]) -> list[bool]:
    """Which lines are made only of our words: every word inside a run of SHINGLE_WORDS
    consecutive words of one of our emails, or the line is our whole first line."""
    flat = [(i, w) for i, words in enumerate(body.words) for w in words]
    words = [w for _, w in flat]
    covered = [False] * len(flat)
    anchors: set[tuple[str, ...]] = set()
    for email in sent:
        own = _WORD.findall(email.text.casefold())[:MAX_SENT_WORDS]
        size = min(SHINGLE_WORDS, len(own))
        shingles = {tuple(own[j : j + size]) for j in range(len(own) - size + 1)}
        for j in range(len(words) - size + 1 if size else 0):
            if tuple(words[j : j + size]) in shingles:
                covered[j : j + size] = [True] * size
        anchor = _first_line_words(email.text)
        if len(anchor) >= MIN_ANCHOR_WORDS:
            anchors.add(anchor)
    uncovered = {i for (i, _), done in zip(flat, covered, strict=True) if not done}
    return [
        bool(words_of_line) and (i not in uncovered or tuple(words_of_line) in anchors)
        for i, words_of_line in enumerate(body.words)
    ]


def _first_line_words(text: str) -> tuple[str, ...]:
    for line in text.split("\n"):
        words = _WORD.findall(line.casefold())
        if words:
            return tuple(words)
    return ()


def _blocks(body: _Body, ours: list[bool]) -> list[tuple[int, int]]:
    """Runs of quote-like lines (ours, ">"-quoted or blank) holding a line of ours, as
    their (first, last) line that is not an unquoted blank line."""
    blocks: list[tuple[int, int]] = []
    first = last = -1
    has_ours = False
    for i in range(len(body.lines) + 1):
        inside = i < len(body.lines) and (ours[i] or body.quoted[i] or body.blank(i))
        if inside:
            if body.quoted[i] or not body.blank(i):  # a quoted blank line is quote too
                first = i if first < 0 else first
                last = i
                has_ours = has_ours or ours[i]
            continue
        if has_ours:
            blocks.append((first, last))
        first = last = -1
        has_ours = False
    return blocks


def _is_quote(
    body: _Body, ours: list[bool], block: tuple[int, int], sent: Sequence[SentText]
) -> bool:
    """A block is our quote when ">"-quoted with SHINGLE_WORDS words of ours, or unquoted
    but holding our first line or running to the end of the mail."""
    first, last = block
    lines = range(first, last + 1)
    our_words = sum(len(body.words[i]) for i in lines if ours[i])
    if our_words < SHINGLE_WORDS and not _holds_anchor(body, block, sent):
        return False
    if any(body.quoted[i] and ours[i] for i in lines):
        return True
    at_end = all(body.blank(i) for i in range(last + 1, len(body.lines)))
    return at_end or _holds_anchor(body, block, sent)


def _holds_anchor(body: _Body, block: tuple[int, int], sent: Sequence[SentText]) -> bool:
    anchors = {_first_line_words(s.text) for s in sent}
    return any(
        len(body.words[i]) >= MIN_ANCHOR_WORDS and tuple(body.words[i]) in anchors
        for i in range(block[0], block[1] + 1)
    )


# --- the client's attribution line -------------------------------------------------------------


def _attribution_start(body: _Body, start: int, names: Sequence[str]) -> int:
    """The first line of the client's attribution above the quote starting at `start`, or
    `start` when the lines above do not look like one."""
    i = start - 1
    blanks = 0
    while i >= 0 and body.blank(i):
        blanks += 1
        i -= 1
    if i < 0 or blanks > MAX_BLANKS_ABOVE_QUOTE or body.quoted[i]:
        return start
    group = [i]
    # Climb a wrapped attribution while no line of it has named the date yet, and only
    # through lines that name something an attribution names.
    while (
        len(group) < MAX_ATTRIBUTION_LINES
        and not any(_DIGIT.search(body.lines[j]) for j in group)
        and group[0] > 0
        and not body.blank(group[0] - 1)
        and not body.quoted[group[0] - 1]
        and _signals(body.lines[group[0] - 1], names)
    ):
        group.insert(0, group[0] - 1)
    if _is_attribution([body.lines[j] for j in group], names):
        return _field_block_start(body, group, names)
    return start


def _signals(line: str, names: Sequence[str]) -> int:
    """How many of the marks of an attribution a line shows: a digit (date, time), an
    address, our sender's name or the room's title (or our address)."""
    return sum((_DIGIT.search(line) is not None, "@" in line, _names_us(line, names)))


def _names_us(line: str, names: Sequence[str]) -> bool:
    folded = " ".join(line.split()).casefold()
    return any(len(n) >= MIN_NAME_CHARS and n.casefold() in folded for n in names)


def _is_attribution(lines: list[str], names: Sequence[str]) -> bool:
    """Do these lines, read as one, introduce our quote? A client's attribution names the
    sender of what it quotes: us (our sender's name, the room, our address); and then it
    ends with a colon, or (garbled, the colon lost) names a date or an address too and does
    not end like a sentence."""
    if any(len(line.strip()) > MAX_ATTRIBUTION_LINE for line in lines):
        return False
    joined = " ".join(" ".join(lines).split())
    if not joined or len(joined) > MAX_ATTRIBUTION_CHARS:
        return False
    if is_quote_header(decoration_free(joined)):
        return True
    if not _names_us(joined, names):
        return False
    if joined.endswith((":", "\uff1a")):
        return True
    return _signals(joined, names) >= 2 and not joined.endswith((".", "!", "?"))


def _field_block_start(body: _Body, group: list[int], names: Sequence[str]) -> int:
    """An attribution of "Field: value" lines (Outlook's From/Sent/To/Subject, in any
    language) climbs to its first field, up to MAX_FIELD_LINES, when the block names us."""
    top = group[0]
    if not all(_FIELD_LINE.match(body.lines[j].strip()) for j in group):
        return top
    first = top
    while (
        first > 0
        and group[-1] - first + 1 < MAX_FIELD_LINES
        and not body.quoted[first - 1]
        and len(body.lines[first - 1].strip()) <= MAX_ATTRIBUTION_LINE
        and _FIELD_LINE.match(body.lines[first - 1].strip())
    ):
        first -= 1
    block = "\n".join(body.lines[first : group[-1] + 1])
    if first < top and group[-1] - first + 1 >= MIN_FIELD_LINES and _names_us(block, names):
        return first
    return top


# --- removing the lines from the extracted reply ----------------------------------------------


def _without(reply: ReplyText, lines: list[str], cut: set[int]) -> ReplyText:
    """The reply's text without the lines that are, in the body, in `cut`.

    The extracted text keeps body lines in their order, so each of its lines is found at
    the next body line with the same words; a line found nowhere (extraction rewrote it) is
    kept, and so are blank lines (they are tidied after).
    """
    where: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        where.setdefault(_key(line), []).append(i)
    joined = _joined_runs(lines, cut)
    kept: list[str] = []
    dropped: list[str] = []
    after = 0
    for line in reply.text.split("\n"):
        key = _key(line)
        if key in joined:  # a wrapped attribution the extraction read as one line
            dropped.append(line)
            continue
        found = where.get(key, []) if key else []
        k = bisect.bisect_left(found, after)
        if k == len(found):
            kept.append(line)
            continue
        after = found[k] + 1
        (dropped if found[k] in cut else kept).append(line)
    if not dropped:
        return reply
    text = "\n".join(_tidied(kept)).strip()
    elided = "\n\n".join(p for p in ("\n".join(dropped).strip(), reply.elided) if p)
    return ReplyText(text=text, elided=elided, html_fallback=reply.html_fallback)


def _joined_runs(lines: list[str], cut: set[int]) -> set[str]:
    """The keys of two or three consecutive cut lines read as one (the extraction joins the
    lines of a wrapped quote header)."""
    runs = set()
    for i in cut:
        for size in range(2, MAX_ATTRIBUTION_LINES + 1):
            run = range(i, i + size)
            if all(j in cut for j in run):
                runs.add(_key(" ".join(lines[j] for j in run)))
    runs.discard("")
    return runs


def _key(line: str) -> str:
    return " ".join(line.split())


def _tidied(lines: Iterable[str]) -> list[str]:
    """Lines with each run of blank lines made one (a removed attribution leaves two)."""
    out: list[str] = []
    for line in lines:
        if not line.strip() and out and not out[-1].strip():
            continue
        out.append(line)
    return out
