# ruff: noqa: E501 -- each case is a mail body as one string, read more easily unbroken
"""Reply shapes as clients send them, written apart from the catalogue: plain-text and HTML
replies from Gmail (2024 markup), Yahoo, Apple Mail, Thunderbird, Proton, Outlook on the
web and desktop, Zimbra and Android, in several languages, each with the text the room
must get."""

from __future__ import annotations

import pytest

from gateway.inbound.part_choice import choose_reply
from gateway.inbound.reply_text import extract_reply_text

PLAIN = {
    "three_line_attr": (
        "Works for me.\n\nOn Tuesday, December 8, 2026 at\n10:04:33 AM Central European Standard\nTime, Alice Archer <alice@example.com> wrote:\n> Shall we meet?\n",
        "Works for me.",
    ),
    "vi_outlook_block": (
        "Được, tôi đồng ý.\n\nTừ: Alice <alice@example.com>\nĐã gửi: Thứ Hai, 7 tháng 12, 2026 10:04\nĐến: Bob\nChủ đề: Họp\n\nChúng ta họp nhé?\n",
        "Được, tôi đồng ý.",
    ),
    "android_dash": (
        "Ok see you\n\n---- Alice Archer wrote ----\n\nShall we meet at 5?\n",
        "Ok see you",
    ),
    "android_dash_on": (
        "Ok see you\n\n---- On Mon, 07 Dec 2026 10:04:05 +0000 Alice Archer <alice@example.com> wrote ----\n\nShall we meet at 5?\n",
        "Ok see you",
    ),
    "two_field_block_date_first": (
        "Yes.\n\nDate: Mon, 7 Dec 2026 10:04\nFrom: Alice <alice@example.com>\n\nShall we meet?\n",
        "Yes.",
    ),
    "bidi_block": (
        "نعم\n\n\u200fمن: Alice <alice@example.com>\n\u200fتاريخ الإرسال: الاثنين، 7 ديسمبر 2026 10:04\n\u200fإلى: Bob\n\u200fالموضوع: اجتماع\n\nهل نلتقي؟\n",
        "نعم",
    ),
    "sig_with_logo_notice": (
        "Please find the numbers attached.\n\nBest regards\nBob Baker\nSenior Buyer\nBaker & Co GmbH | Hauptstraße 12 | 10115 Berlin\nT +49 30 1234567\n[cid:image001.png@01DB4A2B.5C3E8F10]\nThis message is confidential and intended only for the addressee. If you received it in error please delete it.\n",
        "Please find the numbers attached.\n\nBest regards\nBob Baker",
    ),
    "attr_same_line": (
        "Sure thing! On Mon, Dec 7, 2026 at 10:04 AM Alice Archer <alice@example.com> wrote:\n> Can you come?\n",
        "Sure thing!",
    ),
    "de_wrote_on": (
        "Passt.\n\nAlice Archer <alice@example.com> schrieb am Mo., 7. Dez. 2026, 10:04:\n> Kommst du?\n",
        "Passt.",
    ),
    "nl_date_first": (
        "Prima.\n\nOp ma 7 dec. 2026 om 10:04 schreef Alice Archer <alice@example.com>:\n> Kom je?\n",
        "Prima.",
    ),
    "iphone_de_blank": (
        "Ja\n\nVon meinem iPhone gesendet\n\n> Am 07.12.2026 um 10:04 schrieb Alice Archer <alice@example.com>:\n> \n> Kommst du?\n",
        "Ja",
    ),
    "outlook_2field_after_hr": (
        "Agreed\n\n________________________________\nFrom: Alice Archer\nSent: 07 December 2026 10:04\n\nShall we meet?\n",
        "Agreed",
    ),
    "quote_only_text_after_sig": (
        "Thanks\n-- \nBob\n\nOn Mon, 7 Dec 2026 at 10:04, Alice <a@b.c> wrote:\n> x\n",
        "Thanks",
    ),
}

