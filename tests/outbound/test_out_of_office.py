"""Out of office (RFC 3834, RFC 5230, EMAIL-RULES section 4), one rule per test: direct
messages are answered (a note in the conversation; an auto-reply email when the message came
by email), once per sender per period, afresh for a new period; group room traffic and
system notes never; the auto-reply is marked so that nothing answers it in turn, a sender
who asks for no out-of-office reply gets the note only, and the daily cap per address holds."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, select

from gateway.core.messages import Draft, post_message, post_messages
from gateway.core.out_of_office import DAILY_REPLIES_PER_ADDRESS, RESPONSE_INTERVAL
from gateway.core.preferences import set_out_of_office
from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import create_room, find_membership, leave_room
from gateway.core.users import add_user
from gateway.inbound.classification import detect_automated
from gateway.inbound.parsing import parse_email
from gateway.outbound.auto_replies import AUTO_REPLY_KIND, queue_auto_replies
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import (
    AutoResponse,
    AutoResponseState,
    Message,
    Origin,
    RoomKind,
    User,
)

from support import World, reply_email

AWAY_MESSAGE = "I am hiking until the 30th.\nUrgent: ask Carol."


@pytest.fixture
def bob_away(database: Database, world: World, now: datetime) -> None:
    """Bob is out of office from yesterday to next Monday (his zone: UTC)."""
    with database.transaction() as session:
        set_out_of_office(
            session,
            world.bob.id,
            enabled=True,
            message=AWAY_MESSAGE,
            starts_local=(now - timedelta(days=1)).replace(tzinfo=None),
            ends_local=datetime(2026, 11, 30, 9, 0),
            now=now,
        )


@pytest.fixture
def direct(database: Database, world: World, now: datetime) -> int:
    with database.transaction() as session:
        room = create_room(
            session,
            "Alice and Bob",
            # get, not merge: merging the test's stale copy would undo Bob's settings.
            owner=session.get_one(User, world.alice.id),
            members=[session.get_one(User, world.bob.id)],
            kind=RoomKind.DIRECT,
            now=now,
        )
        return room.id


def _notes(database: Database, room_id: int) -> list[str]:
    with database.read_session() as session:
        return list(
            session.scalars(
                select(Message.body_source)
                .where(Message.room_id == room_id, Message.origin == Origin.SYSTEM)
                .order_by(Message.id)
            )
        )


def _responses(database: Database) -> list[AutoResponse]:
    with database.read_session() as session:
        return list(session.scalars(select(AutoResponse).order_by(AutoResponse.id)))


def _post(database: Database, room_id: int, author_id: int, text: str, at: datetime) -> None:
    with database.transaction() as session:
        post_message(session, room_id, author_id, text, origin=Origin.WEB, now=at)


def test_a_direct_message_to_an_away_user_gets_the_note_in_the_conversation(
    database, world: World, now, bob_away, direct
) -> None:
    _post(database, direct, world.alice.id, "Can we ship on Friday?", now)
    (note,) = _notes(database, direct)
    assert note.startswith("**Bob Baker is out of office** until Mon 30 Nov 2026, 09:00 (UTC).")
    assert "> I am hiking until the 30th.\n> Urgent: ask Carol." in note
    (response,) = _responses(database)
    # Posted on the web: the note is the answer, no email.
    assert (response.state, response.sender_id) == (AutoResponseState.NOTE, world.alice.id)


def test_the_note_is_given_once_per_sender_then_again_after_seven_days(
    database, world: World, now, direct
) -> None:
    with database.transaction() as session:
        set_out_of_office(
            session,
            world.bob.id,
            enabled=True,
            message=AWAY_MESSAGE,
            starts_local=datetime(2026, 11, 1),
            ends_local=datetime(2026, 12, 31),
            now=now,
        )
    _post(database, direct, world.alice.id, "one", now)
    _post(database, direct, world.alice.id, "two", now + timedelta(hours=5))
    _post(database, direct, world.alice.id, "three", now + RESPONSE_INTERVAL - timedelta(minutes=1))
    assert len(_notes(database, direct)) == 1
    _post(database, direct, world.alice.id, "four", now + RESPONSE_INTERVAL + timedelta(minutes=1))
    assert len(_notes(database, direct)) == 2


def test_a_new_message_from_the_away_user_starts_afresh(
    database, world: World, now, bob_away, direct
) -> None:
    _post(database, direct, world.alice.id, "one", now)
    with database.transaction() as session:
        set_out_of_office(
            session,
            world.bob.id,
            enabled=True,
            message="Back on Monday; Carol covers.",
            starts_local=(now - timedelta(days=1)).replace(tzinfo=None),
            ends_local=datetime(2026, 11, 30, 9, 0),
            now=now + timedelta(hours=1),
        )
    _post(database, direct, world.alice.id, "two", now + timedelta(hours=2))
    _, second = _notes(database, direct)
    assert "Back on Monday; Carol covers." in second


def test_group_room_traffic_is_never_answered(database, world: World, now, bob_away) -> None:
    _post(database, world.room.id, world.alice.id, "Can we ship on Friday?", now)
    assert _notes(database, world.room.id) == []
    assert _responses(database) == []


def test_nobody_is_answered_outside_the_period_or_with_it_off(
    database, world: World, now, direct
) -> None:
    with database.transaction() as session:
        set_out_of_office(
            session,
            world.bob.id,
            enabled=True,
            message=AWAY_MESSAGE,
            starts_local=datetime(2026, 11, 25, 0, 0),
            ends_local=datetime(2026, 11, 30, 9, 0),
            now=now,
        )
    _post(database, direct, world.alice.id, "before the period", now)
    _post(
        database,
        direct,
        world.alice.id,
        "after the period",
        datetime.fromisoformat("2026-11-30T10:00+00:00"),
    )
    assert _notes(database, direct) == []


def test_the_away_users_own_messages_and_system_notes_are_not_answered(
    database, world: World, now, bob_away, direct
) -> None:
    _post(database, direct, world.bob.id, "Quick note before I go", now)
    assert _notes(database, direct) == []
    _post(database, direct, world.alice.id, "ok", now)
    assert len(_notes(database, direct)) == 1  # the note itself answered nothing
    assert len(_responses(database)) == 1


# --- by email ---------------------------------------------------------------------------------


def _alice_address(database: Database, world: World, direct: int, keys, settings) -> str:
    """Alice's reply address for the direct room."""
    with database.read_session() as session:
        membership = find_membership(session, direct, world.alice.id)
        return reply_address(membership, keys, settings.mail_domain)


