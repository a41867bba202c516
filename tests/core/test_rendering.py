"""Tests for gateway.core.rendering: Markdown message bodies as safe HTML and as plain text."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.core.rendering import (
    ALLOWED_TAGS,
    LINK_REL,
    plain_prose_html,
    render_markdown,
    render_markdown_fully,
    render_plain_text,
)

ANCHOR_EXTRAS = f'rel="{LINK_REL}" target="_blank"'


def anchor(href: str, text: str) -> str:
    return f'<a href="{href}" {ANCHOR_EXTRAS}>{text}</a>'


class _TagCollector(HTMLParser):
    """Reads rendered HTML the way a browser tokenizer would and records every tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_in(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _TagCollector()
    collector.feed(html)
    collector.close()
    return collector.tags


# --- empty input ------------------------------------------------------------------------------


def test_empty_source_renders_empty_html() -> None:
    assert render_markdown("") == ""


def test_empty_source_renders_empty_plain_text() -> None:
    assert render_plain_text("") == ""


def test_whitespace_only_source_renders_nothing() -> None:
    assert render_markdown("  \n\n  ") == ""
    assert render_plain_text("  \n\n  ") == ""


# --- emphasis, strike, code ---------------------------------------------------------------------


@pytest.mark.parametrize("source", ["**bold**", "__bold__"])
def test_double_asterisks_or_underscores_render_strong(source: str) -> None:
    assert render_markdown(source) == "<p><strong>bold</strong></p>\n"


@pytest.mark.parametrize("source", ["*italic*", "_italic_"])
def test_single_asterisk_or_underscore_renders_em(source: str) -> None:
    assert render_markdown(source) == "<p><em>italic</em></p>\n"


def test_nested_emphasis_renders_nested_tags() -> None:
    html = render_markdown("***both*** and **bold _inner_ bold**")
    assert html == (
        "<p><em><strong>both</strong></em> and <strong>bold <em>inner</em> bold</strong></p>\n"
    )


def test_underscores_inside_words_stay_text() -> None:
    assert render_markdown("call snake_case_name now") == "<p>call snake_case_name now</p>\n"


def test_double_tilde_renders_strikethrough() -> None:
    assert render_markdown("~~gone~~") == "<p><s>gone</s></p>\n"


def test_backticks_render_inline_code_with_markup_escaped() -> None:
    assert render_markdown("run `a < b && **c**`") == (
        "<p>run <code>a &lt; b &amp;&amp; **c**</code></p>\n"
    )


def test_fenced_code_block_keeps_language_class_on_code() -> None:
    html = render_markdown("```python\nif a < b:\n    pass\n```")
    assert html == '<pre><code class="language-python">if a &lt; b:\n    pass\n</code></pre>\n'


def test_fenced_code_block_without_language_has_no_class() -> None:
    assert render_markdown("```\nplain\n```") == "<pre><code>plain\n</code></pre>\n"


def test_fence_language_with_markup_characters_loses_the_class() -> None:
    html = render_markdown('```py"onmouseover=alert(1)\ncode\n```')
    assert html == "<pre><code>code\n</code></pre>\n"


def test_fenced_code_block_content_is_escaped_not_rendered() -> None:
    html = render_markdown("```\n<script>alert(1)</script>\n**not bold**\n```")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\n**not bold**" in html


# --- blocks -----------------------------------------------------------------------------------


def test_single_newline_is_a_line_break() -> None:
    assert render_markdown("first\nsecond") == "<p>first<br>\nsecond</p>\n"


def test_blank_line_starts_a_new_paragraph() -> None:
    assert render_markdown("first\n\nsecond") == "<p>first</p>\n<p>second</p>\n"


def test_greater_than_renders_block_quote() -> None:
    assert render_markdown("> quoted\n> still") == (
        "<blockquote>\n<p>quoted<br>\nstill</p>\n</blockquote>\n"
    )


def test_dashes_render_bullet_list_with_nesting() -> None:
    assert render_markdown("- a\n- b\n  - c") == (
        "<ul>\n<li>a</li>\n<li>b\n<ul>\n<li>c</li>\n</ul>\n</li>\n</ul>\n"
    )


def test_numbers_render_ordered_list_keeping_its_start() -> None:
    assert render_markdown("3. x\n4. y") == '<ol start="3">\n<li>x</li>\n<li>y</li>\n</ol>\n'


def test_three_dashes_alone_render_a_rule() -> None:
    assert render_markdown("above\n\n---\n\nbelow") == "<p>above</p>\n<hr>\n<p>below</p>\n"


def test_hash_heading_syntax_stays_a_paragraph_as_typed() -> None:
    assert render_markdown("# Not a title") == "<p># Not a title</p>\n"


def test_setext_underline_is_not_a_heading() -> None:
    assert render_markdown("Title\n=====") == "<p>Title<br>\n=====</p>\n"


def test_reference_definition_stays_visible() -> None:
    assert render_markdown("[1]: https://example.com") == (
        f"<p>[1]: {anchor('https://example.com', 'https://example.com')}</p>\n"
    )


def test_deeply_nested_quotes_render_without_error() -> None:
    html = render_markdown("> " * 5000 + "deep")
    assert html.startswith("<blockquote>")


# --- emoji ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shortcode", "emoji"),
    [(":smile:", "😄"), (":thumbsup:", "👍"), (":+1:", "👍"), (":tada:", "🎉")],
)
def test_shortcode_renders_as_unicode_emoji(shortcode: str, emoji: str) -> None:
    assert render_markdown(f"done {shortcode}") == f"<p>done {emoji}</p>\n"


