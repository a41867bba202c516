"""Our own notification quoted back: found by its words and cut, with any client's attribution."""

from __future__ import annotations

import textwrap
from email.headerregistry import Address
from email.message import EmailMessage

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.inbound.own_quote import cut_own_quote
from gateway.inbound.reply_text import (
    ReplyText,
    extract_reply_from_html,
    extract_reply_text,
    html_to_text,
)
from gateway.inbound.sent_text import SentText, sent_text_of

NOTIFICATION = """Alice Archer wrote in Project X:

Can you send the quarterly report by Friday? We need it for the board meeting next week,
and the numbers for the new office should be in it too.

--\x20
Reply to this email to answer in the room, or open it in your browser:
https://gateway.example.com/rooms/4

You get this email because you are a member of "Project X" on Gateway.
Stop emails from this room: https://gateway.example.com/u/abc123
"""
NAMES = (
    "Alice Archer via Project X",
    "notifications@reply.example.com",
    "Alice Archer",
    "Project X",
)
SENT = [SentText(NOTIFICATION, NAMES)]


def quoted(text: str, prefix: str = "> ", width: int = 72) -> str:
    """`text` as a mail client quotes it: re-wrapped, each line prefixed."""
    lines = []
    for paragraph in text.split("\n\n"):
        wrapped = textwrap.wrap(" ".join(paragraph.split()), width) or [""]
        lines += [f"{prefix}{line}".rstrip() for line in wrapped] + [prefix.rstrip()]
    return "\n".join(lines)


def trimmed(body: str, sent: list[SentText] = SENT) -> ReplyText:
    """The cut of a reply whose extraction recognised nothing: the whole body as its text."""
    return cut_own_quote(ReplyText(body.strip(), ""), body, sent)


def test_quote_under_an_attribution_in_an_unknown_language_is_cut_with_it() -> None:
    body = (
        "Thanks, I will send it on Friday.\n\n"
        "Xyzzy 7.12.2026 Alice Archer skrifaði:\n\n" + quoted(NOTIFICATION)
    )
    reply = trimmed(body)
    assert reply.text == "Thanks, I will send it on Friday."
    assert reply.elided.startswith("Xyzzy 7.12.2026 Alice Archer skrifaði:")
    assert "quarterly report" in reply.elided


def test_wrapped_garbled_attribution_without_a_colon_is_cut_over_three_lines() -> None:
    body = (
        "Sure thing, Friday it is.\n\n"
        "Xyzzy mið. 7. des. 2026 kl. 10:04 skrifaði\n"
        "Alice Archer via Project X\n"
        "<notifications@reply.example.com>\n" + quoted(NOTIFICATION, width=60)
    )
    reply = trimmed(body)
    assert reply.text == "Sure thing, Friday it is."
    assert "Xyzzy mið. 7. des. 2026 kl. 10:04 skrifaði" in reply.elided
    assert "<notifications@reply.example.com>" in reply.elided


def test_wrapped_attribution_the_extraction_kept_as_one_line_is_cut() -> None:
    body = (
        "Friday is fine.\n\n"
        "Xyzzy 7.12.2026 kl. 10:04 skrifaði Alice Archer via Project X <\n"
        "notifications@reply.example.com>:\n\n" + quoted(NOTIFICATION)
    )
    attribution = (
        "Xyzzy 7.12.2026 kl. 10:04 skrifaði Alice Archer via Project X < "
        "notifications@reply.example.com>:"
    )
    extracted = ReplyText(f"Friday is fine.\n\n{attribution}", quoted(NOTIFICATION))
    reply = cut_own_quote(extracted, body, SENT)
    assert reply.text == "Friday is fine."
    assert reply.elided.startswith(attribution)


def test_a_header_block_in_an_unknown_language_is_cut_with_our_text() -> None:
    body = (
        "Friday is fine.\n\n"
        "Frá: Alice Archer via Project X <notifications@reply.example.com>\n"
        "Sent: mánudagur, 7. desember 2026 10:04\n"
        "Til: Bob Baker <bob@example.org>\n"
        "Efni: [Gateway] Project X\n\n" + NOTIFICATION.split("\n-- \n")[0]
    )
    reply = cut_own_quote(ReplyText(body.strip(), ""), body, SENT)
    assert reply.text == "Friday is fine."
    assert reply.elided.startswith("Frá: Alice Archer via Project X")


def test_the_persons_own_field_lines_above_our_quote_are_kept() -> None:
    body = "Budget: 500 EUR\nDeadline: 7.12.2026\nContact: bob@example.org\n" + quoted(NOTIFICATION)
    reply = cut_own_quote(ReplyText(body.strip(), ""), body, SENT)
    assert reply.text.startswith("Budget: 500 EUR\nDeadline: 7.12.2026\nContact: bob@example.org")


