"""Dispatch: due notifications become outbox emails once, or are skipped; threading lookups."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from gateway.core.rooms import add_member, get_room, mute_room_email, remove_member
from gateway.core.users import add_user
from gateway.outbound.composition import REFERENCES_HEAD, REFERENCES_TAIL
from gateway.outbound.dispatch import ROOM_MESSAGE_KIND, dispatch_notifications
from gateway.store.models import (
    Membership,
    Message,
    Notification,
    NotificationState,
    OutboxState,
    User,
)


def _notification_states(database) -> list[NotificationState]:
    with database.read_session() as session:
        return list(session.scalars(select(Notification.state).order_by(Notification.id)))


def _root_id(world, settings) -> str:
    return f"<room.{world.room.thread_token}@{settings.mail_domain}>"


def _references(email) -> list[str]:
    return str(email["References"]).split()


def test_every_other_member_gets_one_queued_email(
    database, world, settings, now, post, dispatch, outbox
) -> None:
    message_id = post("hello")
    assert dispatch() == 1
    (row,) = outbox()
    assert (row.kind, row.user_id, row.room_id, row.message_id) == (
        ROOM_MESSAGE_KIND,
        world.bob.id,
        world.room.id,
        message_id,
    )
    assert row.recipient == "bob@example.org"
    assert row.envelope_from == f"bounces@{settings.mail_domain}"
    assert (row.state, row.attempts, row.next_attempt_at) == (OutboxState.QUEUED, 0, now)
    assert _notification_states(database) == [NotificationState.QUEUED]


def test_member_who_muted_the_room_gets_no_email(database, world, post, dispatch, outbox) -> None:
    with database.transaction() as session:
        membership = session.scalars(
            select(Membership).where(Membership.user_id == world.bob.id)
        ).one()
        mute_room_email(session, membership.id)
    post("hello")
    assert dispatch() == 0
    assert outbox() == []
    assert _notification_states(database) == [NotificationState.SKIPPED]


def test_member_who_left_before_dispatch_gets_no_email(
    database, world, now, post, dispatch, outbox
) -> None:
    post("hello")
    with database.transaction() as session:
        remove_member(session, get_room(session, world.room.id), world.bob, now=now)
    assert dispatch() == 0
    assert outbox() == []
    assert _notification_states(database) == [NotificationState.SKIPPED]


def test_deleted_message_is_not_emailed(database, now, post, dispatch, outbox) -> None:
    message_id = post("oops")
    with database.transaction() as session:
        session.get_one(Message, message_id).deleted_at = now
    assert dispatch() == 0
    assert outbox() == []
    assert _notification_states(database) == [NotificationState.SKIPPED]


def test_notification_is_composed_once_even_if_dispatch_runs_twice(
    now, post, dispatch, outbox
) -> None:
    post("hello")
    assert dispatch() == 1
    assert dispatch(at=now + timedelta(minutes=5)) == 0
    assert len(outbox()) == 1


def test_notification_not_yet_due_waits(database, now, post, dispatch, outbox) -> None:
    post("hello")
    with database.transaction() as session:
        session.scalars(select(Notification)).one().due_at = now + timedelta(minutes=2)
    assert dispatch() == 0
    assert dispatch(at=now + timedelta(minutes=2)) == 1


def test_dispatch_takes_at_most_limit_notifications_oldest_first(post, dispatch, outbox) -> None:
    first, second, third = post("one"), post("two"), post("three")
    assert dispatch(limit=2) == 2
    assert [row.message_id for row in outbox()] == [first, second]
    assert dispatch(limit=2) == 1
    assert [row.message_id for row in outbox()][-1] == third


def test_two_dispatchers_at_once_compose_each_notification_once(
    database, settings, keys, now, world, post, outbox
) -> None:
    with database.transaction() as session:
        carol = _add_member(session, world, "carol@example.net", now)
    for n in range(10):
        post(f"message {n}")
    start = threading.Barrier(2)
    queued: list[int] = []

    def run() -> None:
        start.wait()
        with database.transaction() as session:
            queued.append(dispatch_notifications(session, settings, keys, now=now))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = outbox()
    assert sum(queued) == len(rows) == 20
    assert len({(row.user_id, row.message_id) for row in rows}) == 20
    assert {row.user_id for row in rows} == {world.bob.id, carol.id}


def test_first_email_of_a_room_answers_the_rooms_root(world, settings, post, dispatch, emails_to):
    post("one")
    dispatch()
    (email,) = emails_to(world.bob)
    assert email["In-Reply-To"] == _root_id(world, settings)
    assert _references(email) == [_root_id(world, settings)]


def test_third_email_references_root_and_the_first_two_and_answers_the_second(
    world, settings, post, dispatch, emails_to
) -> None:
    for text in ("one", "two", "three"):
        post(text)
        dispatch()
    first, second, third = emails_to(world.bob)
    assert _references(third) == [
        _root_id(world, settings),
        first["Message-ID"],
        second["Message-ID"],
    ]
    assert third["In-Reply-To"] == second["Message-ID"]


def test_emails_dispatched_in_one_batch_thread_in_order(world, post, dispatch, emails_to):
    post("one")
    post("two")
    dispatch()
    first, second = emails_to(world.bob)
    assert second["In-Reply-To"] == first["Message-ID"]


def test_reply_answers_the_email_of_the_message_it_replies_to(
    world, settings, post, dispatch, emails_to
) -> None:
    question = post("Which colour?")
    post("Unrelated note")
    post("Blue.", parent=question)
    dispatch()
    asked, _, answer = emails_to(world.bob)
    assert answer["In-Reply-To"] == asked["Message-ID"]
    assert _references(answer)[0] == _root_id(world, settings)
    assert _references(answer)[-1] == asked["Message-ID"]


def test_reply_to_a_message_the_member_got_no_email_for_answers_the_previous_email(
    world, post, dispatch, emails_to
) -> None:
    own = post("My idea", author=world.bob)
    post("Unrelated note")
    post("Good idea, Bob", parent=own)
    dispatch()
    note, reply = emails_to(world.bob)
    assert reply["In-Reply-To"] == note["Message-ID"]


def test_references_are_capped_to_the_root_and_the_first_and_last_few(
    world, settings, post, dispatch, emails_to
) -> None:
    count = REFERENCES_HEAD + REFERENCES_TAIL + 5
    for n in range(count):
        post(f"message {n}")
    dispatch()
    emails = emails_to(world.bob)
    ids = [email["Message-ID"] for email in emails[:-1]]
    assert _references(emails[-1]) == [
        _root_id(world, settings),
        *ids[:REFERENCES_HEAD],
        *ids[-REFERENCES_TAIL:],
    ]


def test_threads_are_per_recipient(world, post, dispatch, emails_to) -> None:
    post("from alice")
    dispatch()
    post("from bob", author=world.bob)
    dispatch()
    post("from alice again")
    dispatch()
    (to_alice,) = emails_to(world.alice)
    first_to_bob, _ = emails_to(world.bob)
    assert first_to_bob["Message-ID"] not in _references(to_alice)


def _add_member(session, world, address: str, now) -> User:
    user = add_user(session, address, now=now)
    add_member(session, get_room(session, world.room.id), user, now=now)
    return user
