"""Soft wraps of a hard-wrapped text/plain part joined back; every real line break kept."""

from __future__ import annotations

import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.inbound.soft_wraps import join_soft_wraps, machine_wrap_width

PARAGRAPH = (
    "Thanks for sending the floor plan over so quickly. I walked through it with the "
    "caterers this morning and they think the kitchen entrance on the north side will "
    "work, as long as the van can park there before eight."
)


def gmail_wrapped(text: str, width: int = 76) -> str:
    return "\n".join(textwrap.wrap(text, width))


def test_a_paragraph_wrapped_at_76_columns_is_joined() -> None:
    wrapped = gmail_wrapped(PARAGRAPH)
    assert wrapped.count("\n") == 2
    assert machine_wrap_width(wrapped) is not None
    assert join_soft_wraps(wrapped) == PARAGRAPH


def test_paragraphs_stay_apart_and_each_is_joined() -> None:
    second = "See you on Thursday then, and let me know if the plan for the room changes again."
    wrapped = gmail_wrapped(PARAGRAPH) + "\n\n" + gmail_wrapped(second) + "\n\nAnn"
    assert join_soft_wraps(wrapped) == f"{PARAGRAPH}\n\n{second}\n\nAnn"


def test_short_lines_lists_and_addresses_are_kept() -> None:
    text = (
        gmail_wrapped(PARAGRAPH)
        + "\n\nWhat we still need:\n- two more tables for the registration desk area\n"
        "- a projector\n1. confirm by Monday\n\nAnn Example\n12 Market Street\nLeeds LS1 6DT"
    )
    joined = join_soft_wraps(text)
    assert joined.split("\n")[0] == PARAGRAPH
    assert joined.endswith(text.split("\n\n", 1)[1])


def test_a_signature_block_after_a_short_line_is_not_joined() -> None:
    text = (
        gmail_wrapped(PARAGRAPH) + "\n\nBob Baker | Operations\n"
        "Northwind Trading Ltd, 12 Market Street, Leeds LS1 6DT\nwww.northwind.example"
    )
    assert join_soft_wraps(text).endswith("Leeds LS1 6DT\nwww.northwind.example")


def test_a_poem_of_short_lines_is_not_wrapped_text() -> None:
    poem = "Roses are red,\nviolets are blue,\nthe venue is booked\nand the catering too."
    assert machine_wrap_width(poem) is None
    assert join_soft_wraps(poem) == poem


def test_a_sentence_end_before_a_list_item_keeps_its_break() -> None:
    line = "We agreed on the following points during the call with the venue today."
    text = gmail_wrapped(PARAGRAPH) + "\n\n" + line + "\n- the deposit is due on the first"
    assert join_soft_wraps(text).endswith(line + "\n- the deposit is due on the first")


def test_a_line_the_next_word_would_have_fitted_on_is_a_real_break() -> None:
    text = gmail_wrapped(PARAGRAPH) + "\n\nThe main hall is fine for us.\nThe side room is not."
    assert join_soft_wraps(text).endswith("The main hall is fine for us.\nThe side room is not.")


def test_unflowed_text_with_long_lines_is_left_alone() -> None:
    unflowed = PARAGRAPH + "\nShort second line.\n" + PARAGRAPH
    assert machine_wrap_width(unflowed) is None
    assert join_soft_wraps(unflowed) == unflowed


def test_quoted_and_indented_lines_are_never_joined() -> None:
    quoted = "\n".join("> " + line for line in textwrap.wrap(PARAGRAPH, 70))
    indented = "\n".join("    " + line for line in textwrap.wrap(PARAGRAPH, 70))
    text = gmail_wrapped(PARAGRAPH) + "\n\n" + quoted + "\n\n" + indented
    joined = join_soft_wraps(text)
    assert joined == PARAGRAPH + "\n\n" + quoted + "\n\n" + indented


words = st.text(alphabet="abcdefghij.,-*>1 ", min_size=1, max_size=14)


@settings(max_examples=300)
@given(st.lists(st.one_of(words, st.just("")), max_size=40), st.integers(60, 80))
def test_joining_only_ever_turns_line_breaks_into_spaces(pieces: list[str], width: int) -> None:
    text = gmail_wrapped(" ".join(pieces), width) + "\n" + "\n".join(pieces)
    joined = join_soft_wraps(text)
    assert joined.split() == text.split()
    assert joined.count("\n") <= text.count("\n")
    assert "".join(joined.split("\n")).replace(" ", "") == text.replace("\n", "").replace(" ", "")
