"""Users and their accounts: adding people, normalizing and looking up their addresses.

Owns address normalization (email-validator) and the account a user acts in. Must not
import Flask, aiosmtpd or any other adapter library.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.errors import InvalidInput, NotFound
from gateway.core.passwords import hash_password
from gateway.store.models import Account, AccountKind, User


def normalize_address(address: str) -> str:
    """The canonical form of an email address, or InvalidInput with the reason.

    Local parts are case-sensitive on paper (RFC 5321 section 2.4) but no provider treats them
    so, and a reply must match its member however the client capitalized it: store lowercase.
    """
    try:
        valid = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidInput(f"{address!r} is not a valid email address: {error}") from None
    return valid.normalized.lower()


def add_user(
    session: Session,
    email: str,
    *,
    now: datetime,
    name: str | None = None,
    password: str | None = None,
    time_zone: str = "UTC",
    account_kind: AccountKind = AccountKind.FREELANCER,
) -> User:
    """Create a user with one account; InvalidInput if the address is taken or invalid."""
    address = normalize_address(email)
    if find_user_by_email(session, address) is not None:
        raise InvalidInput(f"a user with address {address} already exists")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {time_zone!r}") from None
    display_name = (name or "").strip() or address.split("@", 1)[0]
    user = User(
        email=address,
        display_name=display_name[:200],
        time_zone=time_zone,
        password_hash=hash_password(password) if password else None,
        created_at=now,
    )
    user.accounts.append(Account(kind=account_kind, name=display_name[:200], created_at=now))
    session.add(user)
    session.flush()
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def get_user_by_email(session: Session, email: str) -> User:
    user = find_user_by_email(session, email)
    if user is None:
        raise NotFound(f"no user with address {email}")
    return user


def get_account(session: Session, user: User, kind: AccountKind | None = None) -> Account:
    """The user's account of `kind` (created on first use), or their first account."""
    accounts = sorted(user.accounts, key=lambda account: account.id)
    if kind is None and accounts:
        return accounts[0]
    for account in accounts:
        if account.kind == kind:
            return account
    account = Account(
        user=user,
        kind=kind or AccountKind.FREELANCER,
        name=user.display_name,
        created_at=user.created_at,
    )
    session.add(account)
    session.flush()
    return account
