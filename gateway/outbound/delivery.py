"""Delivery: moving composed emails from the outbox to the relay, or to a local Maildir.

Owns the outbox state machine and the conversation with the relay:

    QUEUED --relay accepted (or written to the Maildir)--> SENT
    QUEUED --4xx reply, connection error--> QUEUED, attempts + 1, later next_attempt_at
    QUEUED --5xx reply, or out of attempts / too old--> FAILED, last_error says why

A run claims due rows in one short transaction (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite:
`BEGIN IMMEDIATE` already serializes claimers) by pushing their next_attempt_at forward by a
lease and counting the attempt, and commits. It then sends with no transaction open: on SQLite
the SMTP intake writes to the same file, so the write lock is never held across network I/O.
Results are recorded in one short transaction per RECORD_BATCH sends (and one for the rest
of the run), not one per email: a commit per email cost more than the send itself. They are
recorded by a thread of the run's own while the next batch is sent, so sending never waits
for the database (on SQLite, for the write lock a composing worker holds: waiting for it took
40% of a digest run's delivery time). Delivery is at-least-once: a worker that dies between
the relay's 250 and the record sends those emails again once the lease runs out (at most
MAX_UNRECORDED_BATCHES batches waiting to be recorded and the one being sent); a row whose
lease ran out while it was being sent is not overwritten by the late result.

Without a relay (the embedded default) mail is written to settings.maildir, so the walk-through
can read it as files. Logs name outbox ids and relay replies, never bodies or tokens.

May import gateway.core and gateway.store; must not import Flask or aiosmtpd.
"""

from __future__ import annotations

import logging
import mailbox
import smtplib
import ssl
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.core.bounce_addresses import bounce_address
from gateway.core.reply_addresses import ReplyKeys
from gateway.settings import RelaySettings, Settings
from gateway.store.database import Database
from gateway.store.models import OutboxEmail, OutboxState

logger = logging.getLogger(__name__)

DEFAULT_DELIVERY_LIMIT = 250
# A claimed row is not due again until the lease ends: long enough for a batch to be sent,
# short enough that a crashed worker's mail goes out soon after.
LEASE = timedelta(minutes=10)
# Sends whose results are recorded together (see the module docstring): a commit per 25
# sends costs little.
RECORD_BATCH = 25
# Batches sent but not yet recorded, at most: sending goes on while the database is busy
# (on SQLite, while a composing worker holds the write lock) up to this many, so a crash
# resends at most (4 + 1) * 25 emails.
MAX_UNRECORDED_BATCHES = 4
SMTP_TIMEOUT_SECONDS = 30
# Retries back off exponentially from one minute, at most six hours apart; after this many
# attempts, or this long after composing, the email is given up as FAILED.
RETRY_BASE_DELAY = timedelta(minutes=1)
RETRY_MAX_DELAY = timedelta(hours=6)
MAX_ATTEMPTS = 25
# Far past the cap already; keeps the product inside timedelta's range for any attempt count.
MAX_DOUBLINGS = 30
MAX_AGE = timedelta(days=3)
# RFC 5321 section 4.2.1: 5yz is a permanent failure, 4yz transient.
PERMANENT_REPLY_CLASS = 5


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one deliver_due run did: emails accepted, put back for a retry, given up."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        """Emails this run took from the outbox, whatever became of them."""
        return self.sent + self.retried + self.failed


@dataclass(frozen=True, slots=True)
class _Claimed:
    """One outbox row claimed for this run, detached from any session."""

    id: int
    envelope_from: str
    recipient: str
    raw: bytes
    attempts: int  # including this one
    created_at: datetime


@dataclass(frozen=True, slots=True)
class _SendResult:
    """None error: accepted. Otherwise the reason, and whether retrying can help."""

    error: str | None = None
    permanent: bool = False


_ACCEPTED = _SendResult()


class _Transport(Protocol):
    def send(self, item: _Claimed) -> _SendResult: ...

    def close(self) -> None: ...


def deliver_due(
    database: Database,
    settings: Settings,
    *,
    now: datetime,
    limit: int = DEFAULT_DELIVERY_LIMIT,
    keys: ReplyKeys | None = None,
) -> DeliveryReport:
    """Send the outbox emails that are due; each ends SENT, FAILED or QUEUED for a retry.
    `keys` (derived from the settings when not given) sign the VERP envelope senders."""
    if keys is None:
        keys = ReplyKeys.from_secrets(settings.secret_key, settings.previous_secret_key)
    claimed = _claim_due(database, _envelope_sender(settings, keys), now=now, limit=limit)
    if not claimed:
        return DeliveryReport()
    recorder = _Recorder(database, now=now)
    with _open_transport(settings) as transport, recorder:
        for start in range(0, len(claimed), RECORD_BATCH):
            results: list[tuple[_Claimed, _SendResult]] = []
            try:
                for item in claimed[start : start + RECORD_BATCH]:
                    results.append((item, transport.send(item)))
            finally:
                # Even when a send raised: what went out is recorded, not sent again.
                recorder.record(results)
    return recorder.report()


class _Recorder:
    """Records a run's send results in a thread of its own, a batch at a time and in order:
    handing over a batch waits while MAX_UNRECORDED_BATCHES are still being recorded, and
    leaving the block waits for them all (and raises what recording raised)."""

    def __init__(self, database: Database, *, now: datetime) -> None:
        self._database = database
        self._now = now
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="delivery-record")
        self._pending: deque[Future[list[OutboxState]]] = deque()
        self._outcomes: Counter[OutboxState] = Counter()

    def __enter__(self) -> _Recorder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self._wait()
        finally:
            self._thread.shutdown()

    def record(self, results: Sequence[tuple[_Claimed, _SendResult]]) -> None:
        self._pending.append(self._thread.submit(_record, self._database, results, now=self._now))
        self._wait(keep=MAX_UNRECORDED_BATCHES - 1)

    def report(self) -> DeliveryReport:
        return DeliveryReport(
            sent=self._outcomes[OutboxState.SENT],
            retried=self._outcomes[OutboxState.QUEUED],
            failed=self._outcomes[OutboxState.FAILED],
        )

    def _wait(self, *, keep: int = 0) -> None:
        """Wait until at most `keep` batches are still being recorded."""
        while len(self._pending) > keep:
            self._outcomes.update(self._pending.popleft().result())


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt (1 minute, 2, 4, ... 6 hours)."""
    doublings = min(max(attempts - 1, 0), MAX_DOUBLINGS)
    return min(RETRY_BASE_DELAY * (1 << doublings), RETRY_MAX_DELAY)


