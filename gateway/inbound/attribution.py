"""Attribution lines: "On <date>, <name> wrote:" and forwarded-message markers.

Owns the shapes that say whether a line (or a header joined from a few wrapped lines, with
its decoration removed, in its ``match_text`` form) introduces quoted or forwarded mail, and
where on the line it starts when the person's reply shares the line with it. The words come
from ``gateway.inbound.attribution_words``, one row per language. The shapes:

- lead first: "On|Am|Le|Vào|בתאריך... <date> ... <verb> [<name/address>]:"
- date first: "pon., 23 lis 2026 o 10:00 Ann <a@b.c> napisał(a):", "2026년 12월 7일 ... 작성:"
- name and address first: "Ann <a@b.c> wrote:", "Ann <a@b.c> schrieb am <date>:",
  "Ann <a@b.c>, 7 Ara 2026 Pzt, 10:04 tarihinde şunu yazdı:"
- date and address, no verb (Gmail in Russian, Japanese): "пн, 7 дек. 2026 г. в 10:04, Ann <a@b.c>:"
- decorated, no colon (Android, Zoho): "---- Ann wrote ----", "---- On <date> Ann wrote ----"
- old Gmail, no colon: "2016-03-03 17:21 GMT+01:00 Ann"

Bounded work: callers pass lines up to ``MAX_CANDIDATE`` (joined headers up to a few hundred
characters); the line is split into words once, verbs are looked up in sets, and the few
regexes are anchored with bounded repeats over character classes that cannot overlap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.inbound.attribution_words import (
    JOINED_LEADS,
    LEAD_WORDS,
    MARK_PHRASES,
    WROTE_JOINED,
    WROTE_WORDS,
)

__all__ = [
    "ADDRESS",
    "DATE",
    "LEAD",
    "NAME",
    "Attribution",
    "decoration_free",
    "ends_with_verb",
    "find_attribution",
    "is_decorated",
    "is_lead_header",
    "is_mark",
    "is_quote_header",
    "may_start_header",
]

_MAX_TEXT = 600  # longest text looked at (a joined header is at most 500)
_MAX_TAIL = 160  # after the verb: the name and address, or "on <date>"
_MAX_NAME = 200  # before the address in "Name <address> wrote:"
_MAX_GAP = 120  # between the address and the verb ("Ann <a@b.c>, <date> tarihinde şunu yazdı")
_MAX_DECORATED_HEAD = 160  # "---- <this> wrote ----"
_MAX_SPLITS = 8  # punctuation marks tried as the end of a reply sharing the attribution's line

_DIGIT = re.compile(r"\d")
# A date or time: "10:04", "10.04", "10h04", a year, "7/12/26". \d is any script's digit.
_DATE_SIGNAL = re.compile(r"\d{1,2}[:.h]\d{2}|\d{4}|\d{1,2}[./-]\d{1,2}[./-]\d{2}")
# A line that starts with a date, or a weekday and a comma: "7 Dec", "пн, 7", "Mon, Dec 7".
_DATE_START = re.compile(r"\d|[^\W\d_]{2,15}\.?,[ \t]")
# A weekday then a date, "Po 7. 12.", "ma 7.12.", "man. 7.": also how "In 2026 we..."
# starts, so these need a time of day or an address as well.
_WEEKDAY_START = re.compile(r"[^\W\d_]{1,15}\.?[ \t]{1,3}\d")
_TIME = re.compile(r"\d{1,2}[:.h]\d{2}")
# An address in brackets: "<a@b.c>", "(a@b.c)", "(<a@b.c>)", "[mailto:a@b.c]".
_LOCAL = r"[^<>()\[\]\s@]{1,100}"
_EMAIL = _LOCAL + "@" + _LOCAL
_BRACKETS = (
    r"(?:<[ \t]{0,3}(?:mailto:)?" + _EMAIL + r"[ \t]{0,3}>"
    r"|\([ \t]{0,3}<?" + _EMAIL + r">?[ \t]{0,3}\)"
    r"|\[mailto:" + _EMAIL + r"\])"
)
_BRACKETED_EMAIL = re.compile(_BRACKETS)
_TRAILING_EMAIL = re.compile(_BRACKETS + "$")
# Old Gmail without a colon: "2016-03-03 17:21 GMT+01:00 Ann", "2013/7/20 ann <a@b.c>".
_GMAIL_OLD_HEADER = re.compile(
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s.{0,200}"
    r"(?:\bGMT[+-]\d{1,2}:?\d{2}\b[^<>]{0,100}|<[^<>\s@]+@[^<>\s@]+>)$"
)
# The end of a sentence the person wrote before an attribution on the same line.
_SENTENCE_END = re.compile(r"[.!?…]+[ \t]+|[。！？]")
# Abbreviations before a name, not the end of a sentence: "Dr. Ann <a@b.c> wrote:".
_TITLES = frozenset(("mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mme", "hr", "fr"))
_DECORATION = " \t-*_="


# How an attribution starts, which says whether a wrapped line above may belong to it.
LEAD = "lead"  # "On <date> ...", decorated: complete, nothing above belongs to it
DATE = "date"  # "<date> ...": may be the rest of "Ann <a@b.c>, <date> ... yazdı:"
NAME = "name"  # "Ann <a@b.c> wrote:": may be the rest of "On <date>, Ann <a@b.c> wrote:"
ADDRESS = "address"  # "<a@b.c> wrote:": the name may be on the line above


@dataclass(frozen=True, slots=True)
class Attribution:
    """Where an attribution starts in the text looked at, and how.

    ``offset`` is 0 unless the person's reply shares the line ("Sounds good. On ... wrote:").
    """

    offset: int
    start: str  # LEAD, DATE, NAME or ADDRESS


def decoration_free(text: str) -> str:
    """The line without quote markers, and without dashes, stars and underscores around it."""
    return text.lstrip(" \t>").strip(_DECORATION)


def is_decorated(text: str) -> bool:
    """Dashes on both sides, as Android and Zoho write it: "---- Ann wrote ----"."""
    core = text.strip(" \t>")
    return core.startswith(("--", "**")) and core.endswith(("--", "**"))


def is_mark(stripped: str) -> bool:
    """ "-----Original Message-----", "Begin forwarded message:" and their translations."""
    if stripped[0] not in "-*_=" and not stripped.endswith(":"):
        return False
    core = decoration_free(stripped).rstrip(": \t").lower()
    return " ".join(core.split()) in MARK_PHRASES


def may_start_header(core: str) -> bool:
    """Cheap test: could this (decoration-free) line be the first line of a wrapped header?"""
    if not core:
        return False
    if _could_start(core) or any(char in core[:_MAX_NAME] for char in "<([@"):
        return True
    return any(_could_start(core[at:]) for at in _sentence_ends(core, len(core)))


def _could_start(text: str) -> bool:
    return (
        _starts_with_lead(text)
        or _DATE_START.match(text) is not None
        or _WEEKDAY_START.match(text) is not None
    )


def is_quote_header(core: str) -> bool:
    """Is this decoration-free line (or joined wrapped lines) an attribution line?"""
    found = find_attribution(core)
    return found is not None and found.offset == 0


def is_lead_header(line: str) -> bool:
    """A terse attribution, taken as one only right above a quote: "On Mon, Ann wrote:" (a
    lead word, no date), "Ann wrote on 7 Dec 2026 10:04:" (a name, no address)."""
    body = _without_colon(line.strip())
    if not body:
        return False
    verb = _last_verb(body)
    if verb is None or len(body) - verb[1] > _MAX_TAIL:
        return False
    if _starts_with_lead(body):
        return True
    head, tail = body[: verb[0]], body[verb[1] :]
    return (
        0 < len(head) <= _MAX_DECORATED_HEAD
        and not _sentence_ends(head, len(head))
        and _DATE_SIGNAL.search(tail) is not None
    )


def find_attribution(core: str, *, decorated: bool = False) -> Attribution | None:
    """The attribution in this decoration-free text, or None.

    ``decorated``: the line had dashes around it, so the verb may end it without a colon.
    """
    if not core or len(core) > _MAX_TEXT:
        return None
    body = _without_colon(core)
    if body is None:
        return _colonless_header(core.rstrip(), decorated)
    if not body:
        return None
    verb = _last_verb(body)
    if verb is None:
        return _date_address_header(body)

    start, end = verb
    if len(body) - end > _MAX_TAIL:
        return None
    split = _shared_line_split(body, start)
    if split is not None:
        return split
    if _lead_shape(body):
        return Attribution(0, LEAD)
    if _date_first_shape(body):
        return Attribution(0, DATE)
    for position in _sentence_ends(body, start):
        if _date_first_shape(body[position:]):
            return Attribution(position, DATE)  # "Sounds good. <date> Ann <a@b.c> napsal"
    if _name_after_verb_shape(body, end):
        return Attribution(0, DATE)
    if _name_first_shape(body, start):
        return Attribution(0, ADDRESS if body[0] in "<([" else NAME)
    return None


# --- shapes ----------------------------------------------------------------------------------


def _without_colon(text: str) -> str | None:
    stripped = text.rstrip()
    if not stripped.endswith(":"):
        return None
    return stripped[:-1].rstrip()


def _last_verb(body: str) -> tuple[int, int] | None:
    """Start and end of the last "wrote" word in ``body``, or None."""
    lowered = body.lower()
    if len(lowered) != len(body):  # "İ" lowers to two characters: keep positions right
        lowered = body
    best: tuple[int, int] | None = None
    for verb in WROTE_JOINED:
        at = lowered.rfind(verb)
        if at >= 0 and (best is None or at > best[0]):
            best = (at, at + len(verb))
    end = len(body)
    for word in reversed(lowered.split()):
        start = lowered.rfind(word, 0, end)
        end = start
        if best is not None and start < best[0]:
            break
        if word.strip(",;") in WROTE_WORDS:
            return (start, start + len(word))
    return best


def _words(text: str, count: int) -> list[str]:
    return [word.strip(",;").lower() for word in text.split(None, count)[:count]]


def _starts_with_lead(text: str) -> bool:
    if text.startswith(JOINED_LEADS):
        return True
    words = _words(text, 2)
    if not words:
        return False
    return words[0] in LEAD_WORDS or (len(words) == 2 and " ".join(words) in LEAD_WORDS)


def _lead_shape(body: str) -> bool:
    return _starts_with_lead(body) and _DIGIT.search(body) is not None


def _date_first_shape(body: str) -> bool:
    if _DATE_START.match(body) is not None:
        return _DATE_SIGNAL.search(body) is not None
    if _WEEKDAY_START.match(body) is None:
        return False
    return _TIME.search(body) is not None or _BRACKETED_EMAIL.search(body) is not None


def _name_first_shape(body: str, verb_start: int) -> bool:
    """ "Name <address> wrote...", with at most a date between the address and the verb."""
    emails = list(_BRACKETED_EMAIL.finditer(body, 0, verb_start))
    if not emails:
        return False
    email = emails[-1]
    name = body[: email.start()]
    # A name has no digits: digits before the address are a date this table has no lead
    # word for, or the person's own line joined to the header.
    if len(name) > _MAX_NAME or "<" in name or ">" in name or _DIGIT.search(name):
        return False
    if _sentence_ends(name, len(name)):
        return False  # "Thanks. Ann <a@b.c> wrote": the reply, then the attribution
    gap = body[email.end() : verb_start]
    if not gap.strip(" \t,"):
        return True
    return len(gap) <= _MAX_GAP and _DIGIT.search(body) is not None


def _name_after_verb_shape(body: str, verb_end: int) -> bool:
    """ "... <date> skrev Ann <a@b.c>" with no lead word this table knows."""
    tail = body[verb_end:]
    return _DIGIT.search(body) is not None and _TRAILING_EMAIL.search(tail) is not None


def _date_address_header(body: str) -> Attribution | None:
    """Gmail's verb-less form: "<date> <name> <address>:" (after the reply, on its line)."""
    if _TRAILING_EMAIL.search(body, max(0, len(body) - 2 * _MAX_NAME)) is None:
        return None
    if _date_first_shape(body):
        return Attribution(0, DATE)
    for position in _sentence_ends(body, len(body)):
        if _date_first_shape(body[position:]):
            return Attribution(position, DATE)
    return None