HTML = {
    "outlook_desktop_signature_without_container": (
        '<div>Fine by me.</div><div><br></div><div><a name="_MailAutoSig">Bob Baker<br>Senior Buyer | Baker &amp; Co<br>T: +44 20 7946 0958<br>www.baker.example</a></div><hr><div id="divRplyFwdMsg"><b>From:</b> Alice<br><b>Sent:</b> Monday<br><b>Subject:</b> x</div><div>Shall we?</div>',
        "Fine by me.\n\nBob Baker",
    ),
    "outlook_html_hr_separate": (
        "<div>Agreed.</div><hr><div><b>From:</b> Alice</div><div><b>Sent:</b> Monday, 7 December 2026 10:04</div><div><b>To:</b> Bob</div><div><p>Shall we meet?</p></div>",
        "Agreed.",
    ),
    "gmail_sig": (
        '<div dir="ltr">Fine by me.<br clear="all"><div><br></div>-- <br><div dir="ltr" class="gmail_signature">Bob Baker<br>+44 20 7946 0958</div></div><br><div class="gmail_quote"><div class="gmail_attr">On Mon, Alice wrote:<br></div><blockquote class="gmail_quote">Shall we?</blockquote></div>',
        "Fine by me.",
    ),
    "gmail_2024": (
        '<div dir="ltr">Sounds good.</div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Mon, Dec 7, 2026 at 10:04\u202fAM Alice Archer &lt;<a href="mailto:alice@example.com">alice@example.com</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Shall we meet?</blockquote></div>',
        "Sounds good.",
    ),
    "yahoo": (
        '<div class="ydp"><div>Sounds good.</div></div><div id="yahoo_quoted_123" class="yahoo_quoted"><div>On Monday, December 7, 2026, 10:04:05 AM GMT, Alice &lt;a@b.c&gt; wrote:</div><div><div>Shall we meet?</div></div></div>',
        "Sounds good.",
    ),
    "apple": (
        '<html><body dir="auto">Sounds good.<br><br><div dir="ltr"><blockquote type="cite">On 7 Dec 2026, at 10:04, Alice &lt;a@b.c&gt; wrote:<br><br></blockquote></div><blockquote type="cite"><div dir="ltr">Shall we meet?</div></blockquote></body></html>',
        "Sounds good.",
    ),
    "thunderbird": (
        '<p>Sounds good.</p><div class="moz-cite-prefix">On 07/12/2026 10:04, Alice wrote:<br></div><blockquote type="cite" cite="mid:x@y">Shall we meet?</blockquote>',
        "Sounds good.",
    ),
    "proton": (
        '<div>Sounds good.</div><div class="protonmail_quote">On Monday, December 7th, 2026 at 10:04, Alice &lt;a@b.c&gt; wrote:<br><blockquote class="protonmail_quote" type="cite">Shall we meet?</blockquote></div>',
        "Sounds good.",
    ),
    "owa_no_id": (
        '<div>Sounds good.</div><div><br></div><hr style="display:inline-block;width:98%" tabindex="-1"><div dir="ltr"><font face="Calibri"><b>From:</b> Alice Archer &lt;alice@example.com&gt;<br><b>Sent:</b> Monday, December 7, 2026 10:04 AM<br><b>To:</b> Bob<br><b>Subject:</b> Meet</font><div>&nbsp;</div></div><div>Shall we meet?</div>',
        "Sounds good.",
    ),
    "outlook_desktop_border": (
        '<div class="WordSection1"><p class="MsoNormal">Sounds good.<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>From:</b> Alice Archer &lt;alice@example.com&gt; <br><b>Sent:</b> Monday, December 7, 2026 10:04 AM<br><b>To:</b> Bob<br><b>Subject:</b> Meet<o:p></o:p></p></div><p class="MsoNormal">Shall we meet?<o:p></o:p></p></div>',
        "Sounds good.",
    ),
    "zimbra": (
        '<div>Sounds good.</div><hr id="zwchr"><div><b>From: </b>"Alice" &lt;a@b.c&gt;<br><b>To: </b>"Bob"<br><b>Sent: </b>Monday, December 7, 2026 10:04:05 AM<br><b>Subject: </b>Meet<br></div><div>Shall we meet?</div>',
        "Sounds good.",
    ),
    "html_bottom_post": (
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, Alice &lt;a@b.c&gt; wrote:</div><blockquote class="gmail_quote">Shall we meet?</blockquote></div><div>Yes, at five.</div>',
        "Yes, at five.",
    ),
}


@pytest.mark.parametrize("case", sorted(PLAIN))
def test_plain_reply_gives_the_persons_words(case: str) -> None:
    body, expected = PLAIN[case]

    assert extract_reply_text(body).text == expected


@pytest.mark.parametrize("case", sorted(HTML))
def test_html_only_reply_gives_the_persons_words(case: str) -> None:
    html, expected = HTML[case]

    assert choose_reply(None, html).text == expected