def test_text_written_below_our_quote_is_kept() -> None:
    body = (
        "Xyzzy 7.12.2026 Alice Archer skrifaði:\n"
        + quoted(NOTIFICATION)
        + "\n\nYes, I will send it on Friday.\nThe office numbers come on Monday.\n\nBob\n"
    )
    reply = trimmed(body)
    assert reply.text == (
        "Yes, I will send it on Friday.\nThe office numbers come on Monday.\n\nBob"
    )
    assert "Xyzzy" in reply.elided and "quarterly report" in reply.elided


def test_a_few_of_our_words_in_the_persons_own_sentence_are_not_cut() -> None:
    body = (
        "I agree we need it for the board meeting, so I will send the quarterly report.\n"
        "Friday works for me.\n"
    )
    reply = trimmed(body)
    assert reply.text == body.strip()
    assert reply.elided == ""


def test_a_long_run_of_our_words_inside_a_line_of_the_persons_is_not_cut() -> None:
    body = (
        'You asked "can you send the quarterly report by Friday? We need it for the board" '
        "and the answer is yes.\n"
    )
    reply = trimmed(body)
    assert reply.text == body.strip()


def test_a_line_of_ours_pasted_between_the_persons_lines_is_not_cut() -> None:
    body = (
        "About this:\n"
        "Can you send the quarterly report by Friday? We need it for the board\n"
        "Yes, it is nearly done.\n"
    )
    assert trimmed(body).text == body.strip()


def test_the_persons_last_sentence_naming_a_date_and_the_sender_is_not_an_attribution() -> None:
    body = "Let's talk on 7.12.2026 at 10:30, Alice Archer.\n" + quoted(NOTIFICATION) + "\n"
    reply = trimmed(body)
    assert reply.text == "Let's talk on 7.12.2026 at 10:30, Alice Archer."


def test_a_short_line_without_any_mark_of_an_attribution_is_kept() -> None:
    body = "See you then\n\n" + quoted(NOTIFICATION)
    assert trimmed(body).text == "See you then"


def test_nested_narrow_quote_is_found_by_its_words() -> None:
    body = "Done.\n\nXyzzy 7.12.2026 Alice Archer skrifaði:\n" + quoted(
        quoted(NOTIFICATION, "> ", 40), "> ", 30
    )
    reply = trimmed(body)
    assert reply.text == "Done."
    assert "Xyzzy" in reply.elided


def test_a_quote_without_markers_is_cut_from_our_first_line() -> None:
    body = (
        "Sure thing.\n\nXyzzy 7.12.2026 Alice Archer skrifaði:\n"
        + NOTIFICATION.split("\n-- \n")[0]
        + "\n"
    )
    reply = trimmed(body)
    assert reply.text == "Sure thing."
    assert "Alice Archer wrote in Project X:" in reply.elided


def test_answers_between_our_quoted_lines_keep_the_quotes_as_their_context() -> None:
    body = (
        "Xyzzy 7.12.2026 Alice Archer skrifaði:\n"
        "> Can you send the quarterly report by Friday? We need it for the board\n"
        "> meeting next week,\n\n"
        "Yes.\n\n"
        "> and the numbers for the new office should be in it too.\n"
        "> Reply to this email to answer in the room, or open it in your browser:\n\n"
        "They will be.\n"
    )
    reply = cut_own_quote(ReplyText(body.strip(), ""), body, SENT)
    assert reply.text.startswith("> Can you send the quarterly report")
    assert "Yes." in reply.text and "They will be." in reply.text
    assert "Xyzzy" not in reply.text and "Xyzzy" in reply.elided


def test_a_short_quoted_line_answered_below_our_quote_keeps_our_quote_as_context() -> None:
    body = (
        "Xyzzy 7.12.2026 Alice Archer skrifaði:\n"
        "> Can you send the quarterly report by Friday? We need it for the board\n"
        "Yes.\n"
        "> and the numbers?\n"
        "No.\n"
    )
    reply = cut_own_quote(ReplyText(body.strip(), ""), body, SENT)
    assert reply.text == body.strip().split("\n", 1)[1]


def test_html_reply_with_an_unknown_quote_container_is_cut() -> None:
    html = (
        "<div>Sure, Friday.</div><div><br></div>"
        "<div>Xyzzy 7.12.2026 Alice Archer skrifaði:</div>"
        '<div class="xyzzy-quote"><p>Alice Archer wrote in <b>Project X</b>:</p>'
        "<p>Can you send the quarterly report by Friday? We need it for the board meeting "
        "next week, and the numbers for the new office should be in it too.</p></div>"
    )
    reply = cut_own_quote(extract_reply_from_html(html), html_to_text(html), SENT)
    assert reply.text == "Sure, Friday."
    assert "quarterly report" in reply.elided


def test_nothing_is_cut_without_emails_of_ours() -> None:
    body = "Thanks!\n\nXyzzy 7.12.2026 Alice Archer skrifaði:\n" + quoted(NOTIFICATION)
    before = extract_reply_text(body)
    assert cut_own_quote(before, body, []) == before


