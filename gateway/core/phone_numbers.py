"""Phone numbers in message text: which runs of digits in it someone could dial.

Owns the phone half of gateway.core.contact_details. A candidate is a run of digit groups
joined by single spaces, dots or dashes, with an optional "+country" (or "00") and "(area)";
it is a phone number when what stands right before it allows one and its digits do:

- glued to a word is still a phone ("whatsapp5551234567", "call:5551234567",
  "tel.+4915112345678"), unless the word is part of an id ("1Z999AA10123456784") or a
  two-letter country prefix (IBANs such as "NO93 8601 1117 947");
- after a context word or sign ("order", "invoice", "ref", "tracking", "ISBN", "#", "€", "$")
  (or before a currency: "1234567890 EUR") it is an order, invoice, tracking or reference
  number, or an amount, not a phone, unless written as only phones are ("+44 ...", "(415)");
- dates, times, amounts with thousands separators, years, IP addresses and ISBNs are not
  phones; "+country" numbers are judged by libphonenumber (the `phonenumbers` package),
  which knows each country's code and number lengths.

Bounded work: the candidate pattern has only bounded repetition, and every look at the text
around a candidate reads a window of at most LOOK_AROUND characters, so a hostile body costs
time linear in its length.

Pure text in, text out: must not import sqlalchemy, flask, aiosmtpd or any gateway module.
"""

from __future__ import annotations

import re

import phonenumbers

__all__ = ["find_phone_numbers"]

MIN_PHONE_DIGITS = 10
MIN_INTERNATIONAL_DIGITS = 8  # "+44 20 7946 0958" has 12, short national numbers 8 or 9
MAX_PHONE_DIGITS = 15  # ITU-T E.164
LOOK_AROUND = 40  # characters read on either side of a candidate for its context

# Not glued to a digit or "_"; what else may stand before it is judged in Python (_context).
# Not followed by a word character, "/", ":" or "%" (dates, times, percentages, units), a
# currency sign or ".5" / ",5" (decimal parts).
_CANDIDATE = re.compile(
    r"(?<![\d_])"
    r"(?:\+\d{1,4}[ .-]?)?"
    r"(?:\(\d{1,5}\)[ .-]?)?"
    r"\d{1,15}(?:[ .-]\d{1,15}){0,6}"
    r"(?![\w/:%$€£¥]|[.,]\d)"
)
# What every candidate holds: MIN_INTERNATIONAL_DIGITS digits (the fewest a phone has) with
# at most two of the candidate's joiners between neighbours, as in "(415) 555".
_DIGIT_RUN = re.compile(rf"\d(?:[ .()+-]{{0,2}}\d){{{MIN_INTERNATIONAL_DIGITS - 1}}}")
_DIGIT = re.compile(r"\d")
_GROUPS = re.compile(r"\d+")
_DATE = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4}")
_YEAR = re.compile(r"(?:19|20)\d\d")

# Digits in a link belong to the page it names (order ids, dates in paths), and an IBAN's to
# the account: neither is read for phones.
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]{1,2048}", re.IGNORECASE)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_IBAN_START = re.compile(r"[A-Z]{2}\d\d")

# A word glued to the candidate, possibly with ":", "." or "=" between ("call:", "tel.").
# Searched in a window of LOOK_AROUND characters ending where the candidate starts.
_GLUED_WORD = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2,24})([:.=]?)\Z")
_WORDS = re.compile(r"[A-Za-z]+|[#$€£¥]")
_CURRENCY_AFTER = re.compile(r"[ \t]{0,2}(?:(?:eur|usd|gbp|chf|jpy|cad|aud)\b|[€$£¥])", re.I)

# Words (and signs) that, among the three before a number, make it something else than a
# phone: an order, invoice, tracking or reference number, an account, or an amount.
CONTEXT_WORDS = frozenset(
    {
        *("order", "orders", "ord", "po", "invoice", "invoices", "inv", "bill", "receipt"),
        *("ref", "refs", "reference", "references", "tracking", "track", "shipment", "parcel"),
        *("ticket", "case", "claim", "policy", "contract", "id", "sku", "serial", "sn"),
        *("amount", "total", "subtotal", "sum", "price", "cost", "fee", "balance", "budget"),
        *("eur", "usd", "gbp", "chf", "jpy", "iban", "bic", "swift", "account", "acct"),
        *("isbn", "issn", "ean", "upc", "vat", "tax", "transaction", "txn", "payment"),
        *("#", "$", "€", "£", "¥"),
    }
)
# Words that, nearer to the number than a context word, make it a phone after all
# ("invoice sent, call 5551234567").
CONTACT_WORDS = frozenset(
    {
        *("call", "phone", "tel", "telephone", "mobile", "mob", "cell", "cellphone", "fax"),
        *("whatsapp", "wa", "viber", "signal", "telegram", "sms", "text", "ring", "dial"),
        *("handy", "reach"),
    }
)
CONTEXT_REACH = 3  # words before a number that can make it something else than a phone


