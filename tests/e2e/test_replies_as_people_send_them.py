"""Replies shaped as real clients send them, to a real notification, over a real socket.

Each case starts from the email the gateway sent Bob about Alice's message in a room with
a long title, answers it the way one client and one person would (a client wrapping its
attribution line in the middle of our sender name, Outlook's undelimited signature with a
phone number, a forward with a comment, Gmail in Chinese, Turkish or Hebrew...), sends it
to the gateway's SMTP server and reads what the room got: the person's words, nothing of
the quote or the signature, and no refusal for details that were never theirs.
"""

from __future__ import annotations

import dataclasses
import smtplib
import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest

from gateway.core.messages import list_messages, post_message
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.rooms import get_room
from gateway.outbound.worker import run_outbound_once
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Message, Origin, Room

from mail_support import answering, mail_to, plain_text, relayed
from recording_relay import RecordingRelay
from smtp_gateway import SMTPGateway
from support import World

LONG_TITLE = "Quarterly planning for the Northern region warehouse move"
ASKED = "Can we move the warehouse inventory count to Thursday the 10th?"


@dataclasses.dataclass
class Notification:
    """The email Bob got, and what a reply to it needs."""

    email: EmailMessage
    text: str  # its text/plain body
    sender: str  # its From, as a client shows it

    def reply(self, body: str, html: str | None = None) -> EmailMessage:
        reply = answering(self.email, "Bob Baker <bob@example.org>")
        reply.set_content(body)
        if html is not None:
            reply.add_alternative(html, subtype="html")
        return reply

    def quoted(self) -> str:
        return "\n".join(("> " + line).rstrip() for line in self.text.splitlines())


@pytest.fixture
def notification(
    database: Database,
    settings: Settings,
    world: World,
    keys: ReplyKeys,
    now: datetime,
    recording_relay: RecordingRelay,
) -> Notification:
    with database.transaction() as session:
        session.get_one(Room, world.room.id).title = LONG_TITLE
        post_message(session, world.room.id, world.alice.id, ASKED, origin=Origin.WEB, now=now)
    run_outbound_once(database, relayed(settings, recording_relay), keys, now=now)
    recording_relay.wait_for(1)
    [email] = mail_to(recording_relay, "bob@example.org")
    return Notification(email, plain_text(email), str(email["From"]))


def _send(database: Database, settings: Settings, now: datetime, reply: EmailMessage) -> Message:
    with (
        SMTPGateway(database, settings, clock=lambda: now + timedelta(minutes=5)) as gateway,
        smtplib.SMTP("127.0.0.1", gateway.port, timeout=30) as client,
    ):
        assert client.send_message(reply) == {}
    with database.read_session() as session:
        messages = list_messages(session, get_room(session, 1))
        assert len(messages) == 2, [m.body_source for m in messages]
        return messages[1]


def _wrapped_at(width: int) -> Callable[[Notification], str]:
    def reply(n: Notification) -> str:
        attribution = f"On Mon, 23 Nov 2026 at 09:30, {n.sender} wrote:"
        wrapped = textwrap.fill(attribution, width=width, break_long_words=False)
        return f"Thursday is fine for me.\n\n{wrapped}\n\n{n.quoted()}\n"

    return reply


def _outlook_signature(n: Notification) -> str:
    return (
        "Thursday is fine for me.\n\nBob Baker\nHead of Logistics | Baker & Co\n"
        "T: +44 20 7946 0958 | M: +44 7700 900123\nwww.baker.example\n\n"
        f"________________________________\nFrom: {n.sender}\n"
        "Sent: Monday, November 23, 2026 9:30 AM\nTo: Bob Baker <bob@example.org>\n"
        f"Subject: {n.email['Subject']}\n\n{n.text}\n"
    )


def _gmail_in(attribution: str) -> Callable[[Notification], str]:
    return lambda n: f"Thursday is fine for me.\n\n{attribution}\n\n{n.quoted()}\n"


