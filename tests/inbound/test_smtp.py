"""SMTP intake over a real socket: replies by the rules, posts only what a member wrote."""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import find_membership, get_room, remove_member
from gateway.core.users import deactivate_user, get_user_by_email
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Attachment, InboundEmail, InboundOutcome, Message

from smtp_gateway import SMTPGateway
from support import MAIL_DOMAIN, World, reply_email

REPLY = "Sounds good, let's ship it on Friday."
QUOTED = (
    f"{REPLY}\n\nOn Mon, 23 Nov 2026 at 09:30, Alice Archer via Website redesign "
    "<notifications@reply.example.com> wrote:\n> Can we ship on Friday?\n> Alice\n"
    "\n-- \nBob Baker\nBaker & Co, 12 High Street\n"
)


def bob_address(database: Database, world: World, keys: ReplyKeys) -> str:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        return reply_address(membership, keys, MAIL_DOMAIN)


def room_messages(database: Database, world: World) -> list[Message]:
    with database.read_session() as session:
        return list(session.scalars(select(Message).where(Message.room_id == world.room.id)))


def inbound_records(database: Database) -> list[InboundEmail]:
    with database.read_session() as session:
        return list(session.scalars(select(InboundEmail).order_by(InboundEmail.id)))


def test_reply_lands_in_the_room_as_the_members_words(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    transcript = smtp_gateway.deliver(
        reply_email("Bob Baker <Bob@Example.org>", address, QUOTED),
        mail_from="bob@example.org",
        rcpt_to=[address],
    )
    assert transcript.final[0] == 250
    [message] = room_messages(database, world)
    assert message.author_id == world.bob.id
    assert message.body_source == REPLY
    assert "Can we ship on Friday?" in (message.quoted_text or "")
    assert [(r.outcome, r.message_id) for r in inbound_records(database)] == [
        (InboundOutcome.POSTED, message.id)
    ]


def test_forged_token_is_refused_at_rcpt_and_nothing_is_stored(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    forged = ("b" if address[0] != "b" else "c") + address[1:]
    transcript = smtp_gateway.deliver(
        reply_email("bob@example.org", forged, REPLY), mail_from="bob@example.org", rcpt_to=[forged]
    )
    assert transcript.rcpts[0][0] == 550 and transcript.rcpts[0][1].startswith("5.1.1")
    assert transcript.data is None
    assert room_messages(database, world) == [] and inbound_records(database) == []


@pytest.mark.parametrize("recipient", ["someone@elsewhere.example.com", f"nobody@{MAIL_DOMAIN}"])
def test_addresses_that_are_not_ours_are_unknown(smtp_gateway: SMTPGateway, recipient) -> None:
    transcript = smtp_gateway.deliver(
        b"Subject: x\r\n\r\nx\r\n", mail_from="a@example.org", rcpt_to=[recipient]
    )
    assert transcript.final[:1] == (550,) and "5.1.1" in transcript.final[1]


def test_token_of_a_member_who_left_is_refused_as_not_allowed(
    smtp_gateway: SMTPGateway, database, world, keys, now
) -> None:
    address = bob_address(database, world, keys)
    with database.transaction() as session:
        remove_member(
            session,
            get_room(session, world.room.id),
            get_user_by_email(session, "bob@example.org"),
            now=now,
        )
    transcript = smtp_gateway.deliver(
        reply_email("bob@example.org", address, REPLY),
        mail_from="bob@example.org",
        rcpt_to=[address],
    )
    assert transcript.rcpts[0][0] == 550 and transcript.rcpts[0][1].startswith("5.7.1")
    assert room_messages(database, world) == []


def test_a_deactivated_members_reply_is_refused_with_the_reason(
    smtp_gateway: SMTPGateway, database, world, keys, now
) -> None:
    address = bob_address(database, world, keys)
    with database.transaction() as session:
        deactivate_user(session, world.bob.id, now=now)
    transcript = smtp_gateway.deliver(
        reply_email("bob@example.org", address, REPLY),
        mail_from="bob@example.org",
        rcpt_to=[address],
    )
    code, reply = transcript.final
    assert code == 550 and reply.startswith("5.7.1") and "deactivated" in reply
    assert room_messages(database, world) == []
    [record] = inbound_records(database)
    assert record.outcome is InboundOutcome.REJECTED and "deactivated" in record.reason


def test_from_not_matching_the_member_is_refused_and_kept_as_rejected(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    transcript = smtp_gateway.deliver(
        reply_email("eve@example.net", address, REPLY),
        mail_from="eve@example.net",
        rcpt_to=[address],
    )
    assert transcript.final[0] == 550 and transcript.final[1].startswith("5.7.1")
    assert "eve@example.net" in transcript.final[1]
    assert room_messages(database, world) == []
    [record] = inbound_records(database)
    assert record.outcome is InboundOutcome.REJECTED and "another person" in record.reason


def test_oversize_mail_is_refused_with_552_both_declared_and_sent(
    database, settings, world, keys, now
) -> None:
    small = dataclasses.replace(settings, max_message_size=4096)
    address = bob_address(database, world, keys)
    big = reply_email("bob@example.org", address, ("x" * 70 + "\n") * 150)
    with SMTPGateway(database, small, clock=lambda: now) as gateway:
        with gateway.connect() as client:
            assert client.has_extn("size") and client.esmtp_features["size"] == "4096"
        declared = gateway.deliver(
            big, mail_from="bob@example.org", rcpt_to=[address], mail_options=(f"SIZE={len(big)}",)
        )
        sent = gateway.deliver(big, mail_from="bob@example.org", rcpt_to=[address])
    assert declared.final == (552, "5.3.4 Message too big for this system")
    assert sent.final == (552, "5.3.4 Message too big for this system")
    assert room_messages(database, world) == []


@pytest.mark.parametrize(
    ("headers", "mail_from"),
    [
        ({"Auto-Submitted": "auto-replied"}, "bob@example.org"),
        ({"Precedence": "bulk"}, "bob@example.org"),
        ({"X-Autoreply": "yes"}, "bob@example.org"),
        ({}, ""),
    ],
)
def test_auto_replies_are_accepted_kept_and_never_posted(
    smtp_gateway: SMTPGateway, database, world, keys, headers, mail_from
) -> None:
    address = bob_address(database, world, keys)
    raw = reply_email(
        "bob@example.org",
        address,
        "I am out of the office until Monday.",
        subject="Out of Office: Website redesign",
        headers=headers,
    )
    transcript = smtp_gateway.deliver(raw, mail_from=mail_from, rcpt_to=[address])
    assert transcript.final == (250, "2.0.0 OK: received, not posted (automated)")
    assert room_messages(database, world) == []
    [record] = inbound_records(database)
    assert record.outcome is InboundOutcome.AUTOMATED and record.reason
    assert (record.room_id, record.user_id) == (world.room.id, world.bob.id)


def test_bounce_to_our_envelope_sender_is_recorded_against_the_address(
    smtp_gateway: SMTPGateway, database, world
) -> None:
    dsn = (Path(__file__).parent.parent / "data" / "dsn_permanent.eml").read_bytes()
    transcript = smtp_gateway.deliver(dsn, mail_from="", rcpt_to=[f"bounces@{MAIL_DOMAIN}"])
    assert transcript.final[0] == 250
    [record] = inbound_records(database)
    assert record.outcome is InboundOutcome.BOUNCE
    assert "permanent" in record.reason and "5." in record.reason
    assert room_messages(database, world) == []


def test_postmaster_is_accepted_and_kept_for_the_operator(
    smtp_gateway: SMTPGateway, database
) -> None:
    raw = reply_email("someone@example.org", f"postmaster@{MAIL_DOMAIN}", "Your server is...")
    transcript = smtp_gateway.deliver(
        raw, mail_from="someone@example.org", rcpt_to=[f"PostMaster@{MAIL_DOMAIN}"]
    )
    assert transcript.final[0] == 250
    assert [r.outcome for r in inbound_records(database)] == [InboundOutcome.KEPT]


def test_malformed_mime_is_refused_with_a_reason_and_posts_nothing(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    from malformed import malformed_emails

    address = bob_address(database, world, keys)
    batch = malformed_emails("bob@example.org", address)
    assert len(batch) >= 20
    for name, raw in batch:
        transcript = smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])
        code, reply = transcript.final
        assert code == 550, f"{name}: {code} {reply}"
        assert reply.startswith(("5.6.0", "5.7.1")), f"{name}: {reply}"
    assert room_messages(database, world) == []
    records = inbound_records(database)
    assert len(records) == len(batch)
    assert {r.outcome for r in records} == {InboundOutcome.REJECTED}


def test_same_message_delivered_twice_is_stored_once(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    raw = reply_email("bob@example.org", address, REPLY, message_id="<once@mail.example.org>")
    for _ in range(3):
        transcript = smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])
        assert transcript.final[0] == 250
    assert len(room_messages(database, world)) == 1
    assert len(inbound_records(database)) == 1


def test_our_own_failure_answers_451_and_the_retry_is_stored_once(
    smtp_gateway: SMTPGateway, database: Database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    raw = reply_email("bob@example.org", address, REPLY)
    with database.transaction() as session:  # break the store for real
        session.execute(text("ALTER TABLE notifications RENAME TO notifications_away"))
    failed = smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])
    assert failed.final[0] == 451 and failed.final[1].startswith("4.3.0")
    assert inbound_records(database) == []
    with database.transaction() as session:
        session.execute(text("ALTER TABLE notifications_away RENAME TO notifications"))
    retried = smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])
    assert retried.final[0] == 250
    assert len(room_messages(database, world)) == 1


