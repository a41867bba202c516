"""Delivery: outbox emails go to a real SMTP relay (or a Maildir) with retries and backoff,
each email once even when two workers run at the same time."""

from __future__ import annotations

import dataclasses
import mailbox
import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest

from gateway.core.bounce_addresses import bounce_address
from gateway.core.reply_addresses import ReplyKeys
from gateway.outbound.delivery import (
    MAX_AGE,
    MAX_ATTEMPTS,
    RETRY_MAX_DELAY,
    DeliveryReport,
    deliver_due,
    retry_delay,
)
from gateway.outbound.worker import run_outbound_once
from gateway.settings import RelaySettings
from gateway.store.models import OutboxEmail, OutboxState

TEMPORARY = "451 4.3.0 Try again later"
UNKNOWN_USER = "550 5.1.1 No such user here"


@pytest.fixture
def queued(post, dispatch, outbox) -> OutboxEmail:
    """One email to bob, composed and waiting in the outbox."""
    post("hello")
    dispatch()
    (row,) = outbox()
    return row


def _row(outbox, row_id: int) -> OutboxEmail:
    return next(row for row in outbox() if row.id == row_id)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_relay_receives_the_email_intact_and_it_is_marked_sent(
    database, relay_settings, recording_relay, queued, outbox, now
) -> None:
    report = deliver_due(database, relay_settings, now=now)
    assert report == DeliveryReport(sent=1)
    (received,) = recording_relay.wait_for(1)
    # VERP: the envelope sender names this very email, so its bounce says which one failed.
    keys = ReplyKeys.from_secrets(relay_settings.secret_key)
    assert received.mail_from == bounce_address(queued.id, keys, relay_settings.mail_domain)
    assert received.rcpt_tos == ("bob@example.org",)
    assert received.raw == queued.raw
    row = _row(outbox, queued.id)
    assert (row.state, row.attempts, row.sent_at, row.last_error) == (
        OutboxState.SENT,
        1,
        now,
        None,
    )


def test_sent_email_is_not_sent_again(database, relay_settings, recording_relay, queued, now):
    deliver_due(database, relay_settings, now=now)
    assert deliver_due(database, relay_settings, now=now + timedelta(hours=1)) == DeliveryReport()
    assert len(recording_relay.received) == 1


def test_temporary_refusal_is_retried_with_backoff_then_delivered(
    database, relay_settings, recording_relay, queued, outbox, now
) -> None:
    recording_relay.fail_next(1, TEMPORARY)
    assert deliver_due(database, relay_settings, now=now) == DeliveryReport(retried=1)
    row = _row(outbox, queued.id)
    assert row.state == OutboxState.QUEUED
    assert row.attempts == 1
    assert row.next_attempt_at == now + retry_delay(1) > now
    assert row.last_error == TEMPORARY
    # Not due before the backoff has passed...
    assert (
        deliver_due(database, relay_settings, now=now + timedelta(seconds=30)) == DeliveryReport()
    )
    # ...then delivered on a later run.
    later = now + retry_delay(1)
    assert deliver_due(database, relay_settings, now=later) == DeliveryReport(sent=1)
    row = _row(outbox, queued.id)
    assert (row.state, row.attempts, row.sent_at) == (OutboxState.SENT, 2, later)
    assert recording_relay.wait_for(1)[0].raw == queued.raw


def test_each_retry_waits_twice_as_long(
    database, relay_settings, recording_relay, queued, outbox, now
) -> None:
    recording_relay.fail_next(3, TEMPORARY)
    at = now
    for attempt in (1, 2, 3):
        deliver_due(database, relay_settings, now=at)
        row = _row(outbox, queued.id)
        assert row.attempts == attempt
        assert row.next_attempt_at - at == timedelta(minutes=2 ** (attempt - 1))
        at = row.next_attempt_at


def test_retry_delay_doubles_from_a_minute_up_to_a_cap() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert retry_delay(30) == RETRY_MAX_DELAY


def test_permanent_refusal_at_rcpt_fails_with_the_relays_reply(
    database, relay_settings, recording_relay, queued, outbox, now
) -> None:
    recording_relay.fail_next(1, UNKNOWN_USER, stage="RCPT")
    assert deliver_due(database, relay_settings, now=now) == DeliveryReport(failed=1)
    row = _row(outbox, queued.id)
    assert (row.state, row.last_error, row.sent_at) == (OutboxState.FAILED, UNKNOWN_USER, None)
    assert deliver_due(database, relay_settings, now=now + timedelta(days=1)) == DeliveryReport()
    assert recording_relay.received == []


def test_permanent_refusal_after_data_fails(
    database, relay_settings, recording_relay, queued, outbox, now
) -> None:
    recording_relay.fail_next(1, "554 5.7.1 Message rejected as spam")
    assert deliver_due(database, relay_settings, now=now) == DeliveryReport(failed=1)
    assert _row(outbox, queued.id).last_error == "554 5.7.1 Message rejected as spam"