CASES: dict[str, Callable[[Notification], str]] = {
    "gmail_attribution": _wrapped_at(76),
    "attribution_wrapped_at_50_columns_inside_our_name": _wrapped_at(50),
    "outlook_signature_with_phone_numbers": _outlook_signature,
    "gmail_chinese": _gmail_in(
        "Alice Archer <r@reply.example.com> 于2026年11月23日周一 09:30写道："
    ),
    "gmail_turkish": _gmail_in(
        "Alice Archer <r@reply.example.com>, 23 Kas 2026 Pzt, 09:30 tarihinde şunu yazdı:"
    ),
    "gmail_hebrew": _gmail_in(
        "\u200fבתאריך יום ב׳, 23 בנוב׳ 2026 ב-9:30 מאת \u202aAlice Archer\u202c "
        "<\u200fr@reply.example.com\u200f>:\u200f"
    ),
    "wrote_on_date_order": _gmail_in(
        "Alice Archer <r@reply.example.com> wrote on 23/11/2026 09:30:"
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_room_gets_only_the_persons_words(
    case: str, notification: Notification, database: Database, settings: Settings, now: datetime
) -> None:
    message = _send(database, settings, now, notification.reply(CASES[case](notification)))

    expected = "Thursday is fine for me."
    if case == "outlook_signature_with_phone_numbers":
        expected += "\n\nBob Baker"  # the name under the text stays; the signature goes
    assert message.body_source == expected
    assert ASKED in (message.quoted_text or "")


def test_gmail_never_wraps_inside_our_sender_name(notification: Notification) -> None:
    name = notification.email["From"].addresses[0].display_name
    # Gmail's longest English lead, "On Wed, 30 Sept 2026 at 10:04, ", is 33 characters; it
    # wraps at 76 columns, so the name ends on the first line and the address goes below.
    lead = "On Wed, 30 Sept 2026 at 10:04, "

    assert len(lead + name) < 76, name
    assert LONG_TITLE not in name  # shortened in From, whole in the Subject
    assert LONG_TITLE in str(notification.email["Subject"])


def test_prose_that_begins_sent_from_my_is_posted(
    notification: Notification, database: Database, settings: Settings, now: datetime
) -> None:
    words = "Sent from my work laptop, so the numbers are rough: about 40 pallets."
    message = _send(
        database, settings, now, notification.reply(f"{words}\n\n{notification.quoted()}")
    )

    assert message.body_source == words


def test_a_forward_with_a_comment_keeps_the_forwarded_message(
    notification: Notification, database: Database, settings: Settings, now: datetime
) -> None:
    body = (
        "FYI, the landlord's answer below.\n\n---------- Forwarded message ---------\n"
        "From: Landlord <office@landlord.example>\nDate: Sun, 22 Nov 2026 at 18:00\n"
        "Subject: Access on Thursday\nTo: Bob Baker <bob@example.org>\n\n"
        "The loading bay is free all day on Thursday.\n"
    )
    message = _send(database, settings, now, notification.reply(body))

    assert message.body_source == "FYI, the landlord's answer below."
    assert "The loading bay is free all day on Thursday." in (message.quoted_text or "")


def test_gmail_hard_wrapped_text_is_not_broken_mid_sentence(
    notification: Notification, database: Database, settings: Settings, now: datetime
) -> None:
    words = (
        "Thursday is fine for me, but the count needs two people from the night shift and "
        "one of them is on leave that week, so I will ask the agency for a temp."
    )
    text = (
        textwrap.fill(words, width=72)
        + f"\n\nOn Mon, 23 Nov 2026, Alice wrote:\n{notification.quoted()}\n"
    )
    html = (
        f'<div dir="ltr">{words}</div><br><div class="gmail_quote">On Mon, Alice wrote:'
        f'<blockquote class="gmail_quote">{ASKED}</blockquote></div>'
    )
    message = _send(database, settings, now, notification.reply(text, html))

    assert message.body_source == words
