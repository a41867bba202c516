"""Dispatch: turning due notifications into composed emails in the outbox.

Owns carrying out what gateway.core.notifications decides for each notification whose grace
window (GATEWAY_NOTIFY_GRACE_SECONDS) has passed: PENDING -> QUEUED with one outbox row (a
room message's email, threaded with the room, or an Account Alert / Update email), PENDING ->
DIGEST (the digest takes it later), or PENDING -> SKIPPED with the reason. Also the thread
lookups composition needs (which of our emails this recipient already got from the room).
A notification is locked and its state re-checked before composing, so however many
dispatchers run, each notification is decided exactly once. Runs in the caller's transaction
and only flushes; the caller commits.

A batch is handled as a whole: its facts, threads and attachment names are read in a few
queries for all its notifications, each room message's templates are rendered once for all
its recipients, and the outbox rows are inserted together. Threads are kept up to date in
memory while the batch is composed, so a recipient's emails in one batch thread in order.

Outbox convention: `message_id_header` holds the Message-ID WITHOUT angle brackets
(`gw.<hex>@<mail domain>`), as composition returns it.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ScalarSelect, select
from sqlalchemy.orm import Session, aliased, selectinload

from gateway.core.notifications import (
    Action,
    Decision,
    PreferenceCache,
    Reason,
    decide,
    gather_all_facts,
    list_due_notifications,
    memberships_by_pair,
)
from gateway.core.reply_addresses import ReplyKeys
from gateway.outbound.alert_mail import compose_alert
from gateway.outbound.composition import (
    REFERENCES_HEAD,
    REFERENCES_TAIL,
    ComposedEmail,
    RoomEmailComposer,
    Thread,
    build_thread,
    thread_root_id,
)
from gateway.outbound.email_bytes import BodyEncoder
from gateway.outbound.outbox import OutboxEntry, queue_emails
from gateway.settings import Settings
from gateway.store.database import update_loaded
from gateway.store.models import (
    Attachment,
    Membership,
    Message,
    Notification,
    NotificationState,
    OutboxEmail,
)

logger = logging.getLogger(__name__)

ROOM_MESSAGE_KIND = "room_message"
ALERT_KIND = "alert"
DEFAULT_DISPATCH_LIMIT = 200


def dispatch_notifications(
    session: Session,
    settings: Settings,
    keys: ReplyKeys,
    *,
    now: datetime,
    limit: int = DEFAULT_DISPATCH_LIMIT,
) -> int:
    """Decide every notification whose grace window has passed: queue one email for each
    that deserves one now, hold the rest for digests or skip them; the number queued."""
    notifications = _claim_due_notifications(session, settings, now=now, limit=limit)
    if not notifications:
        return 0
    facts = gather_all_facts(session, notifications, PreferenceCache(session), now=now)
    decisions = [decide(f) for f in facts]
    emailed = [n for n, d in zip(notifications, decisions, strict=True) if d.action is Action.EMAIL]
    mail = _BatchMail(session, emailed, settings, keys, now)
    queued: list[tuple[Notification, OutboxEntry]] = []
    outcomes: list[tuple[Notification, Decision]] = []
    for notification, decision in zip(notifications, decisions, strict=True):
        if decision.action is Action.EMAIL:
            entry = mail.entry_for(notification)
            if entry is None:
                decision = Decision(Action.SKIP, Reason.UNADDRESSABLE)
            else:
                queued.append((notification, entry))
        outcomes.append((notification, decision))
    outbox_ids = queue_emails(session, [entry for _, entry in queued], settings, now=now)
    outbox_of = {n.id: outbox_id for (n, _), outbox_id in zip(queued, outbox_ids, strict=True)}
    update_loaded(session, [_record(n, d, outbox_of.get(n.id), now) for n, d in outcomes])
    return len(queued)


_STATE_OF = {
    Action.EMAIL: NotificationState.QUEUED,
    Action.DIGEST: NotificationState.DIGEST,
    Action.SKIP: NotificationState.SKIPPED,
}


def _record(
    notification: Notification, decision: Decision, outbox_id: int | None, now: datetime
) -> tuple[Notification, dict[str, Any]]:
    """The notification's new column values (state, reason, when, its email)."""
    if decision.reason is not None:
        logger.info("notification %s skipped: %s", notification.id, decision.reason)
    values = {"state": _STATE_OF[decision.action], "reason": decision.reason, "decided_at": now}
    return notification, {**values, "outbox_id": outbox_id}


