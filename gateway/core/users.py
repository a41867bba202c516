"""Users and their accounts: adding people, normalizing and looking up their addresses,
changing them, and deactivating them.

Owns address normalization (email-validator) and the account a user acts in. Must not
import Flask, aiosmtpd or any other adapter library.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from gateway.core.errors import Conflict, InvalidInput, NotFound
from gateway.core.notifications import Reason
from gateway.core.passwords import hash_password
from gateway.core.text_fields import single_line_text
from gateway.store.models import (
    Account,
    AccountKind,
    Notification,
    NotificationState,
    SignInToken,
    User,
    WebSession,
)

MAX_NAME_LENGTH = 200


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
    """Create a user with one account; InvalidInput if the address is taken or invalid, or
    the name holds control characters or line breaks (UnsafeText)."""
    address = normalize_address(email)
    name = single_line_text("name", name or "")
    if find_user_by_email(session, address) is not None:
        raise Conflict(f"a user with address {address} already exists")
    checked_time_zone(time_zone)
    display_name = name.strip() or address.split("@", 1)[0]
    user = User(
        email=address,
        display_name=display_name[:MAX_NAME_LENGTH],
        time_zone=time_zone,
        password_hash=hash_password(password) if password else None,
        created_at=now,
    )
    user.accounts.append(
        Account(kind=account_kind, name=display_name[:MAX_NAME_LENGTH], created_at=now)
    )
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


def get_account(
    session: Session, user: User, kind: AccountKind | None = None, *, now: datetime | None = None
) -> Account:
    """The user's account of `kind` (created on first use, at `now`; without it, dated as
    the user), or their first account."""
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
        created_at=now or user.created_at,
    )
    session.add(account)
    session.flush()
    return account


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def list_users(
    session: Session, *, after_id: int = 0, limit: int = 50, email: str | None = None
) -> list[User]:
    """Users in id order after `after_id` (keyset paging), accounts loaded; with `email`, only
    the user with that address (none when it cannot be a valid address)."""
    statement = (
        select(User)
        .where(User.id > after_id)
        .options(selectinload(User.accounts))
        .order_by(User.id)
        .limit(limit)
    )
    if email is not None:
        try:
            statement = statement.where(User.email == normalize_address(email))
        except InvalidInput:
            return []
    return list(session.scalars(statement))


def update_user(
    session: Session,
    user_id: int,
    *,
    email: str | None = None,
    name: str | None = None,
    time_zone: str | None = None,
) -> User:
    """Change a user's address, display name or time zone (each only when given)."""
    user = get_user(session, user_id)
    if email is not None:
        address = normalize_address(email)
        other = find_user_by_email(session, address)
        if other is not None and other.id != user.id:
            raise Conflict(f"a user with address {address} already exists")
        user.email = address
    if name is not None:
        display_name = " ".join(single_line_text("name", name).split())
        if not display_name:
            raise InvalidInput("a name cannot be empty")
        user.display_name = display_name[:MAX_NAME_LENGTH]
    if time_zone is not None:
        user.time_zone = checked_time_zone(time_zone)
    session.flush()
    return user


def checked_time_zone(time_zone: str) -> str:
    """The IANA zone name, or InvalidInput."""
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {time_zone!r}") from None
    return time_zone


def deactivate_user(session: Session, user_id: int, *, now: datetime) -> User:
    """Close a user's door: signed out everywhere, no sign-in, no email, no posting.

    Rooms and history stay as they are (others still read what they wrote), and the
    memberships too, so reactivating puts the user back where they were. Email owed to
    them and not yet decided is skipped; new messages owe them nothing while deactivated
    (gateway.core.messages leaves them out of the room's active members).
    """
    user = get_user(session, user_id)
    if user.deactivated_at is not None:
        return user
    user.deactivated_at = now
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.execute(delete(SignInToken).where(SignInToken.user_id == user.id))
    session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.state.in_((NotificationState.PENDING, NotificationState.DIGEST)),
        )
        .values(state=NotificationState.SKIPPED, reason=Reason.DEACTIVATED, decided_at=now)
    )
    session.flush()
    return user


def reactivate_user(session: Session, user_id: int) -> User:
    """Open the door again: the user may sign in, post and get email as before."""
    user = get_user(session, user_id)
    user.deactivated_at = None
    session.flush()
    return user


def add_account(
    session: Session,
    user_id: int,
    kind: AccountKind,
    name: str | None = None,
    *,
    now: datetime | None = None,
) -> Account:
    """A further account (one per kind) for the user, created at `now`: a freelancer who
    also hires, say."""
    user = get_user(session, user_id)
    if any(account.kind == kind for account in user.accounts):
        raise Conflict(f"this user already has a {kind.value} account")
    account = get_account(session, user, kind, now=now)  # made here, named after the user
    account_name = " ".join(single_line_text("account name", name or "").split())
    if account_name:
        account.name = account_name[:MAX_NAME_LENGTH]
        session.flush()
    return account
