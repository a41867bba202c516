"""Bounces: scoring failed deliveries per address, and stopping mail to an address that bounces.

Owns the rules of EMAIL-RULES section 2 for bounces, modelled on what Discourse and Mailman do:
- A permanent failure (5.x.x) adds PERMANENT_WEIGHT to the address's score, a temporary one
  (4.x.x) TEMPORARY_WEIGHT; at most one bounce counts per address per COUNT_INTERVAL (one
  failed digest run must not disable an address on its own).
- A quiet QUIET_RESET (no bounce) resets the score.
- At DISABLE_THRESHOLD non-critical email to the address stops (`disabled_at`); the user is
  told in the web inbox and can turn email back on (`resume_email`), which starts afresh.
  Critical mail (financial Account Alerts, sign-in links) still goes.
- An out-of-office is never a bounce (gateway.inbound.bounce_reports decides what is one).

Functions flush; the caller commits. Must not import any adapter library.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.store.models import AddressHealth

PERMANENT_WEIGHT = 1.0
TEMPORARY_WEIGHT = 0.25
DISABLE_THRESHOLD = 3.0
COUNT_INTERVAL = timedelta(days=1)
QUIET_RESET = timedelta(days=30)


def normalized_address(address: str) -> str:
    """An address as address health is kept for it."""
    return address.strip().lower()


def find_address_health(session: Session, address: str) -> AddressHealth | None:
    return session.scalar(
        select(AddressHealth).where(AddressHealth.address == normalized_address(address))
    )


def record_bounce(
    session: Session, address: str, *, permanent: bool, status: str | None, now: datetime
) -> AddressHealth:
    """Count one failed delivery to `address` (or not, inside COUNT_INTERVAL); the address's
    health after it."""
    health = find_address_health(session, address)
    if health is None:
        health = AddressHealth(
            address=normalized_address(address),
            score=0.0,
            bounces=0,
            last_bounce_at=now,
            last_counted_at=now - COUNT_INTERVAL,
        )
        session.add(health)
    elif now - health.last_bounce_at >= QUIET_RESET:
        health.score = 0.0
    health.bounces += 1
    health.last_bounce_at = now
    health.last_status = (status or "")[:16] or None
    health.last_permanent = permanent
    if now - health.last_counted_at >= COUNT_INTERVAL:
        health.score += PERMANENT_WEIGHT if permanent else TEMPORARY_WEIGHT
        health.last_counted_at = now
    if health.disabled_at is None and health.score >= DISABLE_THRESHOLD:
        health.disabled_at = now
    session.flush()
    return health


def is_bouncing(session: Session, address: str) -> bool:
    """Non-critical email to this address has stopped."""
    health = find_address_health(session, address)
    return health is not None and health.disabled_at is not None


def bouncing_addresses(session: Session, addresses: Iterable[str]) -> set[str]:
    """Those of `addresses` (normalized) that non-critical email has stopped for, in one
    query."""
    wanted = {normalized_address(address) for address in addresses}
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(AddressHealth.address).where(
                AddressHealth.address.in_(wanted), AddressHealth.disabled_at.is_not(None)
            )
        )
    )


def resume_email(session: Session, address: str) -> None:
    """The user says the address works again: email resumes, the score starts from zero."""
    health = find_address_health(session, address)
    if health is not None:
        health.disabled_at = None
        health.score = 0.0
        session.flush()
