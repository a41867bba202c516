"""Notifications: what each user is owed, and whether it becomes an email.

Owns two steps (EMAIL-RULES section 5):
- Queueing. A posted message is owed to every active member but its author, in the room's
  category (ticket rooms: Tickets; every other room: room messages); an Account Alert or
  Update to its user, in its own category. One PENDING row each, due when it was created.
- Deciding. Once an item's grace window has passed, `decide` turns what is known about it
  (`Facts`, gathered by `gather_all_facts`) into EMAIL (now, on its own), DIGEST (wait for the
  user's next digest) or SKIP with a reason. The rules, in order:
    1. the item is gone (message deleted, alert expired) or the member left  -> skip
    2. the member muted this room's emails                                  -> skip
       the user's address bounces (gateway.core.bounces), unless the item is
       critical (a financial Account Alert)                                  -> skip
    3. the category's channel is inbox-only or none, or frequency never      -> skip
    4. the room is open in front of the user in a live page (gateway.core.room_views),
       read on the web, or the user wrote in the room since
       (unless they chose "email me even if I have read it")                -> skip
    5. frequency hourly, daily or weekly                                    -> digest
    6. otherwise                                                            -> email now
  Financial Account Alerts are never switched off entirely: the preferences refuse channel
  none and frequency never for Account Alerts (gateway.core.preferences), and inbox-only
  still shows them in the Message Center.

The web inbox shows everything whatever the decision; it only concerns email. Functions flush;
the caller commits. Must not import any adapter library.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from gateway.core.bounces import bouncing_addresses, normalized_address
from gateway.core.preferences import EMAIL_CHANNELS, Preference, get_preferences_of
from gateway.core.room_views import list_viewing
from gateway.store.models import (
    Alert,
    AlertCategory,
    Membership,
    Message,
    Notification,
    NotificationState,
    NotifyCategory,
    NotifyFrequency,
    RoomKind,
)

# Built once: this runs for every batch of messages posted, email intake included.
_INSERT_NOTIFICATIONS = insert(Notification)

DIGEST_FREQUENCIES = (NotifyFrequency.HOURLY, NotifyFrequency.DAILY, NotifyFrequency.WEEKLY)


class Reason(enum.StrEnum):
    """Why an item was not emailed (stored in notifications.reason)."""

    LEFT = "left"  # the member left the room
    DELETED = "deleted"  # the message was deleted
    EXPIRED = "expired"  # the alert expired
    MUTED = "muted"  # the member muted this room's emails
    BOUNCING = "bouncing"  # email to the user's address bounces; non-critical mail stopped
    CHANNEL = "channel"  # the category goes to the inbox only (or nowhere)
    FREQUENCY = "frequency"  # the category's email frequency is "never"
    VIEWING = "viewing"  # the room was open in front of the user
    READ = "read"  # read on the web during the grace window
    ACTIVE = "active"  # the user wrote in the room since
    UNADDRESSABLE = "unaddressable"  # the address cannot be written in a header
    DEACTIVATED = "deactivated"  # the host platform deactivated the user


class Action(enum.StrEnum):
    EMAIL = "email"
    DIGEST = "digest"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    reason: Reason | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules look at, for one item and one user."""

    preference: Preference
    gone: Reason | None = None  # LEFT, DELETED or EXPIRED
    muted: bool = False
    bouncing: bool = False
    critical: bool = False  # goes even to a bouncing address (financial Account Alerts)
    viewing: bool = False
    read: bool = False
    active_since: bool = False