def test_html_only_reply_is_posted_without_the_quoted_part(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    html = (
        '<div dir="ltr">Friday works. <b>Thanks!</b></div><br>'
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, Nov 23, 2026 at 9:30 AM '
        "Alice wrote:</div><blockquote>Can we ship on Friday?</blockquote></div>"
    )
    raw = reply_email("bob@example.org", address, "", html=html)
    assert smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address]).final[0] == 250
    [message] = room_messages(database, world)
    assert "Friday works." in message.body_source and "Thanks!" in message.body_source
    assert "Can we ship" not in message.body_source


def test_windows_1252_and_encoded_words_are_decoded(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    raw = (
        f"From: =?iso-8859-1?q?Bob_B=E4ker?= <bob@example.org>\r\nTo: {address}\r\n"
        "Subject: =?utf-8?b?UmU6IGNhZsOp?=\r\nMessage-ID: <cp1252@mail.example.org>\r\n"
        "Content-Type: text/plain; charset=windows-1252\r\n\r\n"
    ).encode() + "Caf\xe9 at 10 \x96 see you\r\n".encode("latin-1")
    assert smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address]).final[0] == 250
    [message] = room_messages(database, world)
    assert message.body_source == "Café at 10 – see you"


def test_attachments_become_room_files_and_executables_are_refused(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = "bob@example.org", address, "Re: plan"
    email.set_content("Here is the plan.")
    email.add_attachment(
        b"%PDF-1.7 plan", maintype="application", subtype="pdf", filename="plan.pdf"
    )
    assert (
        smtp_gateway.deliver(
            email.as_bytes(), mail_from="bob@example.org", rcpt_to=[address]
        ).final[0]
        == 250
    )
    email.replace_header("Subject", "Re: tool")
    email.add_attachment(
        b"MZ\x90\x00", maintype="application", subtype="octet-stream", filename="tool.exe"
    )
    refused = smtp_gateway.deliver(email.as_bytes(), mail_from="bob@example.org", rcpt_to=[address])
    assert refused.final[0] == 550 and refused.final[1].startswith("5.7.1")
    assert "tool.exe" in refused.final[1]
    with database.read_session() as session:
        files = session.scalars(select(Attachment)).all()
        assert [(f.filename, f.data) for f in files] == [("plan.pdf", b"%PDF-1.7 plan")]
        assert session.scalar(select(func.count()).select_from(Message)) == 1


def test_starttls_is_offered_only_with_a_certificate(
    database, settings: Settings, world, keys, now: datetime, tmp_path: Path
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={MAIL_DOMAIN}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    with SMTPGateway(database, settings, clock=lambda: now) as plain, plain.connect() as client:
        assert not client.has_extn("starttls")
    secured = dataclasses.replace(settings, smtp_tls_cert=cert, smtp_tls_key=key)
    address = bob_address(database, world, keys)
    with SMTPGateway(database, secured, clock=lambda: now) as gateway:
        with gateway.connect() as client:
            assert client.has_extn("starttls")
        transcript = gateway.deliver(
            reply_email("bob@example.org", address, REPLY),
            mail_from="bob@example.org",
            rcpt_to=[address],
            starttls=True,
        )
    assert transcript.final[0] == 250
    assert [m.body_source for m in room_messages(database, world)] == [REPLY]


def test_member_who_left_since_their_address_was_last_checked_is_refused_at_data(
    smtp_gateway: SMTPGateway, database, world, keys, now
) -> None:
    address = bob_address(database, world, keys)
    first = smtp_gateway.deliver(
        reply_email("bob@example.org", address, REPLY),
        mail_from="bob@example.org",
        rcpt_to=[address],
    )
    assert first.final[0] == 250  # the listener now remembers the address as active
    with database.transaction() as session:
        remove_member(
            session,
            get_room(session, world.room.id),
            get_user_by_email(session, "bob@example.org"),
            now=now,
        )
    again = smtp_gateway.deliver(
        reply_email("bob@example.org", address, "One more thing."),
        mail_from="bob@example.org",
        rcpt_to=[address],
    )
    assert again.rcpts[0][0] == 250
    assert again.final[0] == 550 and again.final[1].startswith("5.7.1")
    assert [m.body_source for m in room_messages(database, world)] == [REPLY]
