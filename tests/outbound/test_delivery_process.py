"""The outbound worker queues in this process and delivers from a process of its own: mail
goes out once it is queued, every result is recorded, and the delivery process stops when
asked, comes back when it died, and never outlives the process that started it."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from gateway.core.reply_addresses import ReplyKeys
from gateway.outbound.delivery import (
    MAX_UNRECORDED_BATCHES,
    RECORD_BATCH,
    DeliveryReport,
    deliver_due,
)
from gateway.outbound.worker import OutboundWorker
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import OutboxState

from gateway_process import still_running

# Long enough that only a nudge (not the interval) can explain a prompt delivery.
SLOW_INTERVAL = 600.0
EXIT_TIMEOUT = 30.0


@pytest.fixture
def worker(
    database: Database, relay_settings: Settings, keys: ReplyKeys
) -> Iterator[OutboundWorker]:
    started = OutboundWorker(database, relay_settings, keys, delivery_interval=SLOW_INTERVAL)
    yield started.start()
    started.stop()


def _wait_until_gone(pid: int, *, timeout: float = EXIT_TIMEOUT) -> bool:
    return not still_running([pid], timeout=timeout)


def test_mail_queued_by_the_worker_is_delivered_by_its_delivery_process(
    worker, post, outbox, recording_relay, now: datetime
) -> None:
    for n in range(3):
        post(f"message {n}")

    queued = worker.queue_until_done(lambda: now, more=lambda: True)

    assert queued == 3
    # The delivery process sleeps for ten minutes unless woken: the nudge woke it.
    received = recording_relay.wait_for(3)
    assert sorted(item.raw for item in received) == sorted(row.raw for row in outbox())
    deadline = time.monotonic() + EXIT_TIMEOUT
    while {row.state for row in outbox()} != {OutboxState.SENT}:
        assert time.monotonic() < deadline, [row.state for row in outbox()]
        time.sleep(0.05)


def test_queueing_stops_when_told_to(worker, post, outbox, now: datetime) -> None:
    post("hello")
    assert worker.queue_until_done(lambda: now, more=lambda: False) == 0
    assert outbox() == []


def test_stop_ends_the_delivery_process(worker) -> None:
    pid = worker.delivery.pid
    assert pid is not None
    worker.stop()
    assert worker.delivery.pid is None
    assert _wait_until_gone(pid)


def test_sigterm_to_the_delivery_process_alone_does_not_cut_a_run_short(
    worker, post, recording_relay, now: datetime
) -> None:
    post("hello")
    worker.queue_until_done(lambda: now, more=lambda: True)
    recording_relay.wait_for(1)  # the process is up and delivering, its signals set
    pid = worker.delivery.pid
    assert pid is not None

    os.kill(pid, signal.SIGTERM)  # as a service manager signals the whole group

    assert not _wait_until_gone(pid, timeout=1.0)
    worker.stop()  # the worker, not the signal, ends it
    assert _wait_until_gone(pid)


def test_a_delivery_process_that_died_is_started_again(
    worker, post, outbox, recording_relay, now: datetime
) -> None:
    first = worker.delivery.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    assert _wait_until_gone(first)
    post("after the crash")

    worker.queue_until_done(lambda: now, more=lambda: True)

    assert worker.delivery.pid not in (None, first)
    recording_relay.wait_for(1)


def test_a_run_longer_than_the_unrecorded_bound_records_every_result(
    database, relay_settings, recording_relay, post, dispatch, outbox, now: datetime
) -> None:
    emails = RECORD_BATCH * (MAX_UNRECORDED_BATCHES + 2) + 3
    for n in range(emails):
        post(f"message {n}")
    dispatch(limit=emails)

    report = deliver_due(database, relay_settings, now=now)

    assert report == DeliveryReport(sent=emails)
    assert len(recording_relay.wait_for(emails)) == emails
    assert [(row.state, row.attempts) for row in outbox()] == [(OutboxState.SENT, 1)] * emails
    assert deliver_due(database, relay_settings, now=now + timedelta(hours=1)) == DeliveryReport()
