"""HTML mail built to make a parser slow or fail: each shape comes out with its visible text,
and past the work budget the mail is read as stripped text, saying so.

How long these take is measured by bench/reply_extraction.py against a linear scan of the
same input; here only the content is checked (a quadratic parser would also not finish).
"""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.inbound.html_strip import strip_tags
from gateway.inbound.html_text import HtmlBudget, HtmlReplySplit, html_to_text, split_quoted_html
from gateway.inbound.reply_text import ReplyText, extract_reply_from_html

# --- hostile shapes ------------------------------------------------------------------------


def test_unclosed_start_tags_at_64kb_hide_nothing_written_before_them() -> None:
    html = "<p>Before</p>" + ("<div " * 199 + "\n") * 65

    assert split_quoted_html(html) == HtmlReplySplit("Before", "", "Before")


def test_unclosed_comment_hides_the_rest_and_keeps_the_text_before_it() -> None:
    html = "<p>hello</p><!--" + "x-- >" * 200_000

    assert html_to_text(html) == "hello"


def test_unclosed_marked_section_mail_yields_its_visible_text_instead_of_raising() -> None:
    html = "<p>Friday works for me.</p><![foo[x <b>bold" + "<p>more</p>" * 3

    assert html_to_text(html) == "Friday works for me.\n\nbold\n\nmore\n\nmore\n\nmore"


def test_a_megabyte_of_less_than_signs_is_text() -> None:
    assert html_to_text("<" * 1_000_000) == "<" * 1_000_000


def test_text_after_50k_nested_blockquotes_is_found_as_a_quote_then_the_reply() -> None:
    html = "<blockquote>" * 50_000 + "deep" + "</blockquote>" * 50_000 + "<p>after</p>"

    split = split_quoted_html(html)

    assert split.fallback == "nested deeper than 256 elements"
    assert split.whole == ">" * 32 + " deep\n\nafter"


def test_deeply_nested_divs_are_read_as_their_text() -> None:
    split = split_quoted_html("<div>" * 100_000 + "x" + "</div>" * 100_000 + "y")

    assert split.whole == "x\ny" and split.fallback


def test_a_tag_with_a_hundred_thousand_attributes_is_read() -> None:
    attributes = " ".join(f'a{i}="{i}"' for i in range(100_000))

    assert split_quoted_html(f"<div {attributes}>text</div>") == HtmlReplySplit("text", "", "text")


def test_stray_end_tags_under_deep_nesting_are_read() -> None:
    html = "<p>start</p>" + "<span>" * 250 + "</b>" * 250_000 + "end"

    assert split_quoted_html(html) == HtmlReplySplit("start\n\nend", "", "start\n\nend")


def test_lone_surrogates_and_nuls_become_replacement_characters() -> None:
    html = "<p>a\ud800b\x00c</p><blockquote>q\udfff</blockquote>"

    assert html_to_text(html) == "a\ufffdb\ufffdc\n\n> q\ufffd"
    assert strip_tags(html) == "a\ud800b\ufffdc\n\n> q\udfff"  # as given: the caller cleans


# --- the work budget -----------------------------------------------------------------------

REPLY_OVER_QUOTE = (
    "<div>Thursday works.</div><br><div>On Mon, Ann wrote:</div>"
    "<blockquote type=cite><div>Can we meet?</div><div>Ann</div></blockquote>"
)


def test_mail_over_the_character_budget_is_read_as_stripped_text_up_to_the_budget() -> None:
    split = split_quoted_html(REPLY_OVER_QUOTE, HtmlBudget(max_chars=100))

    assert split.fallback == "longer than 100 characters (the rest is left out)"
    assert split.whole == split.reply == "Thursday works.\nOn Mon, Ann wrote:\n\n> Can we meet?"
    assert split.quoted == ""


def test_mail_over_the_element_budget_is_read_as_stripped_text() -> None:
    split = split_quoted_html(REPLY_OVER_QUOTE, HtmlBudget(max_elements=5))

    assert split.fallback == "more than 5 elements"
    assert split.whole.startswith("Thursday works.")


def test_mail_whose_deadline_has_passed_is_read_as_stripped_text() -> None:
    split = split_quoted_html(REPLY_OVER_QUOTE, HtmlBudget(deadline=time.monotonic() - 1))

    assert split.fallback == "not read before its deadline"
    assert split.whole.startswith("Thursday works.")


