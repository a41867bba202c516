"""When digests fall due: the top of the local hour, the user's digest hour each day, their
weekday each week, on their own wall clock across DST changes and in unusual zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway.core.digests import latest_slot
from gateway.store.models import NotifyFrequency

HOURLY, DAILY, WEEKLY = NotifyFrequency.HOURLY, NotifyFrequency.DAILY, NotifyFrequency.WEEKLY


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def slot(frequency, now, zone: str, hour: int = 8, weekday: int = 0) -> datetime:
    return latest_slot(frequency, now, ZoneInfo(zone), hour=hour, weekday=weekday)


@pytest.mark.parametrize(
    ("zone", "now", "expected"),
    [
        # Tonga, UTC+13 all year: 08:00 local is 19:00 UTC the day before.
        ("Pacific/Tongatapu", utc(2026, 12, 7, 18, 59), utc(2026, 12, 6, 19, 0)),
        ("Pacific/Tongatapu", utc(2026, 12, 7, 19, 0), utc(2026, 12, 7, 19, 0)),
        # Pago Pago, UTC-11: 08:00 local is 19:00 UTC the same day.
        ("Pacific/Pago_Pago", utc(2026, 12, 7, 19, 0), utc(2026, 12, 7, 19, 0)),
        ("Pacific/Pago_Pago", utc(2026, 12, 7, 18, 0), utc(2026, 12, 6, 19, 0)),
        # Kathmandu, UTC+5:45.
        ("Asia/Kathmandu", utc(2026, 12, 7, 2, 15), utc(2026, 12, 7, 2, 15)),
        # Line Islands, UTC+14: the local date is a day ahead of UTC.
        ("Pacific/Kiritimati", utc(2026, 12, 7, 17, 59), utc(2026, 12, 6, 18, 0)),
    ],
)
def test_daily_slot_is_the_digest_hour_on_the_users_own_clock(
    zone: str, now: datetime, expected: datetime
) -> None:
    assert slot(DAILY, now, zone) == expected
    assert slot(DAILY, now, zone).astimezone(ZoneInfo(zone)).hour == 8


def test_daily_slot_stays_at_eight_local_across_both_dst_changes() -> None:
    zone = "America/New_York"
    # The day before and after spring forward (8 March 2026) and fall back (1 November).
    assert slot(DAILY, utc(2026, 3, 7, 13, 30), zone) == utc(2026, 3, 7, 13, 0)  # EST
    assert slot(DAILY, utc(2026, 3, 9, 12, 30), zone) == utc(2026, 3, 9, 12, 0)  # EDT
    assert slot(DAILY, utc(2026, 10, 31, 12, 30), zone) == utc(2026, 10, 31, 12, 0)  # EDT
    assert slot(DAILY, utc(2026, 11, 2, 13, 30), zone) == utc(2026, 11, 2, 13, 0)  # EST


def test_a_digest_hour_skipped_by_spring_forward_moves_forward_by_the_gap() -> None:
    # Europe/Berlin, 29 March 2026: 02:00-03:00 does not exist; a 02:00 digest goes at 03:00.
    assert slot(DAILY, utc(2026, 3, 29, 12), "Europe/Berlin", hour=2) == utc(2026, 3, 29, 1, 0)
    # The day after, 02:00 exists again (CEST, UTC+2).
    assert slot(DAILY, utc(2026, 3, 30, 12), "Europe/Berlin", hour=2) == utc(2026, 3, 30, 0, 0)


def test_a_digest_hour_that_happens_twice_goes_at_its_first_occurrence() -> None:
    # Europe/Berlin, 25 October 2026: 02:00-03:00 happens twice (CEST, then CET).
    assert slot(DAILY, utc(2026, 10, 25, 12), "Europe/Berlin", hour=2) == utc(2026, 10, 25, 0, 0)


def test_a_daily_slot_never_comes_twice_in_one_day_across_dst() -> None:
    for zone in ("America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Tongatapu"):
        start = utc(2026, 1, 1)
        slots = {
            slot(DAILY, start + timedelta(minutes=30 * step), zone, hour=2)
            for step in range(2 * 24 * 366)
        }
        local_days = [moment.astimezone(ZoneInfo(zone)).date() for moment in slots]
        assert len(local_days) == len(set(local_days)), zone


def test_hourly_slot_is_the_start_of_the_local_hour() -> None:
    assert slot(HOURLY, utc(2026, 12, 7, 10, 59, 59), "UTC") == utc(2026, 12, 7, 10)
    # India, UTC+5:30: local hours start at :30 UTC.
    assert slot(HOURLY, utc(2026, 12, 7, 10, 29), "Asia/Kolkata") == utc(2026, 12, 7, 9, 30)
    assert slot(HOURLY, utc(2026, 12, 7, 10, 30), "Asia/Kolkata") == utc(2026, 12, 7, 10, 30)


def test_weekly_slot_is_the_users_weekday_at_their_hour() -> None:
    # Friday (4) 17:00 in Auckland (NZDT, UTC+13 in December).
    zone = "Pacific/Auckland"
    friday = utc(2026, 12, 11, 4, 0)  # Friday 11 Dec 17:00 NZDT
    assert slot(WEEKLY, friday, zone, hour=17, weekday=4) == friday
    assert slot(WEEKLY, friday - timedelta(seconds=1), zone, hour=17, weekday=4) == friday - (
        timedelta(days=7)
    )
    assert slot(WEEKLY, friday + timedelta(days=6), zone, hour=17, weekday=4) == friday
