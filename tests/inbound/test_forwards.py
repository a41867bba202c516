"""A header block with nothing typed above it: the quote of an empty reply, or, in a
forward, the forwarded message itself."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.inbound.forwards import is_forward_marker, is_forward_subject
from gateway.inbound.reply_text import extract_reply_from_html, extract_reply_text

OUTLOOK_BLOCK = (
    "\n\n________________________________\nFrom: Alice Archer <alice@example.com>\n"
    "Sent: Monday, December 7, 2026 10:04 AM\nTo: Bob Baker <bob@example.org>\n"
    "Subject: Venue for the spring workshop\n\nCould you check the hall on Market Street?\n"
)


def test_an_outlook_reply_with_nothing_typed_is_empty() -> None:
    reply = extract_reply_text(OUTLOOK_BLOCK)

    assert reply.text == ""
    assert "Could you check the hall" in reply.elided


def test_an_outlook_forward_without_comment_keeps_the_forwarded_message() -> None:
    reply = extract_reply_text(OUTLOOK_BLOCK, forward=True)

    assert reply.text == "Could you check the hall on Market Street?"


def test_an_outlook_html_reply_with_nothing_typed_is_empty() -> None:
    html = (
        '<div><br></div><hr><div id="divRplyFwdMsg"><b>From:</b> Alice &lt;a@b.c&gt;<br>'
        "<b>Sent:</b> Monday, December 7, 2026 10:04 AM<br><b>To:</b> Bob<br>"
        "<b>Subject:</b> Venue</div><div><p>Could you check the hall?</p></div>"
    )

    assert extract_reply_from_html(html).text == ""
    assert extract_reply_from_html(html, forward=True).text == "Could you check the hall?"


@pytest.mark.parametrize(
    "subject",
    ["Fwd: Venue", "FW: Venue", "[Gateway] Fwd: Venue", "WG: Termin", "TR: Salle", "RV: Sala",
     "I: Sala", "Doorst: Zaal", "VB: Lokal", "PD: Sala", "Пересл: Зал", "转发: 会场", "転送：会場"],
)  # fmt: skip
def test_forward_prefixes_in_many_languages(subject: str) -> None:
    assert is_forward_subject(subject)


@pytest.mark.parametrize(
    "subject", ["Re: Fwd: Venue", "AW: Termin", "Venue for the spring", "Invoice: March", ""]
)
def test_replies_and_plain_subjects_are_not_forwards(subject: str) -> None:
    assert not is_forward_subject(subject)


@pytest.mark.parametrize(
    "marker",
    ["---------- Forwarded message ---------", "Begin forwarded message:",
     "-------- Weitergeleitete Nachricht --------", "-------- Message transféré --------",
     "-----Original Message-----"],
)  # fmt: skip
def test_forward_markers_and_not_reply_markers(marker: str) -> None:
    assert is_forward_marker(marker) is ("Original" not in marker)


@given(st.text(max_size=300))
def test_any_subject_or_line_is_read(text: str) -> None:
    assert isinstance(is_forward_subject(text), bool)
    assert isinstance(is_forward_marker(text), bool)


def test_an_answer_under_a_quoted_header_block_is_kept() -> None:
    body = (
        "From: Alice Archer <alice@example.com>\nSent: Monday, December 7, 2026 10:04 AM\n"
        "To: Bob\nSubject: Venue\n\n> Could you check the hall?\n\nYes, it is free.\n"
    )

    reply = extract_reply_text(body)

    assert reply.text == "Yes, it is free."
    assert reply.elided.endswith("> Could you check the hall?")