def _envelope_sender(settings: Settings, keys: ReplyKeys) -> Callable[[int, str], str]:
    """The MAIL FROM of an outbox row (its id and envelope_from): our bounce address becomes
    the VERP address naming that very email (gateway.core.bounce_addresses), so a bounce says
    which email and which address failed; the null sender of an auto-reply stays null."""

    def sender(outbox_id: int, envelope_from: str) -> str:
        if envelope_from != settings.notifications_from:
            return envelope_from
        return bounce_address(outbox_id, keys, settings.mail_domain)

    return sender


def _claim_due(
    database: Database, sender: Callable[[int, str], str], *, now: datetime, limit: int
) -> list[_Claimed]:
    """Due rows, their attempt counted and their lease taken, in one SELECT and one UPDATE
    (in a prompt transaction: see Database.promptly)."""

    def claim(session: Session) -> list[_Claimed]:
        rows = session.execute(
            select(
                OutboxEmail.id,
                OutboxEmail.envelope_from,
                OutboxEmail.recipient,
                OutboxEmail.raw,
                OutboxEmail.attempts,
                OutboxEmail.created_at,
            )
            .where(OutboxEmail.state == OutboxState.QUEUED, OutboxEmail.next_attempt_at <= now)
            .order_by(OutboxEmail.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if rows:
            _update(
                session,
                [row.id for row in rows],
                {"attempts": OutboxEmail.attempts + 1, "next_attempt_at": now + LEASE},
            )
        return [
            _Claimed(row.id, sender(row.id, row.envelope_from), row.recipient, row.raw,
                     row.attempts + 1, row.created_at)
            for row in rows
        ]  # fmt: skip

    return database.promptly(claim)


def _record(
    database: Database, results: Sequence[tuple[_Claimed, _SendResult]], *, now: datetime
) -> list[OutboxState]:
    """Apply send results to their rows in one transaction (an UPDATE per distinct outcome,
    not per row); the rows' new states, leaving out the rows that changed hands meanwhile."""
    if not results:
        return []

    def record(session: Session) -> list[OutboxState]:
        current = {
            row.id: (row.state, row.attempts)
            for row in session.execute(
                select(OutboxEmail.id, OutboxEmail.state, OutboxEmail.attempts)
                .where(OutboxEmail.id.in_([item.id for item, _ in results]))
                .with_for_update()
            )
        }
        changes: dict[tuple[tuple[str, Any], ...], list[int]] = {}
        states = []
        for item, result in results:
            if current.get(item.id) != (OutboxState.QUEUED, item.attempts):
                logger.warning(
                    "outbox %s was claimed again while being sent; result dropped", item.id
                )
                continue
            values = _transition(item, result, now=now)
            changes.setdefault(tuple(values.items()), []).append(item.id)
            states.append(values.get("state", OutboxState.QUEUED))
        for values, ids in changes.items():
            _update(session, ids, dict(values))
        return states

    return database.promptly(record)


def _update(session: Session, ids: Sequence[int], values: dict[str, Any]) -> None:
    session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id.in_(ids))
        .values(values)
        .execution_options(synchronize_session=False)
    )


