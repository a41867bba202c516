"""IMAP intake benchmark: the gateway reading a mailbox against a bare aioimaplib UID FETCH.

A real Dovecot (tests/dovecot_support.py) holds N waiting replies (written straight into its
Maildir, as an MTA delivers). Measured in the same run, so a noisy machine still gives a
meaningful ratio:

  (a) fetch:   aioimaplib alone: LOGIN, SELECT, UID SEARCH, UID FETCH BODY.PEEK[] in batches
               of the gateway's size, bytes thrown away;
  (b) gateway: the gateway's IMAP intake on a fresh SQLite database: lease, the same fetches,
               envelope, parse, classify, sender check, reply extraction, durable store,
               notifications queued, then each batch flagged processed and its UID recorded.

A gateway message counts only once it is in its room: after the run the room's messages are
counted and must equal N. The fetch is run once before both, untimed, so Dovecot's index is
built before either is measured.

    python bench/imap_intake.py [--messages 5000]

Prints one line per reader and the ratio, in a stable `key=value` form.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aioimaplib

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from sqlalchemy import func, select

from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import create_room, find_membership
from gateway.core.users import add_user
from gateway.imap_settings import parse_mailbox_url
from gateway.inbound.imap_intake import ImapIntake, ReaderTiming
from gateway.inbound.imap_responses import uid_set
from gateway.inbound.preparation import IntakeConfig
from gateway.store.database import Database
from gateway.store.migrate import upgrade
from gateway.store.models import Message

from dovecot_support import PASSWORD, USER, Dovecot

MAIL_DOMAIN = "reply.example.com"
SECRET = "bench-secret-key-0123456789abcdefghijklmnop"
BATCH = ReaderTiming().batch_size
REPLY_BODY = (
    "Thanks Alice, that works for me. I'll send the signed contract over tomorrow morning,\n"
    "and we can go through the milestones on Thursday.\n\nBob\n"
)
QUOTE = "".join(
    f"> Line {n} of the earlier message, quoted back by the mail client as usual.\n"
    for n in range(18)
)


@dataclass
class Run:
    messages: int
    seconds: float

    def line(self, name: str) -> str:
        return f"{name:<8} msgs_per_s={self.messages / self.seconds:.1f} messages={self.messages}"


def reply(n: int, address: str) -> bytes:
    text = (
        f"Return-Path: <bob@example.org>\nDelivered-To: {address}\n"
        f"From: Bob Baker <bob@example.org>\nTo: {address}\n"
        f"Subject: Re: [Gateway] Website redesign\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n"
        f"Message-ID: <bench-{n}@mail.example.org>\nMIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{REPLY_BODY}\n"
        f"On Mon, 23 Nov 2026 at 09:30, Alice Archer wrote:\n{QUOTE}"
    )
    return text.replace("\n", "\r\n").encode()


def fill_maildir(server: Dovecot, address: str, count: int) -> None:
    """Write the replies into the user's Maildir as an MTA's local delivery would."""
    server.append(b"From: warm@example.org\r\n\r\ncreates the Maildir\r\n")
    maildir = server.home / "Maildir"
    host = socket.gethostname()
    for n in range(count):
        path = maildir / "new" / f"{int(time.time())}.P{os.getpid()}Q{n}.{host}"
        path.write_bytes(reply(n, address))
        if os.geteuid() == 0:  # Dovecot reads mail as its own user (tests/dovecot_support.py)
            shutil.chown(path, "dovecot", "dovecot")


async def bare_fetch(server: Dovecot) -> int:
    """Every message's bytes with aioimaplib alone; the number fetched."""
    client = aioimaplib.IMAP4("127.0.0.1", server.port, timeout=60)
    await client.wait_hello_from_server()
    await client.login(USER, PASSWORD)
    await client.select("INBOX")
    found = await client.uid_search("ALL", charset=None)
    uids = [int(word) for word in found.lines[0].split()]
    fetched = 0
    for start in range(0, len(uids), BATCH):
        response = await client.uid("fetch", uid_set(uids[start : start + BATCH]), "(BODY.PEEK[])")
        fetched += sum(1 for line in response.lines if isinstance(line, bytearray))
    await client.logout()
    return fetched


async def gateway_intake(
    server: Dovecot, database: Database, config: IntakeConfig, want: int
) -> float:
    """Seconds until the gateway has taken `want` messages in (committed)."""
    intake = ImapIntake([parse_mailbox_url(server.url())], database, config)
    started = time.perf_counter()
    intake.start()
    while sum(reader.taken for reader in intake.readers) < want:
        await asyncio.sleep(0.01)
    seconds = time.perf_counter() - started
    intake.stop()
    await asyncio.gather(*intake.tasks, return_exceptions=True)
    return seconds


def prepare_database(root: Path) -> tuple[Database, str, IntakeConfig]:
    database = Database(f"sqlite:///{root / 'gateway.db'}")
    upgrade(database)
    keys = ReplyKeys.from_secrets(SECRET, None)
    now = datetime.now(UTC)
    with database.transaction() as session:
        alice = add_user(session, "alice@example.com", name="Alice Archer", now=now)
        bob = add_user(session, "bob@example.org", name="Bob Baker", now=now)
        room = create_room(session, "Website redesign", owner=alice, members=[bob], now=now)
        membership = find_membership(session, room.id, bob.id)
        assert membership is not None
        address = reply_address(membership, keys, MAIL_DOMAIN)
    return database, address, IntakeConfig(keys, MAIL_DOMAIN)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="gateway-bench-imap-"))
    server = Dovecot().start()
    try:
        database, address, config = prepare_database(root)
        fill_maildir(server, address, args.messages)
        total = asyncio.run(bare_fetch(server))  # untimed: Dovecot builds its index
        started = time.perf_counter()
        fetched = asyncio.run(bare_fetch(server))
        fetch = Run(fetched, time.perf_counter() - started)
        gateway = Run(total, asyncio.run(gateway_intake(server, database, config, total)))
        with database.read_session() as session:
            in_room = session.scalar(select(func.count()).select_from(Message))
        database.dispose()
    finally:
        server.remove()
        shutil.rmtree(root, ignore_errors=True)
    print(f"bench=imap_intake messages={args.messages} warmup_messages=1 batch={BATCH}")
    print(fetch.line("fetch"))
    print(gateway.line("gateway") + f" in_room={in_room}")
    ratio = (gateway.messages / gateway.seconds) / (fetch.messages / fetch.seconds)
    print(f"ratio gateway/fetch={ratio:.3f} (target 0.5)")


if __name__ == "__main__":
    main()
