"""Signing in: password checks, throttling of failed attempts, one-time email links, passwords.

Owns the rules that keep sign-in safe: one refusal message and the same scrypt work whether
the address is unknown or the password wrong (so neither the answer nor its timing says which
addresses have accounts); sign-in links stored only as a SHA-256 hash, valid 15 minutes, used
once, and at most a few per address per window so nobody can mail-bomb a user.

Throttling counts failed attempts in a sliding window so that whoever guesses slows
themselves, never the account's owner (OWASP Authentication Cheat Sheet, "Account Lockout";
"Slow Down Online Guessing Attacks with Device Cookies"). A browser with a device cookie for
the account (gateway.core.sign_in_devices) is limited only by its own failures, counted by
the cookie's nonce. Any other request is limited per (client, address) pair, per client across
addresses (spraying), and by a larger limit per address that all untrusted clients share (a
botnet gets that many guesses, however many addresses it has). A client is its IP address, or
its /64 for IPv6, where one host holds a whole /64. The email link is never throttled with
passwords: it has its own limit per address. Functions flush; the caller commits. Must not
import Flask, smtplib or any other adapter library.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.orm import Session

from gateway.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from gateway.core.passwords import hash_password, verify_password
from gateway.core.sign_in_devices import DeviceCookie
from gateway.core.users import find_user_by_email
from gateway.core.web_sessions import token_hash
from gateway.store.database import lock_for_transaction
from gateway.store.models import SignInAttempt, SignInToken, User

SIGN_IN_REFUSED = "That email and password do not match."
ACCOUNT_DEACTIVATED = (
    "This account has been deactivated. Ask the site that manages your account to restore it."
)
THROTTLE_WINDOW = timedelta(minutes=15)
# One client guessing one account: as strict as a classic lockout, but only for that client.
MAX_FAILURES_PER_CLIENT_AND_ADDRESS = 5
# One client trying many accounts (password spraying).
MAX_FAILURES_PER_CLIENT = 20
# All clients without a device cookie for the account, together. Twice the per-client limit,
# so one guessing client (or an owner fumbling on a new browser) never reaches it alone.
MAX_UNTRUSTED_FAILURES_PER_ADDRESS = 10
# One device cookie: its owner mistyping, or a thief guessing with a stolen cookie.
MAX_FAILURES_PER_DEVICE = 5
IPV6_CLIENT_PREFIX = 64
# Attempts are only ever counted inside THROTTLE_WINDOW; a day keeps some history to read.
ATTEMPT_RETENTION = timedelta(days=1)

LINK_LIFETIME = timedelta(minutes=15)
LINK_REQUEST_WINDOW = timedelta(minutes=15)
MAX_LINKS_PER_ADDRESS = 3
LINK_TOKEN_BYTES = 32
LINK_EXPIRED = "This sign-in link has expired. Ask for a new one."
LINK_USED = "This sign-in link was already used."
LINK_INVALID = (
    "This sign-in link is not valid. Copy the whole link from the email, or ask for a new one."
)

MIN_PASSWORD_LENGTH = 10
# scrypt's cost grows with the input: a megabyte "password" must not buy a megabyte of work.
MAX_PASSWORD_LENGTH = 1024

# Column sizes of sign_in_attempts: longer input is cut, never refused by the database.
EMAIL_COLUMN_LENGTH = 320
REMOTE_ADDR_COLUMN_LENGTH = 64


FROM_THIS_NETWORK = "from this network"
ON_THIS_BROWSER = "on this browser"
FROM_NEW_BROWSERS = "for this address from browsers that have not signed in to it before"


class Throttled(DomainError):
    """Too many failed sign-ins lately; `retry_after` says how long until one is allowed,
    `scope` whose failures they were (one of FROM_THIS_NETWORK, ON_THIS_BROWSER,
    FROM_NEW_BROWSERS)."""

    def __init__(self, retry_after: timedelta, scope: str = FROM_THIS_NETWORK) -> None:
        self.retry_after = retry_after
        self.scope = scope
        elsewhere = (
            " sign in on a browser you have used here before," if scope == FROM_NEW_BROWSERS else ""
        )
        super().__init__(
            f"Too many failed sign-ins {scope}. Try again in {_minutes(retry_after)},"
            f"{elsewhere} or sign in with an email link: it works even now."
        )


class SignInRefused(NotAllowed):
    """Unknown address or wrong password: deliberately one error with one message."""

    def __init__(self, message: str = SIGN_IN_REFUSED) -> None:
        super().__init__(message)


class SignInLinkGone(InvalidInput):
    """A genuine sign-in link that can no longer be used (expired, or used already)."""


# --- password sign-in ----------------------------------------------------------------------


def sign_in_with_password(
    session: Session,
    email: str,
    password: str,
    *,
    remote_addr: str,
    now: datetime,
    device: DeviceCookie | None = None,
) -> User:
    """The user whose address and password these are.

    `device` is the browser's device cookie, if it sent one: with a valid token for this
    account the attempt is limited by that token's failures only. Raises Throttled (nothing
    recorded) when a limit (see check_sign_in_throttle) is reached, even if the password is
    right. Attempts for one address, client or device are serialized until the caller's
    transaction ends, so parallel guesses are counted one after another. Raises
    SignInRefused after recording the failure in the session: the caller must commit even
    then, since that row is what throttling counts.
    """
    address = email.strip().lower()[:EMAIL_COLUMN_LENGTH]
    client = sign_in_client(remote_addr)
    user = find_user_by_email(session, address)
    nonce = device.nonce_for(user.id, now) if device is not None and user is not None else None
    # Parallel guesses must not all pass the count before any failure is recorded.
    lock_for_transaction(
        session,
        f"sign-in:address:{address}",
        f"sign-in:client:{client}",
        *([f"sign-in:device:{nonce}"] if nonce else []),
    )
    check_sign_in_throttle(session, address, client, device_nonce=nonce, now=now)
    if _password_matches(user, password):
        assert user is not None  # _password_matches is False for no user
        if user.deactivated_at is not None:
            # Said only to whoever knows the password: nobody else learns of the account.
            raise SignInRefused(ACCOUNT_DEACTIVATED)
        return user
    session.add(
        SignInAttempt(email=address, remote_addr=client, device_nonce=nonce, attempted_at=now)
    )
    session.flush()
    raise SignInRefused()


def sign_in_client(remote_addr: str) -> str:
    """The client that throttling counts: the IP address, or its /64 network for IPv6.

    A /64 is what one IPv6 subscriber gets (RFC 6177): counting single addresses there would
    give one host 2**64 fresh clients to guess from.
    """
    client = remote_addr.strip()[:REMOTE_ADDR_COLUMN_LENGTH]
    try:
        ip = ipaddress.ip_address(client)
    except ValueError:
        return client
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((ip, IPV6_CLIENT_PREFIX), strict=False))
    return client


def _password_matches(user: User | None, password: str) -> bool:
    """Runs scrypt exactly once whatever the case, so timing does not tell them apart."""
    stored = user.password_hash if user is not None else None
    matches = verify_password(password[:MAX_PASSWORD_LENGTH], stored or _dummy_hash())
    return matches and stored is not None and len(password) <= MAX_PASSWORD_LENGTH


@functools.cache
def _dummy_hash() -> str:
    # A real hash with the real parameters, of a password nobody knows: verifying against
    # it costs what verifying a user's hash costs.
    return hash_password(secrets.token_urlsafe(32))


def check_sign_in_throttle(
    session: Session,
    email: str,
    client: str,
    *,
    device_nonce: str | None = None,
    now: datetime,
) -> None:
    """Throttled when a limit that applies to this attempt is reached in the window.

    With `device_nonce` (the browser's valid device token for this account) only that
    token's failures count. Without it: failures of this client for this address, of this
    client for any address, and of every untrusted client for this address. The window
    slides: a successful sign-in erases nothing (an attacker could interleave their own
    sign-ins with guesses), old failures simply fall out of it.
    """
    attempt = SignInAttempt
    limits: tuple[tuple[ColumnElement[bool], int, str], ...]
    if device_nonce is not None:
        limits = ((attempt.device_nonce == device_nonce, MAX_FAILURES_PER_DEVICE, ON_THIS_BROWSER),)
    else:
        limits = (
            (
                and_(attempt.email == email, attempt.remote_addr == client),
                MAX_FAILURES_PER_CLIENT_AND_ADDRESS,
                FROM_THIS_NETWORK,
            ),
            (attempt.remote_addr == client, MAX_FAILURES_PER_CLIENT, FROM_THIS_NETWORK),
            (
                and_(attempt.email == email, attempt.device_nonce.is_(None)),
                MAX_UNTRUSTED_FAILURES_PER_ADDRESS,
                FROM_NEW_BROWSERS,
            ),
        )
    waits = [
        (wait, scope)
        for condition, limit, scope in limits
        if (wait := _wait_for(session, condition, limit, now)) is not None
    ]
    if waits:
        raise Throttled(*max(waits, key=lambda waiting: waiting[0]))


def _wait_for(
    session: Session, condition: ColumnElement[bool], limit: int, now: datetime
) -> timedelta | None:
    """How long until fewer than `limit` failures match `condition` in the window, or None."""
    times = list(
        session.scalars(
            select(SignInAttempt.attempted_at)
            .where(condition, SignInAttempt.attempted_at > now - THROTTLE_WINDOW)
            .order_by(SignInAttempt.attempted_at.desc())
            .limit(limit)
        )
    )
    if len(times) < limit:
        return None
    # The limit-th most recent failure leaving the window brings the count below the limit.
    return max(times[-1] + THROTTLE_WINDOW - now, timedelta(seconds=1))


def prune_sign_in_attempts(session: Session, now: datetime) -> int:
    """Delete failed-attempt records older than a day (device nonces go with them); the
    number deleted."""
    result = session.execute(
        delete(SignInAttempt).where(SignInAttempt.attempted_at < now - ATTEMPT_RETENTION)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _minutes(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


# --- one-time sign-in links ----------------------------------------------------------------


def issue_sign_in_token(session: Session, email: str, now: datetime) -> tuple[User, str] | None:
    """A new one-time sign-in token for the user with this address, and the user.

    None when there is no such user, or when the address already got MAX_LINKS_PER_ADDRESS
    links in the window. The caller must answer the same in every case, so nobody learns
    which addresses have accounts.
    """
    user = find_user_by_email(session, email)
    if user is None or user.deactivated_at is not None:
        return None
    if _recent_link_count(session, user.id, now) >= MAX_LINKS_PER_ADDRESS:
        return None
    token = secrets.token_urlsafe(LINK_TOKEN_BYTES)
    session.add(
        SignInToken(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    session.flush()
    return user, token


def _recent_link_count(session: Session, user_id: int, now: datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(SignInToken)
            .where(
                SignInToken.user_id == user_id,
                SignInToken.created_at > now - LINK_REQUEST_WINDOW,
            )
        )
        or 0
    )


def check_sign_in_token(session: Session, token: str, now: datetime) -> User:
    """The user a sign-in link would sign in, without using it up (for the confirm page).

    InvalidInput for an unknown token; SignInLinkGone for an expired or used one.
    """
    row = _find_token(session, token)
    _refuse_unusable(row, now)
    assert row is not None
    return _user_of(session, row)


def redeem_sign_in_token(session: Session, token: str, now: datetime) -> User:
    """Use a sign-in link up and return its user; errors as check_sign_in_token.

    The conditional UPDATE makes redemption atomic: of two concurrent requests with the same
    link, exactly one signs in.
    """
    result = session.execute(
        update(SignInToken)
        .where(
            SignInToken.token_hash == token_hash(token),
            SignInToken.used_at.is_(None),
            SignInToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    row = _find_token(session, token)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        _refuse_unusable(row, now)
    assert row is not None
    return _user_of(session, row)


def _find_token(session: Session, token: str) -> SignInToken | None:
    return session.scalar(
        select(SignInToken)
        .where(SignInToken.token_hash == token_hash(token))
        .execution_options(populate_existing=True)
    )


def _refuse_unusable(row: SignInToken | None, now: datetime) -> None:
    if row is None:
        raise InvalidInput(LINK_INVALID)
    if row.used_at is not None:
        raise SignInLinkGone(LINK_USED)
    if row.expires_at <= now:
        raise SignInLinkGone(LINK_EXPIRED)


def _user_of(session: Session, row: SignInToken) -> User:
    user = session.get(User, row.user_id)
    if user is None:  # the foreign key cascades, so only a race with deletion gets here
        raise InvalidInput(LINK_INVALID)
    if user.deactivated_at is not None:  # deactivation deletes links; this is a race
        raise SignInLinkGone(LINK_INVALID)
    return user


def prune_sign_in_tokens(session: Session, now: datetime) -> int:
    """Delete sign-in links that expired more than a day ago; the number deleted."""
    result = session.execute(
        delete(SignInToken).where(SignInToken.expires_at < now - ATTEMPT_RETENTION)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- passwords -----------------------------------------------------------------------------


def set_password(session: Session, user_id: int, password: str) -> None:
    """Give the user a new password (InvalidInput when too short or absurdly long).

    Web sessions are left alone: the caller decides whether to end the others.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"Choose a password of at most {MAX_PASSWORD_LENGTH} characters.")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    user.password_hash = hash_password(password)
    session.flush()
