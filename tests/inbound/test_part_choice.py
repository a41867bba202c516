"""The room gets the body part that shows the reply best, and never loses words for it."""

from __future__ import annotations

import html as html_escape
import textwrap

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.inbound.html_text import HtmlBudget
from gateway.inbound.parsing import parse_email
from gateway.inbound.part_choice import choose_reply, read_reply, words_agree
from gateway.inbound.preparation import reply_text_of

REPLY = (
    "Thanks for sending the floor plan over so quickly. I walked through it with the "
    "caterers this morning and they think the kitchen entrance on the north side will "
    "work, as long as the van can park there before eight."
)
ATTRIBUTION = "On Mon, Dec 7, 2026 at 10:04 AM Bob Baker <bob@example.com> wrote:"
QUOTE = "Here is the floor plan for the March event."


def alternative(text: str, html: str, text_params: str = "") -> bytes:
    """A multipart/alternative reply as Gmail, Outlook and Apple Mail send them."""
    head = (
        "From: Ann <ann@example.org>\r\nTo: reply@gateway.example\r\nSubject: Re: plan\r\n"
        "Message-ID: <choice-1@example.org>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n'
    )
    body = (
        f"--alt\r\nContent-Type: text/plain; charset=utf-8{text_params}\r\n\r\n{text}\r\n"
        f"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--alt--\r\n"
    )
    return (head + body).replace("\r\n", "\n").replace("\n", "\r\n").encode()


def gmail_text(reply: str) -> str:
    return "\n".join(textwrap.wrap(reply, 76)) + f"\n\n{ATTRIBUTION}\n\n> {QUOTE}\n"


def gmail_html(reply_html: str) -> str:
    return (
        f'<div dir="ltr">{reply_html}</div><br><div class="gmail_quote">'
        f'<div dir="ltr" class="gmail_attr">{html_escape.escape(ATTRIBUTION)}<br></div>'
        f'<blockquote class="gmail_quote">{QUOTE}</blockquote></div>'
    )


def test_gmail_reply_gets_the_html_paragraph_not_the_hard_wrapped_text() -> None:
    parsed = parse_email(alternative(gmail_text(REPLY), gmail_html(REPLY)))
    assert parsed.text is not None and parsed.text.count("\n") > 3
    reply = reply_text_of(parsed)
    assert reply.text == REPLY
    assert QUOTE in reply.elided


def test_outlook_reply_gets_the_list_and_link_its_text_part_lost() -> None:
    text = (
        "Two things:\n\n* the deposit\n* the menu<https://caterer.example/menu>\n\n"
        "Ann\n\nFrom: Bob Baker <bob@example.com>\nSent: Monday, December 7, 2026 10:04\n"
        f"To: Ann <ann@example.org>\nSubject: plan\n\n{QUOTE}\n"
    )
    html = (
        '<div class="WordSection1"><p class="MsoNormal">Two things:</p><ul><li>the deposit</li>'
        '<li>the <a href="https://caterer.example/menu">menu</a></li></ul>'
        '<p class="MsoNormal">Ann</p><div id="divRplyFwdMsg"><b>From:</b> Bob Baker<br>'
        f"<b>Sent:</b> Monday<br><b>Subject:</b> plan</div><p>{QUOTE}</p></div>"
    )
    reply = reply_text_of(parse_email(alternative(text, html)))
    assert reply.text == (
        "Two things:\n\n- the deposit\n- the [menu](https://caterer.example/menu)\n\nAnn"
    )


def test_the_body_read_is_given_with_every_reply_line_in_it() -> None:
    # The later cut of our own quote finds the reply's lines in this body.
    from_html = read_reply(gmail_text(REPLY), gmail_html(REPLY))
    assert from_html.reply.text in from_html.source.split("\n")
    assert f"> {QUOTE}" in from_html.source.split("\n")
    shorter = REPLY.split(". ")[0] + "."
    from_text = read_reply(gmail_text(REPLY), gmail_html(shorter))
    assert from_text.reply.text in from_text.source.split("\n")
    assert ATTRIBUTION in from_text.source


def test_html_that_lost_words_the_text_part_has_is_not_used() -> None:
    shorter = REPLY.split(". ")[0] + "."
    parsed = parse_email(alternative(gmail_text(REPLY), gmail_html(shorter)))
    reply = reply_text_of(parsed)
    # The text part's words, its soft wraps joined back.
    assert reply.text == REPLY


def test_html_with_a_quote_its_rules_did_not_cut_is_not_used() -> None:
    # No container the rules know: the HTML reply keeps the quoted mail below it.
    html = f"<div>{REPLY}</div><div><br></div><div>{ATTRIBUTION}</div><div>{QUOTE} " * 3
    reply = reply_text_of(parse_email(alternative(gmail_text(REPLY), html + "</div>")))
    assert reply.text == REPLY
    assert QUOTE not in reply.text


def test_plain_text_that_is_not_wrapped_wins_over_plain_html() -> None:
    text = "Yes.\nThursday works for me.\n\nAnn"
    html = "<div>Yes.</div><div>Thursday works for me.</div><div><br></div><div>Ann</div>"
    reply = reply_text_of(parse_email(alternative(text, html)))
    assert reply.text == text


def test_format_flowed_text_is_unflowed_and_kept() -> None:
    flowed = "\n".join(line + " " for line in textwrap.wrap(REPLY, 70)[:-1])
    flowed += "\n" + textwrap.wrap(REPLY, 70)[-1] + "\n\nAnn\n"
    html = f"<div>{REPLY}</div><div><br></div><div>Ann</div>"
    parsed = parse_email(alternative(flowed, html, "; format=flowed"))
    assert reply_text_of(parsed).text == f"{REPLY}\n\nAnn"


def test_html_over_its_budget_leaves_the_text_part() -> None:
    reply = choose_reply(gmail_text(REPLY), gmail_html(REPLY), HtmlBudget(max_chars=50))
    assert reply.text == REPLY
    assert reply.html_fallback == ""


def test_html_only_mail_is_read_as_markdown() -> None:
    reply = choose_reply(None, "<p>Please use <b>room B</b>.</p>")
    assert reply.text == "Please use **room B**."


def test_client_notes_for_images_and_links_are_not_words_the_html_lost() -> None:
    text = "See the plan [image: plan.png] and the menu <https://caterer.example/menu>"
    # The HTML reply as plain text: the image is not shown, the link's address follows it.
    from_html = "See the plan and the menu (https://caterer.example/menu)"
    assert words_agree(text, from_html)
    assert not words_agree(text + " tomorrow", from_html)
    assert not words_agree(text, from_html + " " + QUOTE)


reply_words = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(reply_words, st.data())
def test_a_word_is_never_lost_to_the_choice(words: list[str], data: st.DataObject) -> None:
    text = " ".join(words)
    dropped = data.draw(st.integers(-1, len(words) - 1))
    html_words = [w for i, w in enumerate(words) if i != dropped]
    bold = data.draw(st.booleans())
    html = "<div>" + " ".join(f"<b>{w}</b>" if bold else w for w in html_words) + "</div>"
    reply = choose_reply("\n".join(textwrap.wrap(text, 70)), html)
    assert reply.text.replace("*", "").split() == words


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300), st.text(max_size=300))
def test_any_pair_of_parts_gives_a_reply_without_raising(text: str, html: str) -> None:
    choose_reply(text, html)
