"""`gateway imap` as a real process against a real Dovecot: it reads the mailbox named in
GATEWAY_IMAP_URL, and gives its lease up when stopped."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import find_membership
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import ImapMailboxState, Message

from dovecot_support import Dovecot, dovecot_server  # noqa: F401 (the fixture)
from gateway_process import gateway_environment, gateway_process
from support import MAIL_DOMAIN, World, reply_email

pytestmark = pytest.mark.e2e
WAIT_SECONDS = 30.0


def test_gateway_imap_takes_a_reply_in_and_releases_its_lease_when_stopped(
    dovecot: Dovecot, settings: Settings, database: Database, world: World, keys: ReplyKeys
) -> None:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        address = reply_address(membership, keys, MAIL_DOMAIN)
    dovecot.append(reply_email("bob@example.org", address, "On my way, see you at ten."))
    env = gateway_environment(settings, GATEWAY_IMAP_URL=dovecot.url())

    with gateway_process("imap", env, ready="gateway is running"):
        deadline = time.monotonic() + WAIT_SECONDS
        while _last_uid(database) != 1:
            assert time.monotonic() < deadline, "the reply was never taken in"
            time.sleep(0.05)
        assert _bodies(database, world) == ["On my way, see you at ten."]

    with database.read_session() as session:
        [state] = session.scalars(select(ImapMailboxState))
    assert (state.holder, state.last_uid) == (None, 1)


def test_gateway_imap_without_a_mailbox_is_a_configuration_error(settings: Settings) -> None:
    env = gateway_environment(settings)
    env.pop("GATEWAY_IMAP_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "imap"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "GATEWAY_IMAP_URL" in done.stderr


def _last_uid(database: Database) -> int | None:
    with database.read_session() as session:
        return session.scalar(select(ImapMailboxState.last_uid))


def _bodies(database: Database, world: World) -> list[str]:
    with database.read_session() as session:
        query = select(Message.body_source).where(Message.room_id == world.room.id)
        return list(session.scalars(query))