def test_shortcodes_work_inside_emphasis_and_link_text() -> None:
    html = render_markdown("**:tada:** [:smile: docs](https://example.com)")
    assert html == f"<p><strong>🎉</strong> {anchor('https://example.com', '😄 docs')}</p>\n"


def test_unknown_shortcode_stays_as_typed() -> None:
    assert render_markdown(":not_an_emoji:") == "<p>:not_an_emoji:</p>\n"


def test_clock_times_are_not_mistaken_for_shortcodes() -> None:
    assert render_markdown("at 12:30:45") == "<p>at 12:30:45</p>\n"


def test_shortcode_inside_code_span_stays_as_typed() -> None:
    assert render_markdown("`:smile:`") == "<p><code>:smile:</code></p>\n"


def test_shortcode_inside_fenced_code_block_stays_as_typed() -> None:
    assert render_markdown("```\n:smile:\n```") == "<pre><code>:smile:\n</code></pre>\n"


def test_backslash_escaped_shortcode_stays_as_typed() -> None:
    assert render_markdown("\\:smile:") == "<p>:smile:</p>\n"


def test_shortcode_inside_bare_url_stays_as_typed() -> None:
    url = "https://example.com/:smile:/"
    assert render_markdown(url) == f"<p>{anchor(url, url)}</p>\n"


def test_unicode_emoji_pass_through() -> None:
    assert render_markdown("ok 👍🏽 🎉") == "<p>ok 👍🏽 🎉</p>\n"


# --- links ------------------------------------------------------------------------------------


def test_markdown_link_gets_rel_and_target() -> None:
    assert render_markdown("[docs](https://example.com/a?b=1&c=2)") == (
        f"<p>{anchor('https://example.com/a?b=1&amp;c=2', 'docs')}</p>\n"
    )


def test_link_title_is_kept_and_escaped() -> None:
    html = render_markdown('[x](https://example.com "a\\" onmouseover=\\"alert(1)")')
    assert tags_in(html) == [
        ("p", {}),
        (
            "a",
            {
                "href": "https://example.com",
                "title": 'a" onmouseover="alert(1)',
                "rel": LINK_REL,
                "target": "_blank",
            },
        ),
    ]


def test_mailto_links_are_allowed() -> None:
    html = render_markdown("[mail](mailto:ann@example.com) <bob@example.com>")
    assert html == (
        f"<p>{anchor('mailto:ann@example.com', 'mail')} "
        f"{anchor('mailto:bob@example.com', 'bob@example.com')}</p>\n"
    )


def test_uppercase_scheme_is_still_a_link() -> None:
    assert render_markdown("[x](HTTPS://EXAMPLE.COM)") == (
        f"<p>{anchor('HTTPS://EXAMPLE.COM', 'x')}</p>\n"
    )


def test_bare_url_becomes_link() -> None:
    url = "https://github.com/acme/app/pull/42"
    assert render_markdown(f"see {url} now") == f"<p>see {anchor(url, url)} now</p>\n"


def test_bare_url_leaves_trailing_punctuation_outside() -> None:
    assert render_markdown("Go to https://example.com/a.") == (
        f"<p>Go to {anchor('https://example.com/a', 'https://example.com/a')}.</p>\n"
    )


def test_bare_url_keeps_balanced_parentheses_but_not_the_closing_one() -> None:
    url = "https://en.wikipedia.org/wiki/Foo_(bar)"
    assert render_markdown(f"(see {url})") == f"<p>(see {anchor(url, url)})</p>\n"


