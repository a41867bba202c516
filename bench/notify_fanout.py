"""Notification benchmark: one message fanned out to a 1,000-member room, and a digest run for
10,000 users, delivered over SMTP to a sink; against a bare SMTP client sending the same
number of pre-built messages to the same sink in the same run.

Seeds a fresh SQLite database (or, with `--postgres URL`, that PostgreSQL database, WHICH IS
WIPED) with Core inserts, starts a bare aiosmtpd sink in a child process (it accepts
everything), then times:

  baseline_fanout   smtplib on one connection sending N pre-built room emails
  fanout            post one message in a room of `--members` members, then run the outbound
                    worker (decide, compose, outbox, deliver) until every email is sent
  baseline_digest   smtplib sending `--users` pre-built digest-sized emails
  digest            `--users` users with three unread room messages each waiting for their
                    daily digest: the worker at their slot, until every digest is sent

The gateway side does all the work it does in production, arranged as `gateway worker`
arranges it: preference and presence checks, threading lookups, Jinja templates, the outbox
rows and their commits in this process; claiming, VERP, the SMTP session and recording the
results in the worker's delivery process (started before the clock runs, as the worker
starts it at start-up), woken as mail is queued. Both use one SMTP connection at a time.

    python bench/notify_fanout.py [--members 1000] [--history 0] [--users 10000] [--postgres URL]

`--history N` gives the fan-out room N earlier emails to each member (threading reads them).

Prints stable `key: value` lines: emails, seconds, emails/s, and each gateway run's emails/s
as a ratio of its baseline (target >= 0.5).
"""

from __future__ import annotations

import argparse
import os
import smtplib
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from measure import free_port
from smtp_intake import SINK_READY, start

SECRET_KEY = "bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
MAIL_DOMAIN = "reply.bench.example"
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
TARGET_RATIO = 0.5
ROOM_SIZE = 20  # digest run: users share rooms of this size
MESSAGES_PER_ROOM = 3
SENT_POLL_SECONDS = 0.01
HISTORY_INSERT_ROWS = 50_000


def settings_for(url: str, data_dir: Path, sink_port: int):  # type: ignore[no-untyped-def]
    from gateway.settings import RelaySettings, Settings

    return Settings(
        data_dir=data_dir,
        database_url=url,
        secret_key=SECRET_KEY,
        mail_domain=MAIL_DOMAIN,
        relay=RelaySettings(host="127.0.0.1", port=sink_port),
        notify_grace_seconds=0,
    )


def reset(url: str) -> None:
    from sqlalchemy import text

    from gateway.store.database import Database
    from gateway.store.migrate import upgrade

    database = Database(url)
    if database.is_sqlite:
        database.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database.url.database}{suffix}").unlink(missing_ok=True)
        database = Database(url)
    else:
        with database.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(database)
    database.dispose()


