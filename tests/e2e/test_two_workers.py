"""Two `gateway worker` processes on one database never send the same email: every owed
email reaches the relay exactly once (DESIGN.md: work that must happen once is claimed in the
database, never by trusting that only one process runs). On PostgreSQL the claims are
`FOR UPDATE SKIP LOCKED`; on SQLite one writer at a time."""

from __future__ import annotations

import re
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from gateway.core.messages import post_message
from gateway.core.rooms import add_member
from gateway.core.users import add_user
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Origin

from gateway_process import gateway_environment, gateway_process
from recording_relay import RecordingRelay
from support import World

pytestmark = pytest.mark.e2e

OTHER_MEMBERS = 8
MESSAGES = 40
STARTUP_TIMEOUT = 30
DELIVERY_TIMEOUT = 120
MARKER = re.compile(r"message \d\d")


@contextmanager
def worker_process(settings: Settings, relay: RecordingRelay) -> Iterator[subprocess.Popen[str]]:
    env = gateway_environment(
        settings,
        GATEWAY_RELAY_URL=f"smtp://{relay.host}:{relay.port}",
        GATEWAY_NOTIFY_GRACE_SECONDS="0",
    )
    with gateway_process("worker", env, "gateway is running") as process:
        yield process


def _fill_the_room(database: Database, world: World, now: datetime) -> int:
    """Eight more members and forty messages from Alice: one email owed per message and
    member but Alice."""
    with database.transaction() as session:
        for n in range(OTHER_MEMBERS):
            user = add_user(session, f"member{n}@example.net", name=f"Member {n}", now=now)
            add_member(session, world.room, user, now=now)
        for n in range(MESSAGES):
            post_message(
                session,
                world.room.id,
                world.alice.id,
                f"message {n:02d}",
                origin=Origin.WEB,
                now=now,
            )
    return MESSAGES * (OTHER_MEMBERS + 1)


def _message_marker(email: EmailMessage) -> str:
    found = MARKER.search(email.get_body(("plain",)).get_content())
    assert found is not None
    return found.group(0)


def test_two_workers_deliver_every_owed_email_exactly_once(
    database: Database, settings: Settings, world: World, now: datetime
) -> None:
    owed = _fill_the_room(database, world, now)
    with RecordingRelay() as relay, ExitStack() as workers:
        for _ in range(2):
            workers.enter_context(worker_process(settings, relay))
        relay.wait_for(owed, timeout=DELIVERY_TIMEOUT)
        time.sleep(2)  # time for a duplicate to show up, were one sent
        received = relay.received

    emails = [message_from_bytes(item.raw, policy=policy.default) for item in received]
    pairs = Counter(
        (item.rcpt_tos, _message_marker(email))
        for item, email in zip(received, emails, strict=True)
    )
    assert len(received) == owed
    assert max(pairs.values()) == 1
    assert len(pairs) == owed
    assert len({email["Message-ID"] for email in emails}) == owed
