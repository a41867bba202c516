"""Digests: when a user's hourly, daily and weekly digests fall due, and what goes in them.

Owns the digest schedule and contents (EMAIL-RULES section 5):
- Slots. Hourly digests fall due at the top of each hour, daily ones at the user's digest
  hour, weekly ones on their digest weekday at that hour, all on the user's own wall clock
  (gateway.core.preferences.local_to_utc: a digest hour that a DST change skips moves forward
  by the gap, one that happens twice means its first occurrence), so they stay put across DST
  and in any zone (UTC+13, UTC-11, half-hour offsets).
- Due digests. A (user, frequency) pair is due when the user has items waiting for a digest
  (notifications in state DIGEST, decided before the latest slot) and no digest for that
  slot exists yet. `claim_digests` inserts the slots' rows; the unique row is the claim, so two
  workers never build the same digest.
- Contents. `collect_all_digest_items` locks the users' waiting items and decides each again
  (gateway.core.notifications.decide): what was read, deleted or switched off since is
  skipped, never sent. An item goes by email at most once: immediately or in a digest,
  never both, and only while unread. `group_items` groups what is left by room and by
  category, capping long groups with "+N more". A digest with nothing left is not sent.

Functions flush; the caller commits. Must not import any adapter library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from gateway.core.alerts import TAB_NAMES
from gateway.core.messages import message_excerpt, shortened
from gateway.core.notifications import (
    DIGEST_FREQUENCIES,
    Action,
    PreferenceCache,
    decide,
    gather_all_facts,
)
from gateway.core.preferences import Preference, local_to_utc, zone_named
from gateway.core.room_titles import room_title_for
from gateway.store.database import (
    insert_all_ignoring_duplicates,
    update_by_id,
    update_loaded,
)
from gateway.store.models import (
    AlertCategory,
    Digest,
    Message,
    Notification,
    NotificationState,
    NotifyCategory,
    NotifyFrequency,
    User,
)

MAX_ITEMS_PER_GROUP = 5  # lines shown per room or category; the rest is "+N more"
MAX_GROUPS = 20  # rooms and categories shown; the rest is counted in the closing line
DUE_SCAN_CHUNK = 500  # waiting users whose digest settings are read at once


# --- the schedule -----------------------------------------------------------------------------


def latest_slot(
    frequency: NotifyFrequency, now: datetime, zone: ZoneInfo, *, hour: int, weekday: int
) -> datetime:
    """The most recent moment (UTC, at or before `now`) a digest of `frequency` fell due for
    a user in `zone` with this digest hour and weekday (0 = Monday)."""
    local = now.astimezone(zone)
    if frequency is NotifyFrequency.HOURLY:
        return _hour_start(now, zone)
    day = local.date()
    if frequency is NotifyFrequency.WEEKLY:
        day -= timedelta(days=(day.weekday() - weekday) % 7)
    step = timedelta(days=7 if frequency is NotifyFrequency.WEEKLY else 1)
    slot = _wall_clock(day, hour, zone)
    while slot > now:
        day -= step
        slot = _wall_clock(day, hour, zone)
    return slot


def _hour_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The start of the local hour containing `now` (zones with :30 and :45 offsets have
    hours that do not start on the UTC hour)."""
    local = now.astimezone(zone)
    start = local.replace(minute=0, second=0, microsecond=0)
    return start.astimezone(now.tzinfo)