def decide(facts: Facts) -> Decision:
    """The rules of the module docstring, in that order."""
    if facts.gone is not None:
        return Decision(Action.SKIP, facts.gone)
    if facts.muted:
        return Decision(Action.SKIP, Reason.MUTED)
    if facts.bouncing and not facts.critical:
        return Decision(Action.SKIP, Reason.BOUNCING)
    preference = facts.preference
    if preference.channel not in EMAIL_CHANNELS:
        return Decision(Action.SKIP, Reason.CHANNEL)
    if preference.frequency is NotifyFrequency.NEVER:
        return Decision(Action.SKIP, Reason.FREQUENCY)
    if not preference.email_even_if_read:
        if facts.viewing:
            return Decision(Action.SKIP, Reason.VIEWING)
        if facts.read:
            return Decision(Action.SKIP, Reason.READ)
        if facts.active_since:
            return Decision(Action.SKIP, Reason.ACTIVE)
    if preference.frequency in DIGEST_FREQUENCIES:
        return Decision(Action.DIGEST)
    return Decision(Action.EMAIL)


# --- queueing ---------------------------------------------------------------------------------


def room_category(kind: RoomKind) -> NotifyCategory:
    """The preference that governs a room's messages."""
    return NotifyCategory.TICKET if kind is RoomKind.TICKET else NotifyCategory.ROOM


def queue_notifications(
    session: Session,
    messages: Sequence[tuple[int, int, int | None]],
    members: Mapping[int, Sequence[int]],
    kinds: Mapping[int, RoomKind],
    *,
    now: datetime,
) -> int:
    """For each (message id, room id, author id), a pending notification per active member
    of the room (`members`: room id -> active user ids; `kinds`: room id -> its kind) but
    the author; how many in all."""
    rows = [
        {
            "user_id": user_id,
            "category": room_category(kinds[room_id]),
            "room_id": room_id,
            "message_id": message_id,
            "state": NotificationState.PENDING,
            "created_at": now,
            "due_at": now,
        }
        for message_id, room_id, author_id in messages
        for user_id in members.get(room_id, ())
        if user_id != author_id
    ]
    if rows:
        session.connection().execute(_INSERT_NOTIFICATIONS, rows)
    return len(rows)


ALERT_CATEGORIES = {
    AlertCategory.ALERT: NotifyCategory.ALERT,
    AlertCategory.UPDATE: NotifyCategory.UPDATE,
}  # the preference that governs each Message Center tab's alerts


def queue_alert_notification(session: Session, alert: Alert, *, now: datetime) -> Notification:
    """The pending notification of a new Account Alert or Update (flushed)."""
    notification = Notification(
        user_id=alert.user_id,
        category=ALERT_CATEGORIES[alert.category],
        alert_id=alert.id,
        state=NotificationState.PENDING,
        created_at=now,
        due_at=now,
    )
    session.add(notification)
    session.flush()
    return notification


def list_due_notifications(
    session: Session, *, now: datetime, limit: int, grace: timedelta = timedelta(0)
) -> list[Notification]:
    """Pending notifications whose grace window has passed by `now`, oldest first."""
    return list(
        session.scalars(
            select(Notification)
            .where(
                Notification.state == NotificationState.PENDING,
                Notification.due_at <= now - grace,
            )
            .order_by(Notification.id)
            .limit(limit)
        )
    )


# --- facts ---------------------------------------------------------------------------------


