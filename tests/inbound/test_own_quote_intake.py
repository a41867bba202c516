"""Replies over a real SMTP socket quoting the notification we really sent: only the person's
words are posted, whatever the client wrote above our quote."""

from __future__ import annotations

import textwrap
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from sqlalchemy import select

from gateway.core.messages import post_message
from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import find_membership
from gateway.outbound.delivery import deliver_due
from gateway.outbound.dispatch import dispatch_notifications
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import (
    InboundEmail,
    InboundOutcome,
    Message,
    Origin,
    OutboxEmail,
    OutboxState,
)

from smtp_gateway import SMTPGateway
from support import MAIL_DOMAIN, World, reply_email

QUESTION = (
    "Can we move the launch of the new homepage to Friday? The photos for the team page "
    "are not ready yet, and the copy still needs a last read."
)


def notify_bob(
    database: Database, world: World, settings: Settings, keys: ReplyKeys, now: datetime
) -> OutboxEmail:
    """Alice asks in the room; Bob's notification is composed and sent (to the Maildir)."""
    with database.transaction() as session:
        post_message(session, world.room.id, world.alice.id, QUESTION, origin=Origin.WEB, now=now)
    with database.transaction() as session:
        assert dispatch_notifications(session, settings, keys, now=now) == 1
    deliver_due(database, settings, now=now, keys=keys)
    with database.read_session() as session:
        email = session.scalars(
            select(OutboxEmail).where(OutboxEmail.user_id == world.bob.id)
        ).one()
        assert email.state is OutboxState.SENT
        session.expunge(email)
    return email


def quoted_text_part(raw: bytes, prefix: str = "> ", width: int = 76) -> str:
    """Our email's text part as a client quotes it: re-wrapped, every line prefixed."""
    email = message_from_bytes(raw, policy=policy.default)
    assert isinstance(email, EmailMessage)
    part = email.get_body(("plain",))
    assert part is not None
    lines = []
    for line in part.get_content().splitlines():
        wrapped = textwrap.wrap(line, width - len(prefix)) or [""]
        lines += [f"{prefix}{piece}".rstrip() for piece in wrapped]
    return "\n".join(lines)


def bob_address(database: Database, world: World, keys: ReplyKeys) -> str:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        return reply_address(membership, keys, MAIL_DOMAIN)


def send_reply(
    smtp_gateway: SMTPGateway, address: str, body: str, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    raw = reply_email("Bob Baker <bob@example.org>", address, body, headers=headers)
    return smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address]).final


def bobs_messages(database: Database, world: World) -> list[Message]:
    with database.read_session() as session:
        query = select(Message).where(Message.author_id == world.bob.id)
        return list(session.scalars(query))


def test_quote_under_an_attribution_no_rule_knows_is_cut_and_only_bobs_words_posted(
    smtp_gateway: SMTPGateway, database, world, settings, keys, now
) -> None:
    sent = notify_bob(database, world, settings, keys, now)
    words = "Friday is fine with me, I will tell the photographer."
    body = (
        f"{words}\n\n"
        "Xyzzy 23.11.2026 kl. 09:30 skrifaði Alice Archer via Website redesign <\n"
        f"notifications@{MAIL_DOMAIN}>:\n\n" + quoted_text_part(sent.raw)
    )
    headers = {"In-Reply-To": f"<{sent.message_id_header}>"}
    code, reply = send_reply(smtp_gateway, bob_address(database, world, keys), body, headers)
    assert code == 250, reply
    [message] = bobs_messages(database, world)
    assert message.body_source == words
    assert "Xyzzy 23.11.2026" in (message.quoted_text or "")
    assert "Can we move the launch" in (message.quoted_text or "")


def test_our_words_pasted_without_markers_under_a_garbled_attribution_are_cut(
    smtp_gateway: SMTPGateway, database, world, settings, keys, now
) -> None:
    sent = notify_bob(database, world, settings, keys, now)
    # The question alone, as a client that pastes the selected part of the original writes it.
    ours = textwrap.fill(QUESTION, 60)
    words = "Friday is fine with me, I will tell the photographer."
    body = (
        f"{words}\n\n"
        "Xyzzy 23.11.2026 kl. 09:30 skrifaði Alice Archer via\n"
        f"Website redesign\n\n{ours}\n"
    )
    headers = {"In-Reply-To": f"<{sent.message_id_header}>"}
    code, reply = send_reply(smtp_gateway, bob_address(database, world, keys), body, headers)
    assert code == 250, reply
    [message] = bobs_messages(database, world)
    assert message.body_source == words
    assert "Xyzzy 23.11.2026" in (message.quoted_text or "")


def test_html_reply_in_a_quote_container_no_rule_knows_is_cut_without_threading_headers(
    smtp_gateway: SMTPGateway, database, world, settings, keys, now
) -> None:
    notify_bob(database, world, settings, keys, now)
    html = (
        "<div>Friday is fine with me.</div><div><br></div>"
        "<div>Xyzzy 23.11.2026 Alice Archer skrifaði:</div>"
        f'<div class="xyzzy-quote"><p>{QUESTION}</p></div>'
    )
    address = bob_address(database, world, keys)
    raw = reply_email("Bob Baker <bob@example.org>", address, "", html=html)
    final = smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address]).final
    assert final[0] == 250, final
    [message] = bobs_messages(database, world)
    assert message.body_source == "Friday is fine with me."
    assert "Can we move the launch" in (message.quoted_text or "")


def test_bottom_posted_reply_without_threading_headers_keeps_the_words_below_our_quote(
    smtp_gateway: SMTPGateway, database, world, settings, keys, now
) -> None:
    sent = notify_bob(database, world, settings, keys, now)
    words = "Friday works.\nI will chase the photos today.\n\nBob"
    body = (
        "Xyzzy 23.11.2026 kl. 09:30 Alice Archer\n"
        + quoted_text_part(sent.raw, prefix=">", width=60)
        + f"\n\n{words}\n"
    )
    assert send_reply(smtp_gateway, bob_address(database, world, keys), body)[0] == 250
    [message] = bobs_messages(database, world)
    assert message.body_source == words
    assert "Xyzzy" in (message.quoted_text or "")


def test_reply_repeating_a_few_of_our_words_is_posted_whole(
    smtp_gateway: SMTPGateway, database, world, settings, keys, now
) -> None:
    notify_bob(database, world, settings, keys, now)
    words = "Yes, move the launch of the new homepage to Friday; the copy is read."
    assert send_reply(smtp_gateway, bob_address(database, world, keys), words)[0] == 250
    [message] = bobs_messages(database, world)
    assert message.body_source == words


def test_reply_that_is_only_our_quote_is_refused_as_having_no_text(
    smtp_gateway: SMTPGateway, database, world, settings, keys, now
) -> None:
    sent = notify_bob(database, world, settings, keys, now)
    body = "Xyzzy 23.11.2026 Alice Archer skrifaði:\n" + quoted_text_part(sent.raw)
    headers = {"References": f"<{sent.message_id_header}>"}
    code, reply = send_reply(smtp_gateway, bob_address(database, world, keys), body, headers)
    assert code == 550 and "no reply text" in reply
    assert bobs_messages(database, world) == []
    with database.read_session() as session:
        [record] = session.scalars(select(InboundEmail))
        assert record.outcome is InboundOutcome.REJECTED
