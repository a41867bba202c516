"""A real MTA in front of the gateway: Debian's Postfix takes the reply domain's mail on a
loopback port, checks each recipient with the gateway at RCPT, and relays to the gateway's
own SMTP listener; the gateway sends its mail out through the same Postfix to a recording
sink. Everything runs on 127.0.0.1, started and stopped by each test."""

from __future__ import annotations

import dataclasses
import smtplib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select, text

from gateway.core.bounce_addresses import bounce_address
from gateway.core.messages import list_messages, post_message
from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import find_membership, get_room, remove_member
from gateway.outbound.worker import run_outbound_once
from gateway.settings import RelaySettings, Settings
from gateway.store.database import Database
from gateway.store.models import InboundEmail, Message, Origin, OutboxEmail, User

from mail_support import answering, mail_to
from postfix_support import HOST, Postfix, running_postfix
from recording_relay import RecordingRelay
from smtp_gateway import SMTPGateway
from support import MAIL_DOMAIN, World, add_carol

DELIVERY_TIMEOUT = 15.0
WORDS = "Friday works. I'll prep the release notes."


@dataclass
class MailFront:
    """Postfix between the world and the gateway, and the sink behind Postfix."""

    postfix: Postfix
    gateway: SMTPGateway
    sink: RecordingRelay
    outbound: Settings  # the test settings, with Postfix as the outbound relay

    def send(self, message: EmailMessage, sender: str) -> dict[str, tuple[int, bytes]]:
        """What a member's mail provider does: hand `message` to our MX (Postfix)."""
        with smtplib.SMTP(HOST, self.postfix.inbound_port, timeout=30) as client:
            client.ehlo("mail.example.org")
            return client.send_message(message, from_addr=sender)

    def wait_until_queue_is_empty(self) -> None:
        self.postfix.wait_for("the queue emptied", lambda: self.postfix.queue() == [])


@pytest.fixture
def front(settings: Settings, database: Database, now: datetime) -> Iterator[MailFront]:
    with (
        RecordingRelay(hostname="sink.test") as sink,
        SMTPGateway(database, settings, clock=lambda: now + timedelta(minutes=5)) as gateway,
        running_postfix(
            reply_domain=MAIL_DOMAIN, gateway_port=gateway.port, sink_port=sink.port
        ) as postfix,
    ):
        outbound = dataclasses.replace(
            settings, relay=RelaySettings(host=HOST, port=postfix.submission_port)
        )
        yield MailFront(postfix, gateway, sink, outbound)


def notify_bob(
    front: MailFront, database: Database, world: World, keys: ReplyKeys, now: datetime
) -> EmailMessage:
    """Alice posts; the gateway emails Bob through Postfix; the email Bob got."""
    with database.transaction() as session:
        post_message(
            session, world.room.id, world.alice.id, "Can we **ship on Friday**?",
            origin=Origin.WEB, now=now,
        )  # fmt: skip
    run_outbound_once(database, front.outbound, keys, now=now)
    front.sink.wait_for(1, timeout=DELIVERY_TIMEOUT)
    [to_bob] = mail_to(front.sink, "bob@example.org")
    return to_bob


def bob_reply(to: str, words: str = WORDS) -> EmailMessage:
    reply = EmailMessage()
    reply["From"] = "Bob Baker <bob@example.org>"
    reply["To"] = to
    reply["Subject"] = "Re: [Gateway] Website redesign"
    reply["Message-ID"] = "<bob-answer-1@mail.example.org>"
    reply.set_content(words)
    return reply


def reply_address_of(database: Database, world: World, user: User, keys: ReplyKeys) -> str:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, user.id)
        assert membership is not None
        return reply_address(membership, keys, MAIL_DOMAIN)


def messages_by(database: Database, world: World, user: User) -> list[Message]:
    with database.read_session() as session:
        messages = list_messages(session, get_room(session, world.room.id))
        return [m for m in messages if m.author_id == user.id]


def inbound_count(database: Database) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(InboundEmail)) or 0


def test_notification_through_postfix_is_answered_through_postfix_into_the_room(
    front: MailFront, database: Database, world: World, keys: ReplyKeys, now: datetime
) -> None:
    to_bob = notify_bob(front, database, world, keys, now)
    reply = answering(to_bob, "Bob Baker <bob@example.org>")
    reply.set_content(f"{WORDS}\n\nOn Mon, 23 Nov 2026, Alice wrote:\n> Can we ship on Friday?\n")

    assert front.send(reply, "bob@example.org") == {}

    front.postfix.wait_for(
        "the answer reached the room", lambda: messages_by(database, world, world.bob) != []
    )
    [answer] = messages_by(database, world, world.bob)
    [question] = messages_by(database, world, world.alice)
    assert answer.origin is Origin.EMAIL
    assert answer.body_source == WORDS
    assert answer.parent_id == question.id
    front.wait_until_queue_is_empty()
    # Postfix's probe of the address at RCPT, then the one delivery.
    address = reply_address_of(database, world, world.bob, keys)
    assert address in reply["To"]
    assert _statuses(front.postfix, address) == ["deliverable", "sent"]


