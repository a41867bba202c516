"""The posting rules judge an emailed reply by the words the person wrote: the reply text
left after its quote and its "-- " signature are cut. Contact details in the quote or the
signature never refuse a reply; the ones the person typed are all named in the 550 reply,
in the words that fit the room, on one readable SMTP line. Replies go to the real SMTP
listener over a socket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from gateway.core.contact_details import ContactDetailsNotAllowed, contact_details_refusal
from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import create_room, find_membership
from gateway.inbound.smtp import MAX_REPLY_TEXT, reply_for_error
from gateway.store.database import Database
from gateway.store.models import InboundEmail, InboundOutcome, Message, RoomKind, User

from smtp_gateway import SMTPGateway, Transcript
from support import MAIL_DOMAIN, World, reply_email

QUOTE_AND_SIGNATURE = (
    "On Mon, 23 Nov 2026 at 09:30, Alice Archer <alice@example.com> wrote:\n"
    "> Call me on 415-555-0132 or write to alice.archer@example.com.\n"
    "> Or WhatsApp +44 20 7946 0958.\n"
    "\n"
    "-- \n"
    "Bob Baker | Baker & Co\n"
    "Tel. +1 (212) 555-0187\n"
)


def _room(database: Database, world: World, now: datetime, kind: RoomKind) -> int:
    with database.transaction() as session:
        alice, bob = session.get_one(User, world.alice.id), session.get_one(User, world.bob.id)
        return create_room(
            session, f"A {kind} room", owner=alice, members=[bob], kind=kind, now=now
        ).id


def _send(
    gateway: SMTPGateway, database: Database, keys: ReplyKeys, room_id: int, body: str, world: World
) -> Transcript:
    with database.read_session() as session:
        membership = find_membership(session, room_id, world.bob.id)
        assert membership is not None
        address = reply_address(membership, keys, MAIL_DOMAIN)
    return gateway.deliver(
        reply_email("Bob Baker <bob@example.org>", address, body),
        mail_from="bob@example.org",
        rcpt_to=[address],
    )


def _messages(database: Database) -> list[Message]:
    with database.read_session() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def test_contact_details_in_the_quote_and_signature_do_not_refuse_the_reply(
    smtp_gateway: SMTPGateway, database: Database, world: World, keys: ReplyKeys, now: datetime
) -> None:
    room_id = _room(database, world, now, RoomKind.INTERVIEW)
    transcript = _send(
        smtp_gateway,
        database,
        keys,
        room_id,
        f"Thursday at 10:04 works for me.\n\n{QUOTE_AND_SIGNATURE}",
        world,
    )
    assert transcript.final[0] == 250, transcript.final
    [message] = _messages(database)
    assert message.body_source == "Thursday at 10:04 works for me."
    # What was cut is kept with the message, numbers and all, and was not judged.
    elided = message.quoted_text or ""
    assert "415-555-0132" in elided and "alice.archer@example.com" in elided
    assert "+1 (212) 555-0187" in elided


def test_every_piece_the_person_typed_is_named_and_none_of_the_quote(
    smtp_gateway: SMTPGateway, database: Database, world: World, keys: ReplyKeys
) -> None:
    words = (
        "Easier off the platform: whatsapp5551234567, or bob at example dot com.\n"
        "Order #123456789 shipped on 07.12.2026, invoice INV-2026-000123.\n"
    )
    transcript = _send(
        smtp_gateway, database, keys, world.room.id, f"{words}\n{QUOTE_AND_SIGNATURE}", world
    )
    code, text = transcript.final
    assert code == 550 and text.startswith("5.7.1 ")
    assert text.removeprefix("5.7.1 ") == str(
        contact_details_refusal(["5551234567", "bob at example dot com"], RoomKind.GROUP)
    )
    for quoted in ("415-555-0132", "alice.archer@example.com", "7946", "555-0187"):
        assert quoted not in text
    assert _messages(database) == []
    with database.read_session() as session:
        [record] = session.scalars(select(InboundEmail)).all()
        assert record.outcome is InboundOutcome.REJECTED


def test_the_refusal_by_email_says_why_in_an_interview_room(
    smtp_gateway: SMTPGateway, database: Database, world: World, keys: ReplyKeys, now: datetime
) -> None:
    room_id = _room(database, world, now, RoomKind.INTERVIEW)
    transcript = _send(smtp_gateway, database, keys, room_id, "Ring me: (415) 555-0132\n", world)
    code, text = transcript.final
    assert code == 550 and "cannot be shared during an interview" in text
    assert text.endswith("Remove (415) 555-0132 and send again.")


def test_an_html_only_reply_is_judged_without_its_quote(
    smtp_gateway: SMTPGateway, database: Database, world: World, keys: ReplyKeys
) -> None:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        address = reply_address(membership, keys, MAIL_DOMAIN)
    html = (
        "<div>Fine by me, see the invoice total: 1234567890 EUR.</div>"
        '<div class="gmail_quote"><div>On Mon, Alice wrote:</div>'
        "<blockquote>Call 415-555-0132 or alice@example.com</blockquote></div>"
    )
    transcript = smtp_gateway.deliver(
        reply_email("bob@example.org", address, "", html=html),
        mail_from="bob@example.org",
        rcpt_to=[address],
    )
    assert transcript.final[0] == 250, transcript.final
    [message] = _messages(database)
    assert "415-555-0132" not in message.body_source
    assert "1234567890 EUR" in message.body_source


def test_a_refusal_naming_many_pieces_fits_one_smtp_reply_line() -> None:
    pieces = [f"+1 415 555 01{n:02}" for n in range(60)]
    for kind in RoomKind:
        refusal = contact_details_refusal(pieces, kind)
        assert isinstance(refusal, ContactDetailsNotAllowed)
        line = reply_for_error(refusal)
        # Nothing cut by the 300-character reply limit: the sentence ends as written.
        assert len(str(refusal)) <= MAX_REPLY_TEXT and line == f"550 5.7.1 {refusal}"
        assert line.endswith(" more.")