def _transition(item: _Claimed, result: _SendResult, *, now: datetime) -> dict[str, Any]:
    """The state machine's transitions out of QUEUED (see the module docstring): the row's
    new column values."""
    if result.error is None:
        logger.info("outbox %s sent after %s attempt(s)", item.id, item.attempts)
        return {"state": OutboxState.SENT, "sent_at": now, "last_error": None}
    next_attempt_at = now + retry_delay(item.attempts)
    out_of_time = item.attempts >= MAX_ATTEMPTS or next_attempt_at - item.created_at > MAX_AGE
    if result.permanent or out_of_time:
        last_error = result.error if result.permanent else f"gave up: {result.error}"
        logger.warning(
            "outbox %s failed after %s attempt(s): %s", item.id, item.attempts, last_error
        )
        return {"state": OutboxState.FAILED, "last_error": last_error}
    logger.info("outbox %s will be retried at %s: %s", item.id, next_attempt_at, result.error)
    return {"next_attempt_at": next_attempt_at, "last_error": result.error}


@contextmanager
def _open_transport(settings: Settings) -> Iterator[_Transport]:
    transport: _Transport = (
        _RelayTransport(settings.relay, local_hostname=settings.mail_domain)
        if settings.relay is not None
        else _MaildirTransport(settings.maildir)
    )
    try:
        yield transport
    finally:
        transport.close()


class _RelayTransport:
    """One SMTP connection for the whole batch, opened on first use and reopened if dropped."""

    def __init__(self, relay: RelaySettings, *, local_hostname: str) -> None:
        self._relay = relay
        self._local_hostname = local_hostname
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: str | None = None

    def send(self, item: _Claimed) -> _SendResult:
        if self._unreachable is not None:
            # One failed connect per batch: the rest wait for the next run, not 30 s each.
            return _SendResult(f"not attempted, relay unreachable: {self._unreachable}")
        try:
            smtp = self._connection()
        except (OSError, smtplib.SMTPException) as error:
            # Even a 5xx greeting or a refused login is the relay's state or our configuration,
            # not this email's fault: retry.
            self._unreachable = _describe(error)
            logger.warning(
                "relay %s:%s unreachable: %s", self._relay.host, self._relay.port, self._unreachable
            )
            return _SendResult(self._unreachable)
        return self._send_on(smtp, item)

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            self._smtp.close()
        self._smtp = None

    def _send_on(self, smtp: smtplib.SMTP, item: _Claimed) -> _SendResult:
        try:
            smtp.sendmail(item.envelope_from, [item.recipient], item.raw)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = error.recipients[item.recipient]
            return _reply_result(code, text)
        except smtplib.SMTPResponseException as error:  # MAIL FROM or DATA refused
            return _reply_result(error.smtp_code, error.smtp_error)
        except (OSError, smtplib.SMTPException) as error:
            # The connection broke mid-conversation: whether the relay kept the message is
            # unknown, so it is sent again later (at-least-once); the next email reconnects.
            self._smtp = None
            smtp.close()
            return _SendResult(_describe(error))
        return _ACCEPTED

    def _connection(self) -> smtplib.SMTP:
        # smtplib closes the socket itself after a 421 reply: reconnect rather than fail.
        if self._smtp is not None and self._smtp.sock is not None:
            return self._smtp
        smtp = smtplib.SMTP(
            self._relay.host,
            self._relay.port,
            local_hostname=self._local_hostname,
            timeout=SMTP_TIMEOUT_SECONDS,
        )
        try:
            if self._relay.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self._relay.username:
                smtp.login(self._relay.username, self._relay.password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp


class _MaildirTransport:
    """Writes each email as one file in a Maildir (created on first use)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._maildir: mailbox.Maildir | None = None

    def send(self, item: _Claimed) -> _SendResult:
        try:
            if self._maildir is None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                self._maildir = mailbox.Maildir(self._path, create=True)
            # A Maildir file is a local Unix text file: LF line ends, not SMTP's CRLF.
            self._maildir.add(item.raw.replace(b"\r\n", b"\n"))
        except OSError as error:
            return _SendResult(f"maildir {self._path}: {error}")
        return _ACCEPTED

    def close(self) -> None:
        self._maildir = None


def _reply_result(code: int, text: bytes | str) -> _SendResult:
    reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return _SendResult(f"{code} {reply}", permanent=code // 100 == PERMANENT_REPLY_CLASS)


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return _reply_result(error.smtp_code, error.smtp_error).error or ""
    return f"{type(error).__name__}: {error}"