def _colonless_header(core: str, decorated: bool) -> Attribution | None:
    """Without a final colon: old Gmail ("2016-03-03 17:21 GMT+01:00 Ann"), a header the
    verb ends ("On <date> Ann wrote"), or a decorated one ("---- Ann wrote ----")."""
    if _GMAIL_OLD_HEADER.match(core):
        return Attribution(0, DATE)
    verb = _last_verb(core)
    if verb is None or core[verb[1] :].strip():
        return None
    head = core[: verb[0]].strip()
    if decorated and head and len(head) <= _MAX_DECORATED_HEAD:
        return Attribution(0, LEAD)
    if _lead_shape(core):
        return Attribution(0, LEAD)
    return Attribution(0, DATE) if _date_first_shape(core) else None


def ends_with_verb(text: str) -> bool:
    """Cheap test: is the last word of ``text`` a "wrote" word ("... Ann wrote")?"""
    words = text.rsplit(None, 1)
    return bool(words) and words[-1].lower() in WROTE_WORDS


# --- a reply sharing its line with the attribution ---------------------------------------------


def _sentence_ends(text: str, limit: int) -> list[int]:
    """Positions right after a sentence end before ``limit`` (the first ``_MAX_SPLITS``
    punctuation marks are looked at, so the work stays bounded on a line of dots)."""
    ends: list[int] = []
    for count, match in enumerate(_SENTENCE_END.finditer(text, 0, limit)):
        if count >= _MAX_SPLITS:
            break
        if match.group()[0] == "." and not _ends_sentence_at(text, match.start(), match.end()):
            continue
        ends.append(match.end())
    return ends


