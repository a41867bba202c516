"""Contact details in message text: finding email addresses and phone numbers.

Owns what counts as a contact detail, for the rule that they may only be shared once a
contract has started (enforced by gateway.core.messages). Detection is deliberately about
what people type to get around the rule: plain addresses, spelled-out ones ("bob [at]
example [dot] com", "bob at example dot com") and phone numbers in the usual national and
international layouts. It must not fire on what a conversation about work is full of:
dates, times, prices, version numbers, years, "#12345" order numbers and web page URLs.

Every pattern is bounded (no unbounded repetition next to another that can match the same
characters), so a hostile 100,000-character body costs linear time.

Pure text in, text out: must not import sqlalchemy, flask, aiosmtpd or any gateway module but
gateway.core.errors.
"""

from __future__ import annotations

import re

from gateway.core.errors import NotAllowed

__all__ = ["ContactDetailsNotAllowed", "contact_details_refusal", "find_contact_details"]


class ContactDetailsNotAllowed(NotAllowed):
    """A message shares an email address or phone number outside a contract room.

    A NotAllowed, so adapters that know only the base classes still answer 403 or
    550 5.7.1; the web compose box answers 422 for it (the text needs changing).
    """


def contact_details_refusal(found: str) -> ContactDetailsNotAllowed:
    return ContactDetailsNotAllowed(
        "Contact details (email addresses and phone numbers) can only be shared once a "
        f"contract has started. Remove {found} and send again."
    )


_LOCAL = r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TLD = r"[A-Za-z]{2,24}\b"
_OPEN, _CLOSE = r"[\[({<]", r"[\])}>]"

# bob@example.com
_PLAIN_EMAIL = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.){{1,8}}{_TLD}")
# bob [at] example.com, bob(at)example(dot)com, bob @ example [.] com
_BRACKETED_AT = rf"(?:\s*{_OPEN}\s*(?:at|@)\s*{_CLOSE}\s*|\s+@\s+)"
_ANY_DOT = rf"(?:\s*{_OPEN}\s*(?:dot|\.)\s*{_CLOSE}\s*|\s+dot\s+|\.)"
_BRACKETED_EMAIL = re.compile(
    rf"{_LOCAL}{_BRACKETED_AT}(?:{_LABEL}{_ANY_DOT}){{1,8}}{_TLD}", re.IGNORECASE
)
# bob at example dot com: the word "at" is everywhere in prose, so this form counts only when
# every dot is spelled out too ("have a look at github.com" is a sentence, not an address).
_SPELLED_DOT = rf"(?:\s*{_OPEN}\s*(?:dot|\.)\s*{_CLOSE}\s*|\s+dot\s+)"
_SPELLED_EMAIL = re.compile(
    rf"{_LOCAL}\s+at\s+(?:{_LABEL}{_SPELLED_DOT}){{1,8}}{_TLD}", re.IGNORECASE
)
# Each pattern with a cheap test for the one token it cannot match without. Every emailed
# reply is checked, and the obfuscated forms' leading local part would otherwise be tried at
# every position of a text that holds no address at all.
_EMAILS = (
    (re.compile("@"), _PLAIN_EMAIL),
    (re.compile(rf"{_OPEN}\s*(?:at|@)\s*{_CLOSE}|\s@\s", re.IGNORECASE), _BRACKETED_EMAIL),
    (re.compile(rf"{_OPEN}\s*(?:dot|\.)\s*{_CLOSE}|\sdot\s", re.IGNORECASE), _SPELLED_EMAIL),
)

# A run of digit groups joined by single separators, optionally "+country" and "(area)".
# Not after a word character, "#", a currency sign or "." (order numbers, prices, versions);
# not followed by a word character, "/", ":" or "%" (dates, times, percentages, units) or by
# ".5" / ",5" (decimal parts).
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w#$€£¥.,/:+-])"
    r"(?:\+\d{1,4}[ .-]?)?"
    r"(?:\(\d{1,5}\)[ .-]?)?"
    r"\d{1,15}(?:[ .-]\d{1,15}){0,6}"
    r"(?![\w/:%$€£]|[.,]\d)"
)
_DIGIT = re.compile(r"\d")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]{1,2048}", re.IGNORECASE)
_GROUPS = re.compile(r"\d+")
_DATE = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4}")
_YEAR = re.compile(r"(?:19|20)\d\d")

MIN_PHONE_DIGITS = 10
MIN_INTERNATIONAL_DIGITS = 8  # "+44 20 7946 0958" has 12, short national numbers 8 or 9
MAX_PHONE_DIGITS = 15  # ITU-T E.164
# What every phone candidate holds: MIN_INTERNATIONAL_DIGITS digits (the fewest a phone has)
# with at most two of the candidate's joiners between neighbours, as in "(415) 555".
_DIGIT_RUN = re.compile(rf"\d(?:[ .()+-]{{0,2}}\d){{{MIN_INTERNATIONAL_DIGITS - 1}}}")


def find_contact_details(text: str) -> list[str]:
    """Every email address and phone number in `text`, as written, in order of appearance."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for gate, pattern in _EMAILS:
        if gate.search(text) is None:
            continue
        for match in pattern.finditer(text):
            if not _overlaps(match.span(), taken):
                taken.append(match.span())
                found.append((match.start(), match.group()))
    for start, phone in _phones(text):
        if not _overlaps((start, start + len(phone)), taken):
            found.append((start, phone))
    return [item for _, item in sorted(found)]


def _phones(text: str) -> list[tuple[int, str]]:
    if _DIGIT_RUN.search(text) is None:
        return []  # the common case: no run of digits long enough to dial
    # Digits in a link belong to the page it names (order ids, dates in paths), not a phone.
    without_urls = _URL.sub(lambda match: " " * len(match.group()), text)
    return [
        (match.start(), match.group().strip())
        for match in _PHONE_CANDIDATE.finditer(without_urls)
        if _is_phone(match.group())
    ]


def _is_phone(candidate: str) -> bool:
    digits = len(_DIGIT.findall(candidate))
    international = candidate.startswith("+")
    if digits > MAX_PHONE_DIGITS:
        return False
    if digits < (MIN_INTERNATIONAL_DIGITS if international else MIN_PHONE_DIGITS):
        return False
    if international or "(" in candidate:
        return True
    groups = _GROUPS.findall(candidate)
    return not (
        any(_DATE.fullmatch(token) for token in candidate.split())
        or _is_thousands(candidate, groups)
        or all(_YEAR.fullmatch(group) for group in groups)
        or _is_ip_address(candidate, groups)
    )


def _is_thousands(candidate: str, groups: list[str]) -> bool:
    """12 500 000 000 or 12.500.000.000: an amount written with thousands separators."""
    separators = set(re.sub(r"\d", "", candidate))
    return (
        len(groups) > 1
        and len(separators) == 1
        and len(groups[0]) <= 3
        and all(len(group) == 3 for group in groups[1:])
    )


def _is_ip_address(candidate: str, groups: list[str]) -> bool:
    return (
        len(groups) == 4
        and candidate.count(".") == 3
        and all(len(group) <= 3 and int(group) <= 255 for group in groups)
    )


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)
