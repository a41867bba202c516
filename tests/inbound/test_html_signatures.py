"""Signature containers in HTML replies: elided with the quote, never the person's words.

Gmail ``gmail_signature``, Outlook ``#Signature``, Apple Mail ``#AppleMailSignature``,
Thunderbird ``moz-signature`` and Yahoo ``signature`` hold the sender's signature; at the
end of the mail (or above the quote) they go to ``elided``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.inbound.html_text import split_quoted_html
from gateway.inbound.reply_text import ReplyText, extract_reply_from_html

GMAIL = (
    '<div dir="ltr">Sounds good, see you then.<br clear="all"><div><br></div>'
    '<span class="gmail_signature_prefix">-- </span><br>'
    '<div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature">'
    '<div dir="ltr">Bob Smith<div>Senior Engineer | ACME</div><div>+1 555 0100</div></div>'
    "</div></div><br>"
    '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 23 Nov 2026 at '
    "10:00, Ann &lt;ann@example.com&gt; wrote:<br></div>"
    '<blockquote class="gmail_quote">Does Thursday work?</blockquote></div>'
)
OUTLOOK_WEB = (
    '<div id="divtagdefaultwrapper" dir="ltr"><p>Confirmed, Thursday at ten.</p><p><br></p>'
    '<div id="Signature"><div>Hans Müller<br>Vertriebsleiter | Beispiel GmbH<br>'
    "Tel.: +49 30 1234567</div></div></div>"
    '<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr">'
    "<b>From:</b> Ann<br><b>Sent:</b> Monday<br><b>Subject:</b> Thursday</div>"
    "<div>Does Thursday work?</div>"
)
APPLE = (
    '<html><body dir="auto">Yes, on my way.<br><br>'
    '<div id="AppleMailSignature" dir="ltr">Von meinem iPhone gesendet</div>'
    '<div dir="ltr"><br><blockquote type="cite">Am 23.11.2026 um 10:00 schrieb Ann:<br>'
    "Kommst du?</blockquote></div></body></html>"
)
THUNDERBIRD_DIV = (
    '<p>Merci, c\'est noté.</p><div class="moz-signature">-- <br>Marie Dupont<br>Exemple SAS</div>'
)
THUNDERBIRD_PRE = (
    "<p>Thanks, merged.</p>"
    '<pre class="moz-signature" cols="72">-- \nBob Smith\nhttps://acme.com</pre>'
)
YAHOO = (
    '<div class="yahoo-style-wrap"><div>Got it, thanks.</div>'
    '<div class="signature">Ann Lee<br>Product Manager</div></div>'
    '<div class="yahoo_quoted"><div>On Monday, Bob wrote:</div>'
    "<blockquote>Did you get it?</blockquote></div>"
)


@pytest.mark.parametrize(
    ("html", "text", "elided_start"),
    [
        pytest.param(GMAIL, "Sounds good, see you then.", "-- \nBob Smith", id="gmail"),
        pytest.param(
            OUTLOOK_WEB, "Confirmed, Thursday at ten.", "Hans Müller", id="outlook-signature"
        ),
        pytest.param(APPLE, "Yes, on my way.", "Von meinem iPhone gesendet", id="apple"),
        pytest.param(THUNDERBIRD_DIV, "Merci, c'est noté.", "-- \nMarie Dupont", id="moz-div"),
        pytest.param(THUNDERBIRD_PRE, "Thanks, merged.", "-- \nBob Smith", id="moz-pre"),
        pytest.param(YAHOO, "Got it, thanks.", "Ann Lee", id="yahoo"),
    ],
)
def test_signature_container_is_elided(html: str, text: str, elided_start: str) -> None:
    reply = extract_reply_from_html(html)

    assert reply.text == text
    assert reply.elided.startswith(elided_start)


def test_gmail_signature_and_quote_are_both_elided() -> None:
    reply = extract_reply_from_html(GMAIL)

    assert "Senior Engineer | ACME" in reply.elided
    assert reply.elided.endswith("> Does Thursday work?")


def test_signature_found_by_data_smartmail_alone() -> None:
    html = (
        "<div>Fine by me.</div>"
        '<div data-smartmail="gmail_signature">Bob<br>T: +44 20 7946 0958</div>'
    )

    assert extract_reply_from_html(html) == ReplyText("Fine by me.", "Bob\nT: +44 20 7946 0958")


def test_text_after_a_signature_container_keeps_everything() -> None:
    html = (
        '<div>Yes.</div><div id="Signature"><p>Bob</p></div>'
        "<div>I forgot: the meeting moved to room 4.</div>"
    )

    reply = extract_reply_from_html(html)

    assert reply.text == "Yes.\n\nBob\n\nI forgot: the meeting moved to room 4."
    assert reply.elided == ""


def test_reply_typed_inside_a_signature_container_is_not_lost() -> None:
    # Some webmail puts the cursor inside the signature div: with nothing above it, the
    # whole mail is read as text, so the words survive.
    html = '<div id="Signature"><p>Please send the contract today, it is urgent.</p></div>'

    assert extract_reply_from_html(html).text == "Please send the contract today, it is urgent."


def test_split_puts_the_signature_container_in_the_quoted_part() -> None:
    split = split_quoted_html(THUNDERBIRD_DIV)

    assert split.reply == "Merci, c'est noté."
    assert split.quoted == "-- \nMarie Dupont\nExemple SAS"


def test_signature_inside_the_quoted_mail_does_not_move_the_cut() -> None:
    html = (
        "<div>Approved.</div>"
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, Ann wrote:</div>'
        '<blockquote class="gmail_quote">Approve?<div class="gmail_signature">Ann</div>'
        "</blockquote></div>"
    )

    reply = extract_reply_from_html(html)

    assert reply.text == "Approved."
    assert reply.elided.startswith("On Mon, Ann wrote:")


PIECES = st.sampled_from(
    [
        '<div class="gmail_signature">',
        '<div id="Signature">',
        '<div id="AppleMailSignature">',
        '<pre class="moz-signature">',
        '<span class="gmail_signature_prefix">',
        '<div class="signature">',
        '<div data-smartmail="gmail_signature">',
        '<div class="gmail_quote">',
        '<blockquote type="cite">',
        "</div>",
        "</pre>",
        "</span>",
        "</blockquote>",
        "<br>",
        "-- ",
        "Bob Smith",
        "Thanks, see you.",
        "Sent from my iPhone",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=30))
def test_any_arrangement_of_signature_containers_is_handled(pieces: list[str]) -> None:
    html = "".join(pieces)

    reply = extract_reply_from_html(html)

    # Whatever is cut, the person's sentence is in the text or in the elided part.
    if "Thanks, see you." in html:
        assert "Thanks, see you." in reply.text + reply.elided