def _alice_emails_bob(
    smtp_gateway, database, world, direct, keys, settings, headers: dict[str, str] | None = None
) -> None:
    address = _alice_address(database, world, direct, keys, settings)
    raw = reply_email(
        "Alice Archer <alice@example.com>",
        address,
        "Can we ship on Friday?",
        subject="Ship date",
        message_id="<original-1@mail.example.com>",
        headers=headers,
    )
    transcript = smtp_gateway.deliver(raw, mail_from="alice@example.com", rcpt_to=[address])
    assert transcript.final[0] == 250, transcript


def test_a_direct_message_by_email_gets_an_rfc_3834_auto_reply(
    database,
    world: World,
    now,
    settings: Settings,
    keys: ReplyKeys,
    bob_away,
    direct,
    smtp_gateway,
    outbox,
    emails_to,
) -> None:
    _alice_emails_bob(smtp_gateway, database, world, direct, keys, settings)
    with database.transaction() as session:
        assert queue_auto_replies(session, settings, keys, now=now) == 1

    (row,) = [r for r in outbox(world.alice.id) if r.kind == AUTO_REPLY_KIND]
    assert row.envelope_from == ""  # null reverse-path: nothing bounces back
    assert row.recipient == "alice@example.com"
    (email,) = [e for e in emails_to(world.alice) if e["Auto-Submitted"]]
    assert email["Auto-Submitted"] == "auto-replied"
    assert email["Subject"] == "Auto: Ship date"
    assert email["In-Reply-To"] == "<original-1@mail.example.com>"
    assert "<original-1@mail.example.com>" in email["References"]
    assert email["X-Auto-Response-Suppress"] == "All"
    assert email["Reply-To"] == _alice_address(database, world, direct, keys, settings)
    text = email.get_body(("plain",)).get_content()
    assert "Bob Baker is out of office until Mon 30 Nov 2026, 09:00 (UTC)." in text
    assert "I am hiking until the 30th." in text
    # Any gateway applying RFC 3834 (another one: its own loop header) recognizes it as
    # automatic, and so never posts it nor answers it: two away users cannot loop.
    found = detect_automated(parse_email(row.raw), "mta@example.net", "X-Other-Gateway-Loop")
    assert found is not None and found.reason == "auto-submitted: auto-replied"
    # A second run composes nothing more.
    with database.transaction() as session:
        assert queue_auto_replies(session, settings, keys, now=now) == 0


@pytest.mark.parametrize(
    ("suppress", "emailed"),
    [
        ("RN, NRN, OOF, AutoReply", False),  # what Outlook puts on an ordinary reply
        ("All", False),
        ("DR, NDR, RN", True),  # reports only: an out-of-office reply is still welcome
    ],
)
def test_a_sender_who_asks_for_no_out_of_office_reply_gets_the_note_only(
    database,
    world: World,
    now,
    settings: Settings,
    keys: ReplyKeys,
    bob_away,
    direct,
    smtp_gateway,
    suppress: str,
    emailed: bool,
) -> None:
    """X-Auto-Response-Suppress is for answering only (EMAIL-RULES section 2): the message is
    posted and the note given, but no auto-reply email goes when it asks for none."""
    headers = {"X-Auto-Response-Suppress": suppress}
    _alice_emails_bob(smtp_gateway, database, world, direct, keys, settings, headers)
    # Decided at intake: no email is owed, so none counts toward the daily cap either.
    (response,) = _responses(database)
    assert response.state is (AutoResponseState.PENDING if emailed else AutoResponseState.NOTE)
    with database.transaction() as session:
        assert queue_auto_replies(session, settings, keys, now=now) == int(emailed)
    (response,) = _responses(database)
    assert response.state is (AutoResponseState.QUEUED if emailed else AutoResponseState.NOTE)
    assert len(_notes(database, direct)) == 1


