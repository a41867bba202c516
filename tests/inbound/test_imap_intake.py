"""IMAP intake against a real Dovecot: replies read from a mailbox land in the room once.

Each test starts its own Dovecot (tests/dovecot_support.py) and runs the gateway's IMAP
readers on an event loop in a thread of their own, as `gateway serve` does; the test side
puts mail in with APPEND and looks at the database and the server's flags.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import replace
from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.exc import NoResultFound

from gateway.core.imap_state import MailboxPosition, get_mailbox_position
from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import find_membership
from gateway.imap_settings import DEFAULT_KEYWORD, parse_mailbox_url
from gateway.inbound.committer import IntakeCommitter
from gateway.inbound.imap_intake import ImapIntake, ReaderTiming
from gateway.inbound.intake import IntakeResult
from gateway.inbound.preparation import IntakeConfig, PreparedEmail
from gateway.process import intake_config
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Attachment, InboundEmail, InboundOutcome, Message

from dovecot_support import Dovecot, dovecot_server  # noqa: F401 (the fixture)
from smtp_gateway import SMTPGateway
from support import MAIL_DOMAIN, World, reply_email

# Reconnect at once in tests; a lease far longer than any test.
FAST = ReaderTiming(lease_seconds=120.0, batch_size=3, backoff_first_seconds=0.05)
WAIT_SECONDS = 30.0


class ImapRunner:
    """The gateway's IMAP intake on an event loop in a thread of its own."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        urls: list[str],
        *,
        committer: IntakeCommitter | None = None,
        holder: str | None = None,
        timing: ReaderTiming = FAST,
    ) -> None:
        keys = ReplyKeys.from_secrets(settings.secret_key, settings.previous_secret_key)
        self.intake = ImapIntake(
            [parse_mailbox_url(url) for url in urls],
            database,
            intake_config(settings, keys),
            committer=committer,
            timing=timing,
            holder=holder,
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    @property
    def taken(self) -> int:
        return sum(reader.taken for reader in self.intake.readers)

    def __enter__(self) -> ImapRunner:
        self.thread.start()
        self._call(self._start())
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self.thread.is_alive():
            return
        self._call(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    async def _start(self) -> None:
        self.intake.start()

    async def _stop(self) -> None:
        self.intake.stop()
        await asyncio.gather(*self.intake.tasks, return_exceptions=True)

    def _call(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)  # type: ignore[arg-type]


class WatchedCommitter(IntakeCommitter):
    """The real committer, which calls `watch(n)` once the nth email is committed and before
    the reader hears of it: what the IMAP server shows then is what a crash would leave."""

    def __init__(
        self, database: Database, config: IntakeConfig, watch: Callable[[int], None]
    ) -> None:
        super().__init__(database, config)
        self._submitted = 0
        self._watch = watch

    def submit(self, email: PreparedEmail) -> Future[IntakeResult]:
        future = super().submit(email)
        self._submitted += 1
        number = self._submitted
        future.add_done_callback(lambda _: self._watch(number))
        return future


class FailingOnceCommitter(IntakeCommitter):
    """The real committer, except that the first delivery of one Message-ID fails as a
    database fault would (the SMTP listener would answer 451 to it)."""

    def __init__(self, database: Database, config: IntakeConfig, message_id: str) -> None:
        super().__init__(database, config)
        self._failing = message_id

    def submit(self, email: PreparedEmail) -> Future[IntakeResult]:
        if email.parsed is not None and email.parsed.message_id == self._failing:
            self._failing = ""
            failed: Future[IntakeResult] = Future()
            failed.set_exception(OSError("the database went away"))
            return failed
        return super().submit(email)


@pytest.fixture
def runner_for(database: Database, settings: Settings) -> Iterator[Callable[..., ImapRunner]]:
    started: list[ImapRunner] = []

    def start(urls: list[str], **options: object) -> ImapRunner:
        runner = ImapRunner(database, settings, urls, **options).__enter__()  # type: ignore[arg-type]
        started.append(runner)
        return runner

    yield start
    for runner in started:
        runner.__exit__(None, None, None)


def bob_address(database: Database, world: World, keys: ReplyKeys) -> str:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        return reply_address(membership, keys, MAIL_DOMAIN)


def room_bodies(database: Database, world: World) -> list[str]:
    with database.read_session() as session:
        query = select(Message.body_source).where(Message.room_id == world.room.id)
        return list(session.scalars(query.order_by(Message.id)))


def records(database: Database) -> list[InboundEmail]:
    with database.read_session() as session:
        return list(session.scalars(select(InboundEmail).order_by(InboundEmail.id)))


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.05)


def replies(address: str, count: int, *, start: int = 0) -> list[bytes]:
    return [
        reply_email(
            "Bob Baker <bob@example.org>",
            address,
            f"Reply number {n} from the mailbox.",
            message_id=f"<reply-{n}@mail.example.org>",
        )
        for n in range(start, start + count)
    ]


def processed(server: Dovecot, folder: str = "INBOX") -> set[int]:
    return {uid for uid, flags in server.flags(folder).items() if DEFAULT_KEYWORD in flags}


# --- taking mail in ------------------------------------------------------------------------


def test_reply_appended_to_the_mailbox_lands_in_the_room_and_is_then_flagged(
    dovecot: Dovecot, runner_for, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    dovecot.append(*replies(address, 1))
    assert processed(dovecot) == set()

    runner = runner_for([dovecot.url()])
    wait_until(lambda: processed(dovecot) == {1}, "the message to be flagged processed")

    assert room_bodies(database, world) == ["Reply number 0 from the mailbox."]
    [record] = records(database)
    assert (record.outcome, record.rcpt_to, record.mail_from) == (
        InboundOutcome.POSTED,
        address,
        "bob@example.org",
    )
    assert runner.taken == 1


def test_mail_arriving_while_the_reader_idles_is_taken_in(
    dovecot: Dovecot, runner_for, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    runner_for([dovecot.url()])
    wait_until(lambda: _position(database, dovecot.url()) is not None, "the first read")

    dovecot.append(*replies(address, 2))

    wait_until(lambda: len(room_bodies(database, world)) == 2, "both replies")
    wait_until(lambda: processed(dovecot) == {1, 2}, "both flagged")


def test_a_server_without_idle_is_polled(
    dovecot: Dovecot, runner_for, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    runner_for([dovecot.url(idle="false", poll="0.1")])
    wait_until(lambda: _position(database, dovecot.url()) is not None, "the first read")

    dovecot.append(*replies(address, 1))

    wait_until(lambda: processed(dovecot) == {1}, "the reply to be flagged")
    assert room_bodies(database, world) == ["Reply number 0 from the mailbox."]


def test_processed_mail_is_moved_when_asked(
    dovecot: Dovecot, runner_for, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    dovecot.create("Processed")
    dovecot.append(*replies(address, 4))

    runner_for([dovecot.url(processed="move:Processed")])

    wait_until(lambda: len(dovecot.flags("Processed")) == 4, "all four moved")
    assert dovecot.flags("INBOX") == {}
    assert len(room_bodies(database, world)) == 4


def test_mail_naming_none_of_our_addresses_is_recorded_refused_and_marked(
    dovecot: Dovecot, runner_for, database, world
) -> None:
    dovecot.append(reply_email("bob@example.org", "someone@elsewhere.example", "Hello there"))

    runner_for([dovecot.url()])

    wait_until(lambda: processed(dovecot) == {1}, "the message to be marked")
    [record] = records(database)
    assert record.outcome is InboundOutcome.REJECTED
    assert record.rcpt_to == "someone@elsewhere.example"
    assert room_bodies(database, world) == []


def test_a_big_message_is_read_in_a_batch_of_its_own_and_its_file_kept(
    dovecot: Dovecot, runner_for, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    big = EmailMessage()
    big["From"], big["To"], big["Subject"] = "bob@example.org", address, "Re: the plans"
    big["Message-ID"] = "<big-plans@mail.example.org>"
    big.set_content("The plans are attached.")
    big.add_attachment(bytes(range(256)) * 800, "application", "pdf", filename="plans.pdf")
    small = replies(address, 2)
    dovecot.append(small[0], big.as_bytes(), small[1])

    runner_for([dovecot.url()], timing=replace(FAST, batch_bytes=100_000))

    wait_until(lambda: processed(dovecot) == {1, 2, 3}, "all three marked")
    assert sorted(room_bodies(database, world)) == [
        "Reply number 0 from the mailbox.",
        "Reply number 1 from the mailbox.",
        "The plans are attached.",
    ]
    with database.read_session() as session:
        [file] = session.scalars(select(Attachment))
        assert (file.filename, file.size) == ("plans.pdf", 256 * 800)


# --- never twice ---------------------------------------------------------------------------


def test_a_reply_received_by_smtp_and_read_from_the_mailbox_is_stored_once(
    dovecot: Dovecot, runner_for, smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    [raw] = replies(address, 1)
    transcript = smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])
    assert transcript.final[0] == 250
    dovecot.append(raw)

    runner_for([dovecot.url()])

    wait_until(lambda: processed(dovecot) == {1}, "the mailbox copy to be marked")
    assert room_bodies(database, world) == ["Reply number 0 from the mailbox."]
    assert len(records(database)) == 1


def test_a_message_is_flagged_only_after_its_commit(
    dovecot: Dovecot, runner_for, database, world, settings, keys
) -> None:
    address = bob_address(database, world, keys)
    dovecot.append(*replies(address, 2))
    seen_at_commit: list[set[int]] = []
    committer = WatchedCommitter(
        database, intake_config(settings, keys), lambda _: seen_at_commit.append(processed(dovecot))
    )
    committer.start()
    try:
        runner_for([dovecot.url()], committer=committer)
        wait_until(lambda: processed(dovecot) == {1, 2}, "both flagged")
    finally:
        committer.stop()
    assert seen_at_commit == [set(), set()]


def test_a_server_stopped_after_a_commit_and_before_the_marking_loses_and_doubles_nothing(
    dovecot: Dovecot, runner_for, database, world, settings, keys
) -> None:
    address = bob_address(database, world, keys)
    dovecot.append(*replies(address, 8))

    def stop_after_the_fourth(number: int) -> None:
        if number == 4:  # the second batch (of three) is partly committed
            dovecot.stop()

    committer = WatchedCommitter(database, intake_config(settings, keys), stop_after_the_fourth)
    committer.start()
    try:
        runner_for([dovecot.url()], committer=committer)
        wait_until(lambda: dovecot.process is None, "the server to be stopped mid-batch")
        committed = len(room_bodies(database, world))
        assert 4 <= committed < 8

        dovecot.start()

        wait_until(lambda: processed(dovecot) == set(range(1, 9)), "every message marked")
    finally:
        committer.stop()
    bodies = room_bodies(database, world)
    assert sorted(bodies) == sorted(f"Reply number {n} from the mailbox." for n in range(8))
    assert len(records(database)) == 8


def test_a_message_whose_intake_failed_stays_unmarked_and_is_taken_in_on_the_retry(
    dovecot: Dovecot, runner_for, database, world, settings, keys
) -> None:
    address = bob_address(database, world, keys)
    dovecot.append(*replies(address, 3))
    committer = FailingOnceCommitter(
        database, intake_config(settings, keys), "reply-1@mail.example.org"
    )
    committer.start()
    try:
        runner_for([dovecot.url()], committer=committer)
        wait_until(lambda: processed(dovecot) == {1, 2, 3}, "all three marked in the end")
    finally:
        committer.stop()
    assert sorted(room_bodies(database, world)) == [
        f"Reply number {n} from the mailbox." for n in range(3)
    ]
    assert len(records(database)) == 3


def test_a_recreated_mailbox_is_read_again_without_posting_anything_twice(
    dovecot: Dovecot, runner_for, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    dovecot.create("Replies")
    dovecot.append(*replies(address, 3), folder="Replies")
    url = dovecot.url("Replies")
    runner = runner_for([url])
    wait_until(lambda: _last_uid(database, url) == 3, "the first three recorded")
    first = _position(database, url)
    runner.__exit__(None, None, None)

    dovecot.delete("Replies")
    dovecot.create("Replies")
    dovecot.append(*replies(address, 4), folder="Replies")  # the three again, and one more
    assert first is not None and dovecot.uidvalidity("Replies") != first.uidvalidity

    runner_for([url])

    wait_until(lambda: processed(dovecot, "Replies") == {1, 2, 3, 4}, "all four again")
    wait_until(lambda: _last_uid(database, url) == 4, "the position to be recorded")
    assert sorted(room_bodies(database, world)) == sorted(
        f"Reply number {n} from the mailbox." for n in range(4)
    )
    position = _position(database, url)
    assert position is not None
    assert (position.uidvalidity, position.last_uid) == (dovecot.uidvalidity("Replies"), 4)


def test_two_readers_of_one_mailbox_only_the_lease_holder_reads(
    dovecot: Dovecot, runner_for, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    dovecot.append(*replies(address, 5))

    first = runner_for([dovecot.url()], holder="first-process")
    second = runner_for([dovecot.url()], holder="second-process")

    wait_until(lambda: processed(dovecot) == {1, 2, 3, 4, 5}, "all five marked")
    dovecot.append(*replies(address, 2, start=5))
    wait_until(lambda: len(processed(dovecot)) == 7, "the two later ones marked")
    assert sorted((first.taken, second.taken)) == [0, 7]
    assert len(room_bodies(database, world)) == 7


def _last_uid(database: Database, url: str) -> int | None:
    position = _position(database, url)
    return None if position is None else position.last_uid


def _position(database: Database, url: str) -> MailboxPosition | None:
    """The stored position once the mailbox was first read, else None."""
    name = parse_mailbox_url(url).name
    with database.read_session() as session:
        try:
            position = get_mailbox_position(session, name)
        except NoResultFound:
            return None
    return position if position.uidvalidity is not None else None


def test_reconnection_pauses_double_up_to_a_cap() -> None:
    timing = ReaderTiming(backoff_first_seconds=1.0, backoff_max_seconds=300.0)
    for failures, pause in ((1, 1.0), (2, 2.0), (5, 16.0), (20, 300.0), (100_000, 300.0)):
        assert pause <= timing.backoff(failures) <= pause * 1.1
