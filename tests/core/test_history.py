"""The history a member reads: keyset pages (newest, before, after, around), deleted
messages as placeholders, replies with their parent, members only; and read marks."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, insert

from gateway.core.errors import NotFound
from gateway.core.messages import (
    DELETED_PLACEHOLDER,
    delete_message,
    get_room_message,
    list_history,
    message_excerpt,
    post_message,
)
from gateway.core.reading import mark_read, mark_unread
from gateway.core.rooms import create_room, find_membership
from gateway.core.users import add_user
from gateway.store.database import Database
from gateway.store.models import Message, Origin, User

from support import World


def _post_many(database: Database, world: World, now: datetime, count: int) -> list[int]:
    """`count` messages in the world's room, a second apart, by one INSERT."""
    rows = [
        {
            "room_id": world.room.id,
            "author_id": world.alice.id if n % 2 else world.bob.id,
            "origin": Origin.WEB,
            "body_source": f"message {n}",
            "body_html": f"<p>message {n}</p>",
            "created_at": now + timedelta(seconds=n),
        }
        for n in range(count)
    ]
    with database.transaction() as session:
        session.execute(insert(Message), rows)
        return list(
            session.scalars(
                Message.__table__.select()
                .with_only_columns(Message.id)
                .where(Message.room_id == world.room.id)
                .order_by(Message.id)
            )
        )


def _ids(page) -> list[int]:
    return [message.id for message in page.messages]


def test_newest_page_is_oldest_first_and_says_there_is_more(database, world, now) -> None:
    ids = _post_many(database, world, now, 12)
    with database.read_session() as session:
        page = list_history(session, world.room.id, world.bob.id, limit=5)
    assert _ids(page) == ids[-5:]
    assert (page.has_older, page.has_newer) == (True, False)


def test_before_pages_back_to_the_start(database, world, now) -> None:
    ids = _post_many(database, world, now, 12)
    seen: list[int] = []
    with database.read_session() as session:
        page = list_history(session, world.room.id, world.bob.id, limit=5)
        seen = _ids(page) + seen
        while page.has_older:
            page = list_history(session, world.room.id, world.bob.id, before_id=seen[0], limit=5)
            assert page.has_newer
            seen = _ids(page) + seen
    assert seen == ids


def test_after_catches_up_with_newer_messages(database, world, now) -> None:
    ids = _post_many(database, world, now, 12)
    with database.read_session() as session:
        page = list_history(session, world.room.id, world.bob.id, after_id=ids[3], limit=5)
        assert _ids(page) == ids[4:9]
        assert (page.has_older, page.has_newer) == (True, True)
        last = list_history(session, world.room.id, world.bob.id, after_id=ids[-1])
        assert _ids(last) == [] and not last.has_newer


def test_around_centres_the_page_on_a_message(database, world, now) -> None:
    ids = _post_many(database, world, now, 30)
    with database.read_session() as session:
        page = list_history(session, world.room.id, world.bob.id, around_id=ids[15], limit=10)
    assert _ids(page) == ids[10:20]
    assert (page.has_older, page.has_newer) == (True, True)


def test_around_a_message_of_another_room_is_not_found(database, world, now) -> None:
    with database.transaction() as session:
        alice = session.get_one(User, world.alice.id)
        bob = session.get_one(User, world.bob.id)
        other = create_room(session, "Other", owner=alice, members=[bob], now=now)
        elsewhere = post_message(session, other.id, alice.id, "x", origin=Origin.WEB, now=now)
    with database.read_session() as session, pytest.raises(NotFound):
        list_history(session, world.room.id, world.bob.id, around_id=elsewhere.id)
    with database.read_session() as session, pytest.raises(NotFound):
        get_room_message(session, world.room.id, elsewhere.id, world.bob.id)


def test_history_is_not_found_for_strangers_and_former_members(database, world, now) -> None:
    with database.transaction() as session:
        stranger = add_user(session, "mallory@example.com", now=now)
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        membership.left_at = now
    for user_id in (stranger.id, world.bob.id):
        with database.read_session() as session, pytest.raises(NotFound, match="No such room"):
            list_history(session, world.room.id, user_id)


