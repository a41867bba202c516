"""The contact-details rule on ordinary and evasive text: numbers glued to words and
separated phone numbers are caught, spelled-out addresses only when they form an address;
order, invoice, tracking and reference numbers, amounts, dates, IBANs and ISBNs are not
phones; a refusal names every piece in words that fit the room; and the detector is total,
honest about what it found, and not provoked by prose (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.core.contact_details import (
    DEFAULT_REASON,
    MAX_REFUSAL_CHARS,
    REASONS,
    ContactDetailsNotAllowed,
    contact_details_refusal,
    find_contact_details,
)

CAUGHT = [
    ("whatsapp5551234567", ["5551234567"]),
    ("call:5551234567", ["5551234567"]),
    ("tel.+4915112345678", ["+4915112345678"]),
    ("WhatsApp: 555 123 4567", ["555 123 4567"]),
    ("Phone=5551234567 anytime", ["5551234567"]),
    ("(555) 123-4567", ["(555) 123-4567"]),
    ("+1.555.123.4567", ["+1.555.123.4567"]),
    ("555.123.4567 or 555-123-4567", ["555.123.4567", "555-123-4567"]),
    ("+49 151 1234 5678", ["+49 151 1234 5678"]),
    ("+33 6 12 34 56 78", ["+33 6 12 34 56 78"]),
    ("invoice sent, call 5551234567", ["5551234567"]),
    ("ref +44 20 7946 0958", ["+44 20 7946 0958"]),
    ("order (415) 555-0132", ["(415) 555-0132"]),
    ("bob at example dot com", ["bob at example dot com"]),
    ("bob [at] example [dot] com", ["bob [at] example [dot] com"]),
    ("bob(at)example(dot)com", ["bob(at)example(dot)com"]),
    ("bob@example dot com", ["bob@example dot com"]),
    ("bob AT example DOT co DOT uk", ["bob AT example DOT co DOT uk"]),
    (
        "mail bob@example.com, ring +44 20 7946 0958 or bob at gmail dot com",
        ["bob@example.com", "+44 20 7946 0958", "bob at gmail dot com"],
    ),
]

ALLOWED = [
    "look at the report, dot the i's",
    "meet at 5",
    "look at this dot in the chart",
    "Have a look at example.com",
    "reference 0123456789",
    "ref: 0123456789",
    "Order No. 0123456789",
    "my order number 0123456789",
    "order #123456789",
    "invoice INV-2026-000123",
    "INV2026000123",
    "tracking 1Z999AA10123456784",
    "ticket 1234567890",
    "€1,234,567.00",
    "$ 1234567890",
    "total: 1234567890",
    "amount 1 234 567 890",
    "1234567890 EUR",
    "2026-12-07",
    "07.12.2026",
    "10:04",
    "DE89 3704 0044 0532 0130 00",
    "NO93 8601 1117 947",
    "GB29 NWBK 6016 1331 9268 19",
    "ISBN 978-3-16-148410-0",
    "978-3-16-148410-0",
    "0-306-40615-2",
    "see @john.smith on the forum",
    "+12 345 678 90 points",
]


@pytest.mark.parametrize(("text", "expected"), CAUGHT)
def test_evasive_contact_details_are_caught(text: str, expected: list[str]) -> None:
    assert find_contact_details(text) == expected


@pytest.mark.parametrize("text", ALLOWED)
def test_ordinary_text_is_not_taken_for_contact_details(text: str) -> None:
    assert find_contact_details(text) == []


def test_a_refusal_names_every_piece_once() -> None:
    refusal = contact_details_refusal(
        ["bob@example.com", "555-123-4567", "bob@example.com", "bob at gmail dot com"], "group"
    )
    assert isinstance(refusal, ContactDetailsNotAllowed)
    assert str(refusal) == (
        f"{DEFAULT_REASON} Remove these 3 and send again: bob@example.com, 555-123-4567 and "
        "bob at gmail dot com."
    )
    assert refusal.found == ("bob@example.com", "555-123-4567", "bob at gmail dot com")


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("interview", "cannot be shared during an interview"),
        ("ticket", "every agent on the ticket can read them"),
        ("direct", "can only be shared once a contract has started"),
        ("group", "can only be shared once a contract has started"),
    ],
)
def test_the_refusal_says_why_in_words_that_fit_the_room(kind: str, words: str) -> None:
    refusal = str(contact_details_refusal(["555-123-4567"], kind))
    assert words in refusal and refusal.endswith("Remove 555-123-4567 and send again.")


@pytest.mark.parametrize("kind", ["group", *REASONS])
def test_a_long_list_is_cut_to_fit_the_refusal_length(kind: str) -> None:
    pieces = [f"person{n}@example.com" for n in range(40)]
    text = str(contact_details_refusal(pieces, kind))
    assert len(text) <= MAX_REFUSAL_CHARS and text.startswith(REASONS.get(kind, DEFAULT_REASON))
    shown = sum(piece in text for piece in pieces)
    assert 1 <= shown < 40 and text.endswith(f" and {40 - shown} more.")


def test_a_very_long_piece_is_shortened_in_the_refusal() -> None:
    piece = "a" * 200 + "@example.com"
    text = str(contact_details_refusal([piece]))
    assert len(text) < MAX_REFUSAL_CHARS and "a" * 57 + "..." in text


# --- Properties ---------------------------------------------------------------------------

# Text a person might type around numbers and addresses: digits, joiners, signs and words.
_PIECES = st.sampled_from(
    [
        *"0123456789 .-+()[]:#@\n\t",
        *("at", "dot", "call", "order", "ref", "€", "$", "EUR", "bob", "example", "com"),
        *("whatsapp", "tel.", "INV-", "ISBN", "DE89", "www.", "https://", " (at) ", " [dot] "),
    ]
)
TYPED = st.lists(_PIECES, max_size=60).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=300), TYPED)
# Prose: no digits (in any script) and no "@".
PROSE = st.text(
    alphabet=st.characters(blacklist_categories=("Nd", "Cs"), blacklist_characters="@"),
    max_size=200,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TEXT)
def test_any_text_is_read_without_error_and_every_piece_is_in_it(text: str) -> None:
    found = find_contact_details(text)
    assert all(piece and piece in text for piece in found)


@settings(max_examples=300)
@given(ANY_TEXT, PROSE, st.integers(min_value=0))
def test_prose_on_lines_of_its_own_never_makes_clean_text_offending(
    text: str, prose: str, where: int
) -> None:
    if find_contact_details(text) or find_contact_details(prose):
        return  # only clean text and clean prose are under test
    lines = text.split("\n")
    where %= len(lines) + 1
    assert find_contact_details("\n".join([*lines[:where], prose, *lines[where:]])) == []
