"""The operator's view of received mail: list and read the records, replay or release one.

Owns what an operator may do with a kept inbound email: list records (by outcome, since a
time), read one, replay one that could not be read or was refused (after an upgrade, or once
the sender may post), and release one that was held because the trusted MTA in front found
it failing DMARC. A replay runs the same intake pipeline as SMTP (preparation, then
`accept_emails`) and updates the record it replays instead of adding one.

Functions flush; the caller commits. Must not import aiosmtpd, aioimaplib, Flask or smtplib.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.errors import InvalidInput, NotFound
from gateway.inbound.intake import IntakeResult, accept_emails
from gateway.inbound.preparation import Envelope, IntakeConfig, prepare_email
from gateway.store.models import InboundEmail, InboundOutcome

DEFAULT_LIST_LIMIT = 100
# Records a replay may change: what was refused, or could not be read.
REPLAYABLE = frozenset({InboundOutcome.FAILED, InboundOutcome.REJECTED})


def list_inbound(
    session: Session,
    *,
    outcome: InboundOutcome | None = None,
    since: datetime | None = None,
    limit: int = DEFAULT_LIST_LIMIT,
) -> Sequence[InboundEmail]:
    """The newest records first, optionally of one outcome and received since a time."""
    query = select(InboundEmail).order_by(InboundEmail.id.desc()).limit(limit)
    if outcome is not None:
        query = query.where(InboundEmail.outcome == outcome)
    if since is not None:
        query = query.where(InboundEmail.received_at >= since)
    return session.scalars(query).all()


def get_inbound(session: Session, inbound_id: int) -> InboundEmail:
    record = session.get(InboundEmail, inbound_id)
    if record is None:
        raise NotFound(f"no received email {inbound_id}")
    return record


def retry_inbound(
    session: Session, inbound_id: int, config: IntakeConfig, *, now: datetime
) -> IntakeResult:
    """Run a failed or refused email through intake again, from its kept bytes."""
    record = get_inbound(session, inbound_id)
    if record.outcome is InboundOutcome.HELD:
        raise InvalidInput(
            f"received email {inbound_id} is held: release it if its sender really wrote it"
        )
    if record.outcome not in REPLAYABLE:
        raise InvalidInput(
            f"received email {inbound_id} was {record.outcome.value}: only failed or "
            "rejected email is retried"
        )
    return _replay(session, record, config, now=now, release=False)


def release_inbound(
    session: Session, inbound_id: int, config: IntakeConfig, *, now: datetime
) -> IntakeResult:
    """Post a held email after all: the operator vouches for its sender."""
    record = get_inbound(session, inbound_id)
    if record.outcome is not InboundOutcome.HELD:
        raise InvalidInput(
            f"received email {inbound_id} was {record.outcome.value}, not held: nothing to release"
        )
    return _replay(session, record, config, now=now, release=True)


def _replay(
    session: Session,
    record: InboundEmail,
    config: IntakeConfig,
    *,
    now: datetime,
    release: bool,
) -> IntakeResult:
    if record.raw_truncated:
        raise InvalidInput(
            f"only the first {len(record.raw)} bytes of received email {record.id} were kept, "
            "so it cannot be replayed; ask the sender to send it again"
        )
    prepared = prepare_email(record.raw, Envelope(record.mail_from, record.rcpt_to), config)
    prepared = dataclasses.replace(
        prepared,
        replay_of=record.id,
        held_because=None if release else prepared.held_because,
    )
    [result] = accept_emails(session, [prepared], config, now=now)
    session.expire(record)
    return result