def test_unreachable_relay_is_retried(database, settings, queued, outbox, now) -> None:
    down = dataclasses.replace(settings, relay=RelaySettings(host="127.0.0.1", port=_closed_port()))
    assert deliver_due(database, down, now=now) == DeliveryReport(retried=1)
    row = _row(outbox, queued.id)
    assert (row.state, row.attempts) == (OutboxState.QUEUED, 1)
    assert row.next_attempt_at == now + retry_delay(1)
    assert row.last_error is not None and "ConnectionRefusedError" in row.last_error


def test_unreachable_relay_is_tried_once_per_run(
    database, settings, post, dispatch, outbox, now
) -> None:
    for text in ("one", "two", "three"):
        post(text)
    dispatch()
    down = dataclasses.replace(settings, relay=RelaySettings(host="127.0.0.1", port=_closed_port()))
    assert deliver_due(database, down, now=now) == DeliveryReport(retried=3)
    assert all(row.attempts == 1 and row.state == OutboxState.QUEUED for row in outbox())


def test_relay_closing_the_connection_mid_batch_is_reconnected_for_the_next_email(
    database, relay_settings, recording_relay, post, dispatch, outbox, now
) -> None:
    post("one")
    post("two")
    dispatch()
    first, second = outbox()
    # 421: the relay is closing the connection (RFC 5321 section 3.8); smtplib hangs up.
    recording_relay.fail_next(1, "421 4.3.2 Service shutting down")
    assert deliver_due(database, relay_settings, now=now) == DeliveryReport(sent=1, retried=1)
    assert _row(outbox, first.id).state == OutboxState.QUEUED
    assert _row(outbox, second.id).state == OutboxState.SENT
    assert recording_relay.wait_for(1)[0].raw == second.raw


def test_email_is_given_up_after_the_last_attempt(
    database, relay_settings, recording_relay, queued, outbox, now
) -> None:
    with database.transaction() as session:
        session.get_one(OutboxEmail, queued.id).attempts = MAX_ATTEMPTS - 1
    recording_relay.fail_next(1, TEMPORARY)
    assert deliver_due(database, relay_settings, now=now) == DeliveryReport(failed=1)
    row = _row(outbox, queued.id)
    assert (row.state, row.attempts) == (OutboxState.FAILED, MAX_ATTEMPTS)
    assert row.last_error == f"gave up: {TEMPORARY}"


def test_email_is_given_up_when_too_old(
    database, relay_settings, recording_relay, queued, outbox, now
) -> None:
    with database.transaction() as session:
        session.get_one(OutboxEmail, queued.id).created_at = now - MAX_AGE
    recording_relay.fail_next(1, TEMPORARY)
    assert deliver_due(database, relay_settings, now=now) == DeliveryReport(failed=1)
    assert _row(outbox, queued.id).state == OutboxState.FAILED


def test_without_a_relay_mail_is_written_to_a_maildir(
    database, settings, queued, outbox, now
) -> None:
    assert settings.relay is None
    assert deliver_due(database, settings, now=now) == DeliveryReport(sent=1)
    assert _row(outbox, queued.id).state == OutboxState.SENT
    maildir = mailbox.Maildir(settings.maildir, create=False)
    (key,) = maildir.keys()
    path = settings.maildir / "new" / key
    raw = path.read_bytes()
    assert b"\r\n" not in raw  # a local Unix mailbox file: LF line ends
    email = message_from_bytes(raw, policy=policy.default)
    assert email["Message-ID"] == f"<{queued.message_id_header}>"
    assert email["Subject"] == "[Gateway] Website redesign"
    text = email.get_body(preferencelist=("plain",))
    assert text is not None and text.get_content().startswith("Alice Archer")


def test_two_delivery_runs_at_once_send_each_email_once(
    database, relay_settings, recording_relay, post, dispatch, outbox, now
) -> None:
    for n in range(20):
        post(f"message {n}")
    dispatch()
    start = threading.Barrier(2)
    reports: list[DeliveryReport] = []

    def run() -> None:
        start.wait()
        reports.append(deliver_due(database, relay_settings, now=now))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.sent for report in reports) == 20
    received = recording_relay.wait_for(20)
    assert len(received) == 20
    message_ids = {message_from_bytes(item.raw)["Message-ID"] for item in received}
    assert len(message_ids) == 20
    assert all(row.state == OutboxState.SENT and row.attempts == 1 for row in outbox())


def test_run_outbound_once_queues_then_delivers(database, settings, keys, post, now) -> None:
    post("hello")
    queued, report = run_outbound_once(database, settings, keys, now=now)
    assert (queued, report) == (1, DeliveryReport(sent=1))
    assert len(mailbox.Maildir(settings.maildir, create=False)) == 1