def test_underscores_in_bare_url_are_not_emphasis() -> None:
    url = "https://example.com/__init__.py"
    assert render_markdown(url) == f"<p>{anchor(url, url)}</p>\n"


def test_bare_url_in_bold_keeps_the_bold_outside() -> None:
    url = "https://example.com"
    assert render_markdown(f"**{url}**") == f"<p><strong>{anchor(url, url)}</strong></p>\n"


def test_bare_url_inside_link_text_is_not_a_nested_link() -> None:
    html = render_markdown("[see https://a.example](https://b.example)")
    assert html == f"<p>{anchor('https://b.example', 'see https://a.example')}</p>\n"


def test_hosts_without_scheme_and_bare_emails_stay_text() -> None:
    assert render_markdown("www.example.com a@b.com") == "<p>www.example.com a@b.com</p>\n"


@pytest.mark.parametrize("source", ["[a](/inbox)", "[a](#top)", "[a](//evil.example)"])
def test_relative_and_anchor_links_are_shown_as_typed(source: str) -> None:
    assert render_markdown(source) == f"<p>{source}</p>\n"


def test_every_anchor_gets_rel_and_target() -> None:
    source = (
        "[a](https://a.example) https://b.example <https://c.example> "
        "![d](https://d.example/x.png) <e@example.com>"
    )
    anchors = [attrs for tag, attrs in tags_in(render_markdown(source)) if tag == "a"]
    assert len(anchors) == 5
    assert all(a["rel"] == LINK_REL and a["target"] == "_blank" for a in anchors)


# --- images -----------------------------------------------------------------------------------


def test_image_renders_as_link_to_it_not_img() -> None:
    html = render_markdown('![the *logo*](https://example.com/l.png "Logo")')
    assert "<img" not in html
    assert html == (
        '<p><a href="https://example.com/l.png" title="Logo" '
        f"{ANCHOR_EXTRAS}>the <em>logo</em></a></p>\n"
    )


def test_image_without_alt_text_links_its_url() -> None:
    url = "https://example.com/pixel.gif"
    assert render_markdown(f"![]({url})") == f"<p>{anchor(url, url)}</p>\n"


def test_image_inside_link_becomes_its_alt_text() -> None:
    html = render_markdown("[![logo](https://example.com/l.png)](https://example.com)")
    assert html == f"<p>{anchor('https://example.com', 'logo')}</p>\n"


# --- hostile input ----------------------------------------------------------------------------


def test_script_tag_is_shown_as_text() -> None:
    assert render_markdown("<script>alert(1)</script>") == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    )


def test_img_with_onerror_is_shown_as_text() -> None:
    assert render_markdown("<img src=x onerror=alert(1)>") == (
        "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"
    )


def test_raw_html_block_is_shown_as_text() -> None:
    html = render_markdown('<div onclick="x()">\n<iframe src="evil.html"></iframe>\n</div>')
    assert tags_in(html) == [("p", {}), ("br", {}), ("br", {})]
    assert "&lt;iframe" in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](JavaScript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "![x](javascript:alert(1))",
    ],
)
def test_script_urls_never_become_links(source: str) -> None:
    html = render_markdown(source)
    assert tags_in(html) == [("p", {})]
    assert "href" not in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        "<data:text/html,<script>alert(1)</script>>",
    ],
)
def test_data_urls_never_become_links_or_images(source: str) -> None:
    html = render_markdown(source)
    assert [tag for tag, _ in tags_in(html)] == ["p"]


def test_html_entities_are_decoded_then_escaped() -> None:
    html = render_markdown("AT&amp;T &copy; &lt;b&gt;bold?&lt;/b&gt; 5 < 6 & 7 &#0;")
    assert html == "<p>AT&amp;T © &lt;b&gt;bold?&lt;/b&gt; 5 &lt; 6 &amp; 7 \ufffd</p>\n"


HOSTILE_SOURCES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "<svg/onload=alert(1)> <math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!-- comment --><style>*{}</style>",
    '[x](https://ok.example" onclick="alert(1))',
    '```"><script>alert(1)</script>\ncode\n```',
    "**<b>bold</b>** _<i>it</i>_ `<code>`",
    "> <blockquote onmouseover=alert(1)>",
    '<https://example.com/"onmouseover="alert(1)>',
]


ALLOWED_ATTRIBUTES = {"a": {"href", "title", "rel", "target"}, "code": {"class"}, "ol": {"start"}}


