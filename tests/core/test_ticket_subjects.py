"""Reading subjects for tickets: reply and forward prefixes in many languages are removed
(repeated, counted, bracketed), our `[#T-n]` tag is found, and both are safe and bounded on
any input (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.core.ticket_threading import strip_reply_prefixes, tagged_subject, ticket_tag
from gateway.core.tickets import DEFAULT_TITLE, ticket_title

PREFIXED = [
    ("Re: Printer", "Printer"),
    ("RE: AW: Printer", "Printer"),
    ("Fwd: Fw: FW: Printer", "Printer"),
    ("AW: WG: Drucker", "Drucker"),
    ("SV: VS: Skrivare", "Skrivare"),
    ("Antw: Doorst: Printer", "Printer"),
    ("Réf : TR: Imprimante", "Imprimante"),
    ("RV: Impresora", "Impresora"),
    ("R: Stampante", "Stampante"),
    ("Odp: PD: Drukarka", "Drukarka"),
    ("YNT: Yazıcı", "Yazıcı"),
    ("回复: 打印机", "打印机"),
    ("转发：打印机", "打印机"),
    ("答复: 打印机", "打印机"),
    ("Re[2]: Printer", "Printer"),
    ("Re(3): Printer", "Printer"),
    ("Re^2: Printer", "Printer"),
    ("[Fwd: Printer]", "Printer"),
    ("[Re: Printer] notes", "Printer] notes"),
    ("re:re:RE: Printer", "Printer"),
    ("Re: [#T-12] Printer", "Printer"),
    ("[#T-12] Re: Printer", "Printer"),
    # Words that only look like prefixes stay.
    ("Ref: invoice 12", "Ref: invoice 12"),
    ("Report: Q3", "Report: Q3"),
    ("Tree: pruning", "Tree: pruning"),
    ("Printer", "Printer"),
    ("", ""),
]


@pytest.mark.parametrize(("subject", "expected"), PREFIXED)
def test_reply_and_forward_prefixes_are_removed(subject: str, expected: str) -> None:
    assert strip_reply_prefixes(subject) == expected


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ("[#T-5] x", 5),
        ("Re: [#t-42] x", 42),
        ("x [#T-7]", 7),
        ("[#T-1] and [#T-2]", 1),
        ("#T-5", None),
        ("[T-5]", None),
        ("[#T-] x", None),
        ("[#T-5x]", None),
    ],
)
def test_the_ticket_tag_is_read_from_the_subject(subject: str, number: int | None) -> None:
    assert ticket_tag(subject) == number


def test_our_subject_carries_the_tag_once() -> None:
    assert tagged_subject(12, "Re: [#T-12] Printer") == "[#T-12] Printer"
    assert tagged_subject(3, "   ") == "[#T-3] (no subject)"


@pytest.mark.parametrize(
    ("subject", "title"),
    [
        ("Re: Printer\x00 on\nfire", "Printer on fire"),
        ("Re: ", DEFAULT_TITLE),
        ("=?utf-8?q?a=0Ab?=", DEFAULT_TITLE),  # an encoded line break never reaches a header
        ("x" * 300, "x" * 200),
    ],
)
def test_a_ticket_title_is_one_safe_line(subject: str, title: str) -> None:
    assert ticket_title(subject) == title


@given(st.text(max_size=90))  # fewer prefixes than MAX_PREFIXES fit in 90 characters
def test_stripping_never_adds_text_and_is_idempotent(subject: str) -> None:
    once = strip_reply_prefixes(subject)
    assert len(once) <= len(subject)
    assert strip_reply_prefixes(once) == once


@given(st.lists(st.sampled_from(["Re: ", "AW: ", "Fwd: ", "回复: ", "RE[2]: ", "SV:"]), max_size=8))
def test_any_run_of_prefixes_comes_off(prefixes: list[str]) -> None:
    assert strip_reply_prefixes("".join(prefixes) + "Printer") == "Printer"


@given(st.text(max_size=300))
def test_a_title_is_always_a_short_single_line(subject: str) -> None:
    title = ticket_title(subject)
    assert 0 < len(title) <= 200
    assert title == " ".join(title.split())
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in title)


@given(st.text(max_size=200), st.integers(min_value=1, max_value=999_999_999))
def test_a_tag_we_write_is_read_back(subject: str, number: int) -> None:
    assert ticket_tag(tagged_subject(number, subject)) == number


def test_a_long_run_of_prefixes_is_bounded_work() -> None:
    subject = "Re: " * 10_000 + "Printer"
    assert strip_reply_prefixes(subject).startswith("Re: ")  # stops after MAX_PREFIXES
