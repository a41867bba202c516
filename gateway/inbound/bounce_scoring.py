"""Which bounce reports count against an address: only the ones that prove they answer our mail.

Owns the choice of the address a received bounce is scored against (EMAIL-RULES section 2):
the one our signed VERP envelope sender names (the report is about an email we sent), else
the report's Final-Recipient, if it is one of our users' addresses. The scoring itself
(weights, once a day, threshold) is gateway.core.bounces.

Must not import aiosmtpd, aioimaplib, Flask or smtplib.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.bounce_addresses import verify_bounce_local_part
from gateway.core.bounces import record_bounce
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.users import find_user_by_email
from gateway.inbound.classification import Bounce
from gateway.store.models import OutboxEmail


def score_bounces(
    session: Session,
    reports: Sequence[tuple[str, Bounce]],
    keys: ReplyKeys,
    now: datetime,
) -> None:
    """Count each (envelope recipient, bounce) report against the address that failed."""
    for recipient, bounce in reports:
        address = _bounced_address(session, recipient, bounce, keys)
        if address is not None:
            record_bounce(
                session, address, permanent=bounce.permanent, status=bounce.status, now=now
            )


def _bounced_address(
    session: Session, recipient: str, bounce: Bounce, keys: ReplyKeys
) -> str | None:
    local_part = recipient.rpartition("@")[0]
    outbox_id = verify_bounce_local_part(local_part, keys)
    if outbox_id is not None:
        return session.scalar(select(OutboxEmail.recipient).where(OutboxEmail.id == outbox_id))
    if bounce.recipient is None:
        return None
    # Found by the users' unique address index, not by scanning the outbox for it.
    return bounce.recipient if find_user_by_email(session, bounce.recipient) else None