def _wall_clock(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return local_to_utc(datetime.combine(day, time(hour)), zone)


@dataclass(frozen=True, slots=True)
class DueDigest:
    user_id: int
    frequency: NotifyFrequency
    slot_at: datetime


def list_due_digests(session: Session, *, now: datetime, limit: int) -> list[DueDigest]:
    """Digests due by `now`: for each user with waiting items, each digest frequency their
    items' categories use, when its latest slot has no digest yet and came after the
    oldest of those items was decided.

    Runs every outbound tick while items wait (for up to a week): a fixed handful of
    queries per DUE_SCAN_CHUNK waiting users, never a few per user.
    """
    waiting = session.execute(
        select(Notification.user_id, Notification.category, func.min(Notification.decided_at))
        .where(Notification.state == NotificationState.DIGEST)
        .group_by(Notification.user_id, Notification.category)
        .order_by(Notification.user_id)
    ).all()
    oldest: dict[int, dict[NotifyCategory, datetime]] = {}
    for user_id, category, decided_at in waiting:
        oldest.setdefault(user_id, {})[category] = decided_at
    waiting_users = list(oldest)
    due: list[DueDigest] = []
    # Users are looked at a chunk at a time, so a tick that finds `limit` digests early does
    # not read every waiting user's settings.
    for start in range(0, len(waiting_users), DUE_SCAN_CHUNK):
        chunk = {
            user_id: oldest[user_id] for user_id in waiting_users[start : start + DUE_SCAN_CHUNK]
        }
        due += _due_in(session, chunk, now, limit - len(due))
        if len(due) >= limit:
            break
    return due


def _due_in(
    session: Session, oldest: dict[int, dict[NotifyCategory, datetime]], now: datetime, limit: int
) -> list[DueDigest]:
    """The due digests (up to `limit`) of these users (user -> category -> oldest item)."""
    # Columns, not objects: a chunk is hundreds of users, most ticks.
    users = {
        user.id: user
        for user in session.execute(
            select(User.id, User.time_zone, User.digest_hour, User.digest_weekday).where(
                User.id.in_(list(oldest))
            )
        )
    }
    preferences = PreferenceCache(session)
    preferences.prefetch(list(users))
    claimed = _claimed_slots(session, list(users), now)
    due: list[DueDigest] = []
    for user_id, categories in oldest.items():
        user = users.get(user_id)
        if user is None:
            continue
        for frequency, since in _oldest_by_frequency(preferences, user_id, categories).items():
            slot = latest_slot(
                frequency,
                now,
                zone_named(user.time_zone),
                hour=user.digest_hour,
                weekday=user.digest_weekday,
            )
            if since <= slot and (user_id, frequency, slot) not in claimed:
                due.append(DueDigest(user_id, frequency, slot))
        if len(due) >= limit:
            break
    return due[:limit]


# A weekly slot is at most a week (and a DST hour) old: older digest rows can be no one's
# latest slot.
_SLOT_HORIZON = timedelta(days=8)


def _claimed_slots(
    session: Session, user_ids: list[int], now: datetime
) -> set[tuple[int, NotifyFrequency, datetime]]:
    """The recent slots these users already have digests for."""
    if not user_ids:
        return set()
    rows = session.execute(
        select(Digest.user_id, Digest.frequency, Digest.slot_at).where(
            Digest.user_id.in_(user_ids), Digest.slot_at > now - _SLOT_HORIZON
        )
    )
    return {(user_id, frequency, slot_at) for user_id, frequency, slot_at in rows}


def digest_frequency(preference: Preference) -> NotifyFrequency:
    """The digest an item of this preference goes in: its frequency's; an item whose
    category went back to immediate (or off) while it waited goes in the next hourly one
    (where it is sent, or skipped by the rules)."""
    if preference.frequency in DIGEST_FREQUENCIES:
        return preference.frequency
    return NotifyFrequency.HOURLY


def _oldest_by_frequency(
    preferences: PreferenceCache, user_id: int, categories: dict[NotifyCategory, datetime]
) -> dict[NotifyFrequency, datetime]:
    oldest: dict[NotifyFrequency, datetime] = {}
    for category, decided_at in categories.items():
        frequency = digest_frequency(preferences.get(user_id, category))
        oldest[frequency] = min(decided_at, oldest.get(frequency, decided_at))
    return oldest


@dataclass(frozen=True, slots=True)
class ClaimedDigest:
    """A digest row this transaction inserted: its slot is this worker's to build."""

    id: int
    user_id: int
    frequency: NotifyFrequency
    slot_at: datetime


def claim_digests(
    session: Session, due: Sequence[DueDigest], *, now: datetime
) -> list[ClaimedDigest]:
    """The slots of `due` this transaction claimed, by inserting their digest rows in one
    statement; a slot another worker claimed first is left out (on PostgreSQL a concurrent
    claimer's uncommitted row is waited for, then skipped)."""
    rows = [
        {
            "user_id": d.user_id,
            "frequency": d.frequency,
            "slot_at": d.slot_at,
            "created_at": now,
            "item_count": 0,
        }
        for d in due
    ]
    inserted = insert_all_ignoring_duplicates(session, Digest, rows, ("user_id", "frequency"))
    # A user has one latest slot per frequency: (user, frequency) names the slot claimed.
    slot_of = {(d.user_id, d.frequency): d.slot_at for d in due}
    claimed = [
        ClaimedDigest(row_id, user_id, frequency, slot_of[(user_id, frequency)])
        for row_id, user_id, frequency in inserted
    ]
    return sorted(claimed, key=lambda digest: (digest.user_id, digest.id))


# --- the contents -----------------------------------------------------------------------------


def collect_all_digest_items(
    session: Session, digests: Sequence[ClaimedDigest], *, now: datetime
) -> dict[int, list[Notification]]:
    """Each digest's waiting items that go in it (digest id -> its items), locked; those
    that no longer deserve an email are marked skipped with the reason (read, deleted,
    switched off...). A fixed handful of queries whatever the number of digests."""
    if not digests:
        return {}
    waiting = list(
        session.scalars(
            select(Notification)
            .where(
                Notification.user_id.in_({d.user_id for d in digests}),
                Notification.state == NotificationState.DIGEST,
                Notification.decided_at <= max(d.slot_at for d in digests),
            )
            .order_by(Notification.id)
            .with_for_update(skip_locked=True)
            .options(*_ITEM_LOADS)
            .execution_options(populate_existing=True)
        )
    )
    preferences = PreferenceCache(session)
    preferences.prefetch({d.user_id for d in digests})
    digest_of = {(d.user_id, d.frequency): d for d in digests}
    candidates = []
    for notification in waiting:
        preference = preferences.get(notification.user_id, notification.category)
        digest = digest_of.get((notification.user_id, digest_frequency(preference)))
        if digest is not None and notification.decided_at <= digest.slot_at:
            candidates.append((notification, digest))  # not another digest's item
    facts = gather_all_facts(session, [n for n, _ in candidates], preferences, now=now)
    items: dict[int, list[Notification]] = {d.id: [] for d in digests}
    skipped = []
    for (notification, digest), fact in zip(candidates, facts, strict=True):
        decision = decide(fact)
        if decision.action is Action.SKIP:
            skipped.append(
                (notification, {"state": NotificationState.SKIPPED, "reason": decision.reason})
            )
        else:
            items[digest.id].append(notification)
    update_loaded(session, skipped)
    return items


# What deciding on an item and writing its digest line read, loaded a query per relationship.
_ITEM_LOADS = (
    selectinload(Notification.user),
    selectinload(Notification.alert),
    selectinload(Notification.room),
    selectinload(Notification.message).selectinload(Message.author),
    selectinload(Notification.message).selectinload(Message.attachments),
)


@dataclass(frozen=True, slots=True)
class DigestLine:
    author: str
    text: str
    created_at: datetime


@dataclass
class DigestGroup:
    """One room (its messages) or one category (its alerts) in a digest."""

    title: str
    path: str  # where the group's link leads (opening it marks the items read)
    category: NotifyCategory
    lines: list[DigestLine] = field(default_factory=list)
    more: int = 0  # items beyond the lines shown

    @property
    def count(self) -> int:
        return len(self.lines) + self.more


@dataclass(frozen=True, slots=True)
class DigestContent:
    groups: list[DigestGroup]
    more_groups: int  # groups beyond those shown
    more_items: int  # their items
    total: int


def group_items(items: Sequence[Notification]) -> DigestContent:
    """Items grouped by room (messages) and by category (alerts), busiest first, each group
    showing its newest MAX_ITEMS_PER_GROUP lines."""
    groups: dict[tuple[str, int], DigestGroup] = {}
    for item in sorted(items, key=lambda n: n.id, reverse=True):
        key, group = _group_for(item)
        group = groups.setdefault(key, group)
        if len(group.lines) < MAX_ITEMS_PER_GROUP:
            group.lines.append(_line(item))
        else:
            group.more += 1
    ordered = sorted(groups.values(), key=lambda g: (-g.count, g.title))
    shown, hidden = ordered[:MAX_GROUPS], ordered[MAX_GROUPS:]
    return DigestContent(
        groups=shown,
        more_groups=len(hidden),
        more_items=sum(group.count for group in hidden),
        total=len(items),
    )


ALERT_GROUPS = {
    NotifyCategory.ALERT: (TAB_NAMES[AlertCategory.ALERT], "/alerts"),
    NotifyCategory.UPDATE: (TAB_NAMES[AlertCategory.UPDATE], "/updates"),
}


def _group_for(item: Notification) -> tuple[tuple[str, int], DigestGroup]:
    if item.alert is not None:
        title, path = ALERT_GROUPS[item.category]
        return ("category", list(NotifyCategory).index(item.category)), DigestGroup(
            title, path, item.category
        )
    room = item.room
    assert room is not None
    # Titled as the recipient sees the room (a direct room: the other person's name).
    title = room_title_for(room, item.user_id)
    return ("room", room.id), DigestGroup(title, f"/rooms/{room.id}", item.category)


def _line(item: Notification) -> DigestLine:
    if item.alert is not None:
        return DigestLine("", shortened(item.alert.title), item.alert.created_at)
    message = item.message
    assert message is not None
    author = message.author.display_name if message.author else ""
    # The room's own preview: a message of files alone shows their names, not a blank line.
    return DigestLine(author, message_excerpt(message), message.created_at)


def mark_all_digested(
    session: Session, marks: Sequence[tuple[ClaimedDigest, Sequence[Notification], int | None]]
) -> None:
    """For each (digest, its items, its email's outbox id or None when no email was due):
    the items went out in that email; two statements for them all."""
    update_loaded(
        session,
        [
            (item, {"state": NotificationState.DIGESTED, "outbox_id": outbox_id})
            for _, items, outbox_id in marks
            for item in items
        ],
    )
    update_by_id(
        session,
        Digest,
        [
            {"id": digest.id, "item_count": len(items), "outbox_id": outbox_id}
            for digest, items, outbox_id in marks
        ],
    )
