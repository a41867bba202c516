"""The outbox: composed emails waiting for delivery.

Owns how a composed email becomes an outbox row (QUEUED, due now, no attempts yet), so every
kind of email (room messages, alerts, digests, auto-replies, sign-in links) is queued the
same way; delivery takes it from there (gateway.outbound.delivery).

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.outbound.composition import ComposedEmail
from gateway.settings import Settings
from gateway.store.models import OutboxEmail, OutboxState


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
    email = OutboxEmail(
        kind=kind,
        created_at=now,
        user_id=user_id,
        room_id=room_id,
        message_id=message_id,
        envelope_from=settings.notifications_from if envelope_from is None else envelope_from,
        recipient=composed.recipient,
        message_id_header=composed.message_id,
        raw=composed.raw,
        state=OutboxState.QUEUED,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(email)
    session.flush()
    return email
