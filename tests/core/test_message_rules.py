"""Posting rules: contact details wait for a contract (on the web and by email alike),
nobody messages a person who blocked them (or whom they blocked) directly, the author may
edit or delete within the hour, and web attachments stay within their limits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from gateway.core.blocks import block_user
from gateway.core.contact_details import ContactDetailsNotAllowed
from gateway.core.errors import InvalidInput, NotAllowed, NotFound
from gateway.core.messages import (
    Draft,
    NewFile,
    PostedMessage,
    delete_message,
    edit_message,
    post_message,
    post_messages,
)
from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import create_room, find_membership, get_room
from gateway.core.users import add_user
from gateway.store.database import Database
from gateway.store.models import (
    Attachment,
    Message,
    Notification,
    Origin,
    RoomEvent,
    RoomEventKind,
    RoomKind,
    User,
)

from smtp_gateway import SMTPGateway
from support import MAIL_DOMAIN, World, reply_email

CONTACT_REFUSAL = (
    "Contact details (email addresses and phone numbers) can only be shared once a contract "
    "has started. Remove {} and send again."
)


def _room(database: Database, world: World, now: datetime, kind: RoomKind) -> int:
    with database.transaction() as session:
        alice, bob = session.get_one(User, world.alice.id), session.get_one(User, world.bob.id)
        return create_room(
            session, f"A {kind} room", owner=alice, members=[bob], kind=kind, now=now
        ).id


def _count(database: Database, model: type) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _post(database: Database, room_id: int, author_id: int, text: str, now: datetime) -> int:
    with database.transaction() as session:
        return post_message(session, room_id, author_id, text, origin=Origin.WEB, now=now).id


# --- Contact details ---------------------------------------------------------------------


def test_contact_details_outside_a_contract_are_refused_and_nothing_is_stored(
    database, world, now
) -> None:
    with database.transaction() as session, pytest.raises(ContactDetailsNotAllowed) as refused:
        post_message(
            session,
            world.room.id,
            world.bob.id,
            "Just mail me: bob [at] example [dot] com",
            origin=Origin.WEB,
            now=now,
        )
    assert str(refused.value) == CONTACT_REFUSAL.format("bob [at] example [dot] com")
    assert isinstance(refused.value, NotAllowed)
    assert _count(database, Message) == 0 and _count(database, Notification) == 0


@pytest.mark.parametrize("kind", [RoomKind.GROUP, RoomKind.DIRECT, RoomKind.INTERVIEW])
def test_phone_numbers_are_refused_in_every_room_kind_but_contract(
    database, world, now, kind
) -> None:
    room_id = _room(database, world, now, kind)
    with database.transaction() as session, pytest.raises(NotAllowed, match=r"\+44 20 7946 0958"):
        post_message(
            session, room_id, world.bob.id, "Ring +44 20 7946 0958", origin=Origin.WEB, now=now
        )


def test_contact_details_are_allowed_once_a_contract_has_started(database, world, now) -> None:
    room_id = _room(database, world, now, RoomKind.CONTRACT)
    message_id = _post(database, room_id, world.bob.id, "bob@example.org, (415) 555-0132", now)
    with database.read_session() as session:
        assert session.get_one(Message, message_id).body_source == "bob@example.org, (415) 555-0132"


def test_quoted_text_of_an_emailed_reply_is_not_checked(database, world, now) -> None:
    with database.transaction() as session:
        [result] = post_messages(
            session,
            [
                Draft(
                    world.room.id,
                    world.bob.id,
                    "Works for me.",
                    Origin.EMAIL,
                    quoted_text="On Monday alice@example.com wrote:\n> call 415-555-0132",
                )
            ],
            now=now,
        )
    assert isinstance(result, PostedMessage)


def test_a_batch_refuses_only_the_drafts_with_contact_details(database, world, now) -> None:
    contract = _room(database, world, now, RoomKind.CONTRACT)
    with database.transaction() as session:
        results = post_messages(
            session,
            [
                Draft(world.room.id, world.bob.id, "fine", Origin.EMAIL),
                Draft(world.room.id, world.bob.id, "call 415.555.0132", Origin.EMAIL),
                Draft(contract, world.bob.id, "call 415.555.0132", Origin.EMAIL),
            ],
            now=now,
        )
    assert [type(result) for result in results] == [
        PostedMessage,
        ContactDetailsNotAllowed,
        PostedMessage,
    ]


@contextmanager
def _statements(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def test_the_rule_checks_cost_the_same_queries_for_two_drafts_or_thirty(
    database, world, now
) -> None:
    direct = _room(database, world, now, RoomKind.DIRECT)

    def statements_for(count: int) -> int:
        drafts = [
            Draft(room, world.bob.id, f"reply {n}", Origin.EMAIL)
            for n in range(count)
            for room in (world.room.id, direct)
        ]
        with _statements(database) as seen, database.transaction() as session:
            post_messages(session, drafts, now=now)
        # Members with room kinds, blocks in direct rooms: one query each per batch.
        return sum(statement.lstrip().upper().startswith("SELECT") for statement in seen)

    assert statements_for(1) == statements_for(15) == 2


# --- Blocks ------------------------------------------------------------------------------


@pytest.mark.parametrize("blocker", ["alice", "bob"])
def test_direct_messages_between_blocked_people_are_refused_both_ways(
    database, world, now, blocker
) -> None:
    direct = _room(database, world, now, RoomKind.DIRECT)
    blocker_id = getattr(world, blocker).id
    blocked_id = world.bob.id if blocker == "alice" else world.alice.id
    with database.transaction() as session:
        block_user(session, blocker_id, blocked_id, now=now)
    for author in (world.alice.id, world.bob.id):
        with database.transaction() as session, pytest.raises(NotAllowed) as refused:
            post_message(session, direct, author, "hello?", origin=Origin.WEB, now=now)
        # The same sentence for both sides: it must not tell who blocked whom.
        assert str(refused.value) == "You cannot send messages to this person."
    assert _count(database, Message) == 0


def test_a_block_does_not_silence_shared_group_rooms(database, world, now) -> None:
    with database.transaction() as session:
        block_user(session, world.alice.id, world.bob.id, now=now)
    assert _post(database, world.room.id, world.bob.id, "still here", now)


def test_a_block_between_other_people_does_not_refuse_a_direct_message(
    database, world, now
) -> None:
    direct = _room(database, world, now, RoomKind.DIRECT)
    with database.transaction() as session:
        carol = add_user(session, "carol@example.net", now=now)
        block_user(session, carol.id, world.bob.id, now=now)
    assert _post(database, direct, world.bob.id, "hi Alice", now)


# --- Edit and delete ---------------------------------------------------------------------


def test_author_edits_within_the_hour_and_the_change_is_an_event(database, world, now) -> None:
    message_id = _post(database, world.room.id, world.bob.id, "first *draft*", now)
    later = now + timedelta(minutes=59)
    with database.transaction() as session:
        edit_message(session, message_id, world.bob.id, "  final **text**  ", now=later)
    with database.read_session() as session:
        message = session.get_one(Message, message_id)
        assert message.body_source == "final **text**"
        assert "<strong>text</strong>" in message.body_html
        assert message.edited_at == later
        [change] = session.scalars(select(RoomEvent)).all()
        assert (change.kind, change.message_id, change.room_id) == (
            RoomEventKind.EDITED,
            message_id,
            world.room.id,
        )


def test_edit_after_the_hour_is_refused(database, world, now) -> None:
    message_id = _post(database, world.room.id, world.bob.id, "typo", now)
    with database.transaction() as session, pytest.raises(NotAllowed) as refused:
        edit_message(session, message_id, world.bob.id, "fixed", now=now + timedelta(minutes=61))
    assert str(refused.value) == "Messages can only be edited within an hour of sending."


def test_only_the_author_may_edit_or_delete(database, world, now) -> None:
    message_id = _post(database, world.room.id, world.bob.id, "mine", now)
    with database.transaction() as session:
        with pytest.raises(NotAllowed):
            edit_message(session, message_id, world.alice.id, "hers now", now=now)
        with pytest.raises(NotAllowed):
            delete_message(session, message_id, world.alice.id, now=now)
        stranger = add_user(session, "mallory@example.com", now=now)
        with pytest.raises(NotFound):
            edit_message(session, message_id, stranger.id, "x", now=now)
    with database.read_session() as session:
        assert session.get_one(Message, message_id).body_source == "mine"


def test_edits_follow_the_contact_details_rule(database, world, now) -> None:
    message_id = _post(database, world.room.id, world.bob.id, "ok", now)
    with database.transaction() as session, pytest.raises(ContactDetailsNotAllowed):
        edit_message(session, message_id, world.bob.id, "bob@example.org", now=now)
    with database.read_session() as session:
        assert session.get_one(Message, message_id).edited_at is None


def test_delete_clears_the_text_and_files_keeps_a_placeholder_and_records_an_event(
    database, world, now
) -> None:
    with database.transaction() as session:
        message_id = post_message(
            session,
            world.room.id,
            world.bob.id,
            "secret plan",
            origin=Origin.WEB,
            now=now,
            files=[NewFile("plan.pdf", "application/pdf", b"%PDF")],
        ).id
    with database.transaction() as session:
        delete_message(session, message_id, world.bob.id, now=now + timedelta(minutes=30))
    with database.read_session() as session:
        message = session.get_one(Message, message_id)
        assert message.deleted_at == now + timedelta(minutes=30)
        assert (message.body_source, message.body_html) == ("", "")
        assert session.scalars(select(RoomEvent.kind)).all() == [RoomEventKind.DELETED]
    assert _count(database, Attachment) == 0


def test_delete_after_the_hour_is_refused(database, world, now) -> None:
    message_id = _post(database, world.room.id, world.bob.id, "keep", now)
    with database.transaction() as session, pytest.raises(NotAllowed, match="within an hour"):
        delete_message(session, message_id, world.bob.id, now=now + timedelta(minutes=61))


# --- Attachment limits -------------------------------------------------------------------


def test_too_many_or_too_large_files_are_refused_with_the_numbers(database, world, now) -> None:
    three = [NewFile(f"{n}.txt", "text/plain", b"x" * 400) for n in range(3)]
    with database.transaction() as session:
        room = get_room(session, world.room.id)
        with pytest.raises(InvalidInput, match="at most 2 files; 3 were attached"):
            post_message(
                session, room.id, world.bob.id, "", origin=Origin.WEB, now=now,
                files=three, max_files=2, max_bytes=10_000,
            )  # fmt: skip
        with pytest.raises(InvalidInput, match=r"at most 1000 bytes; these total 1\.2 KB"):
            post_message(
                session, room.id, world.bob.id, "", origin=Origin.WEB, now=now,
                files=three, max_files=10, max_bytes=1000,
            )  # fmt: skip
    assert _count(database, Attachment) == 0 and _count(database, Message) == 0


# --- By email: the real SMTP intake ------------------------------------------------------


def _bob_address(database: Database, world: World, keys: ReplyKeys, room_id: int) -> str:
    with database.read_session() as session:
        membership = find_membership(session, room_id, world.bob.id)
        assert membership is not None
        return reply_address(membership, keys, MAIL_DOMAIN)


def test_emailed_reply_with_contact_details_gets_550_with_the_reason_and_posts_nothing(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = _bob_address(database, world, keys, world.room.id)
    transcript = smtp_gateway.deliver(
        reply_email("bob@example.org", address, "Let's talk: call me on (415) 555-0132"),
        mail_from="bob@example.org",
        rcpt_to=[address],
    )
    code, text = transcript.final
    assert code == 550 and text.startswith("5.7.1")
    assert "can only be shared once a contract has started" in text
    assert "(415) 555-0132" in text
    assert _count(database, Message) == 0


def test_emailed_reply_with_contact_details_posts_in_a_contract_room(
    smtp_gateway: SMTPGateway, database, world, keys, now
) -> None:
    room_id = _room(database, world, now, RoomKind.CONTRACT)
    address = _bob_address(database, world, keys, room_id)
    transcript = smtp_gateway.deliver(
        reply_email("bob@example.org", address, "Call me on (415) 555-0132"),
        mail_from="bob@example.org",
        rcpt_to=[address],
    )
    assert transcript.final[0] == 250
    assert _count(database, Message) == 1


def test_emailed_reply_quoting_contact_details_is_posted(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = _bob_address(database, world, keys, world.room.id)
    body = (
        "Sounds good.\n\nOn Mon, 23 Nov 2026 at 09:30, Alice <alice@example.com> wrote:\n"
        "> Call 415-555-0132 if you need me.\n"
    )
    transcript = smtp_gateway.deliver(
        reply_email("bob@example.org", address, body),
        mail_from="bob@example.org",
        rcpt_to=[address],
    )
    assert transcript.final[0] == 250
    with database.read_session() as session:
        assert session.scalars(select(Message.body_source)).all() == ["Sounds good."]