def test_deleted_messages_stay_as_placeholders_and_replies_keep_their_parent(
    database, world, now
) -> None:
    with database.transaction() as session:
        first = post_message(
            session, world.room.id, world.bob.id, "Can we ship **Friday**?", origin=Origin.WEB,
            now=now,
        )  # fmt: skip
        reply = post_message(
            session, world.room.id, world.alice.id, "Yes", origin=Origin.WEB, now=now,
            parent_id=first.id,
        )  # fmt: skip
        doomed = post_message(
            session, world.room.id, world.bob.id, "oops", origin=Origin.WEB, now=now
        )
        delete_message(session, doomed.id, world.bob.id, now=now)
    with database.read_session() as session:
        page = list_history(session, world.room.id, world.alice.id)
        assert _ids(page) == [first.id, reply.id, doomed.id]
        answer, gone = page.messages[1], page.messages[2]
        assert answer.parent is not None and answer.parent.author is not None
        assert answer.parent.author.display_name == "Bob Baker"
        assert message_excerpt(answer.parent) == "Can we ship Friday?"  # as read, not **source**
        assert gone.deleted_at is not None and message_excerpt(gone) == DELETED_PLACEHOLDER


def test_excerpt_is_one_shortened_line(database, world, now) -> None:
    with database.transaction() as session:
        long = post_message(
            session, world.room.id, world.bob.id, "word\n" * 100, origin=Origin.WEB, now=now
        )
        message = session.get_one(Message, long.id)
        excerpt = message_excerpt(message, length=20)
    assert "\n" not in excerpt and len(excerpt) == 20 and excerpt.endswith("\u2026")


def test_paging_a_large_room_walks_the_index_without_offset(database, world, now) -> None:
    ids = _post_many(database, world, now, 3000)
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append((statement.upper(), parameters))

    engine = database.read_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        with database.read_session() as session:
            page = list_history(session, world.room.id, world.bob.id, before_id=ids[1500])
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert _ids(page) == ids[1450:1500]
    history = [(s, p) for s, p in statements if "FROM MESSAGES" in s and "MESSAGES.ROOM_ID" in s]
    assert history
    for statement, parameters in history:
        assert "LIMIT" in statement
        # SQLite's dialect always writes "OFFSET ?"; it must be 0 (the last parameter).
        assert "OFFSET" not in statement or list(parameters)[-1] == 0  # type: ignore[call-overload]


# --- Read marks --------------------------------------------------------------------------


def _last_read(database: Database, room_id: int, user_id: int) -> int | None:
    with database.read_session() as session:
        membership = find_membership(session, room_id, user_id)
        assert membership is not None
        return membership.last_read_message_id


def test_mark_read_only_moves_forward(database, world, now) -> None:
    ids = _post_many(database, world, now, 5)
    with database.transaction() as session:
        assert mark_read(session, world.room.id, world.bob.id, ids[3]) == ids[3]
        assert mark_read(session, world.room.id, world.bob.id, ids[1]) == ids[3]
    assert _last_read(database, world.room.id, world.bob.id) == ids[3]


def test_mark_unread_lands_on_the_newest_visible_message_before(database, world, now) -> None:
    ids = _post_many(database, world, now, 5)
    with database.transaction() as session:
        mark_read(session, world.room.id, world.bob.id, ids[4])
        delete_message(session, ids[2], world.bob.id, now=now)
        assert mark_unread(session, world.room.id, world.bob.id, ids[3]) == ids[1]
    assert _last_read(database, world.room.id, world.bob.id) == ids[1]
    with database.transaction() as session:
        assert mark_unread(session, world.room.id, world.bob.id, ids[0]) is None
    assert _last_read(database, world.room.id, world.bob.id) is None


def test_read_marks_are_not_found_for_non_members_and_foreign_messages(
    database, world, now
) -> None:
    ids = _post_many(database, world, now, 2)
    with database.transaction() as session:
        stranger = add_user(session, "mallory@example.com", now=now)
        alice = session.get_one(User, world.alice.id)
        other = create_room(session, "Alice alone", owner=alice, now=now)
        foreign = post_message(session, other.id, alice.id, "mine", origin=Origin.WEB, now=now)
    with database.transaction() as session:
        with pytest.raises(NotFound):
            mark_read(session, world.room.id, stranger.id, ids[0])
        with pytest.raises(NotFound):
            mark_unread(session, world.room.id, stranger.id, ids[0])
        with pytest.raises(NotFound):
            mark_read(session, world.room.id, world.bob.id, foreign.id)
