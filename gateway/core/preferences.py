"""A user's settings: notification preferences, out of office, Enter key, time zone.

Owns the rules for what a user may choose:
- Notification preferences per category (room messages, Account Alerts, Updates, Tickets):
  a channel (email, inbox, both, none), a frequency (immediate ... weekly, never) and "email me
  even if I have read it". A missing row means the defaults in DEFAULTS.
- Account Alerts carry financial notices (payments, invoices) that must always reach the user,
  so for the alert category channel "none" and frequency "never" are refused; "inbox" only is
  allowed, since the inbox still shows them. `channel_choices` / `frequency_choices` say what
  is accepted, so a form offers nothing that saving would refuse.
- Out of office: the user types start and end in their own time zone; they are stored in UTC.
  A local time that does not exist (skipped by a DST change, e.g. 02:30 on the spring-forward
  day) moves forward by the length of the gap (02:30 -> 03:30), as a wall clock would read it.
  A local time that happens twice (the fall-back hour) means its first occurrence.
- Presence (Online/Invisible) is gateway.core.presence's.

Must not import Flask or any other adapter library.
"""

from __future__ import annotations

from collections.abc import Collection, Container
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.errors import InvalidInput, NotFound
from gateway.store.models import (
    NotificationPreference,
    NotifyCategory,
    NotifyChannel,
    NotifyFrequency,
    User,
)

MAX_OOO_MESSAGE_LENGTH = 2000
MAX_TIME_ZONE_LENGTH = 64


class InvalidSetting(InvalidInput):
    """A refused setting, naming the form field it is about so a page can show it there."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Preference:
    category: NotifyCategory
    channel: NotifyChannel
    frequency: NotifyFrequency
    email_even_if_read: bool


DEFAULTS: dict[NotifyCategory, Preference] = {
    NotifyCategory.ROOM: Preference(
        NotifyCategory.ROOM, NotifyChannel.BOTH, NotifyFrequency.IMMEDIATE, False
    ),
    NotifyCategory.ALERT: Preference(
        NotifyCategory.ALERT, NotifyChannel.BOTH, NotifyFrequency.IMMEDIATE, False
    ),
    NotifyCategory.UPDATE: Preference(
        NotifyCategory.UPDATE, NotifyChannel.INBOX, NotifyFrequency.DAILY, False
    ),
    NotifyCategory.TICKET: Preference(
        NotifyCategory.TICKET, NotifyChannel.BOTH, NotifyFrequency.IMMEDIATE, False
    ),
}


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


# --- notifications ---------------------------------------------------------------------------


def get_preferences(session: Session, user_id: int) -> dict[NotifyCategory, Preference]:
    """Every category's preference: the user's choice, or the default."""
    return get_preferences_of(session, [user_id])[user_id]


def get_preferences_of(
    session: Session, user_ids: Collection[int]
) -> dict[int, dict[NotifyCategory, Preference]]:
    """get_preferences for many users, in one query."""
    chosen: dict[int, dict[NotifyCategory, Preference]] = {user_id: {} for user_id in user_ids}
    if user_ids:
        # Columns, not objects: digest scans read thousands of users' preferences at once.
        rows = session.execute(
            select(
                NotificationPreference.user_id,
                NotificationPreference.category,
                NotificationPreference.channel,
                NotificationPreference.frequency,
                NotificationPreference.email_even_if_read,
            ).where(NotificationPreference.user_id.in_(list(user_ids)))
        )
        for user_id, category, channel, frequency, even_if_read in rows:
            chosen[user_id][category] = Preference(category, channel, frequency, even_if_read)
    return {
        user_id: {category: own.get(category, DEFAULTS[category]) for category in NotifyCategory}
        for user_id, own in chosen.items()
    }


# Account Alerts carry payment notices: the only category that cannot be switched off.
CANNOT_SWITCH_OFF = frozenset({NotifyCategory.ALERT})


def channel_choices(category: NotifyCategory) -> tuple[NotifyChannel, ...]:
    """The channels a user may choose for `category`: set_preference refuses the others, so
    a form offers only these."""
    if category in CANNOT_SWITCH_OFF:
        return tuple(channel for channel in NotifyChannel if channel != NotifyChannel.NONE)
    return tuple(NotifyChannel)


def frequency_choices(category: NotifyCategory) -> tuple[NotifyFrequency, ...]:
    """The email frequencies a user may choose for `category` (the others are refused)."""
    if category in CANNOT_SWITCH_OFF:
        return tuple(often for often in NotifyFrequency if often != NotifyFrequency.NEVER)
    return tuple(NotifyFrequency)


def set_preference(
    session: Session,
    user_id: int,
    category: NotifyCategory | str,
    *,
    channel: NotifyChannel | str,
    frequency: NotifyFrequency | str,
    email_even_if_read: bool = False,
) -> Preference:
    """Store how the user wants one category delivered.

    Account Alerts cannot be switched off: channel "none" or frequency "never" is refused
    for the alert category, because financial alerts must reach the user.
    """
    chosen = _parse_preference(category, channel, frequency, email_even_if_read)
    _user(session, user_id)
    row = session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.user_id == user_id,
            NotificationPreference.category == chosen.category,
        )
    )
    if row is None:
        row = NotificationPreference(user_id=user_id, category=chosen.category)
        session.add(row)
    row.channel = chosen.channel
    row.frequency = chosen.frequency
    row.email_even_if_read = chosen.email_even_if_read
    session.flush()
    return chosen


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def set_digest_schedule(
    session: Session, user_id: int, *, hour: str | int, weekday: str | int
) -> None:
    """When the user's digests go, on their own clock: daily ones at `hour` (0-23), weekly
    ones on `weekday` (0 = Monday ... 6 = Sunday) at that hour."""
    chosen_hour = _whole_number_in(hour, range(24), "digest_hour", "choose an hour of the day")
    chosen_day = _whole_number_in(weekday, range(7), "digest_weekday", "choose a day of the week")
    user = _user(session, user_id)
    user.digest_hour, user.digest_weekday = chosen_hour, chosen_day
    session.flush()


EMAIL_CHANNELS = frozenset({NotifyChannel.EMAIL, NotifyChannel.BOTH})  # those that email
RETENTION_CHOICES = (30, 90, 180, 365)  # days a user may keep Account Alerts and Updates


def set_alert_retention(session: Session, user_id: int, days: str | int) -> int:
    """How long the user's Account Alerts and Updates are kept (one of RETENTION_CHOICES)."""
    choices = "or ".join(f"{choice} " for choice in RETENTION_CHOICES)
    chosen = _whole_number_in(
        days, RETENTION_CHOICES, "alert_retention_days", f"choose {choices}days"
    )
    _user(session, user_id).alert_retention_days = chosen
    session.flush()
    return chosen


