"""An answer typed under a quote line is the writer's own paragraph, not part of the quote."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gateway.core.quote_answers import separate_answers
from gateway.core.rendering import render_markdown, render_plain_text


def test_answers_between_quoted_questions_render_outside_the_quotes() -> None:
    source = (
        "Answers below.\n\n> Can you make Tuesday?\nYes, after 2 pm.\n> Book the room?\nPlease do."
    )

    html = render_markdown(source)

    assert html == (
        "<p>Answers below.</p>\n<blockquote>\n<p>Can you make Tuesday?</p>\n</blockquote>\n"
        "<p>Yes, after 2 pm.</p>\n<blockquote>\n<p>Book the room?</p>\n</blockquote>\n"
        "<p>Please do.</p>\n"
    )
    assert render_plain_text(source) == (
        "Answers below.\n\n> Can you make Tuesday?\n\nYes, after 2 pm.\n\n> Book the room?\n\n"
        "Please do."
    )


def test_a_quote_of_several_lines_stays_one_quote() -> None:
    html = render_markdown("> one\n> two\n>\n> three\n\nMine.")

    assert html.count("<blockquote>") == 1
    assert html.endswith("<p>Mine.</p>\n")


def test_quote_marks_inside_a_code_fence_are_code() -> None:
    source = "```\n> not a quote\nstill code\n```"

    assert separate_answers(source) == source
    assert "&gt; not a quote\nstill code" in render_markdown(source)


def test_an_indented_line_under_a_quote_is_left_to_markdown() -> None:
    source = "> quoted\n    indented"

    assert separate_answers(source) == source


_lines = st.lists(
    st.sampled_from(["> q", ">", "text", "", "```", "~~~", "    code", " > q", ">> deep"])
    | st.text(max_size=12),
    max_size=30,
)


@given(_lines)
def test_only_blank_lines_are_ever_added(lines: list[str]) -> None:
    source = "\n".join(lines)

    result = separate_answers(source)

    assert [line for line in result.split("\n") if line] == [
        line for line in source.split("\n") if line
    ]
    assert len(result) - len(source) == result.count("\n") - source.count("\n")


@given(st.text(max_size=300))
def test_any_text_renders(source: str) -> None:
    assert isinstance(render_markdown(source), str)
