"""Signed-in browsers: starting, finding, refreshing and ending web sessions.

Owns the web session record: the browser keeps a random token, the database only its SHA-256,
so neither a leaked database nor a log line signs anyone in. Presence (who is online) is read
from the same rows; which room is open in front of someone is gateway.core.room_views'.
Must not import Flask or any adapter library.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from gateway.store.models import User, WebSession

SESSION_LIFETIME = timedelta(days=30)
# Presence is refreshed at most this often per browser, so page views do not all write.
TOUCH_INTERVAL = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A live web session: who it is, which account they look at, and its row id."""

    session_id: int
    user_id: int
    account_id: int | None
    last_seen_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_web_session(session: Session, user: User, *, now: datetime) -> str:
    """A new signed-in browser for `user`; returns the token for its cookie."""
    token = secrets.token_urlsafe(32)
    account_id = min((account.id for account in user.accounts), default=None)
    session.add(
        WebSession(
            token_hash=token_hash(token),
            user_id=user.id,
            account_id=account_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            last_seen_at=now,
        )
    )
    session.flush()
    return token


def find_web_session(session: Session, token: str, *, now: datetime) -> SignedIn | None:
    """The live session for a cookie token, or None (unknown, ended or expired)."""
    row = session.execute(
        select(
            WebSession.id, WebSession.user_id, WebSession.account_id, WebSession.last_seen_at
        ).where(WebSession.token_hash == token_hash(token), WebSession.expires_at > now)
    ).one_or_none()
    return None if row is None else SignedIn(*row)


def touch_web_session(session: Session, session_id: int, *, now: datetime) -> None:
    """Record that the browser is alive (presence). Which room is in front of it is not a
    session's business: see gateway.core.room_views."""
    session.execute(update(WebSession).where(WebSession.id == session_id).values(last_seen_at=now))


def switch_account(session: Session, session_id: int, account_id: int) -> None:
    """Show another of the user's accounts; the caller has checked it is theirs."""
    session.execute(
        update(WebSession).where(WebSession.id == session_id).values(account_id=account_id)
    )


def end_web_session(session: Session, token: str) -> None:
    """Sign the browser out: its token stops working at once, everywhere."""
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))


def prune_web_sessions(session: Session, *, now: datetime) -> int:
    """Delete sessions past their expiry; how many."""
    return session.execute(delete(WebSession).where(WebSession.expires_at <= now)).rowcount or 0