def _claim_due_notifications(
    session: Session, settings: Settings, *, now: datetime, limit: int
) -> list[Notification]:
    """The due notifications this transaction may dispatch, locked and still pending, with
    what deciding and composing read of them loaded (a query per relationship, not per row).

    list_due_notifications does not lock. On PostgreSQL, rows another dispatcher holds are
    skipped (SKIP LOCKED) and rows it queued meanwhile fail the state re-check; on SQLite the
    transaction already holds the database's write lock (BEGIN IMMEDIATE), so no one else runs.
    """
    grace = timedelta(seconds=settings.notify_grace_seconds)
    due = list_due_notifications(session, now=now, limit=limit, grace=grace)
    if not due:
        return []
    message = selectinload(Notification.message)
    return list(
        session.scalars(
            select(Notification)
            .where(
                Notification.id.in_([n.id for n in due]),
                Notification.state == NotificationState.PENDING,
            )
            .order_by(Notification.id)
            .with_for_update(skip_locked=True)
            .options(
                selectinload(Notification.user),
                selectinload(Notification.alert),
                message.selectinload(Message.author),
                message.selectinload(Message.room),
                # The "In reply to" line of a reply's email quotes its parent.
                message.selectinload(Message.parent).selectinload(Message.author),
            )
            .execution_options(populate_existing=True)
        )
    )


class _BatchMail:
    """Composing the emails of one batch: the threads, parent emails and attachment names
    of all its room notifications read up front, one RoomEmailComposer per message."""

    def __init__(
        self,
        session: Session,
        notifications: Sequence[Notification],
        settings: Settings,
        keys: ReplyKeys,
        now: datetime,
    ) -> None:
        self._settings, self._keys, self._now = settings, keys, now
        messages = {n.message.id: n.message for n in notifications if n.message is not None}
        users = {n.user_id for n in notifications}
        rooms = {m.room_id for m in messages.values()}
        self._memberships = memberships_by_pair(session, rooms, users)
        self._earlier = _earlier_email_ids(session, rooms, users)
        parents = {m.parent_id for m in messages.values() if m.parent_id is not None}
        self._first_emails = _first_email_ids(session, parents, rooms, users)
        self._attachments = _attachment_names(session, messages)
        self._composers: dict[int, RoomEmailComposer] = {}
        self._encoder = BodyEncoder()

    def entry_for(self, notification: Notification) -> OutboxEntry | None:
        """The outbox entry a notification turns into, or None when the recipient's
        address cannot be written (nothing to retry: the same address fails the same way,
        e.g. an RFC 6531 local part)."""
        try:
            if notification.alert is not None:
                composed = compose_alert(
                    notification.alert, settings=self._settings, keys=self._keys, now=self._now
                )
                return OutboxEntry(ALERT_KIND, composed, user_id=notification.user_id)
            return self._room_entry(notification)
        except ValueError:
            return None

    def _room_entry(self, notification: Notification) -> OutboxEntry:
        message = notification.message
        assert message is not None  # gather_all_facts checked it
        membership = self._memberships[(message.room_id, notification.user_id)]
        composed = self._composer(message).compose(membership, self._thread(membership, message))
        self._remember(membership, message, composed)
        return OutboxEntry(
            ROOM_MESSAGE_KIND,
            composed,
            user_id=notification.user_id,
            room_id=message.room_id,
            message_id=message.id,
        )

    def _composer(self, message: Message) -> RoomEmailComposer:
        composer = self._composers.get(message.id)
        if composer is None:
            composer = self._composers[message.id] = RoomEmailComposer(
                message,
                self._attachments.get(message.id, []),
                settings=self._settings,
                keys=self._keys,
                now=self._now,
                encoder=self._encoder,
            )
        return composer

    def _thread(self, membership: Membership, message: Message) -> Thread:
        parent_id = (
            self._first_emails.get((message.parent_id, membership.user_id))
            if message.parent_id is not None
            else None
        )
        return build_thread(
            thread_root_id(message.room, self._settings.mail_domain),
            self._earlier.get((membership.room_id, membership.user_id), []),
            parent_id,
        )

    def _remember(self, membership: Membership, message: Message, composed: ComposedEmail) -> None:
        """The next email of this batch to the same recipient threads after this one."""
        key = (membership.room_id, membership.user_id)
        self._earlier[key] = _head_and_tail([*self._earlier.get(key, []), composed.message_id])
        self._first_emails.setdefault((message.id, membership.user_id), composed.message_id)


