"""Digests through real dispatch: what waits for a digest, when the digest goes (the user's
hour, their zone), what is in it (only what is still unread; grouped, capped), and that an
item reaches the mailbox at most once and a slot is digested once (EMAIL-RULES section 5)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from gateway.core.alerts import create_alert
from gateway.core.digests import DueDigest, claim_digests
from gateway.core.messages import NewFile
from gateway.core.preferences import set_preference, set_time_zone
from gateway.core.reading import mark_read
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.unsubscribe import DigestEmails, verify_unsubscribe_token
from gateway.outbound.digest_dispatch import DIGEST_KIND, send_due_digests
from gateway.outbound.worker import OutboundWorker
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import (
    Digest,
    Notification,
    NotificationState,
    NotifyCategory,
    NotifyChannel,
    NotifyFrequency,
    OutboxEmail,
)

from support import World

# The conftest clock: Monday 23 November 2026, 09:30 UTC. Bob's zone is UTC, digest hour 8.
TOMORROW_8 = datetime.fromisoformat("2026-11-24T08:00:00+00:00")


def _prefer(database: Database, user_id: int, category: NotifyCategory, frequency, **kw) -> None:
    with database.transaction() as session:
        set_preference(
            session,
            user_id,
            category,
            channel=kw.get("channel", NotifyChannel.BOTH),
            frequency=frequency,
        )


@pytest.fixture
def digests(database: Database, settings: Settings, keys: ReplyKeys):
    """digests(at) -> digest emails queued at `at`."""
    return lambda at: send_due_digests(database, settings, keys, now=at)


def _digest_emails(emails_to, user):
    return [email for email in emails_to(user) if "digest" in str(email["Subject"])]


def _states(database: Database, user_id: int) -> list[NotificationState]:
    with database.read_session() as session:
        return list(
            session.scalars(
                select(Notification.state)
                .where(Notification.user_id == user_id)
                .order_by(Notification.id)
            )
        )


def test_a_daily_digest_goes_at_the_users_hour_with_what_is_unread(
    database, world: World, now, keys, post, dispatch, digests, emails_to, outbox
) -> None:
    _prefer(database, world.bob.id, NotifyCategory.ROOM, NotifyFrequency.DAILY)
    _prefer(database, world.bob.id, NotifyCategory.UPDATE, NotifyFrequency.DAILY)
    for text in ("Draft is up", "Logo v2 attached", "Can we ship on Friday?"):
        post(text)
    with database.transaction() as session:
        create_alert(session, world.bob.id, category="update", title="New: saved searches", now=now)
    assert dispatch() == 0
    assert _states(database, world.bob.id) == [NotificationState.DIGEST] * 4

    assert digests(TOMORROW_8 - timedelta(seconds=1)) == 0
    assert digests(TOMORROW_8) == 1
    assert digests(TOMORROW_8 + timedelta(minutes=30)) == 0

    (email,) = emails_to(world.bob)
    (row,) = outbox(world.bob.id)
    assert row.kind == DIGEST_KIND
    assert email["Subject"] == "[Gateway] Your daily digest: 4 unread items"
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["Precedence"] == "bulk"
    text = email.get_body(("plain",)).get_content()
    assert "Website redesign (3 unread)" in text
    assert "Alice Archer: Can we ship on Friday?" in text
    assert text.index("Can we ship on Friday?") < text.index("Draft is up")  # newest first
    assert f"http://gateway.example.com/rooms/{world.room.id}" in text
    assert "Updates (1 unread)" in text and "New: saved searches" in text
    token = str(email["List-Unsubscribe"]).strip("<>").rsplit("/u/", 1)[1]
    assert verify_unsubscribe_token(token, keys) == DigestEmails(
        world.bob.id, NotifyFrequency.DAILY
    )
    assert _states(database, world.bob.id) == [NotificationState.DIGESTED] * 4
    with database.read_session() as session:
        carried = set(session.scalars(select(Notification.outbox_id)))
    assert carried == {row.id}


def test_what_was_read_before_the_digest_is_left_out(
    database, world: World, post, dispatch, digests, emails_to
) -> None:
    _prefer(database, world.bob.id, NotifyCategory.ROOM, NotifyFrequency.DAILY)
    first = post("Draft is up")
    post("Can we ship on Friday?")
    dispatch()
    with database.transaction() as session:
        mark_read(session, world.room.id, world.bob.id, first)

    assert digests(TOMORROW_8) == 1
    (email,) = emails_to(world.bob)
    assert email["Subject"] == "[Gateway] Your daily digest: 1 unread item"
    text = email.get_body(("plain",)).get_content()
    assert "Can we ship on Friday?" in text and "Draft is up" not in text
    assert _states(database, world.bob.id) == [
        NotificationState.SKIPPED,
        NotificationState.DIGESTED,
    ]


def test_a_digest_with_everything_read_is_not_sent(
    database, world: World, post, dispatch, digests, emails_to
) -> None:
    _prefer(database, world.bob.id, NotifyCategory.ROOM, NotifyFrequency.DAILY)
    post("Draft is up")
    last = post("Can we ship on Friday?")
    dispatch()
    with database.transaction() as session:
        mark_read(session, world.room.id, world.bob.id, last)
    assert digests(TOMORROW_8) == 0
    assert emails_to(world.bob) == []
    assert _states(database, world.bob.id) == [NotificationState.SKIPPED] * 2
    # Nothing waits any more: the next day has no digest to send either.
    assert digests(TOMORROW_8 + timedelta(days=1)) == 0


def test_a_message_of_files_alone_shows_their_names_and_long_lines_are_cut(
    database, world: World, now, post, dispatch, digests, emails_to
) -> None:
    _prefer(database, world.bob.id, NotifyCategory.ROOM, NotifyFrequency.DAILY)
    _prefer(database, world.bob.id, NotifyCategory.UPDATE, NotifyFrequency.DAILY)
    post("", files=[NewFile("plan.pdf", "application/pdf", b"%PDF-1.7"),
                    NewFile("logo.png", "image/png", b"\x89PNG\r\n\x1a\n")])  # fmt: skip
    post("word " * 100)
    with database.transaction() as session:
        create_alert(session, world.bob.id, category="update", title="Saved " * 45, now=now)
    dispatch()

    assert digests(TOMORROW_8) == 1
    (email,) = emails_to(world.bob)
    text = email.get_body(("plain",)).get_content()
    assert "Alice Archer: plan.pdf, logo.png" in text
    cut = next(line for line in text.splitlines() if "word word" in line)
    assert "word\u2026 (" in cut and len(cut) < len("word " * 100)
    title = next(line for line in text.splitlines() if "Saved Saved" in line)
    assert "\u2026 (" in title and len(title) < len("Saved " * 45)
    assert "Alice Archer: plan.pdf" in email.get_body(("html",)).get_content().replace(
        "</strong>", ""
    ).replace("<strong>", "")


def test_a_long_room_shows_its_newest_five_and_counts_the_rest(
    database, world: World, post, dispatch, digests, emails_to
) -> None:
    _prefer(database, world.bob.id, NotifyCategory.ROOM, NotifyFrequency.DAILY)
    for n in range(8):
        post(f"update number {n}")
    dispatch()
    assert digests(TOMORROW_8) == 1
    (email,) = emails_to(world.bob)
    text = email.get_body(("plain",)).get_content()
    assert "Website redesign (8 unread)" in text
    assert "update number 7" in text and "update number 3" in text
    assert "update number 2" not in text
    assert "+3 more" in text
    html = email.get_body(("html",)).get_content()
    assert "+3 more</a>" in html


def test_hourly_and_daily_items_go_in_their_own_digests(
    database, world: World, now, post, dispatch, digests, emails_to
) -> None:
    _prefer(database, world.bob.id, NotifyCategory.ROOM, NotifyFrequency.HOURLY)
    _prefer(database, world.bob.id, NotifyCategory.UPDATE, NotifyFrequency.DAILY)
    post("Can we ship on Friday?")
    with database.transaction() as session:
        create_alert(session, world.bob.id, category="update", title="New: dark mode", now=now)
    dispatch()

    assert digests(now.replace(minute=0) + timedelta(hours=1)) == 1
    (hourly,) = emails_to(world.bob)
    assert hourly["Subject"] == "[Gateway] Your hourly digest: 1 unread item"
    assert "dark mode" not in hourly.get_body(("plain",)).get_content()

    assert digests(TOMORROW_8) == 1
    daily = emails_to(world.bob)[-1]
    assert daily["Subject"] == "[Gateway] Your daily digest: 1 unread item"
    assert "New: dark mode" in daily.get_body(("plain",)).get_content()


def test_an_item_goes_by_email_once_immediately_or_in_a_digest_never_both(
    database, world: World, post, dispatch, digests, emails_to
) -> None:
    post("Sent at once")
    assert dispatch() == 1
    _prefer(database, world.bob.id, NotifyCategory.ROOM, NotifyFrequency.DAILY)
    post("Kept for the digest")
    assert dispatch() == 0
    assert digests(TOMORROW_8) == 1
    at_once, digest = emails_to(world.bob)
    assert "Sent at once" in at_once.get_body(("plain",)).get_content()
    text = digest.get_body(("plain",)).get_content()
    assert "Kept for the digest" in text and "Sent at once" not in text


def test_items_waiting_when_the_user_goes_back_to_immediate_go_in_the_next_hourly_digest(
    database, world: World, now, post, dispatch, digests, emails_to
) -> None:
    _prefer(database, world.bob.id, NotifyCategory.ROOM, NotifyFrequency.WEEKLY)
    post("Can we ship on Friday?")
    dispatch()
    _prefer(database, world.bob.id, NotifyCategory.ROOM, NotifyFrequency.IMMEDIATE)
    assert digests(now.replace(minute=0) + timedelta(hours=1)) == 1
    (email,) = emails_to(world.bob)
    assert "Can we ship on Friday?" in email.get_body(("plain",)).get_content()


def test_items_waiting_when_the_user_stops_email_are_never_sent(
    database, world: World, now, post, dispatch, digests, emails_to
) -> None:
    _prefer(database, world.bob.id, NotifyCategory.ROOM, NotifyFrequency.DAILY)
    post("Can we ship on Friday?")
    dispatch()
    _prefer(database, world.bob.id, NotifyCategory.ROOM, NotifyFrequency.DAILY, channel="inbox")
    for hours in (1, 24, 24 * 7):
        assert digests(now + timedelta(hours=hours)) == 0
    assert emails_to(world.bob) == []
    assert _states(database, world.bob.id) == [NotificationState.SKIPPED]


def test_the_digest_goes_at_eight_in_the_morning_in_tonga(
    database, world: World, post, dispatch, digests, emails_to
) -> None:
    with database.transaction() as session:
        set_time_zone(session, world.bob.id, "Pacific/Tongatapu")  # UTC+13
    _prefer(database, world.bob.id, NotifyCategory.ROOM, NotifyFrequency.DAILY)
    post("Can we ship on Friday?")  # Monday 09:30 UTC = Monday 22:30 in Tonga
    dispatch()
    tonga_8 = datetime.fromisoformat("2026-11-23T19:00:00+00:00")  # Tuesday 08:00 in Tonga
    assert digests(tonga_8 - timedelta(minutes=1)) == 0
    assert digests(tonga_8) == 1


def test_the_worker_looks_for_due_digests_once_a_minute(
    database, world: World, settings: Settings, keys: ReplyKeys, post, emails_to
) -> None:
    """The scan reads every waiting user's settings, and slots fall on quarter hours: a
    worker (never started: queueing only) scans a minute after a scan that found nothing."""
    _prefer(database, world.bob.id, NotifyCategory.ROOM, NotifyFrequency.DAILY)
    post("Draft is up")
    worker = OutboundWorker(database, settings, keys)

    def queue_at(at: datetime) -> int:
        return worker.queue_until_done(lambda: at, more=lambda: True)

    assert queue_at(TOMORROW_8 - timedelta(seconds=30)) == 0  # scanned: not due yet
    assert queue_at(TOMORROW_8 + timedelta(seconds=20)) == 0  # due, but not scanned again
    assert emails_to(world.bob) == []
    assert queue_at(TOMORROW_8 + timedelta(seconds=30)) == 1
    assert len(_digest_emails(emails_to, world.bob)) == 1


def test_a_slot_is_claimed_once(database, world: World, now) -> None:
    due = DueDigest(world.bob.id, NotifyFrequency.DAILY, TOMORROW_8)
    with database.transaction() as session:
        first = claim_digests(session, [due], now=now)
    with database.transaction() as session:
        second = claim_digests(session, [due], now=now)
    assert first and not second


def test_two_workers_at_the_same_moment_send_one_digest(
    database, world: World, settings, keys, post, dispatch, emails_to
) -> None:
    _prefer(database, world.bob.id, NotifyCategory.ROOM, NotifyFrequency.DAILY)
    post("Can we ship on Friday?")
    dispatch()
    start = threading.Barrier(4)
    sent: list[int] = []

    def worker() -> None:
        start.wait()
        sent.append(send_due_digests(database, settings, keys, now=TOMORROW_8))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == [0, 0, 0, 1]
    assert len(emails_to(world.bob)) == 1
    with database.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Digest)) == 1
        assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 1
