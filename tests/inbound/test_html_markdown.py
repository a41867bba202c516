"""HTML replies reach the room as Markdown: formatting kept, everything else shown as typed."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from gateway.core.rendering import render_markdown, render_one_line
from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import find_membership
from gateway.inbound.html_markdown import escaped_text, extract_html_reply
from gateway.inbound.markdown_text import BOLD, ITALIC, Run, markdown_line
from gateway.inbound.parsing import parse_email
from gateway.inbound.preparation import reply_text_of
from gateway.store.database import Database
from gateway.store.models import Message

from smtp_gateway import SMTPGateway
from support import MAIL_DOMAIN, World, reply_email

HTML_REPLY = (
    '<div dir="ltr"><div>Hi <b>team</b>, the <a href="https://example.com/plan_v2">new plan</a>'
    " is <i>nearly</i> done:</div><ul><li>venue <strong>booked</strong></li><li>catering"
    "<ol><li>menu agreed</li><li>numbers by Friday</li></ol></li></ul>"
    "<div>Ann</div></div><br>"
    '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Dec 7, 2026 at 10:04 '
    "AM Bob &lt;bob@example.com&gt; wrote:<br></div>"
    '<blockquote class="gmail_quote">What is the status?</blockquote></div>'
)
EXPECTED_MARKDOWN = (
    "Hi **team**, the [new plan](https://example.com/plan_v2) is *nearly* done:\n"
    "- venue **booked**\n"
    "- catering\n"
    "  1. menu agreed\n"
    "  2. numbers by Friday\n"
    "\n"
    "Ann"
)


def html_email(html: str) -> bytes:
    return (
        "From: Ann <ann@example.org>\r\nTo: reply@gateway.example\r\nSubject: Re: status\r\n"
        "Message-ID: <md-1@example.org>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n"
    ).encode()


def test_an_html_reply_is_stored_as_markdown_with_its_formatting() -> None:
    reply = reply_text_of(parse_email(html_email(HTML_REPLY)))
    assert reply.text == EXPECTED_MARKDOWN
    assert "What is the status?" in reply.elided


def test_the_stored_markdown_renders_bold_links_and_nested_lists_in_the_room() -> None:
    rendered = render_markdown(reply_text_of(parse_email(html_email(HTML_REPLY))).text)
    assert "<strong>team</strong>" in rendered
    assert "<em>nearly</em>" in rendered
    assert '<a href="https://example.com/plan_v2" rel="nofollow noopener noreferrer"' in rendered
    assert "<ul>\n<li>venue <strong>booked</strong></li>\n<li>catering\n<ol>" in rendered
    assert "<li>numbers by Friday</li>\n</ol>\n</li>\n</ul>\n<p>Ann</p>" in rendered


def test_an_html_reply_sent_over_smtp_is_stored_and_shown_with_its_formatting(
    smtp_gateway: SMTPGateway, database: Database, world: World, keys: ReplyKeys
) -> None:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        address = reply_address(membership, keys, MAIL_DOMAIN)
    # The text part Gmail writes beside it: the same words, the structure only hinted at.
    text = (
        "Hi *team*, the new plan <https://example.com/plan_v2> is *nearly* done:\n\n"
        "   - venue *booked*\n   - catering\n      1. menu agreed\n      2. numbers by Friday\n"
        "\nAnn\n\nOn Mon, Dec 7, 2026 at 10:04 AM Bob <bob@example.com> wrote:\n\n"
        "> What is the status?\n"
    )
    raw = reply_email("bob@example.org", address, text, html=HTML_REPLY)
    assert smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address]).final[0] == 250
    with database.read_session() as session:
        [message] = session.scalars(select(Message).where(Message.room_id == world.room.id))
        source, shown = message.body_source, message.body_html
    # The HTML part shows the formatting the text part only hints at: it was used.
    assert source == EXPECTED_MARKDOWN
    assert "<strong>team</strong>" in shown and "<em>nearly</em>" in shown
    assert '<a href="https://example.com/plan_v2"' in shown
    assert "<li>catering\n<ol>\n<li>menu agreed</li>" in shown


def test_markdown_a_person_typed_is_shown_as_typed() -> None:
    html = (
        "<div># not a heading</div><div>1. not a list</div><div>- nor this</div>"
        "<div>&gt; nor a quote</div><div>2*3*4 and _under_ and snake_case and [x](https://a.example)"
        "</div><div>AT&amp;T &amp;amp; `code`</div>"
    )
    text = extract_html_reply(html).reply.text
    rendered = render_markdown(text)
    for tag in ("<h1>", "<ol>", "<ul>", "<blockquote>", "<em>", ">x</a>", "<code>"):
        assert tag not in rendered
    # A bare address is a link in the room whoever wrote it.
    assert '">https://a.example</a>' in rendered
    assert render_one_line(text) == (
        "# not a heading 1. not a list - nor this > nor a quote 2*3*4 and _under_ and "
        "snake_case and [x](https://a.example) AT&T &amp; `code`"
    )


def test_only_http_https_and_mailto_links_are_written() -> None:
    html = (
        '<p><a href="javascript:alert(1)">click</a> <a href="mailto:ann@example.org">mail me</a>'
        ' <a href="ftp://files.example/a">files</a> <a href="/relative">here</a></p>'
    )
    text = extract_html_reply(html).reply.text
    assert text == "click [mail me](mailto:ann@example.org) files here"


def test_a_link_whose_address_has_brackets_and_spaces_stays_one_link() -> None:
    html = '<p><a href="https://example.com/a (1).pdf">the file</a></p>'
    text = extract_html_reply(html).reply.text
    assert text == "[the file](https://example.com/a%20%281%29.pdf)"
    assert 'href="https://example.com/a%20%281%29.pdf"' in render_markdown(text)


def test_a_paragraph_after_a_list_is_not_pulled_into_its_last_item() -> None:
    text = extract_html_reply("<ul><li>one</li><li>two</li></ul><div>After the list</div>")
    assert text.reply.text == "- one\n- two\n\nAfter the list"
    assert render_markdown(text.reply.text).endswith("</ul>\n<p>After the list</p>\n")


def test_bold_field_names_of_an_outlook_header_block_are_still_cut() -> None:
    html = (
        "<p>Fine by me.</p><hr><p><b>From:</b> Bob Baker &lt;bob@example.com&gt;<br>"
        "<b>Sent:</b> Monday, December 7, 2026 10:04<br><b>To:</b> Ann<br>"
        "<b>Subject:</b> plan</p><p>Old text</p>"
    )
    reply = extract_html_reply(html).reply
    assert reply.text == "Fine by me."
    assert "Old text" in reply.elided


def test_emphasis_next_to_punctuation_and_letters_is_dropped_not_garbled() -> None:
    text = extract_html_reply('<p>say<b>"hi"</b>now and <b>a</b><i>b</i></p>').reply.text
    assert render_one_line(text) == 'say"hi"now and ab'


pieces = st.sampled_from(
    [*"ab1 _*#>-+=.)(![]`~\\&;<>|é", "http://x.y/a_b", "&amp;", "1. ", "- ", "    ", "word"]
)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(pieces, max_size=30).map("".join))
def test_escaped_text_reads_back_as_typed(text: str) -> None:
    assert render_one_line(escaped_text(text)) == " ".join(text.split())


run = st.tuples(
    st.lists(pieces, min_size=1, max_size=6).map("".join),
    st.sampled_from([0, BOLD, ITALIC, BOLD | ITALIC]),
    st.sampled_from([None, "https://e.example/p", "javascript:x"]),
)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(run, max_size=6))
def test_a_formatted_line_shows_exactly_its_words(runs: list[Run]) -> None:
    text = "".join(piece for piece, _, _ in runs)
    assert render_one_line(markdown_line(runs)) == " ".join(text.split())


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_html_gives_markdown_without_raising(html: str) -> None:
    reply = extract_html_reply(html)
    assert isinstance(reply.reply.text, str)