def _head_and_tail(ids: list[str]) -> list[str]:
    """The first and last few of a recipient's room emails, oldest first: as many as
    References can hold (build_thread caps it again)."""
    return ids[:REFERENCES_HEAD] + ids[max(REFERENCES_HEAD, len(ids) - REFERENCES_TAIL) :]


def _earlier_email_ids(
    session: Session, room_ids: Collection[int], user_ids: Collection[int]
) -> dict[tuple[int, int], list[str]]:
    """(room, user) -> Message-IDs of the first and last few room emails the user got from
    the room, oldest first, for the members of `room_ids` among `user_ids`. Two queries
    whose cost does not grow with the room's email history (reading that history whole made
    a fan-out four times slower after 500 messages): the ids at each head and tail position,
    a short walk of the (room, user, id) index per member, then those rows by id."""
    if not room_ids:
        return {}
    positions = [_nth_room_email(n, newest_first=False) for n in range(1, REFERENCES_HEAD + 1)]
    positions += [_nth_room_email(n, newest_first=True) for n in range(1, REFERENCES_TAIL + 1)]
    found = session.execute(
        select(*positions).where(Membership.room_id.in_(room_ids), Membership.user_id.in_(user_ids))
    )
    ids = {email_id for row in found for email_id in row if email_id is not None}
    if not ids:
        return {}
    rows = session.execute(
        select(OutboxEmail.room_id, OutboxEmail.user_id, OutboxEmail.message_id_header)
        .where(OutboxEmail.id.in_(ids))
        .order_by(OutboxEmail.id)
    )
    earlier: dict[tuple[int, int], list[str]] = defaultdict(list)
    for room_id, user_id, header in rows:
        assert room_id is not None and user_id is not None  # room emails have both
        earlier[(room_id, user_id)].append(header)
    return earlier


def _nth_room_email(n: int, *, newest_first: bool) -> ScalarSelect[int]:
    """The id of a member's n-th room email (oldest or newest first), NULL if they have
    fewer: correlated with the membership row of the enclosing query."""
    other = aliased(OutboxEmail)
    return (
        select(other.id)
        .where(
            other.room_id == Membership.room_id,
            other.user_id == Membership.user_id,
            other.kind == ROOM_MESSAGE_KIND,
        )
        .order_by(other.id.desc() if newest_first else other.id)
        .offset(n - 1)
        .limit(1)
        .scalar_subquery()
    )


def _first_email_ids(
    session: Session,
    message_ids: Collection[int],
    room_ids: Collection[int],
    user_ids: Collection[int],
) -> dict[tuple[int, int], str]:
    """(message, user) -> the Message-ID of the first email the user got about that message
    (replies are answered in their parent's room)."""
    if not message_ids:
        return {}
    rows = session.execute(
        select(OutboxEmail.message_id, OutboxEmail.user_id, OutboxEmail.message_id_header)
        .where(
            # By the (message, user) index: a message has one email per member at most.
            OutboxEmail.message_id.in_(message_ids),
            OutboxEmail.user_id.in_(user_ids),
            OutboxEmail.room_id.in_(room_ids),
            OutboxEmail.kind == ROOM_MESSAGE_KIND,
        )
        .order_by(OutboxEmail.id)
    )
    first: dict[tuple[int, int], str] = {}
    for message_id, user_id, header in rows:
        first.setdefault((message_id, user_id), header)
    return first


def _attachment_names(session: Session, messages: Collection[int]) -> dict[int, list[str]]:
    # Names only: loading message.attachments would read every file's bytes.
    if not messages:
        return {}
    names: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(Attachment.message_id, Attachment.filename)
        .where(Attachment.message_id.in_(messages))
        .order_by(Attachment.id)
    )
    for message_id, filename in rows:
        names[message_id].append(filename)
    return names
