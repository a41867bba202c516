"""Idempotency keys for the JSON API: a POST repeated with the same key has one effect.

Owns what a key remembers and for how long. The remembered response is written in the same
transaction as the request's effect, under a unique (API key, Idempotency-Key) pair: two
copies of one request racing each other cannot both commit, and the loser answers with the
winner's response. A key reused for a different request is refused rather than answered with
a response that is not its own. Keys are kept for a day (as Stripe keeps them), then pruned.
Must not import any adapter library.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.core.errors import DomainError
from gateway.store.models import IdempotentRequest

KEEP_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(DomainError):
    """The key was used before for a different request."""


@dataclass(frozen=True, slots=True)
class KeptResponse:
    status: int
    body: str


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same request."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def find_kept_response(
    session: Session, api_key_id: int, key: str, fingerprint: str, *, now: datetime
) -> KeptResponse | None:
    """The response kept for this key, if it is still kept; IdempotencyKeyReused if the key
    was used for another request."""
    row = session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.api_key_id == api_key_id,
            IdempotentRequest.key == key,
            IdempotentRequest.created_at > now - KEEP_FOR,
        )
    )
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different request; "
            "use a new key for a new request"
        )
    return KeptResponse(row.status, row.body)


def keep_response(
    session: Session,
    api_key_id: int,
    key: str,
    fingerprint: str,
    response: KeptResponse,
    *,
    now: datetime,
) -> None:
    """Remember the response, in the caller's transaction (which commits it with the effect).

    An expired row under the same key goes first: the key is free again after a day.
    """
    session.execute(
        delete(IdempotentRequest).where(
            IdempotentRequest.api_key_id == api_key_id,
            IdempotentRequest.key == key,
            IdempotentRequest.created_at <= now - KEEP_FOR,
        )
    )
    session.add(
        IdempotentRequest(
            api_key_id=api_key_id,
            key=key,
            fingerprint=fingerprint,
            status=response.status,
            body=response.body,
            created_at=now,
        )
    )
    session.flush()


def prune_kept_responses(session: Session, *, now: datetime) -> int:
    """Forget responses kept longer than a day; how many."""
    result = session.execute(
        delete(IdempotentRequest).where(IdempotentRequest.created_at <= now - KEEP_FOR)
    )
    return result.rowcount or 0
