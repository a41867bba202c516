"""The outbox: composed emails waiting for delivery.

Owns how a composed email becomes an outbox row (QUEUED, due now, no attempts yet), so every
kind of email (room messages, alerts, digests, auto-replies, sign-in links) is queued the
same way; delivery takes it from there (gateway.outbound.delivery). A batch of emails
(a fan-out, a run of digests) is inserted in one statement.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from gateway.outbound.composition import ComposedEmail
from gateway.settings import Settings
from gateway.store.models import OutboxEmail, OutboxState


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A composed email and what its outbox row records about it (see queue_email)."""

    kind: str
    composed: ComposedEmail
    user_id: int | None
    room_id: int | None = None
    message_id: int | None = None
    envelope_from: str | None = None


def queue_email(
    session: Session,
    kind: str,
    composed: ComposedEmail,
    settings: Settings,
    *,
    now: datetime,
    user_id: int | None,
    room_id: int | None = None,
    message_id: int | None = None,
    envelope_from: str | None = None,
) -> OutboxEmail:
    """Add the outbox row of `composed` (flushed, so its id is known). The envelope sender
    defaults to the bounce address (made per email at delivery: VERP); "" is the null
    sender of auto-replies."""
    entry = OutboxEntry(kind, composed, user_id, room_id, message_id, envelope_from)
    email = OutboxEmail(**_row_values(entry, settings, now))
    session.add(email)
    session.flush()
    return email


def queue_emails(
    session: Session, entries: Sequence[OutboxEntry], settings: Settings, *, now: datetime
) -> list[int]:
    """queue_email for many emails in one INSERT; the new rows' ids, in the same order."""
    if not entries:
        return []
    statement = insert(OutboxEmail).returning(OutboxEmail.id, sort_by_parameter_order=True)
    rows = [_row_values(entry, settings, now) for entry in entries]
    return list(session.scalars(statement, rows))


def _row_values(entry: OutboxEntry, settings: Settings, now: datetime) -> dict[str, Any]:
    envelope_from = entry.envelope_from
    return {
        "kind": entry.kind,
        "created_at": now,
        "user_id": entry.user_id,
        "room_id": entry.room_id,
        "message_id": entry.message_id,
        "envelope_from": settings.notifications_from if envelope_from is None else envelope_from,
        "recipient": entry.composed.recipient,
        "message_id_header": entry.composed.message_id,
        "raw": entry.composed.raw,
        "state": OutboxState.QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
    }