def _ends_sentence_at(text: str, dot: int, after: int) -> bool:
    """Is the "." at ``dot`` the end of a sentence, not of an abbreviation or a number
    ("Dr. Ann", "Ann B. Archer", "2026.")? Date abbreviations ("lun. 7 déc.") pass: the
    shapes tried after them need a lead word, a date first, or a name without digits."""
    space = max(text.rfind(" ", 0, dot), text.rfind("\t", 0, dot))
    word = text[space + 1 : dot]
    return len(word) >= 2 and not word.isdigit() and word.lower() not in _TITLES


def _shared_line_split(body: str, verb_start: int) -> Attribution | None:
    """ "Sounds good. On <date>, Ann wrote", "On Monday we ship. Ann <a@b.c> wrote": where
    the attribution after the person's sentence starts, or None."""
    for position in _sentence_ends(body, verb_start):
        rest = body[position:]
        if _lead_shape(rest):
            return Attribution(position, LEAD)
        following = rest[:1]
        if following.isdigit() or following.islower():
            continue  # "dez. de 2026", "7 déc. 2026": inside a date, not a new sentence
        if following in "<([":
            continue  # "Ann via Quarterly plann… <a@b.c>": a shortened name, not a sentence
        if _name_first_shape(rest, verb_start - position):
            return Attribution(position, NAME)
    return None