def find_phone_numbers(text: str) -> list[tuple[int, str]]:
    """(offset, number as written) for every phone number in `text`, in order."""
    if _DIGIT_RUN.search(text) is None:
        return []  # the common case: no run of digits long enough to dial
    masked = _URL.sub(_blank, text)
    if _IBAN_START.search(masked) is not None:
        masked = _IBAN.sub(_blank, masked)
    found = []
    for match in _CANDIDATE.finditer(masked):
        candidate = match.group()
        if _context_allows(masked, match.start(), match.end(), candidate) and _is_phone(candidate):
            found.append((match.start(), text[match.start() : match.end()]))
    return found


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _context_allows(text: str, start: int, end: int, candidate: str) -> bool:
    """Whether what stands around text[start:end] lets it be a phone number.

    No order, invoice or reference number is written "+44 ..." or "(415) ...": a context
    word does not excuse those ("ref +44 20 7946 0958" is a phone all the same)."""
    before = text[max(0, start - LOOK_AROUND) : start]
    before = before[before.rfind("\n") + 1 :]  # context is read on the number's own line
    if _CURRENCY_AFTER.match(text, end, end + LOOK_AROUND) is not None:
        return False  # "1234567890 EUR"
    if not before:
        return True
    last = before[-1]
    if last.isdigit() or last in "#$€£¥/-_+@&%":
        return False  # part of an id, amount, date, range or path
    glued = last.isalpha() or (last in ":.=," and len(before) > 1 and not before[-2].isspace())
    if glued and not _glued_word_allows(before):
        return False
    if candidate.startswith("+") or "(" in candidate:
        return True
    return not _after_context_word(before)


def _glued_word_allows(before: str) -> bool:
    """For a number glued to what precedes it: only a whole word ("whatsapp", "call:",
    "tel."), not the tail of an id, a number ("10:", "1.") or a two-letter country prefix."""
    glued = _GLUED_WORD.search(before)
    if glued is None:
        return False  # after a digit ("10:", "1.") or inside an id ("1Z999AA1012...")
    word, joiner = glued.groups()
    # A country prefix: an IBAN or a national id ("NO9386011117947").
    return not (len(word) == 2 and word.isupper() and not joiner)


def _after_context_word(before: str) -> bool:
    """Whether a context word stands among the last CONTEXT_REACH words, with no contact
    word nearer to the number."""
    for word in reversed(_WORDS.findall(before)[-CONTEXT_REACH:]):
        word = word.lower()
        if word in CONTACT_WORDS:
            return False
        if word in CONTEXT_WORDS:
            return True
    return False


def _is_phone(candidate: str) -> bool:
    digits = len(_DIGIT.findall(candidate))
    international = candidate.startswith(("+", "00"))
    if digits > MAX_PHONE_DIGITS:
        return False
    if digits < (MIN_INTERNATIONAL_DIGITS if international else MIN_PHONE_DIGITS):
        return False
    if international:
        return _is_possible_international(candidate)
    if "(" in candidate:
        return True
    groups = _GROUPS.findall(candidate)
    return not (
        any(_DATE.fullmatch(token) for token in candidate.split())
        or _is_thousands(candidate, groups)
        or all(_YEAR.fullmatch(group) for group in groups)
        or _is_ip_address(candidate, groups)
        or _is_isbn("".join(groups), len(groups))
    )


def _is_possible_international(candidate: str) -> bool:
    """A country code libphonenumber knows, and a length that country's numbers have."""
    number = "+" + candidate.removeprefix("+").removeprefix("00")
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(parsed))


def _is_thousands(candidate: str, groups: list[str]) -> bool:
    """12 500 000 000 or 12.500.000.000: an amount written with thousands separators."""
    separators = set(_DIGIT.sub("", candidate))
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


def _is_isbn(digits: str, group_count: int) -> bool:
    """An ISBN-13 (978/979 and its check digit), or an ISBN-10 written in its four hyphen
    or space groups with its check digit (ISO 2108)."""
    if len(digits) == 13 and digits.startswith(("978", "979")):
        weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
        return weighted % 10 == 0
    if len(digits) == 10 and group_count == 4:
        return sum(int(d) * (10 - i) for i, d in enumerate(digits)) % 11 == 0
    return False