def test_forged_and_revoked_reply_addresses_are_refused_at_rcpt_and_never_bounced(
    front: MailFront, database: Database, world: World, keys: ReplyKeys, now: datetime
) -> None:
    real = reply_address_of(database, world, world.bob, keys)
    local_part, _, domain = real.partition("@")
    forged = f"{local_part[:-1]}{'a' if local_part[-1] != 'a' else 'b'}@{domain}"
    carol = add_carol(database, world, now)
    revoked = reply_address_of(database, world, carol, keys)
    with database.transaction() as session:
        remove_member(
            session, get_room(session, world.room.id), session.get_one(User, carol.id), now=now
        )

    for address, verdict in ((forged, b"550 5.1.1"), (revoked, b"550 5.7.1")):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            front.send(bob_reply(address), "mallory@example.net")
        code, reply = refused.value.recipients[address]
        assert code == 550, reply
        # Postfix passes on the gateway's own answer to its probe.
        assert b"said: " + verdict in reply and b"in reply to RCPT TO" in reply, reply

    log = front.postfix.log()
    assert log.count("NOQUEUE: reject: RCPT") == 2, log
    # Refused before DATA: never queued (qmgr logs "from=<...>, size=" for what it queues),
    # so nothing can bounce to the forged sender, now or later.
    front.wait_until_queue_is_empty()
    assert "from=<mallory@example.net>, size=" not in log
    assert "postfix/bounce" not in front.postfix.log()
    assert front.sink.received == []
    assert inbound_count(database) == 0
    assert messages_by(database, world, world.bob) == []


def test_gateway_451_leaves_the_reply_in_postfix_queue_until_a_retry_posts_it_once(
    front: MailFront, database: Database, world: World, keys: ReplyKeys
) -> None:
    address = reply_address_of(database, world, world.bob, keys)
    # Break the store for real: posting the reply then fails, and the gateway answers 451.
    with database.transaction() as session:
        session.execute(text("ALTER TABLE notifications RENAME TO notifications_away"))
    try:
        assert front.send(bob_reply(address), "bob@example.org") == {}
        front.postfix.wait_for("the reply was deferred", lambda: _deferred(front.postfix) != [])
    finally:
        with database.transaction() as session:
            session.execute(text("ALTER TABLE notifications_away RENAME TO notifications"))

    assert len(front.postfix.queue()) == 1
    [reason] = _deferred(front.postfix)
    assert "451 4.3.0" in reason, reason
    assert messages_by(database, world, world.bob) == []
    assert inbound_count(database) == 0

    front.postfix.flush()
    front.postfix.wait_for(
        "the retried reply reached the room", lambda: messages_by(database, world, world.bob) != []
    )
    front.wait_until_queue_is_empty()
    [answer] = messages_by(database, world, world.bob)
    assert answer.body_source == WORDS
    assert inbound_count(database) == 1
    # The probe at RCPT, the attempt answered 451, the retry.
    assert _statuses(front.postfix, address) == ["deliverable", "deferred", "sent"]


def test_notification_relayed_by_postfix_arrives_with_its_headers_intact(
    front: MailFront, database: Database, world: World, keys: ReplyKeys, now: datetime
) -> None:
    to_bob = notify_bob(front, database, world, keys, now)
    [envelope] = front.sink.received
    with database.read_session() as session:
        sent = session.scalars(
            select(OutboxEmail).where(OutboxEmail.recipient == envelope.rcpt_tos[0])
        ).one()

    assert envelope.rcpt_tos == ("bob@example.org",)
    # The VERP return path that names this very email survives the relay.
    assert envelope.mail_from == bounce_address(sent.id, keys, MAIL_DOMAIN)
    # Postfix only prepends its Received trace (RFC 5321 section 4.4); every header and
    # byte the gateway wrote arrives as it was written.
    first, _, rest = envelope.raw.partition(b"\r\n")
    assert first.startswith(b"Received: from ")
    while rest.startswith((b" ", b"\t")):
        rest = rest.partition(b"\r\n")[2]
    assert rest.replace(b"\r\n", b"\n") == sent.raw.replace(b"\r\n", b"\n")
    assert str(to_bob["Message-ID"]).strip() == f"<{sent.message_id_header}>"
    assert reply_address_of(database, world, world.bob, keys) in str(to_bob["Reply-To"])
    assert str(to_bob["List-Unsubscribe"]).strip().startswith("<http://gateway.example.com/")
    assert str(to_bob["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"


def _statuses(postfix: Postfix, address: str) -> list[str]:
    """Each delivery attempt's status for `address`, in order, from Postfix's log."""
    return [
        line.partition(" status=")[2].partition(" ")[0]
        for line in postfix.log().splitlines()
        if f" to=<{address}>," in line and " status=" in line
    ]


def _deferred(postfix: Postfix) -> list[str]:
    """Why each deferred recipient is waiting (Postfix's note of the last attempt)."""
    return [
        str(recipient.get("delay_reason", ""))
        for message in postfix.queue()
        if message.get("queue_name") == "deferred"
        for recipient in message.get("recipients", [])  # type: ignore[union-attr]
    ]
