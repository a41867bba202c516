"""A direct room's emails are titled for their recipient: Bob's email about Alice's message
says "Alice Archer" in its subject, List-Id and Reply-To, Alice's says "Bob Baker"; a group
room's emails keep the room's title. A stored name that holds a line break (from before
names were checked) never reaches a header: the title falls back to the address's local
part."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import update

from gateway.core.room_starts import open_direct_room
from gateway.store.database import Database
from gateway.store.models import User

from support import World

# An encoded word whose text is a line break and a header (tests/outbound/test_header_injection).
PAYLOAD = "=?utf-8?q?Plans=0D=0ABcc:_x@evil.example?="


def _direct_room(database: Database, world: World, now: datetime) -> int:
    with database.transaction() as session:
        alice, bob = session.get_one(User, world.alice.id), session.get_one(User, world.bob.id)
        room, _created = open_direct_room(session, alice, bob, now=now, daily_limit=None)
        return room.id


def _list_id_name(email: EmailMessage) -> str:
    return str(email["List-Id"]).rsplit("<", 1)[0].strip().strip('"')


def test_each_member_of_a_direct_room_gets_emails_titled_with_the_other_persons_name(
    database: Database, world: World, now: datetime, post, dispatch, emails_to
) -> None:
    room_id = _direct_room(database, world, now)
    post("Can we talk about the invoice?", room_id=room_id)
    dispatch()
    post("Sure, call me", room_id=room_id, author=world.bob)
    dispatch()

    (to_bob,) = emails_to(world.bob)
    (to_alice,) = emails_to(world.alice)
    assert to_bob["Subject"] == "[Gateway] Alice Archer"
    assert to_alice["Subject"] == "[Gateway] Bob Baker"
    assert _list_id_name(to_bob) == "Alice Archer"
    assert _list_id_name(to_alice) == "Bob Baker"
    assert str(to_bob["List-Id"]).endswith(f"<room-{room_id}.reply.example.com>")
    assert to_bob["Reply-To"].addresses[0].display_name == "Alice Archer"
    assert to_bob["From"].addresses[0].display_name == "Alice Archer via Gateway"
    text = to_bob.get_body(("plain",))
    assert text is not None and "Alice Archer and Bob Baker" not in text.get_content()


def test_a_group_rooms_emails_keep_the_rooms_own_title(
    world: World, post, dispatch, emails_to
) -> None:
    post("Draft is up")
    dispatch()

    (to_bob,) = emails_to(world.bob)
    assert to_bob["Subject"] == "[Gateway] Website redesign"
    assert _list_id_name(to_bob) == "Website redesign"
    assert to_bob["From"].addresses[0].display_name == "Alice Archer via Website redesign"


def test_a_stored_name_with_a_line_break_titles_a_direct_room_by_the_address_local_part(
    database: Database, world: World, now: datetime, post, dispatch, outbox, emails_to
) -> None:
    room_id = _direct_room(database, world, now)
    with database.transaction() as session:
        session.execute(update(User).where(User.id == world.alice.id).values(display_name=PAYLOAD))
    post("Shall we meet?", room_id=room_id)
    dispatch()

    (row,) = outbox(world.bob.id)
    head = row.raw.split(b"\r\n\r\n", 1)[0]
    assert not any(line.lower().startswith(b"bcc:") for line in head.split(b"\r\n"))
    (to_bob,) = emails_to(world.bob)
    assert to_bob["Subject"] == "[Gateway] alice"
    assert _list_id_name(to_bob) == "alice"
    assert "Bcc" not in to_bob and "\n" not in str(to_bob["Subject"])
