"""Reply by email end to end, over real sockets: a post is emailed through a recording relay,
the member answers it with smtplib, the room holds just their words, and the next
notification is threaded with the room."""

from __future__ import annotations

import dataclasses
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage

from gateway.core.messages import list_messages, post_message
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.rooms import add_member, get_room
from gateway.core.users import add_user
from gateway.outbound.worker import run_outbound_once
from gateway.settings import RelaySettings, Settings
from gateway.store.database import Database
from gateway.store.models import Origin

from mail_support import answering, ids, mail_to, plain_text
from recording_relay import RecordingRelay
from smtp_gateway import SMTPGateway
from support import World


def answer(notification: EmailMessage, sender: str, words: str) -> EmailMessage:
    """What a mail client sends when the member presses Reply and types `words`."""
    reply = answering(notification, sender)
    quoted = "\n".join("> " + line for line in plain_text(notification).splitlines())
    reply.set_content(
        f"{words}\n\nOn Mon, 23 Nov 2026 at 09:30, {notification['From']} wrote:\n{quoted}\n"
        "\n-- \nBob Baker | Baker & Co\n+44 20 7946 0000\n"
    )
    return reply


def test_post_notify_reply_by_email_and_threaded_follow_up(
    database: Database,
    settings: Settings,
    world: World,
    keys: ReplyKeys,
    now: datetime,
    recording_relay: RecordingRelay,
) -> None:
    relay_settings = dataclasses.replace(
        settings, relay=RelaySettings(host=recording_relay.host, port=recording_relay.port)
    )
    with database.transaction() as session:
        room = get_room(session, world.room.id)
        carol = add_user(session, "carol@example.net", name="Carol Chen", now=now)
        add_member(session, room, carol, now=now)
        post_message(
            session,
            room.id,
            world.alice.id,
            "Can we **ship on Friday**?",
            origin=Origin.WEB,
            now=now,
        )
    run_outbound_once(database, relay_settings, keys, now=now)
    recording_relay.wait_for(2)
    [to_bob] = mail_to(recording_relay, "bob@example.org")
    [carol_first] = mail_to(recording_relay, "carol@example.net")
    assert "Alice Archer via Website redesign" in str(to_bob["From"])
    assert "ship on Friday" in to_bob.get_body(("plain",)).get_content()
    bob_address = str(to_bob["Reply-To"]).strip()
    assert bob_address != str(carol_first["Reply-To"]).strip()

    with SMTPGateway(database, settings, clock=lambda: now + timedelta(minutes=5)) as gateway:
        reply = answer(
            to_bob, "Bob Baker <bob@example.org>", "Friday works. I'll prep the release notes."
        )
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=30) as client:
            assert client.send_message(reply) == {}

    with database.read_session() as session:
        messages = list_messages(session, get_room(session, world.room.id))
        assert [(m.author_id, m.origin) for m in messages] == [
            (world.alice.id, Origin.WEB),
            (world.bob.id, Origin.EMAIL),
        ]
        answer_message = messages[1]
        assert answer_message.body_source == "Friday works. I'll prep the release notes."
        assert answer_message.parent_id == messages[0].id
        assert "Baker & Co" in (answer_message.quoted_text or "")

    run_outbound_once(database, relay_settings, keys, now=now + timedelta(minutes=6))
    recording_relay.wait_for(4)
    assert len(mail_to(recording_relay, "bob@example.org")) == 1  # not told of his own words
    [to_alice] = mail_to(recording_relay, "alice@example.com")
    carol_second = mail_to(recording_relay, "carol@example.net")[1]
    assert "Friday works." in carol_second.get_body(("plain",)).get_content()
    root = ids(carol_first["References"])[0]
    assert ids(to_alice["References"])[0] == root == ids(to_bob["References"])[0]
    # Carol's second email answers her first one: one thread in Gmail and Thunderbird.
    assert str(carol_second["In-Reply-To"]).strip() == str(carol_first["Message-ID"]).strip()
    assert ids(carol_second["References"]) == [root, str(carol_first["Message-ID"]).strip()]
    assert str(carol_second["Subject"]) == str(carol_first["Subject"])
