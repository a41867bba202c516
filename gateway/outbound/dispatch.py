"""Dispatch: turning due notifications into composed emails in the outbox.

Owns, for each due notification, the choice between one email and none (the member has left,
has muted the room's emails, or the message was deleted), the thread lookups composition needs
(which of our emails this recipient already got from the room), and the outbox row of each
composed email. A notification moves PENDING -> QUEUED (one outbox row) or PENDING -> SKIPPED;
it is locked and its state re-checked before composing, so however many dispatchers run, each
notification is composed exactly once. Runs in the caller's transaction and only flushes; the
caller commits.

Outbox convention: `message_id_header` holds the Message-ID WITHOUT angle brackets
(`gw.<hex>@<mail domain>`), as composition returns it.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.notifications import list_due_notifications
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.rooms import find_membership
from gateway.outbound.composition import (
    REFERENCES_HEAD,
    REFERENCES_TAIL,
    Thread,
    build_thread,
    compose_room_message,
    thread_root_id,
)
from gateway.settings import Settings
from gateway.store.models import (
    Attachment,
    Membership,
    Message,
    Notification,
    NotificationState,
    OutboxEmail,
    OutboxState,
)

logger = logging.getLogger(__name__)

ROOM_MESSAGE_KIND = "room_message"
DEFAULT_DISPATCH_LIMIT = 200


def dispatch_notifications(
    session: Session,
    settings: Settings,
    keys: ReplyKeys,
    *,
    now: datetime,
    limit: int = DEFAULT_DISPATCH_LIMIT,
) -> int:
    """Queue one email per due notification that still deserves one; the number queued."""
    queued = 0
    for notification in _claim_due_notifications(session, now=now, limit=limit):
        email = _outbox_email_for(session, notification, settings, keys, now=now)
        if email is None:
            notification.state = NotificationState.SKIPPED
        else:
            session.add(email)
            notification.state = NotificationState.QUEUED
            queued += 1
        # Flush per email: the next notification for the same recipient and room must find
        # this one when it looks up its thread.
        session.flush()
    return queued


def _claim_due_notifications(session: Session, *, now: datetime, limit: int) -> list[Notification]:
    """The due notifications this transaction may dispatch, locked and still pending.

    list_due_notifications does not lock. On PostgreSQL, rows another dispatcher holds are
    skipped (SKIP LOCKED) and rows it queued meanwhile fail the state re-check; on SQLite the
    transaction already holds the database's write lock (BEGIN IMMEDIATE), so no one else runs.
    """
    due_ids = [n.id for n in list_due_notifications(session, now=now, limit=limit)]
    if not due_ids:
        return []
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.id.in_(due_ids), Notification.state == NotificationState.PENDING)
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
    """The composed email a notification turns into, or None when it must not be sent."""
    message = notification.message
    membership = find_membership(session, notification.room_id, notification.user_id)
    reason = _reason_to_skip(membership, message)
    if reason is not None or membership is None:
        logger.info("notification %s skipped: %s", notification.id, reason)
        return None
    try:
        composed = compose_room_message(
            message,
            membership,
            thread=_thread_for(session, membership, message, settings),
            attachment_names=_attachment_names(session, message),
            settings=settings,
            keys=keys,
            now=now,
        )
    except ValueError:
        # Nothing to retry: the same address fails the same way (e.g. an RFC 6531 local part).
        logger.warning(
            "notification %s skipped: recipient address cannot be written", notification.id
        )
        return None
    return OutboxEmail(
        kind=ROOM_MESSAGE_KIND,
        created_at=now,
        user_id=notification.user_id,
        room_id=notification.room_id,
        message_id=message.id,
        envelope_from=settings.notifications_from,
        recipient=composed.recipient,
        message_id_header=composed.message_id,
        raw=composed.raw,
        state=OutboxState.QUEUED,
        attempts=0,
        next_attempt_at=now,
    )


def _reason_to_skip(membership: Membership | None, message: Message) -> str | None:
    if membership is None or membership.left_at is not None:
        return "member has left the room"
    if membership.email_muted:
        return "member muted this room's emails"
    if message.deleted_at is not None:
        return "message was deleted"
    return None


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
