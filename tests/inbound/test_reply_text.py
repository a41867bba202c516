"""Reply-text extraction: plain-text and HTML replies from the mail clients people use.

Fixtures live in tests/data/replies/; the labelled peer corpus is checked separately in
test_reply_corpus.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.inbound.reply_text import (
    ReplyText,
    extract_reply_from_html,
    extract_reply_text,
    html_to_text,
)

REPLIES = Path(__file__).parent.parent / "data" / "replies"
CORPUS = Path(__file__).parent.parent / "data" / "reply-trimmer"


def fixture(name: str) -> str:
    return (REPLIES / name).read_text(encoding="utf-8")


def extract(work: str, *, html: bool = False) -> ReplyText:
    return extract_reply_from_html(work) if html else extract_reply_text(work)


# --- plain text: quotes and quote headers ---------------------------------------------------


def test_quote_below_the_reply_is_elided_with_its_header() -> None:
    reply = extract_reply_text(fixture("apple_plain.txt"))

    assert reply.text == "Sounds great, count me in."
    assert reply.elided == (
        "On 23 Nov 2026, at 10:00, Ann <a@b.c> wrote:\n\n> Dinner on Friday at 8?\n>\n> Ann"
    )


def test_apple_mail_quoted_header_and_sent_from_my_iphone_are_elided() -> None:
    reply = extract_reply_text(fixture("apple_ios_plain.txt"))

    assert reply.text == "Sounds great, count me in."
    assert reply.elided.startswith("Sent from my iPhone\n\n> On 23 Nov 2026")


def test_german_quote_header_wrapped_over_two_lines_is_elided_as_one_line() -> None:
    reply = extract_reply_text(fixture("german_wrapped.txt"))

    assert reply.text == "Ja, das klappt."
    assert reply.elided.splitlines()[0] == (
        "Am Mo., 23. Nov. 2026 um 10:00 Uhr schrieb Ann Example < ann@example.com>:"
    )


def test_french_quote_header_wrapped_over_two_lines_is_elided_as_one_line() -> None:
    reply = extract_reply_text(fixture("french_wrapped.txt"))

    assert reply.text == "Parfait, merci !"
    assert reply.elided.splitlines()[0] == (
        "Le lun. 23 nov. 2026 à 10:00, Ann Example <ann@example.com> a écrit :"
    )


@pytest.mark.parametrize(
    "header",
    [
        "On Mon, Nov 23, 2026 at 10:00 AM Ann Example <ann@example.com> wrote:",
        "Am Mo., 23. Nov. 2026 um 10:00 Uhr schrieb Ann Example <ann@example.com>:",
        "Ann Example <ann@example.com> schrieb am Mo., 23. Nov. 2026, 10:00:",
        "Le lun. 23 nov. 2026 à 10:00, Ann Example <ann@example.com> a écrit :",
        "El lun, 23 nov 2026 a las 10:00, Ann Example (<ann@example.com>) escribió:",
        "Il giorno lun 23 nov 2026 alle ore 10:00 Ann Example <ann@example.com> ha scritto:",
        "Op ma 23 nov 2026 om 10:00 schreef Ann Example <ann@example.com>:",
        "Em seg., 23 de nov. de 2026 às 10:00, Ann Example <ann@example.com> escreveu:",
        "Den mån 23 nov. 2026 kl 10:00 skrev Ann Example <ann@example.com>:",
        "man. 23. nov. 2026 kl. 10:00 skrev Ann Example <ann@example.com>:",
        "W dniu 23.11.2026 o 10:00, Ann Example pisze:",
        "pon., 23 lis 2026 o 10:00 Ann Example <ann@example.com> napisał(a):",
        "пн, 23 нояб. 2026 г. в 10:00, Ann Example <ann@example.com>:",
        "23 листопада 2026 р. о 10:00 Ann Example <ann@example.com> пише:",
        "2026年11月23日(月) 10:00 Ann Example <ann@example.com>:",
        "在 2026年11月23日，上午10:00，Ann Example <ann@example.com> 写道：",
        "2026-11-23 10:00 GMT+01:00 Ann Example <ann@example.com>:",
        "---- On Mon, 23 Nov 2026 10:00:00 +0100 Ann Example <ann@example.com> wrote ----",
    ],
)
def test_quote_headers_in_many_languages_cut_the_quote(header: str) -> None:
    body = f"Thanks, that works.\n\n{header}\n\n> Does Tuesday work?\n"

    reply = extract_reply_text(body)

    assert reply.text == "Thanks, that works."
    assert reply.elided == f"{header}\n\n> Does Tuesday work?"


def test_inline_answers_between_quote_blocks_are_kept_with_their_quotes() -> None:
    reply = extract_reply_text(fixture("inline_answer.txt"))

    assert "Yes, I'll have it done by Thursday evening." in reply.text
    assert "No, one is enough for this one." in reply.text
    assert "> 2. Do we need a second reviewer?" in reply.text
    assert reply.text.endswith("Greg")
    assert reply.elided == "On Mon, 23 Nov 2026 at 10:00, Ann Example <ann@example.com> wrote:"


def test_bottom_posted_reply_keeps_the_text_below_the_quote() -> None:
    body = "On 23 Nov 2026, at 10:00, Ann <a@b.c> wrote:\n> Lunch on Friday?\n\nYes, noon.\n"

    reply = extract_reply_text(body)

    assert reply.text == "Yes, noon."
    assert reply.elided == "On 23 Nov 2026, at 10:00, Ann <a@b.c> wrote:\n> Lunch on Friday?"


def test_wrote_in_the_middle_of_a_paragraph_is_kept() -> None:
    body = (
        "Yesterday Ann wrote: the deploy on 23 Nov 2026 failed at 10:00, so we rolled back.\n"
        "On Monday we try again.\n"
    )

    reply = extract_reply_text(body)

    assert reply.text == body.strip()
    assert reply.elided == ""


def test_line_ending_in_wrote_colon_that_is_not_a_quote_header_is_kept() -> None:
    body = "As the manual wrote:\n> Never run this on a Friday.\n\nSo let's wait.\n"

    reply = extract_reply_text(body)

    assert reply.text == body.strip()


def test_sentence_above_a_wrapped_header_is_not_swallowed_by_it() -> None:
    body = (
        "On this day I finally wrote the report.\n"
        "On 23 Nov 2026, at 10:00, Ann <a@b.c> wrote:\n"
        "> Where is the report?\n"
    )

    reply = extract_reply_text(body)

    assert reply.text == "On this day I finally wrote the report."


def test_body_that_is_only_quote_gives_empty_text_and_elides_everything() -> None:
    body = "> Are you coming?\n>\n> Ann\n"

    reply = extract_reply_text(body)

    assert reply == ReplyText(text="", elided="> Are you coming?\n>\n> Ann")


def test_quote_header_and_quote_with_nothing_written_give_empty_text() -> None:
    body = "On 23 Nov 2026, at 10:00, Ann <a@b.c> wrote:\n\n> Are you coming?\n"

    reply = extract_reply_text(body)

    assert reply.text == ""
    assert reply.elided == body.strip()


@pytest.mark.parametrize("body", ["", "   ", "\n\n\r\n", "\t \n"])
def test_body_without_text_gives_empty_reply(body: str) -> None:
    assert extract_reply_text(body) == ReplyText(text="", elided="")


def test_crlf_and_lone_cr_line_endings_are_normalized() -> None:
    body = "Fine by me.\r\nBob\r\rOn 23 Nov 2026, at 10:00, Ann <a@b.c> wrote:\r> Okay?\r"

    reply = extract_reply_text(body)

    assert reply.text == "Fine by me.\nBob"
    assert reply.elided == "On 23 Nov 2026, at 10:00, Ann <a@b.c> wrote:\n> Okay?"


# --- plain text: Outlook header blocks and forwarded mail -------------------------------------


def test_outlook_from_sent_to_subject_block_cuts_the_quoted_mail() -> None:
    reply = extract_reply_text(fixture("outlook_plain.txt"))

    assert reply.text == (
        "Hi Ann,\n\nI've attached the signed contract. Let me know if anything is missing."
        "\n\nRegards,\nGreg"
    )
    assert reply.elided.startswith("________________________________\nFrom: Ann Example")
    assert reply.elided.endswith("could you sign and return the contract?\n\nAnn")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("outlook_plain_german_bold.txt", "Passt, danke!"),
        ("outlook_plain_french.txt", "Oui, c'est noté."),
    ],
)
def test_localized_outlook_header_blocks_are_cut(name: str, text: str) -> None:
    reply = extract_reply_text(fixture(name))

    assert reply.text == text
    assert reply.elided.splitlines()[0].lstrip("*").startswith(("Von", "De"))


def test_from_to_date_lines_without_a_subject_are_kept_as_text() -> None:
    body = "My travel plan:\n\nFrom: Berlin\nTo: Paris\nDate: 23 Nov 2026\n\nSee you there.\n"

    reply = extract_reply_text(body)

    assert reply.text == body.strip()


@pytest.mark.parametrize(
    "marker",
    [
        "-----Original Message-----",
        "---------- Forwarded message ---------",
        "Begin forwarded message:",
        "-----Ursprüngliche Nachricht-----",
        "-------- Message d'origine --------",
    ],
)
def test_original_and_forwarded_message_markers_cut_after_the_text(marker: str) -> None:
    body = f"See below.\n\n{marker}\nFrom: Ann <a@b.c>\nSubject: Plan\n\nThe plan.\n"

    reply = extract_reply_text(body)

    assert reply.text == "See below."
    assert reply.elided.startswith(marker)


def test_forward_without_comment_keeps_the_forwarded_body() -> None:
    body = (
        "---------- Forwarded message ---------\n"
        "From: Ann Example <ann@example.com>\n"
        "Date: Mon, 23 Nov 2026 at 10:00\n"
        "Subject: Room booking\n"
        "To: <bob@example.com>\n\n"
        "The big room is booked for Tuesday.\n"
    )

    reply = extract_reply_text(body)

    assert reply.text == "The big room is booked for Tuesday."
    assert reply.elided.startswith("---------- Forwarded message ---------")


# --- plain text: signatures -----------------------------------------------------------------


def test_sent_from_my_iphone_is_elided() -> None:
    reply = extract_reply_text(fixture("iphone.txt"))

    assert reply.text == "On my way, ten minutes."
    assert reply.elided.startswith("Sent from my iPhone\n\nOn 23 Nov 2026")


@pytest.mark.parametrize(
    "signature",
    [
        "Sent from my iPhone",
        "Sent from my Galaxy",
        "Sent from my BlackBerry 10 smartphone.",
        "Envoyé de mon iPhone",
        "Von meinem iPhone gesendet",
        "Enviado desde mi iPhone",
        "Enviado do meu iPhone",
        "Inviato da iPhone",
        "Verzonden vanaf mijn iPhone",
        "Skickat från min iPhone",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "從我的 iPhone 傳送",
    ],
)
def test_mobile_signatures_in_many_languages_are_elided(signature: str) -> None:
    reply = extract_reply_text(f"Yes, see you at six.\n\n{signature}\n")

    assert reply == ReplyText(text="Yes, see you at six.", elided=signature)


def test_closing_that_starts_like_a_mobile_signature_is_kept() -> None:
    body = "See you on Friday.\n\nSent with love from Berlin\n"

    assert extract_reply_text(body).text == body.strip()


def test_sent_from_line_that_is_not_the_last_line_is_kept() -> None:
    body = "Sent from the office this morning, the parcel should arrive today.\n\nThanks\n"

    assert extract_reply_text(body).text == body.strip()


def test_rfc3676_signature_delimiter_cuts_the_signature() -> None:
    body = "See you tomorrow.\n\n-- \nBob Example\nHead of Finance, Example Ltd.\n"

    reply = extract_reply_text(body)

    assert reply.text == "See you tomorrow."
    assert reply.elided == "-- \nBob Example\nHead of Finance, Example Ltd."


def test_dashes_followed_by_a_short_block_are_a_signature() -> None:
    body = "Mal sehen.\n\n--\nMit lieben Grüßen\n\nJohn Doe\nhttp://blog.john.doe\n"

    assert extract_reply_text(body).text == "Mal sehen."


def test_dashes_followed_by_prose_are_kept() -> None:
    prose = (
        "One more thing I forgot to mention in the first part of this mail: the staging\n"
        "server will be down for maintenance on Thursday between ten and noon, so please do\n"
        "not schedule any demos in that window; if you already did, let me know and I will\n"
        "ask the infrastructure team whether the maintenance can be moved to the weekend.\n"
    )
    body = f"The release is ready.\n\n--\n{prose}"

    assert extract_reply_text(body).text == body.strip()


def test_markdown_rule_between_paragraphs_is_kept() -> None:
    body = "First part.\n\n---\n\nSecond part, still mine.\n"

    assert extract_reply_text(body).text == body.strip()


def test_signature_delimiter_with_nothing_above_keeps_what_follows() -> None:
    # Judgement call: with no text above the delimiter, cutting would turn the reply into
    # an empty one; we cannot tell a signature from a message here, so nothing is cut.
    body = "-- \nI think we should ship on Monday.\n"

    reply = extract_reply_text(body)

    assert reply.text == "-- \nI think we should ship on Monday."
    assert reply.elided == ""


def test_code_fences_are_never_trimmed() -> None:
    body = "Try this:\n\n```\n> not a quote\n--\n-----Original Message-----\n```\n\nDone.\n"

    assert extract_reply_text(body).text == body.strip()


# --- HTML -------------------------------------------------------------------------------------


def test_gmail_html_reply_cuts_gmail_quote_and_the_signature() -> None:
    reply = extract_reply_from_html(fixture("gmail.html"))

    assert reply.text == (
        "Thanks Ann, Thursday works for me.\n\n"
        "I'll bring the project plan (https://example.com/plan) & the budget."
    )
    assert reply.elided.startswith("-- \nBob Example\nExample Ltd.")
    assert "On Mon, 23 Nov 2026 at 10:00, Ann Example <ann@example.com> wrote:" in reply.elided
    assert "> can we meet on Thursday?" in reply.elided


@pytest.mark.parametrize("keep_appendonsend", [True, False])
def test_outlook_html_reply_cuts_from_the_divrplyfwdmsg_block(keep_appendonsend: bool) -> None:
    html = fixture("outlook_web.html")
    if not keep_appendonsend:  # Outlook desktop writes only the <hr> and divRplyFwdMsg
        html = html.replace('<div id="appendonsend"></div>', "")

    reply = extract_reply_from_html(html)

    assert reply.text == "Sounds good, I will send the invoice tomorrow.\n\nRegards,\nCarol"
    assert "From: Ann Example <ann@example.com>" in reply.elided
    assert "could you send the invoice for October?" in reply.elided


def test_outlook_desktop_html_reply_cuts_the_border_top_from_block() -> None:
    reply = extract_reply_from_html(fixture("outlook_desktop.html"))

    assert reply.text == "Hi Ann,\n\nThe report is attached. Numbers for Q3 are final.\n\nDave"
    assert reply.elided.startswith("From: Ann Example <ann@example.com>")
    assert reply.elided.endswith("Dave, can you send the Q3 report?")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("apple_mail_ios.html", "Perfect, see you there!"),
        ("apple_mail_macos.html", "Works for me.\n\nFrank"),
    ],
)
def test_apple_mail_html_reply_cuts_the_cite_blockquote(name: str, text: str) -> None:
    reply = extract_reply_from_html(fixture(name))

    assert reply.text == text
    assert "> On 23 Nov 2026, at 10:00, Ann Example <ann@example.com> wrote:" in reply.elided


def test_thunderbird_html_reply_cuts_moz_cite_prefix_and_blockquote() -> None:
    reply = extract_reply_from_html(fixture("thunderbird.html"))

    assert reply.text == "Agreed, let's ship on Monday.\n\nEve"
    assert reply.elided == (
        "On 23/11/2026 10:00, Ann Example wrote:\n\n"
        "> Shall we ship the release on Monday?\n>\n> Ann"
    )


def test_html_signature_below_the_quote_is_elided_with_the_quote() -> None:
    reply = extract_reply_from_html(fixture("thunderbird_signature_below_quote.html"))

    assert reply.text == "Agreed, let's ship on Monday."
    assert reply.elided.endswith("-- \nEve Example, release manager")


def test_yahoo_html_reply_cuts_yahoo_quoted() -> None:
    reply = extract_reply_from_html(fixture("yahoo.html"))

    assert reply.text == "Yes, Monday is fine."
    assert reply.elided.startswith("On Monday, 23 November 2026, 10:00:00 GMT, Ann Example")


def test_inline_answers_between_html_blockquotes_are_kept_with_their_context() -> None:
    reply = extract_reply_from_html(fixture("apple_inline.html"))

    assert reply.text == (
        "Answers below.\n\n> Can you make Tuesday?\nYes, after 2 pm.\n"
        "> Should I book the room?\nPlease do, the big one."
    )
    assert reply.elided == "On 23 Nov 2026, at 10:00, Ann Example <ann@example.com> wrote:"


def test_html_forward_without_comment_keeps_the_forwarded_body() -> None:
    reply = extract_reply_from_html(fixture("gmail_forward.html"))

    assert reply.text == "The big room is booked for Tuesday at 2 pm."
    assert reply.elided.startswith("---------- Forwarded message ---------")


def test_html_reply_with_nothing_written_is_empty() -> None:
    html = (
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, 23 Nov 2026 at 10:00, '
        'Ann &lt;a@b.c&gt; wrote:<br></div><blockquote class="gmail_quote">Coming?'
        "</blockquote></div>"
    )

    reply = extract_reply_from_html(html)

    assert reply.text == ""
    assert "> Coming?" in reply.elided


def test_html_without_quote_container_is_converted_and_trimmed_as_text() -> None:
    html = "<p>Looks good.</p><p>Sent from my iPhone</p>"

    assert extract_reply_from_html(html) == ReplyText("Looks good.", "Sent from my iPhone")


def test_html_to_text_renders_paragraphs_breaks_and_lists() -> None:
    html = (
        "<p>First paragraph<br>second line</p><p>Items:</p>"
        "<ul><li>one</li><li>two</li></ul><ol><li>first</li><li>second</li></ol>"
        "<div>a div</div><div><br></div><div>after a blank line</div>"
    )

    assert html_to_text(html) == (
        "First paragraph\nsecond line\n\nItems:\n\n- one\n- two\n1. first\n2. second\n"
        "a div\n\nafter a blank line"
    )


def test_html_to_text_writes_links_as_text_and_url() -> None:
    html = (
        '<a href="https://example.com/a">the docs</a>, '
        '<a href="https://example.com/b">https://example.com/b</a>, '
        '<a href="mailto:ann@example.com">ann@example.com</a>, '
        '<a href="https://www.example.com/c/">example.com/c</a>, '
        '<a href="#top">top</a>'
    )

    assert html_to_text(html) == (
        "the docs (https://example.com/a), https://example.com/b, ann@example.com, "
        "example.com/c, top"
    )


def test_html_to_text_decodes_entities_and_drops_head_style_and_script() -> None:
    html = (
        "<html><head><title>Ignored</title><style>p {color: red}</style></head>"
        "<body><script>alert(1)</script><p>Caf&eacute; &amp; cr&#232;me &lt;3&nbsp;!</p>"
        "</body></html>"
    )

    assert html_to_text(html) == "Café & crème <3 !"


def test_html_to_text_renders_blockquotes_as_quoted_lines() -> None:
    html = "<p>Reply</p><blockquote><p>Quoted</p><blockquote>Deeper</blockquote></blockquote>"

    assert html_to_text(html) == "Reply\n\n> Quoted\n>\n>> Deeper"


def test_html_to_text_keeps_preformatted_text() -> None:
    html = "<pre>def f():\n    return 1\n</pre><p>done</p>"

    assert html_to_text(html) == "def f():\n    return 1\n\ndone"


@pytest.mark.parametrize(
    "html",
    ["<div><p>unclosed <b>bold", "</div></blockquote>text<blockquote>", "<<>>&&;<a href=x>", ""],
)
def test_html_to_text_survives_malformed_markup(html: str) -> None:
    assert isinstance(html_to_text(html), str)
    assert isinstance(extract_reply_from_html(html), ReplyText)


# --- hostile sizes and shapes ------------------------------------------------------------------
# Inputs built to make a backtracking matcher blow up. Here they must come out right; how long
# they take is measured by bench/reply_extraction.py against a linear scan of the same input
# (a quadratic matcher would also never finish here).


def test_200kb_of_quote_markers_and_on_lines_is_handled() -> None:
    body = (
        "> On Mon, 1 Jan 2024 at 10:00, X <x@y.z> wrote:\n"
        "On Mon, 1 Jan 2024 at 10:00, X <x@y.z>\n"
        ">\n"
        "On\n"
    ) * 2500

    reply = extract(body)

    assert reply.text == body.strip()  # no quote header matches: nothing is cut


def test_reply_above_a_huge_quote_is_extracted() -> None:
    body = "Thanks!\n\nOn 23 Nov 2026, at 10:00, Ann <a@b.c> wrote:\n" + "> quoted\n" * 500_000

    reply = extract(body)

    assert reply.text == "Thanks!"
    assert len(reply.elided) == len(body.strip()) - len("Thanks!\n\n")


def test_millions_of_blank_lines_are_handled() -> None:
    assert extract("\n" * 2_000_000 + "end") == ReplyText("end", "")


def test_many_lines_ending_in_wrote_are_handled() -> None:
    body = "On 1 Jan 2024 x wrote\n" * 10000 + "2024 wrote wrote wrote:\n" * 10000
    reply = extract(body)

    assert reply.text.startswith("On 1 Jan 2024 x wrote\n") and reply.elided
    assert set((reply.text + "\n" + reply.elided).splitlines()) <= set(body.splitlines())


def test_one_megabyte_single_line_is_handled() -> None:
    reply = extract("a" * 1_000_000)

    assert len(reply.text) == 1_000_000


def test_long_candidate_lines_with_many_verbs_are_handled() -> None:
    line = "On 1 " + "wrote schrieb " * 21 + "x\n"
    body = (line + "x:\n" * 5) * 2000
    reply = extract(body)

    # The wrapped attribution ("... x" + "x:") is joined in what is elided.
    assert reply.elided.startswith(line.strip() + " x:")
    assert set(reply.text.splitlines()) <= set(body.splitlines())


def test_corpus_pathological_matcher_input_is_handled() -> None:
    body = (CORPUS / "matchers" / "does_not_contain_embedded_email.txt").read_text("utf-8")

    reply = extract(body * 2000)

    assert reply == ReplyText((body * 2000).strip(), "")


def test_huge_html_is_handled() -> None:
    html = "<div>" * 20000 + "<blockquote>x</blockquote>" * 5000 + "</div>" * 20000

    reply = extract(html, html=True)

    assert reply.text == "" and reply.elided.count("x") == 5000


def test_typical_2kb_reply_keeps_the_reply_and_its_signature() -> None:
    assert extract_reply_text(fixture("typical_2kb.txt")).text.endswith("Best,\nBob")


def test_terse_attribution_without_a_date_above_a_quote_is_a_header() -> None:
    body = "Friday works for me.\n\nOn Mon, Alice Archer wrote:\n> Can we ship on Friday?\n"
    result = extract_reply_text(body)
    assert result.text == "Friday works for me."
    assert result.elided.startswith("On Mon, Alice Archer wrote:")


def test_line_ending_in_a_colon_above_a_quote_is_kept_when_it_is_not_an_attribution() -> None:
    body = "I said this.\nOn balance, here is my view:\n> quoted\nmore"
    assert extract_reply_text(body).text == body


# --- the person's words under a quote -------------------------------------------------------


def test_a_reply_block_with_a_plain_subject_still_cuts() -> None:
    body = (
        "Agreed.\n\n________________________________\n"
        "From: Carol <c@d.e>\nSent: Monday, December 7, 2026 10:04 AM\nTo: Bob\n"
        "Subject: RE: Budget\n\nThe budget is 10k.\n"
    )

    assert extract_reply_text(body).text == "Agreed."


@pytest.mark.parametrize(
    "closing",
    ["Regards,\nBob", "Mit freundlichen Grüßen\nBob", "Thanks, Bob", "Cordialement,\nBob"],
)
def test_a_closing_under_the_quote_is_the_persons_and_stays(closing: str) -> None:
    header = "On Mon, 7 Dec 2026 at 10:04, Ann <a@b.c> wrote:"
    body = f"Yes, Friday works.\n\n{header}\n> Lunch?\n\n{closing}\n"

    reply = extract_reply_text(body)

    assert reply.text == f"Yes, Friday works.\n\n{closing}"
    assert reply.elided == f"{header}\n> Lunch?"


def test_two_lines_of_prose_under_the_quote_are_still_read_as_a_footer() -> None:
    header = "On Mon, 7 Dec 2026 at 10:04, Ann <a@b.c> wrote:"
    body = f"Yes.\n\n{header}\n> Lunch?\n\nACME Corp, 1 Main St\nwww.acme.example\n"

    assert extract_reply_text(body).text == "Yes."


def test_a_quoted_link_wrapped_without_its_marker_stays_in_the_quote() -> None:
    header = "On Mon, 7 Dec 2026 at 10:04, Ann <a@b.c> wrote:"
    body = (
        f"The town hall, please.\n\n{header}\n> The options are on\n"
        "> https://intranet.example.com/teams/facilities/2027/venue-options\n"
        "?view=list&sort=price\n>\n> Could you pick one by Friday?\n"
    )

    reply = extract_reply_text(body)

    assert reply.text == "The town hall, please."
    assert "?view=list&sort=price" in reply.elided


def test_an_answer_under_a_quoted_link_is_still_an_answer() -> None:
    body = (
        "Answers below.\n\nOn Mon, 7 Dec 2026 at 10:04, Ann <a@b.c> wrote:\n"
        "> Is this the right page? https://intranet.example.com/venues\nYes.\n"
        "> And the price list?\nNo, that one is old.\n"
    )

    reply = extract_reply_text(body)

    assert "Yes." in reply.text
    assert "No, that one is old." in reply.text


def test_an_answer_and_a_closing_under_the_quote_stay() -> None:
    header = "On Mon, 7 Dec 2026 at 10:04, Ann <a@b.c> wrote:"
    body = f"See below.\n\n{header}\n> Can you come?\n\nYes, I can.\n\nCheers\nBob\n"

    reply = extract_reply_text(body)

    assert reply.text == "See below.\n\nYes, I can.\n\nCheers\nBob"
    assert reply.elided == f"{header}\n> Can you come?"