class PreferenceCache:
    """Each user's preferences, read once per dispatch batch."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._by_user: dict[int, dict[NotifyCategory, Preference]] = {}

    def prefetch(self, user_ids: Collection[int]) -> None:
        """Read the preferences of all these users at once (one query, not one each)."""
        missing = [user_id for user_id in user_ids if user_id not in self._by_user]
        self._by_user.update(get_preferences_of(self._session, missing))

    def get(self, user_id: int, category: NotifyCategory) -> Preference:
        if user_id not in self._by_user:
            self.prefetch([user_id])
        return self._by_user[user_id][category]


def gather_all_facts(
    session: Session,
    notifications: Sequence[Notification],
    preferences: PreferenceCache,
    *,
    now: datetime,
) -> list[Facts]:
    """What `decide` needs to know about each of these pending notifications, as of `now`:
    a fixed handful of queries whatever their number (preferences, bouncing addresses,
    memberships, live pages, later posts)."""
    user_ids = {n.user_id for n in notifications}
    preferences.prefetch(user_ids)
    bouncing = _bouncing_users(session, {n.user_id: n.user.email for n in notifications})
    rooms = _RoomFacts.gather(session, [n for n in notifications if n.alert_id is None], now)
    facts = []
    for notification in notifications:
        preference = preferences.get(notification.user_id, notification.category)
        is_bouncing = notification.user_id in bouncing
        if notification.alert_id is not None:
            facts.append(_alert_facts(notification.alert, preference, is_bouncing, now))
        else:
            message_facts = rooms.facts(notification, preference)
            facts.append(replace(message_facts, bouncing=is_bouncing))
    return facts


def memberships_by_pair(
    session: Session, room_ids: Collection[int], user_ids: Collection[int]
) -> dict[tuple[int, int], Membership]:
    """The memberships (left ones too) of these users in these rooms, by (room id, user id):
    one query."""
    if not room_ids:
        return {}
    rows = session.scalars(
        select(Membership).where(Membership.room_id.in_(room_ids), Membership.user_id.in_(user_ids))
    )
    return {(m.room_id, m.user_id): m for m in rows}


def _bouncing_users(session: Session, emails: dict[int, str]) -> set[int]:
    """Those of these users (id -> address) whose address bounces
    (gateway.core.bounces.is_bouncing)."""
    stopped = bouncing_addresses(session, emails.values())
    return {user_id for user_id, email in emails.items() if normalized_address(email) in stopped}


def _alert_facts(
    alert: Alert | None, preference: Preference, bouncing: bool, now: datetime
) -> Facts:
    if alert is None or (alert.expires_at is not None and alert.expires_at <= now):
        return Facts(preference, gone=Reason.EXPIRED)
    return Facts(
        preference, read=alert.read_at is not None, bouncing=bouncing, critical=alert.financial
    )


@dataclass(frozen=True, slots=True)
class _RoomFacts:
    """What the rules look at for room messages, read for a whole batch at once."""

    memberships: dict[tuple[int, int], Membership]  # (room id, user id)
    viewing: set[tuple[int, int]]  # (room id, user id): the room is open in a live page
    latest_posts: dict[tuple[int, int], int]  # (room id, user id): their latest message id

    @classmethod
    def gather(
        cls, session: Session, notifications: Sequence[Notification], now: datetime
    ) -> _RoomFacts:
        room_ids = {n.room_id for n in notifications if n.room_id is not None}
        user_ids = {n.user_id for n in notifications}
        if not room_ids:
            return cls({}, set(), {})
        oldest = min(n.message_id for n in notifications if n.message_id is not None)
        return cls(
            memberships_by_pair(session, room_ids, user_ids),
            list_viewing(session, room_ids, user_ids, now=now),
            _latest_posts(session, room_ids, user_ids, after=oldest),
        )

    def facts(self, notification: Notification, preference: Preference) -> Facts:
        message, user_id = notification.message, notification.user_id
        membership = self.memberships.get((notification.room_id or 0, user_id))
        if membership is None or membership.left_at is not None:
            return Facts(preference, gone=Reason.LEFT)
        if message is None or message.deleted_at is not None:
            return Facts(preference, gone=Reason.DELETED)
        read_mark = membership.last_read_message_id
        key = (message.room_id, user_id)
        return Facts(
            preference,
            muted=membership.email_muted,
            viewing=key in self.viewing,
            read=read_mark is not None and read_mark >= message.id,
            # The user wrote in the room since the message.
            active_since=self.latest_posts.get(key, 0) > message.id,
        )


def _latest_posts(
    session: Session, room_ids: Collection[int], user_ids: Collection[int], *, after: int
) -> dict[tuple[int, int], int]:
    """Each (room, user)'s latest message after message `after` (the batch's oldest)."""
    rows = session.execute(
        select(Message.room_id, Message.author_id, func.max(Message.id))
        .where(
            Message.room_id.in_(room_ids),
            Message.author_id.in_(user_ids),
            Message.id > after,
        )
        .group_by(Message.room_id, Message.author_id)
    )
    return {(room_id, author_id): latest for room_id, author_id, latest in rows}