def test_no_auto_reply_email_to_a_sender_who_left_the_room_meanwhile(
    database, world: World, now, settings: Settings, keys: ReplyKeys, bob_away, direct,
    smtp_gateway, outbox,
) -> None:  # fmt: skip
    """Its Reply-To would be the reply address the sender lost on leaving."""
    _alice_emails_bob(smtp_gateway, database, world, direct, keys, settings)
    with database.transaction() as session:
        leave_room(session, direct, world.alice.id, now=now)
        assert queue_auto_replies(session, settings, keys, now=now) == 0
    (response,) = _responses(database)
    assert response.state is AutoResponseState.NOTE
    assert [row.kind for row in outbox()] == []


def test_no_auto_reply_email_once_the_message_answered_is_gone(
    database, world: World, now, settings: Settings, keys: ReplyKeys, bob_away, direct,
    smtp_gateway, outbox,
) -> None:  # fmt: skip
    """Not another stored email's answer either: plenty of inbound mail (bounces, automated
    mail) became no message at all."""
    raw = reply_email("Mailer <mailer-daemon@example.com>", "bob@example.org", "Auto", headers={
        "Auto-Submitted": "auto-replied"})  # fmt: skip
    smtp_gateway.deliver(
        raw, mail_from="", rcpt_to=[_alice_address(database, world, direct, keys, settings)]
    )
    _alice_emails_bob(smtp_gateway, database, world, direct, keys, settings)
    with database.transaction() as session:
        response = session.scalars(select(AutoResponse)).one()
        # As a deletion of the message row would (the column is ON DELETE SET NULL).
        session.execute(delete(Message).where(Message.id == response.message_id))
        session.expire(response)
        assert response.message_id is None
        assert queue_auto_replies(session, settings, keys, now=now) == 0
    assert [row.kind for row in outbox()] == []


def test_messages_that_ask_for_no_auto_reply_do_not_use_up_the_daily_cap(
    database, world: World, now, settings: Settings, keys: ReplyKeys, direct
) -> None:
    rooms = _away_users_in_direct_rooms_with_alice(
        database, world, now, DAILY_REPLIES_PER_ADDRESS + 1
    )
    quiet = Draft(rooms[0], world.alice.id, "hello", Origin.EMAIL, auto_reply_wanted=False)
    with database.transaction() as session:
        post_messages(session, [quiet], now=now)
    for room_id in rooms[1:]:
        with database.transaction() as session:
            post_message(session, room_id, world.alice.id, "hello", origin=Origin.EMAIL, now=now)
    states = [response.state for response in _responses(database)]
    assert (
        states == [AutoResponseState.NOTE] + [AutoResponseState.PENDING] * DAILY_REPLIES_PER_ADDRESS
    )


def _away_users_in_direct_rooms_with_alice(database, world: World, now, count: int) -> list[int]:
    """`count` users out of office, each in a direct room with Alice; the rooms' ids."""
    with database.transaction() as session:
        alice = session.get_one(User, world.alice.id)
        rooms = []
        for n in range(count):
            user = add_user(session, f"away{n}@example.net", name=f"Away {n}", now=now)
            set_out_of_office(
                session,
                user.id,
                enabled=True,
                message="Away.",
                starts_local=datetime(2026, 11, 1),
                ends_local=datetime(2026, 12, 1),
                now=now,
            )
            rooms.append(
                create_room(
                    session,
                    f"Alice and {n}",
                    owner=alice,
                    members=[user],
                    kind=RoomKind.DIRECT,
                    now=now,
                ).id
            )
    return rooms


def test_auto_reply_emails_to_one_address_stop_at_the_daily_cap(
    database, world: World, now, settings: Settings, keys: ReplyKeys, direct
) -> None:
    """Many away users answering the same sender: at most DAILY_REPLIES_PER_ADDRESS emails."""
    rooms = _away_users_in_direct_rooms_with_alice(
        database, world, now, DAILY_REPLIES_PER_ADDRESS + 2
    )
    for room_id in rooms:
        with database.transaction() as session:
            post_message(session, room_id, world.alice.id, "hello", origin=Origin.EMAIL, now=now)
    states = [response.state for response in _responses(database)]
    assert states.count(AutoResponseState.PENDING) == DAILY_REPLIES_PER_ADDRESS
    assert states.count(AutoResponseState.CAPPED) == 2
    # Every sender still sees every note in the conversation.
    assert all(len(_notes(database, room_id)) == 1 for room_id in rooms)