@pytest.mark.parametrize("source", HOSTILE_SOURCES)
def test_output_contains_only_allowed_tags_and_attributes(source: str) -> None:
    for tag, attrs in tags_in(render_markdown(source)):
        assert tag in ALLOWED_TAGS
        assert set(attrs) <= ALLOWED_ATTRIBUTES.get(tag, set())
        href = attrs.get("href")
        assert href is None or href.startswith(("https://", "http://", "mailto:"))


def test_very_long_input_renders() -> None:
    paragraph = (
        "Thanks for the **update** :tada: see https://example.com/a_b and `code`.\n"
        "> quoted *line*\n\n- item one\n- item two\n\n"
    )
    source = paragraph * (100_000 // len(paragraph) + 1)
    assert len(source) >= 100_000
    html = render_markdown(source)
    assert html.count("<blockquote>") == source.count("> quoted")
    assert render_plain_text(source).count("🎉") == source.count(":tada:")


def test_rendering_from_several_threads_gives_the_same_html() -> None:
    sources = [f"**{n}** :smile: https://example.com/{n}\n> q" for n in range(200)]
    expected = [render_markdown(source) for source in sources]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(render_markdown, sources)) == expected


# --- plain text -------------------------------------------------------------------------------


def test_plain_text_drops_emphasis_and_strike_markers() -> None:
    assert render_plain_text("**bold** _it_ ~~old~~ ***both***") == "bold it old both"


def test_plain_text_turns_shortcodes_into_emoji_outside_code_only() -> None:
    source = "yay :tada: `:smile:`\n```\n:+1:\n```"
    assert render_plain_text(source) == "yay 🎉 `:smile:`\n\n```\n:+1:\n```"


def test_plain_text_shows_link_as_text_then_url() -> None:
    assert render_plain_text("read [the spec](https://example.com/spec)") == (
        "read the spec <https://example.com/spec>"
    )


def test_plain_text_shows_mail_link_address_without_scheme() -> None:
    assert render_plain_text("[write to us](mailto:help@example.com)") == (
        "write to us <help@example.com>"
    )


def test_plain_text_shows_bare_url_and_autolink_once() -> None:
    assert render_plain_text("https://example.com <https://example.org>") == (
        "https://example.com https://example.org"
    )


def test_plain_text_shows_image_as_alt_text_then_url() -> None:
    assert render_plain_text("![chart](https://example.com/c.png)") == (
        "chart <https://example.com/c.png>"
    )


def test_plain_text_keeps_inline_code_and_fenced_blocks_as_typed() -> None:
    source = "run `make test` then\n\n```sh\necho **hi** <b>\n```"
    assert render_plain_text(source) == "run `make test` then\n\n```sh\necho **hi** <b>\n```"


def test_plain_text_keeps_line_breaks_and_paragraphs() -> None:
    assert render_plain_text("one\ntwo\n\nthree") == "one\ntwo\n\nthree"


def test_plain_text_prefixes_quotes_and_marks_lists() -> None:
    source = "> quoted\n> more\n\n- a\n- b\n  - c\n\n7. seven\n8. eight"
    assert render_plain_text(source) == (
        "> quoted\n> more\n\n- a\n- b\n  - c\n\n7. seven\n8. eight"
    )


def test_plain_text_keeps_raw_html_and_decodes_entities() -> None:
    assert render_plain_text("<b>hi</b> AT&amp;T &lt;3") == "<b>hi</b> AT&T <3"


def test_plain_text_unknown_shortcode_stays_as_typed() -> None:
    assert render_plain_text(":not_an_emoji:") == ":not_an_emoji:"


_PROSE_PIECES = [
    *"abcXYZ019 .,;:?!'\"()/@%\n\n\nÄé-*_`#<>&[]\t~=+",
    "---",
    "--",
    "  ",
    "- ",
    "1. ",
    "http://example.com",
    "mailto:",
    ":smile:",
    "Thanks, Alice",
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PROSE_PIECES), max_size=40).map("".join))
def test_plain_prose_shortcut_renders_exactly_as_the_full_pipeline(source: str) -> None:
    shortcut = plain_prose_html(source)
    if shortcut is not None:
        assert shortcut == render_markdown_fully(source)


def test_plain_prose_shortcut_takes_ordinary_replies_and_leaves_markdown_alone() -> None:
    reply = "Thanks Alice, that works for me. I'll send it (signed) tomorrow.\n\nBob"
    assert plain_prose_html(reply) == (
        "<p>Thanks Alice, that works for me. I'll send it (signed) tomorrow.</p>\n<p>Bob</p>\n"
    )
    for source in ["**bold**", "see https://example.com", "- item", "a :smile:", "x < y"]:
        assert plain_prose_html(source) is None
