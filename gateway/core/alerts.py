"""Account Alerts and Updates: system notifications in a user's Message Center.

Owns what an alert may contain (a title, a Markdown body rendered and sanitized once, a link
that is http(s) or a path on this site), which alerts a tab lists (newest first, expired ones
gone) and their read state. Financial alerts (payments, invoices) are Account Alerts only:
the notification preferences guarantee they always reach the user. An alert belongs to the
account it names (`account_id`): while the inbox shows one account, its tabs, badges and
"mark all read" cover that account's alerts and the alerts addressed to the person with no
account (None); without an account given, every alert of the user.

Must not import Flask or any other adapter library.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, delete, func, or_, select, true, update
from sqlalchemy.orm import Session

from gateway.core.errors import InvalidInput, NotAllowed, NotFound
from gateway.core.notifications import queue_alert_notification
from gateway.core.rendering import render_markdown
from gateway.core.text_fields import single_line_text
from gateway.store.models import Account, Alert, AlertCategory, User

# The Message Center tab of each kind of alert, as every page and email names it.
TAB_NAMES = {AlertCategory.ALERT: "Account Alerts", AlertCategory.UPDATE: "Updates"}
MAX_TITLE_LENGTH = 300
MAX_LINK_LENGTH = 2000
MAX_BODY_LENGTH = 20_000


def create_alert(
    session: Session,
    user_id: int,
    *,
    category: AlertCategory | str,
    title: str,
    body: str = "",
    link: str | None = None,
    financial: bool = False,
    account_id: int | None = None,
    now: datetime,
    expires_at: datetime | None = None,
) -> Alert:
    """Put an alert in the user's Account Alerts (or Updates) tab, and owe them the email
    their preferences ask for (gateway.core.notifications)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    if user.deactivated_at is not None:
        raise NotAllowed(f"user {user_id} is deactivated: reactivate them to send alerts")
    chosen = _category(category)
    if financial and chosen != AlertCategory.ALERT:
        raise InvalidInput("only Account Alerts can be financial, not Updates")
    if account_id is not None and not _owns_account(session, user_id, account_id):
        raise InvalidInput(f"account {account_id} is not one of this user's accounts")
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("the alert would already have expired")
    if len(body) > MAX_BODY_LENGTH:
        raise InvalidInput(f"an alert body is at most {MAX_BODY_LENGTH} characters")
    alert = Alert(
        user_id=user_id,
        account_id=account_id,
        category=chosen,
        title=_checked_title(title),
        body_source=body,
        body_html=render_markdown(body),
        link=_checked_link(link),
        financial=financial,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(alert)
    session.flush()
    # Whether it is also emailed, and when, is the notification's business.
    queue_alert_notification(session, alert, now=now)
    return alert


def _category(category: AlertCategory | str) -> AlertCategory:
    try:
        return AlertCategory(category)
    except ValueError:
        raise InvalidInput("an alert's category must be alert or update") from None


def _owns_account(session: Session, user_id: int, account_id: int) -> bool:
    account = session.get(Account, account_id)
    return account is not None and account.user_id == user_id


def _checked_title(title: str) -> str:
    title = " ".join(single_line_text("alert title", title).split())
    if not title:
        raise InvalidInput("an alert needs a title")
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(f"an alert title is at most {MAX_TITLE_LENGTH} characters")
    return title


def _checked_link(link: str | None) -> str | None:
    """An absolute http(s) URL or a path on this site; anything else is refused.

    "//host/x" and "/\\host" are refused too: browsers read both as another host.
    """
    if link is None or not link.strip():
        return None
    link = link.strip()
    if len(link) > MAX_LINK_LENGTH:
        raise InvalidInput(f"an alert link is at most {MAX_LINK_LENGTH} characters")
    if any(char.isspace() or ord(char) < 32 for char in link):
        raise InvalidInput("an alert link must not contain spaces or control characters")
    if link.startswith("/"):
        if link.startswith(("//", "/\\")):
            raise InvalidInput("an alert link must be an http(s) URL or a path on this site")
        return link
    parts = urlsplit(link)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InvalidInput("an alert link must be an http(s) URL or a path on this site")
    return link


def _live(now: datetime) -> ColumnElement[bool]:
    return or_(Alert.expires_at.is_(None), Alert.expires_at > now)


def shown_in_account(account_id: int | None) -> ColumnElement[bool]:
    """Alerts the tabs show while the inbox shows `account_id`: that account's and those
    addressed to no account (None: every account's)."""
    if account_id is None:
        return true()
    return or_(Alert.account_id == account_id, Alert.account_id.is_(None))


def list_alerts(
    session: Session,
    user_id: int,
    category: AlertCategory | str,
    *,
    now: datetime,
    account_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Alert]:
    """The tab's alerts (in the shown account), newest first; expired ones are gone."""
    return list(
        session.scalars(
            select(Alert)
            .where(
                Alert.user_id == user_id,
                Alert.category == _category(category),
                _live(now),
                shown_in_account(account_id),
            )
            .order_by(Alert.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def count_alerts(
    session: Session,
    user_id: int,
    category: AlertCategory | str,
    *,
    now: datetime,
    account_id: int | None = None,
) -> int:
    """How many live alerts the tab has in the shown account (for pagination)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(
                Alert.user_id == user_id,
                Alert.category == _category(category),
                _live(now),
                shown_in_account(account_id),
            )
        )
        or 0
    )


def get_alert(session: Session, user_id: int, alert_id: int, *, now: datetime) -> Alert:
    """The user's own live alert; NotFound for anyone else's (not revealed to exist)."""
    alert = session.get(Alert, alert_id)
    if alert is None or alert.user_id != user_id:
        raise NotFound("no such alert")
    if alert.expires_at is not None and alert.expires_at <= now:
        raise NotFound("this alert has expired")
    return alert


def open_alert(session: Session, user_id: int, alert_id: int, *, now: datetime) -> Alert:
    """The alert, marked read (the first opening's time is kept)."""
    alert = get_alert(session, user_id, alert_id, now=now)
    if alert.read_at is None:
        alert.read_at = now
        session.flush()
    return alert


def mark_all_alerts_read(
    session: Session,
    user_id: int,
    *,
    now: datetime,
    category: AlertCategory | str | None = None,
    account_id: int | None = None,
) -> int:
    """Mark every unread alert (of one tab, or both; of the shown account) read; returns how
    many changed."""
    query = update(Alert).where(
        Alert.user_id == user_id, Alert.read_at.is_(None), shown_in_account(account_id)
    )
    if category is not None:
        query = query.where(Alert.category == _category(category))
    result = session.execute(query.values(read_at=now).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def prune_alerts(session: Session, *, now: datetime) -> int:
    """Delete alerts past their own expiry or older than their user's retention period
    (the Message Center's "delete after"); how many. Room history is never pruned."""
    deleted = session.execute(delete(Alert).where(Alert.expires_at <= now)).rowcount or 0
    for days in sorted(_retention_values(session)):
        users = select(User.id).where(User.alert_retention_days == days)
        deleted += (
            session.execute(
                delete(Alert).where(
                    Alert.created_at < now - timedelta(days=days), Alert.user_id.in_(users)
                )
            ).rowcount
            or 0
        )
    return deleted


def _retention_values(session: Session) -> set[int]:
    return set(session.scalars(select(User.alert_retention_days).distinct()))