def seed_users(database, count: int, first_id: int = 1) -> list[int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import insert

    from gateway.store.models import Account, User

    users = [
        {
            "id": n,
            "email": f"user{n}@members.bench.example",
            "display_name": f"Member {n}",
            "time_zone": "UTC",
            "created_at": NOW - timedelta(days=30),
        }
        for n in range(first_id, first_id + count)
    ]
    accounts = [
        {"id": u["id"], "user_id": u["id"], "kind": "freelancer", "name": u["display_name"],
         "created_at": NOW - timedelta(days=30)}
        for u in users
    ]  # fmt: skip
    with database.engine.begin() as connection:
        connection.execute(insert(User.__table__), users)
        connection.execute(insert(Account.__table__), accounts)
    return [u["id"] for u in users]


def seed_room(database, room_id: int, member_ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import insert

    from gateway.store.models import Membership, Room

    owner = member_ids[0]
    with database.engine.begin() as connection:
        connection.execute(
            insert(Room.__table__),
            [{"id": room_id, "account_id": owner, "owner_id": owner, "kind": "group",
              "title": f"Bench room {room_id}", "thread_token": f"{room_id:032x}",
              "created_at": NOW - timedelta(days=30)}],
        )  # fmt: skip
        connection.execute(
            insert(Membership.__table__),
            [{"room_id": room_id, "user_id": user_id, "account_id": user_id,
              "role": "owner" if user_id == owner else "member",
              "joined_at": NOW - timedelta(days=30),
              "reply_nonce": f"{room_id:016x}{user_id:016x}", "email_muted": False}
             for user_id in member_ids],
        )  # fmt: skip


def send_until_done(database, worker, expected: int) -> float:  # type: ignore[no-untyped-def]
    """Queue passes in this process while the worker's delivery process sends, as `gateway
    worker` runs them, until `expected` emails are sent; the seconds it took."""
    from sqlalchemy import func, select

    from gateway.store.models import OutboxEmail, OutboxState

    started = time.perf_counter()
    # Composed at the benchmark's clock; the delivery process sends by the real one, later.
    # (Emails composed after NOW are this run's: seeded history is older.)
    worker.queue_until_done(lambda: NOW + timedelta(days=1), more=lambda: True)
    while True:
        with database.read_session() as session:
            sent = session.scalar(
                select(func.count())
                .select_from(OutboxEmail)
                .where(OutboxEmail.state == OutboxState.SENT, OutboxEmail.created_at > NOW)
            )
        if (sent or 0) >= expected:
            return time.perf_counter() - started
        time.sleep(SENT_POLL_SECONDS)


def started_worker(database, settings):  # type: ignore[no-untyped-def]
    """The outbound worker with its delivery process up, as after `gateway worker` started."""
    from gateway.core.reply_addresses import ReplyKeys
    from gateway.outbound.worker import OutboundWorker

    return OutboundWorker(database, settings, ReplyKeys.from_secrets(SECRET_KEY)).start()


def outbox_raws(database, kind: str) -> list[bytes]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from gateway.store.models import OutboxEmail

    with database.read_session() as session:
        return list(
            session.scalars(
                select(OutboxEmail.raw).where(
                    OutboxEmail.kind == kind, OutboxEmail.created_at > NOW
                )
            )
        )


def baseline(port: int, raws: list[bytes]) -> float:
    """A bare client: one SMTP connection, the same messages, one after another."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for number, raw in enumerate(raws):
            client.sendmail("bounces@" + MAIL_DOMAIN, [f"user{number}@members.bench.example"], raw)
    return time.perf_counter() - started


def seed_room_history(database, room_id: int, member_ids: list[int], emails: int) -> None:  # type: ignore[no-untyped-def]
    """`emails` earlier room emails in the outbox for each member but the first (the author
    of the fanned-out message), as a room with that much history has sent them."""
    from sqlalchemy import insert

    from gateway.store.models import OutboxEmail

    sent_at = NOW - timedelta(days=10)
    rows = []
    for number in range(emails):
        for user_id in member_ids[1:]:
            rows.append(
                {"kind": "room_message", "created_at": sent_at, "room_id": room_id,
                 "user_id": user_id, "envelope_from": f"bounces@{MAIL_DOMAIN}",
                 "recipient": f"user{user_id}@members.bench.example",
                 "message_id_header": f"gw.history.{number}.{user_id}@{MAIL_DOMAIN}",
                 "raw": b"Subject: earlier\r\n\r\nearlier\r\n", "state": "sent",
                 "attempts": 1, "next_attempt_at": sent_at, "sent_at": sent_at}
            )  # fmt: skip
        if len(rows) >= HISTORY_INSERT_ROWS or number == emails - 1:
            with database.engine.begin() as connection:
                connection.execute(insert(OutboxEmail.__table__), rows)
            rows = []


def run_fanout(
    url: str, data_dir: Path, port: int, members: int, history: int
) -> tuple[int, float, float]:
    from gateway.core.messages import post_message
    from gateway.store.database import Database
    from gateway.store.models import Origin

    reset(url)
    database = Database(url)
    ids = seed_users(database, members + 1)
    seed_room(database, 1, ids)
    seed_room_history(database, 1, ids, history)
    worker = started_worker(database, settings_for(url, data_dir, port))
    try:
        started = time.perf_counter()
        with database.transaction() as session:
            post_message(
                session, 1, ids[0], "Kick-off call **tomorrow at 10**.", origin=Origin.WEB, now=NOW
            )
        seconds = time.perf_counter() - started + send_until_done(database, worker, members)
    finally:
        worker.stop()
    base = baseline(port, outbox_raws(database, "room_message"))
    database.dispose()
    return members, seconds, base


def run_digest(url: str, data_dir: Path, port: int, users: int) -> tuple[int, float, float]:
    from sqlalchemy import insert

    from gateway.store.database import Database
    from gateway.store.models import Message, Notification, NotificationPreference

    reset(url)
    database = Database(url)
    ids = seed_users(database, users)
    # The messages come from a coordinator outside these rooms (a host platform posting
    # through the API, say), so every member has all of them waiting: one digest each.
    [coordinator] = seed_users(database, 1, first_id=users + 1)
    yesterday = NOW - timedelta(hours=20)
    messages, notifications = [], []
    for room_number, start_index in enumerate(range(0, users, ROOM_SIZE), start=1):
        members = ids[start_index : start_index + ROOM_SIZE]
        seed_room(database, room_number, members)
        for n in range(MESSAGES_PER_ROOM):
            message_id = len(messages) + 1
            author = coordinator
            text = f"Update {n} on the plan."
            messages.append(
                {"id": message_id, "room_id": room_number, "author_id": author, "origin": "web",
                 "body_source": text, "body_html": f"<p>{text}</p>", "created_at": yesterday}
            )  # fmt: skip
            notifications += [
                {"user_id": user_id, "category": "room", "room_id": room_number,
                 "message_id": message_id, "state": "digest", "created_at": yesterday,
                 "due_at": yesterday, "decided_at": yesterday}
                for user_id in members
            ]  # fmt: skip
    preferences = [
        {"user_id": user_id, "category": "room", "channel": "both", "frequency": "daily",
         "email_even_if_read": False}
        for user_id in ids
    ]  # fmt: skip
    with database.engine.begin() as connection:
        connection.execute(insert(Message.__table__), messages)
        connection.execute(insert(Notification.__table__), notifications)
        connection.execute(insert(NotificationPreference.__table__), preferences)
    worker = started_worker(database, settings_for(url, data_dir, port))
    try:
        seconds = send_until_done(database, worker, users)
    finally:
        worker.stop()
    base = baseline(port, outbox_raws(database, "digest"))
    database.dispose()
    return users, seconds, base


def report(name: str, emails: int, seconds: float, base_seconds: float) -> None:
    rate, base_rate = emails / seconds, emails / base_seconds
    ratio = rate / base_rate
    print(
        f"baseline_{name}: emails={emails} seconds={base_seconds:.2f} emails_per_s={base_rate:.0f}"
    )
    meets = "yes" if ratio >= TARGET_RATIO else "no"
    print(
        f"{name}: emails={emails} seconds={seconds:.2f} emails_per_s={rate:.0f} "
        f"ratio={ratio:.3f} target_ratio={TARGET_RATIO} meets_target={meets}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument(
        "--history", type=int, default=0, help="earlier room emails per member (fan-out run)"
    )
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL database (wiped)")
    args = parser.parse_args()
    port = free_port()
    sink = start(
        [sys.executable, str(Path(__file__).with_name("smtp_intake.py")), "--sink", str(port)],
        SINK_READY,
        dict(os.environ),
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data_dir = Path(tmp)
            url = args.postgres or f"sqlite:///{data_dir / 'gateway.db'}"
            print(f"bench: notify_fanout backend={'postgresql' if args.postgres else 'sqlite'} "
                  f"members={args.members} history={args.history} users={args.users}")  # fmt: skip
            report("fanout", *run_fanout(url, data_dir, port, args.members, args.history))
            report("digest", *run_digest(url, data_dir, port, args.users))
    finally:
        sink.terminate()
        try:
            sink.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sink.kill()


if __name__ == "__main__":
    main()