def test_a_reply_quoting_another_email_is_left_to_the_reply_rules() -> None:
    other = SentText("Bob Baker wrote in Project X:\n\nThe printer on the third floor is broken.")
    body = "Thanks!\n\nXyzzy 7.12.2026 Alice Archer skrifaði:\n" + quoted(NOTIFICATION)
    before = extract_reply_text(body)
    assert cut_own_quote(before, body, [other]) == before


def test_sent_text_is_read_from_our_email_with_its_from_names() -> None:
    email = EmailMessage()
    email["From"] = Address("Zoë Ünal via Café Équipe — été…", "notifications", "reply.example.com")
    email.set_content(
        "Zoë Ünal wrote in Café Équipe — été 2026:\n\nÇa marche 👍\n", cte="quoted-printable"
    )
    email.add_alternative("<p>Ça marche 👍</p>", subtype="html")
    sent = sent_text_of(email.as_bytes())
    assert sent is not None
    assert "Ça marche 👍" in sent.text
    assert set(sent.names) >= {
        "Zoë Ünal via Café Équipe — été…",
        "Zoë Ünal",
        "Café Équipe — été",
        "notifications@reply.example.com",
    }


def test_an_email_without_a_text_part_gives_no_sent_text() -> None:
    email = EmailMessage()
    email.set_content("<p>hi</p>", subtype="html")
    assert sent_text_of(email.as_bytes()) is None


# --- properties --------------------------------------------------------------------------------

PERSON_WORDS = ["yes", "sure", "tomorrow", "draft", "ok", "lunch", "budget", "thanks", "bob"]
OUR_WORDS = ["report", "friday", "board", "meeting", "office", "numbers", "send", "quarter"]
ATTRIBUTIONS = [
    "Xyzzy 7.12.2026 Alice Archer skrifaði:",
    "Xyzzy 7.12.2026 kl. 10:04 skrifaði Alice Archer via\nProject X",
    "Le 7 déc. 2026 à 10:04, Alice Archer via Project X\n"
    "<notifications@reply.example.com> a écrit :",
    "",
]
sentences = st.lists(st.sampled_from(PERSON_WORDS), min_size=1, max_size=12).map(
    lambda words: " ".join(words).capitalize() + "."
)
persons = st.lists(sentences, min_size=1, max_size=4).map("\n".join)
ours = st.lists(st.sampled_from(OUR_WORDS), min_size=12, max_size=80).map(" ".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    person=persons,
    below=st.one_of(st.just(""), persons),
    notification=ours,
    attribution=st.sampled_from(ATTRIBUTIONS),
    prefix=st.sampled_from(["> ", ">", "> > ", ">> "]),
    width=st.integers(min_value=20, max_value=100),
)
def test_only_the_persons_words_remain_however_our_text_is_quoted(
    person: str, below: str, notification: str, attribution: str, prefix: str, width: int
) -> None:
    sent = [SentText(f"Alice Archer wrote in Project X:\n\n{notification}\n", NAMES)]
    quote = quoted(f"Alice Archer wrote in Project X:\n\n{notification}", prefix, width)
    head = f"{attribution}\n" if attribution else ""
    body = f"{person}\n\n{head}{quote}\n\n{below}\n"
    reply = cut_own_quote(ReplyText(body.strip(), ""), body, sent)
    expected = f"{person}\n\n{below}" if below else person
    assert reply.text.split() == expected.split()
    assert notification.split()[0] in reply.elided


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pieces=st.lists(
        st.tuples(persons, st.integers(min_value=0, max_value=7), st.integers(0, 60)),
        min_size=1,
        max_size=6,
    ),
    notification=ours,
)
def test_runs_shorter_than_a_shingle_of_our_words_are_never_cut(
    pieces: list[tuple[str, int, int]], notification: str
) -> None:
    words = notification.split()
    body = "\n".join(
        f"{person} {' '.join(words[start : start + size])}" for person, size, start in pieces
    )
    sent = [SentText(f"Alice Archer wrote in Project X:\n\n{notification}\n", NAMES)]
    before = ReplyText(body.strip(), "")
    assert cut_own_quote(before, body, sent) == before


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.text(st.sampled_from("ab >:@7\n.\u2026é"), max_size=400),
    sent=st.text(st.sampled_from("ab >:@7\n.é"), max_size=200),
)
def test_any_input_only_ever_moves_lines_from_text_to_elided(body: str, sent: str) -> None:
    before = extract_reply_text(body)
    after = cut_own_quote(before, body, [SentText(sent, ("ab a", "7 b"))])
    # (Compared without the outer spaces the text as a whole is stripped of.)
    kept = iter(line.strip() for line in before.text.split("\n"))
    for line in after.text.split("\n") if after.text else []:
        assert any(line.strip() == old for old in kept)  # a subsequence of the text's lines
    moved = {line.strip() for line in before.text.split("\n")} - {
        line.strip() for line in after.text.split("\n")
    }
    assert all(line in after.elided for line in moved)