def test_mail_within_its_budget_is_parsed_and_split_at_the_quote() -> None:
    split = split_quoted_html(REPLY_OVER_QUOTE, HtmlBudget(deadline=time.monotonic() + 3600))

    assert split.fallback == ""
    assert split.reply == "Thursday works.\n\nOn Mon, Ann wrote:"
    assert split.quoted == "> Can we meet?\n> Ann"


def test_reply_from_stripped_html_says_so_and_still_elides_the_quote() -> None:
    reply = extract_reply_from_html(REPLY_OVER_QUOTE, HtmlBudget(max_depth=3))

    assert reply == ReplyText(
        "Thursday works.",
        "On Mon, Ann wrote:\n\n> Can we meet?\n> Ann",
        html_fallback="nested deeper than 3 elements",
    )


def test_reply_from_parsed_html_has_no_fallback() -> None:
    assert extract_reply_from_html(REPLY_OVER_QUOTE).html_fallback == ""


# --- any input -----------------------------------------------------------------------------

TAGS = ["div", "p", "blockquote", "a", "br", "hr", "pre", "ul", "ol", "li", "table", "tr"]
TAGS += ["td", "span", "b", "script", "style", "title", "head", "body", "html", "select"]
TAGS += ["option", "textarea", "template", "xml", "o:p", "svg", "math", "plaintext"]
ATTRIBUTES = st.sampled_from(
    [
        "",
        ' class="gmail_quote"',
        " class=moz-cite-prefix",
        ' id="divRplyFwdMsg"',
        ' id="appendonsend"',
        ' style="border-top:solid #E1E1E1 1.0pt"',
        " type=cite",
        ' href="https://example.com/a"',
        " href=mailto:a@b.c",
        ' a="x>y"',
        " a='unclosed",
        ' a="',
        " /",
    ]
)
TAG = st.sampled_from(TAGS)
# What stays open to the end of the mail: the shapes a parser may stall or fail on.
UNCLOSED = st.sampled_from(["<!--", "<![CDATA[", "<![foo[x", "<div ", "<a href='", "<!DOCTYPE"])
FRAGMENTS = st.one_of(
    st.builds("<{}{}>".format, TAG, ATTRIBUTES),
    st.builds("</{}>".format, TAG),
    st.builds("<{}{}".format, TAG, ATTRIBUTES),  # a start tag without its ">"
    UNCLOSED,
    st.sampled_from(["-->", "<!-- c -->", "]]>", "<?", "?>", "<", ">", "</", "&", "&amp;"]),
    st.sampled_from(["&#0;", "&#xD800;", "&#x110000;", "&notit;", "&nbsp;", "\x00", "\ud800"]),
    st.sampled_from(["\r\n", "From:", "\u200b", "text", " "]),
    st.text(max_size=8),
)
MARKUP = st.builds(
    "{}{}{}".format,
    st.lists(FRAGMENTS, max_size=30).map("".join),
    st.one_of(st.just(""), UNCLOSED),
    st.lists(FRAGMENTS, max_size=10).map("".join),
)
NESTED = st.builds(
    "{}{}{}{}".format,
    st.builds(str.__mul__, st.builds("<{}>".format, TAG), st.integers(0, 400)),
    st.lists(st.builds("<{}>".format, TAG), max_size=50).map("".join),
    st.text(max_size=8),
    st.builds(str.__mul__, st.builds("</{}>".format, TAG), st.integers(0, 400)),
)
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=200)
SMALL_BUDGET = HtmlBudget(max_chars=200, max_depth=8, max_elements=30)


def assert_read(html: str, budget: HtmlBudget) -> None:
    split = split_quoted_html(html, budget)
    assert all(isinstance(part, str) for part in (split.reply, split.quoted, split.whole))
    if not split.quoted:
        assert split.reply == split.whole
    assert html_to_text(html, budget) == split.whole
    assert isinstance(extract_reply_from_html(html, budget), ReplyText)


@settings(max_examples=150, deadline=None)
@given(st.one_of(MARKUP, NESTED, ANY_TEXT))
def test_any_html_is_read_as_text_without_raising(html: str) -> None:
    assert_read(html, HtmlBudget())


@settings(max_examples=100, deadline=None)
@given(st.one_of(MARKUP, NESTED, ANY_TEXT))
def test_any_html_over_a_small_budget_is_read_as_text_without_raising(html: str) -> None:
    assert_read(html, SMALL_BUDGET)
    assert isinstance(strip_tags(html), str)
