"""Posting messages: membership, rendering, notifications owed, files, listing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.core.errors import InvalidInput, NotAllowed
from gateway.core.messages import NewFile, list_messages, post_message
from gateway.core.rooms import add_member, create_room, get_room, remove_member
from gateway.core.users import add_user, get_user_by_email
from gateway.store.models import Notification, NotificationState, Origin


def test_post_renders_markdown_and_owes_every_other_member_a_notification(
    database, world, now
) -> None:
    with database.transaction() as session:
        room = get_room(session, world.room.id)
        carol = add_user(session, "carol@example.net", now=now)
        add_member(session, room, carol, now=now)
        message = post_message(
            session,
            room.id,
            get_user_by_email(session, "alice@example.com").id,
            "  **Ship it** <script>x</script>  ",
            origin=Origin.WEB,
            now=now,
        )
    assert message.body_source == "**Ship it** <script>x</script>"
    assert "<strong>Ship it</strong>" in message.body_html
    assert "<script>" not in message.body_html
    with database.read_session() as session:
        owed = session.scalars(select(Notification).order_by(Notification.user_id)).all()
        assert [(n.user_id, n.state, n.due_at) for n in owed] == [
            (world.bob.id, NotificationState.PENDING, now),
            (carol.id, NotificationState.PENDING, now),
        ]


def test_only_active_members_may_post(database, world, now) -> None:
    with database.transaction() as session:
        room = get_room(session, world.room.id)
        bob = get_user_by_email(session, "bob@example.org")
        stranger = add_user(session, "mallory@example.com", now=now)
        with pytest.raises(NotAllowed):
            post_message(session, room.id, stranger.id, "hi", origin=Origin.WEB, now=now)
        remove_member(session, room, bob, now=now)
        with pytest.raises(NotAllowed):
            post_message(session, room.id, bob.id, "hi", origin=Origin.EMAIL, now=now)


def test_empty_or_oversized_message_is_refused(database, world, now) -> None:
    with database.transaction() as session:
        room = get_room(session, world.room.id)
        alice = get_user_by_email(session, "alice@example.com")
        with pytest.raises(InvalidInput):
            post_message(session, room.id, alice.id, " \n ", origin=Origin.WEB, now=now)
        with pytest.raises(InvalidInput):
            post_message(session, room.id, alice.id, "x" * 100_001, origin=Origin.WEB, now=now)


def test_a_file_alone_is_a_message_and_is_stored_with_its_digest(database, world, now) -> None:
    with database.transaction() as session:
        room = get_room(session, world.room.id)
        alice = get_user_by_email(session, "alice@example.com")
        message = post_message(
            session,
            room.id,
            alice.id,
            "",
            origin=Origin.EMAIL,
            now=now,
            files=[NewFile("plan.pdf", "application/pdf", b"%PDF-1.7")],
        )
    with database.read_session() as session:
        [stored] = list_messages(session, get_room(session, world.room.id))
        assert stored.id == message.id
        [attachment] = stored.attachments
        assert (attachment.filename, attachment.size, attachment.data) == (
            "plan.pdf",
            8,
            b"%PDF-1.7",
        )
        assert len(attachment.sha256) == 64


def test_reply_parent_must_be_in_the_same_room(database, world, now) -> None:
    with database.transaction() as session:
        room = get_room(session, world.room.id)
        alice = get_user_by_email(session, "alice@example.com")
        other = create_room(session, "Other", owner=alice, now=now)
        first = post_message(session, other.id, alice.id, "elsewhere", origin=Origin.WEB, now=now)
        with pytest.raises(InvalidInput):
            post_message(
                session, room.id, alice.id, "re", origin=Origin.WEB, now=now, parent_id=first.id
            )


def test_listing_is_oldest_first_and_limit_keeps_the_newest(database, world, now) -> None:
    with database.transaction() as session:
        room = get_room(session, world.room.id)
        alice = get_user_by_email(session, "alice@example.com")
        for index in range(5):
            post_message(
                session,
                room.id,
                alice.id,
                f"message {index}",
                origin=Origin.WEB,
                now=now + timedelta(minutes=index),
            )
    with database.read_session() as session:
        room = get_room(session, world.room.id)
        assert [m.body_source for m in list_messages(session, room)] == [
            f"message {i}" for i in range(5)
        ]
        assert [m.body_source for m in list_messages(session, room, limit=2)] == [
            "message 3",
            "message 4",
        ]


def test_a_batch_posts_the_acceptable_drafts_and_refuses_the_rest_in_order(
    database, world, now
) -> None:
    from gateway.core.messages import Draft, PostedMessage, post_messages

    with database.transaction() as session:
        stranger = add_user(session, "mallory@example.com", now=now)
        results = post_messages(
            session,
            [
                Draft(world.room.id, world.alice.id, "first", Origin.WEB),
                Draft(world.room.id, stranger.id, "intruder", Origin.WEB),
                Draft(world.room.id, world.bob.id, "  ", Origin.EMAIL),
                Draft(world.room.id, world.bob.id, "second", Origin.EMAIL),
            ],
            now=now,
        )
    assert [type(r) for r in results] == [PostedMessage, NotAllowed, InvalidInput, PostedMessage]
    first, _, _, second = results
    assert isinstance(first, PostedMessage) and isinstance(second, PostedMessage)
    assert first.id < second.id
    with database.read_session() as session:
        stored = list_messages(session, get_room(session, world.room.id))
        assert [m.body_source for m in stored] == ["first", "second"]
        owed = session.scalars(select(Notification.user_id).order_by(Notification.id)).all()
        assert owed == [world.bob.id, world.alice.id]
