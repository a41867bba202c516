"""How a moment is shown to a person: the one format family of every page (and any email
that wants it), in the reader's own time zone.

Short texts, nearest first: "just now", "5 min ago" / "in 5 min" (within the hour, where a
relative time helps), "14:05" (the same day), "yesterday 14:05" / "tomorrow 09:00",
"3 Dec 14:05" (this year), "3 Dec 2025" (another year). A reader whose zone is UTC (no zone
of their own, or none known) is told so: "14:05 UTC". The full form, for a title or an
email, always names the zone: "Wed 3 Dec 2025, 14:05 CET". An away badge: `away_text`.

Pure: no Flask, no database. Must not import gateway.web.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

RELATIVE_WINDOW = timedelta(hours=1)
OPEN_ENDED_YEAR = 9999
JUST_NOW = timedelta(minutes=1)
# Zones that are UTC under another name: the reader is told "UTC" for these.
UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Zulu"})


@dataclass(frozen=True, slots=True)
class ShownTime:
    """A moment as a reader sees it: `text` on the page, `full` in a title, `iso` for
    machines (the <time datetime> attribute: the UTC instant)."""

    text: str
    full: str
    iso: str


def is_utc(zone: tzinfo) -> bool:
    """Whether times in this zone are UTC (so the text must say so)."""
    return zone is UTC or (isinstance(zone, ZoneInfo) and zone.key in UTC_NAMES)


def show_time(moment: datetime, zone: tzinfo, now: datetime, *, relative: bool = True) -> ShownTime:
    """`moment` (aware) as shown to a reader in `zone` at `now`; `relative=False` keeps
    clock times within the hour (a chat transcript, a deadline that must stay exact)."""
    return ShownTime(
        text=short_text(moment, zone, now, relative=relative),
        full=full_text(moment, zone),
        iso=moment.astimezone(UTC).isoformat(),
    )


def short_text(moment: datetime, zone: tzinfo, now: datetime, *, relative: bool = True) -> str:
    """The short form (see the module docstring)."""
    gap = moment - now
    if relative and abs(gap) < RELATIVE_WINDOW:
        return _relative(gap)
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = f"{local:%H:%M}" + (" UTC" if is_utc(zone) else "")
    days = (local.date() - today).days
    if days == 0:
        return clock
    if days == -1:
        return f"yesterday {clock}"
    if days == 1:
        return f"tomorrow {clock}"
    if local.year == today.year:
        return f"{local.day} {local:%b} {clock}"
    return f"{local.day} {local:%b} {local.year}"


def full_text(moment: datetime, zone: tzinfo) -> str:
    """ "Wed 3 Dec 2025, 14:05 CET": the date, the clock and the zone's abbreviation."""
    local = moment.astimezone(zone)
    name = "UTC" if is_utc(zone) else local.tzname()
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} {name}"


def away_text(until: datetime | None, zone: tzinfo, now: datetime) -> str:
    """A member's away badge: "Away until tomorrow 09:00"; "Away" with no end (None, or the
    far-future end an open-ended absence is stored with)."""
    if until is None or until.year >= OPEN_ENDED_YEAR:
        return "Away"
    return f"Away until {short_text(until, zone, now, relative=False)}"


def _relative(gap: timedelta) -> str:
    if abs(gap) < JUST_NOW:
        return "just now"
    minutes = int(abs(gap) / timedelta(minutes=1))
    return f"in {minutes} min" if gap > timedelta(0) else f"{minutes} min ago"
