"""API keys: how a host platform proves itself to the JSON API.

Owns making, checking and revoking keys. A key is `gw_` and 43 random URL-safe characters
(256 bits); only its SHA-256 is stored, so a leaked database does not leak working keys, and
the lookup is by hash (an indexed equality, no timing oracle on the secret). Its first
characters are kept to tell keys apart in listings. Must not import any adapter library.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from gateway.core.errors import Conflict, InvalidInput, NotFound
from gateway.core.web_sessions import token_hash
from gateway.store.models import ApiKey

KEY_PREFIX = "gw_"
SHOWN_PREFIX_LENGTH = 10
MAX_NAME_LENGTH = 100
# Writing last_used_at on every request would make every read a write; a minute is enough
# to tell a key in use from a forgotten one.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_SECRET_LENGTH = 200


def create_api_key(session: Session, name: str, *, now: datetime) -> tuple[ApiKey, str]:
    """A new key named `name` (unique), and its secret: shown once, never stored."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("an API key needs a name")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"an API key name is at most {MAX_NAME_LENGTH} characters")
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise Conflict(f"an API key named {name!r} already exists")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        secret_hash=token_hash(secret),
        created_at=now,
    )
    session.add(key)
    session.flush()
    return key, secret


def find_api_key(session: Session, secret: str) -> ApiKey | None:
    """The live key whose secret this is, or None (a read: no write per request)."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > MAX_SECRET_LENGTH:
        return None
    key = session.scalar(select(ApiKey).where(ApiKey.secret_hash == token_hash(secret)))
    if key is None or key.revoked_at is not None:
        return None
    return key


def needs_use_noted(key: ApiKey, now: datetime) -> bool:
    return key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION


def note_api_key_used(session: Session, key_id: int, *, now: datetime) -> None:
    """Record that the key was used (at most once per LAST_USED_RESOLUTION)."""
    session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= now - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
    )


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_api_key(session: Session, name: str, *, now: datetime) -> ApiKey:
    """Stop the key named `name` working at once (kept, for the record of who made what)."""
    key = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        raise NotFound(f"no API key named {name!r}")
    if key.revoked_at is None:
        key.revoked_at = now
        session.flush()
    return key