def _whole_number_in(value: str | int, allowed: Container[int], field: str, message: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidSetting(field, message) from None
    if number not in allowed:
        raise InvalidSetting(field, message)
    return number


def stop_category_emails(session: Session, user_id: int, category: NotifyCategory) -> Preference:
    """The one-click unsubscribe of a category: its items stay in the web inbox, no more
    email (channel "inbox", frequency and "even if read" kept); idempotent."""
    return _to_inbox_only(session, user_id, category, get_preferences(session, user_id)[category])


def stop_digest_emails(
    session: Session, user_id: int, frequency: NotifyFrequency
) -> list[NotifyCategory]:
    """The one-click unsubscribe of a digest: every category sent at this frequency stays in
    the web inbox only (stop_category_emails); the categories changed."""
    chosen = get_preferences(session, user_id)
    stopped = [
        category
        for category, preference in chosen.items()
        if preference.frequency is frequency and preference.channel in EMAIL_CHANNELS
    ]
    for category in stopped:
        _to_inbox_only(session, user_id, category, chosen[category])
    return stopped


def _to_inbox_only(
    session: Session, user_id: int, category: NotifyCategory, current: Preference
) -> Preference:
    """`current` with channel "inbox" (frequency and "even if read" kept), saved if it still
    sent email; "inbox" or "none" stay as chosen."""
    if current.channel not in EMAIL_CHANNELS:
        return current
    return set_preference(
        session,
        user_id,
        category,
        channel=NotifyChannel.INBOX,
        frequency=current.frequency,
        email_even_if_read=current.email_even_if_read,
    )


def _parse_preference(
    category: NotifyCategory | str,
    channel: NotifyChannel | str,
    frequency: NotifyFrequency | str,
    email_even_if_read: bool,
) -> Preference:
    try:
        parsed_category = NotifyCategory(category)
    except ValueError:
        raise InvalidSetting("category", f"unknown notification category {category!r}") from None
    prefix = parsed_category.value
    try:
        parsed_channel = NotifyChannel(channel)
    except ValueError:
        raise InvalidSetting(f"{prefix}-channel", "choose email, inbox, both or none") from None
    try:
        parsed_frequency = NotifyFrequency(frequency)
    except ValueError:
        raise InvalidSetting(
            f"{prefix}-frequency", "choose immediate, hourly, daily, weekly or never"
        ) from None
    if parsed_channel not in channel_choices(parsed_category):
        raise InvalidSetting(
            f"{prefix}-channel",
            "Account Alerts include payment notices and cannot be switched off: "
            "choose email, inbox or both",
        )
    if parsed_frequency not in frequency_choices(parsed_category):
        raise InvalidSetting(
            f"{prefix}-frequency",
            "Account Alerts include payment notices and cannot be switched off: "
            "choose how often they are emailed",
        )
    return Preference(parsed_category, parsed_channel, parsed_frequency, email_even_if_read)


# --- out of office ---------------------------------------------------------------------------


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a naive wall-clock time in `zone`.

    fold=0 picks the first occurrence of an ambiguous time; for a time inside a DST gap,
    PEP 495 gives fold=0 the offset from before the change, which lands the instant after
    the gap: 02:30 on a spring-forward night reads as 03:30. Both are the documented choices.
    """
    if local.tzinfo is not None:
        raise ValueError("local_to_utc takes a naive wall-clock time")
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def utc_to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock time in `zone` of a UTC instant (for form fields)."""
    return instant.astimezone(zone).replace(tzinfo=None)


def user_zone(user: User) -> ZoneInfo:
    """The user's time zone (UTC if the stored name is no longer known)."""
    return zone_named(user.time_zone)


def zone_named(name: str) -> ZoneInfo:
    """The time zone of this stored name (UTC if it is no longer known)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def set_out_of_office(
    session: Session,
    user_id: int,
    *,
    enabled: bool,
    message: str,
    starts_local: datetime | None,
    ends_local: datetime | None,
    now: datetime,
) -> User:
    """Turn the out-of-office reply on or off; times are naive, in the user's time zone.

    When on, a message (at most MAX_OOO_MESSAGE_LENGTH characters), a start and an end are
    required, the end must be after the start and not already past. When off, the message
    and times are kept (so turning it on again is one click) if they are given and valid.
    """
    user = _user(session, user_id)
    message = message.strip()
    if len(message) > MAX_OOO_MESSAGE_LENGTH:
        raise InvalidSetting(
            "ooo_message", f"the message is at most {MAX_OOO_MESSAGE_LENGTH} characters"
        )
    if enabled and not message:
        raise InvalidSetting("ooo_message", "write the message people get while you are away")
    if enabled and starts_local is None:
        raise InvalidSetting("ooo_starts", "choose when your time away starts")
    if enabled and ends_local is None:
        raise InvalidSetting("ooo_ends", "choose when your time away ends")
    zone = user_zone(user)
    starts = None if starts_local is None else local_to_utc(starts_local, zone)
    ends = None if ends_local is None else local_to_utc(ends_local, zone)
    if starts is not None and ends is not None and ends <= starts:
        raise InvalidSetting("ooo_ends", "the end must be after the start")
    if enabled and ends is not None and ends <= now:
        raise InvalidSetting("ooo_ends", "the end is already past")
    chosen = (enabled, message or None, starts, ends)
    if enabled and chosen != (
        user.ooo_enabled,
        user.ooo_message,
        user.ooo_starts_at,
        user.ooo_ends_at,
    ):
        # A new period or an edited message: everyone gets the answer afresh (RFC 5230 4.1).
        user.ooo_set_at = now
    user.ooo_enabled, user.ooo_message, user.ooo_starts_at, user.ooo_ends_at = chosen
    session.flush()
    return user


# --- the rest of the settings page -----------------------------------------------------------


def set_enter_sends(session: Session, user_id: int, enter_sends: bool) -> None:
    """Enter sends the message (True) or inserts a new line (False, Ctrl+Enter sends)."""
    _user(session, user_id).enter_sends = enter_sends
    session.flush()


def set_time_zone(session: Session, user_id: int, time_zone: str) -> str:
    """Store the user's IANA time zone (e.g. "Europe/Berlin"); InvalidSetting if unknown."""
    name = time_zone.strip()
    if not name or len(name) > MAX_TIME_ZONE_LENGTH:
        raise InvalidSetting("time_zone", "choose a time zone from the list")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSetting("time_zone", f"unknown time zone {name!r}") from None
    _user(session, user_id).time_zone = name
    session.flush()
    return name
