"""Dispatch: turning due notifications into composed emails in the outbox.

Owns carrying out what gateway.core.notifications decides for each notification whose grace
window (GATEWAY_NOTIFY_GRACE_SECONDS) has passed: PENDING -> QUEUED with one outbox row (a
room message's email, threaded with the room, or an Account Alert / Update email), PENDING ->
DIGEST (the digest takes it later), or PENDING -> SKIPPED with the reason. Also the thread
lookups composition needs (which of our emails this recipient already got from the room).
A notification is locked and its state re-checked before composing, so however many
dispatchers run, each notification is decided exactly once. Runs in the caller's transaction
and only flushes; the caller commits.

Outbox convention: `message_id_header` holds the Message-ID WITHOUT angle brackets
(`gw.<hex>@<mail domain>`), as composition returns it.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.notifications import (
    Action,
    Decision,
    PreferenceCache,
    Reason,
    decide,
    gather_facts,
    list_due_notifications,
)
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.rooms import find_membership
from gateway.outbound.alert_mail import compose_alert
from gateway.outbound.composition import (
    REFERENCES_HEAD,
    REFERENCES_TAIL,
    Thread,
    build_thread,
    compose_room_message,
    thread_root_id,
)
from gateway.outbound.outbox import queue_email
from gateway.settings import Settings
from gateway.store.models import (
    Alert,
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
    preferences = PreferenceCache(session)
    queued = 0
    for notification in _claim_due_notifications(session, settings, now=now, limit=limit):
        decision = decide(gather_facts(session, notification, preferences, now=now))
        if decision.action is Action.EMAIL:
            email = _outbox_email_for(session, notification, settings, keys, now=now)
            if email is None:
                decision = Decision(Action.SKIP, Reason.UNADDRESSABLE)
            else:
                notification.outbox_id = email.id
                queued += 1
        _record(notification, decision, now)
        # Flush per email: the next notification for the same recipient and room must find
        # this one when it looks up its thread.
        session.flush()
    return queued


_STATE_OF = {
    Action.EMAIL: NotificationState.QUEUED,
    Action.DIGEST: NotificationState.DIGEST,
    Action.SKIP: NotificationState.SKIPPED,
}


def _record(notification: Notification, decision: Decision, now: datetime) -> None:
    notification.state = _STATE_OF[decision.action]
    notification.reason = decision.reason
    notification.decided_at = now
    if decision.reason is not None:
        logger.info("notification %s skipped: %s", notification.id, decision.reason)


def _claim_due_notifications(
    session: Session, settings: Settings, *, now: datetime, limit: int
) -> list[Notification]:
    """The due notifications this transaction may dispatch, locked and still pending.

    list_due_notifications does not lock. On PostgreSQL, rows another dispatcher holds are
    skipped (SKIP LOCKED) and rows it queued meanwhile fail the state re-check; on SQLite the
    transaction already holds the database's write lock (BEGIN IMMEDIATE), so no one else runs.
    """
    grace = timedelta(seconds=settings.notify_grace_seconds)
    due = list_due_notifications(session, now=now, limit=limit, grace=grace)
    if not due:
        return []
    return list(
        session.scalars(
            select(Notification)
            .where(
                Notification.id.in_([n.id for n in due]),
                Notification.state == NotificationState.PENDING,
            )
            .order_by(Notification.id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    )


def _outbox_email_for(
    session: Session,
    notification: Notification,
    settings: Settings,
    keys: ReplyKeys,
    *,
    now: datetime,
) -> OutboxEmail | None:
    """The queued email a notification turns into, or None when the recipient's address
    cannot be written (nothing to retry: the same address fails the same way, e.g. an
    RFC 6531 local part)."""
    try:
        if notification.alert is not None:
            return _alert_email(session, notification.alert, settings, keys, now)
        return _room_email(session, notification, settings, keys, now)
    except ValueError:
        return None


def _alert_email(
    session: Session, alert: Alert, settings: Settings, keys: ReplyKeys, now: datetime
) -> OutboxEmail:
    composed = compose_alert(alert, settings=settings, keys=keys, now=now)
    return queue_email(session, ALERT_KIND, composed, settings, now=now, user_id=alert.user_id)


def _room_email(
    session: Session, notification: Notification, settings: Settings, keys: ReplyKeys, now: datetime
) -> OutboxEmail:
    message = notification.message
    assert message is not None  # gather_facts checked it
    membership = find_membership(session, message.room_id, notification.user_id)
    assert membership is not None  # ... and this
    composed = compose_room_message(
        message,
        membership,
        thread=_thread_for(session, membership, message, settings),
        attachment_names=_attachment_names(session, message),
        settings=settings,
        keys=keys,
        now=now,
    )
    return queue_email(
        session,
        ROOM_MESSAGE_KIND,
        composed,
        settings,
        now=now,
        user_id=notification.user_id,
        room_id=message.room_id,
        message_id=message.id,
    )


def _thread_for(
    session: Session, membership: Membership, message: Message, settings: Settings
) -> Thread:
    parent_id = (
        _email_id_for_message(session, message.parent_id, membership.user_id)
        if message.parent_id is not None
        else None
    )
    return build_thread(
        thread_root_id(membership.room, settings.mail_domain),
        _earlier_email_ids(session, membership.room_id, membership.user_id),
        parent_id,
    )


def _earlier_email_ids(session: Session, room_id: int, user_id: int) -> list[str]:
    """Message-IDs of the first and last few room emails this user got, oldest first.

    Only as many as References can hold (build_thread caps it again): a room's history
    may be thousands of emails long.
    """
    query = select(OutboxEmail.id, OutboxEmail.message_id_header).where(
        OutboxEmail.room_id == room_id,
        OutboxEmail.user_id == user_id,
        OutboxEmail.kind == ROOM_MESSAGE_KIND,
    )
    head = session.execute(query.order_by(OutboxEmail.id).limit(REFERENCES_HEAD)).all()
    tail = session.execute(query.order_by(OutboxEmail.id.desc()).limit(REFERENCES_TAIL)).all()
    by_id = dict(head) | dict(tail)
    return [by_id[row_id] for row_id in sorted(by_id)]


def _email_id_for_message(session: Session, message_id: int, user_id: int) -> str | None:
    """The Message-ID of the email this user got about one message, if they got one."""
    return session.scalar(
        select(OutboxEmail.message_id_header)
        .where(
            OutboxEmail.message_id == message_id,
            OutboxEmail.user_id == user_id,
            OutboxEmail.kind == ROOM_MESSAGE_KIND,
        )
        .order_by(OutboxEmail.id)
        .limit(1)
    )


def _attachment_names(session: Session, message: Message) -> list[str]:
    # Names only: loading message.attachments would read every file's bytes.
    return list(
        session.scalars(
            select(Attachment.filename)
            .where(Attachment.message_id == message.id)
            .order_by(Attachment.id)
        )
    )
