"""Finding contact details in message text: addresses and phone numbers (plain and spelled
out) are found as written; dates, times, prices, versions, years, order numbers and web
links are not."""

from __future__ import annotations

import pytest

from gateway.core.contact_details import (
    ContactDetailsNotAllowed,
    contact_details_refusal,
    find_contact_details,
)
from gateway.core.errors import NotAllowed

FOUND = [
    ("Mail me at bob@example.com tomorrow", ["bob@example.com"]),
    ("BOB.Baker+work@Mail.Example.co.uk", ["BOB.Baker+work@Mail.Example.co.uk"]),
    ("write to <bob_baker@example.org>.", ["bob_baker@example.org"]),
    ("[contact](mailto:bob@example.com)", ["bob@example.com"]),
    ("bob [at] example [dot] com", ["bob [at] example [dot] com"]),
    ("bob(at)example(dot)co(dot)uk", ["bob(at)example(dot)co(dot)uk"]),
    ("bob {at} example {dot} com please", ["bob {at} example {dot} com"]),
    ("reach bob at example dot com", ["bob at example dot com"]),
    ("BOB AT EXAMPLE DOT COM", ["BOB AT EXAMPLE DOT COM"]),
    ("bob [at] example.com", ["bob [at] example.com"]),
    ("bob @ example.com", ["bob @ example.com"]),
    ("Call +44 20 7946 0958 after six", ["+44 20 7946 0958"]),
    ("+1 (415) 555-0132", ["+1 (415) 555-0132"]),
    ("+44 (0)20 7946 0958", ["+44 (0)20 7946 0958"]),
    ("+4915112345678", ["+4915112345678"]),
    ("my cell: (415) 555-0132.", ["(415) 555-0132"]),
    ("415.555.0132", ["415.555.0132"]),
    ("415-555-0132", ["415-555-0132"]),
    ("415 555 0132", ["415 555 0132"]),
    ("text 4155550132 now", ["4155550132"]),
    ("1-800-555-0199", ["1-800-555-0199"]),
    ("06 12 34 56 78", ["06 12 34 56 78"]),
    ("call 0049 30 1234567", ["0049 30 1234567"]),
    (
        "bob@example.com or 415-555-0132",
        ["bob@example.com", "415-555-0132"],
    ),
]

NOT_FOUND = [
    "Let's ship on 2026-11-23.",
    "Deadline 23/11/2026, review 24.11.2026",
    "Meeting at 10:30, or 14:45:00",
    "from 2026-11-23 09:30 to 2026-11-24 17:00",
    "The budget is $1,250.00 (or €1.250,00)",
    "$12,345,678.90 in total",
    "Upgrade to version 1.2.3 or v10.15.7",
    "Release 2.10.11.4.5.6 is out",
    "We started in 2019 and finished in 2024 2025 2026",
    "Order #12345 and invoice #1234567890",
    "See https://example.com/orders/4155550132 and https://example.com/2026/11/23",
    "Have a look at github.com/org/repo",
    "www.example.com/item/12345678901",
    "Meet at the office at 5",
    "Our server is at 192.168.100.200",
    "Population: 12 500 000 000",
    "I am @bob on the forum",
    "Thanks, that works for me. I'll send the contract tomorrow.",
    "Scores: 10 20 30",
    "The file is 95 MB and 1024x768",
]


@pytest.mark.parametrize(("text", "expected"), FOUND)
def test_contact_details_are_found_as_written(text: str, expected: list[str]) -> None:
    assert find_contact_details(text) == expected


@pytest.mark.parametrize("text", NOT_FOUND)
def test_work_talk_is_not_mistaken_for_contact_details(text: str) -> None:
    assert find_contact_details(text) == []


def test_the_table_covers_at_least_thirty_examples() -> None:
    assert len(FOUND) + len(NOT_FOUND) >= 30


def test_refusal_names_the_item_and_is_a_not_allowed() -> None:
    refusal = contact_details_refusal("bob@example.com")
    assert isinstance(refusal, ContactDetailsNotAllowed) and isinstance(refusal, NotAllowed)
    assert str(refusal) == (
        "Contact details (email addresses and phone numbers) can only be shared once a "
        "contract has started. Remove bob@example.com and send again."
    )


@pytest.mark.parametrize(
    "hostile",
    ["1 " * 50_000, "a" * 100_000, "bob at " * 15_000, "x [at] " * 15_000, "(1) " * 25_000],
)
def test_long_hostile_text_is_scanned_without_finding_anything(hostile: str) -> None:
    assert find_contact_details(hostile) == []
