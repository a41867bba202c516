"""One way to show time: the format family (gateway.core.time_display) and the pages that show
it through the `moment` filter, in the reader's own zone (UTC, said so, without one)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from gateway.core.alerts import create_alert
from gateway.core.time_display import away_text, show_time
from gateway.store.database import Database
from gateway.store.models import User

from support import World
from web_support import Clock, post_from_elsewhere, sign_in

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# Wednesday 3 December 2025, 14:05 in Berlin (CET, UTC+1).
NOW = datetime(2025, 12, 3, 13, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (NOW - timedelta(seconds=20), "just now"),
        (NOW - timedelta(minutes=5), "5 min ago"),
        (NOW - timedelta(minutes=59), "59 min ago"),
        (NOW + timedelta(minutes=5), "in 5 min"),
        (NOW - timedelta(hours=3), "11:05"),  # earlier today, Berlin time
        (NOW + timedelta(hours=3), "17:05"),
        (NOW - timedelta(days=1), "yesterday 14:05"),
        (NOW + timedelta(days=1, hours=-5), "tomorrow 09:05"),
        (NOW - timedelta(days=5), "28 Nov 14:05"),
        (datetime(2025, 1, 2, 9, 0, tzinfo=UTC), "2 Jan 10:00"),
        (datetime(2024, 12, 3, 9, 0, tzinfo=UTC), "3 Dec 2024"),
    ],
)
def test_short_text_is_relative_near_now_and_dated_further_away(
    moment: datetime, text: str
) -> None:
    assert show_time(moment, BERLIN, NOW).text == text


def test_relative_false_keeps_the_clock_time_within_the_hour() -> None:
    assert show_time(NOW - timedelta(minutes=5), BERLIN, NOW, relative=False).text == "14:00"


def test_full_text_and_iso_name_the_zone_and_the_utc_instant() -> None:
    shown = show_time(NOW - timedelta(minutes=5), BERLIN, NOW)
    assert shown.full == "Wed 3 Dec 2025, 14:00 CET"
    assert shown.iso == "2025-12-03T13:00:00+00:00"


def test_summer_times_carry_the_summer_offset_and_abbreviation() -> None:
    july = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    shown = show_time(july, BERLIN, NOW)
    assert shown.text == "1 Jul 14:00"
    assert shown.full == "Tue 1 Jul 2025, 14:00 CEST"


def test_yesterday_counts_local_calendar_days_across_a_dst_change() -> None:
    # New York falls back on Sunday 2 November 2025 (a 25-hour day): 00:30 EDT on the 2nd
    # is "yesterday" seen from 23:30 EST on the 3rd, though 48 hours apart.
    now = datetime(2025, 11, 4, 4, 30, tzinfo=UTC)  # Mon 3 Nov 23:30 EST
    before = datetime(2025, 11, 2, 4, 30, tzinfo=UTC)  # Sun 2 Nov 00:30 EDT
    assert show_time(before, NEW_YORK, now).text == "yesterday 00:30"


def test_the_repeated_hour_of_a_fall_back_night_is_told_apart_by_its_zone_name() -> None:
    first = datetime(2025, 11, 2, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second = datetime(2025, 11, 2, 6, 30, tzinfo=UTC)  # 01:30 EST, an hour later
    now = datetime(2025, 11, 2, 15, 0, tzinfo=UTC)
    assert show_time(first, NEW_YORK, now).text == show_time(second, NEW_YORK, now).text
    assert show_time(first, NEW_YORK, now).full == "Sun 2 Nov 2025, 01:30 EDT"
    assert show_time(second, NEW_YORK, now).full == "Sun 2 Nov 2025, 01:30 EST"


def test_times_in_utc_say_utc() -> None:
    assert show_time(NOW - timedelta(hours=3), UTC, NOW).text == "10:05 UTC"
    assert show_time(NOW - timedelta(days=1), ZoneInfo("UTC"), NOW).text == "yesterday 13:05 UTC"
    assert show_time(NOW - timedelta(minutes=5), UTC, NOW).text == "5 min ago"
    assert show_time(NOW, UTC, NOW).full == "Wed 3 Dec 2025, 13:05 UTC"


def test_an_away_badge_names_the_end_in_clock_form_or_just_says_away() -> None:
    assert away_text(NOW + timedelta(minutes=20), BERLIN, NOW) == "Away until 14:25"
    assert away_text(NOW + timedelta(hours=20), BERLIN, NOW) == "Away until tomorrow 10:05"
    assert away_text(NOW + timedelta(days=6), UTC, NOW) == "Away until 9 Dec 13:05 UTC"
    assert away_text(None, BERLIN, NOW) == "Away"
    assert away_text(datetime(9999, 12, 31, tzinfo=UTC), BERLIN, NOW) == "Away"


# --- on the pages ------------------------------------------------------------------------------


def _alert(database: Database, user: User, created: datetime, title: str) -> None:
    with database.transaction() as session:
        create_alert(session, user.id, category="alert", title=title, now=created)


def _time_element(page: str, title: str) -> str:
    """The <time> element of the alert row titled `title` on the Account Alerts page."""
    row = page.split(title, 1)[1].split("</li>", 1)[0]
    found = re.search(r"<time [^>]*>[^<]*</time>", row)
    assert found, row
    return found.group(0)


def _set_zone(database: Database, user: User, name: str) -> None:
    with database.transaction() as session:
        session.get_one(User, user.id).time_zone = name


def test_the_alerts_page_shows_times_in_the_readers_zone_with_the_instant_in_the_markup(
    client: FlaskClient, database: Database, world: World, now: datetime, clock: Clock
) -> None:
    # The clock: Monday 23 November 2026, 09:30 UTC = 22:30 in Auckland (NZDT).
    _alert(database, world.bob, now - timedelta(minutes=5), "Recent notice")
    _alert(database, world.bob, now - timedelta(days=1), "Older notice")
    _alert(database, world.bob, datetime(2025, 6, 1, 0, 0, tzinfo=UTC), "Last year")
    _set_zone(database, world.bob, "Pacific/Auckland")
    sign_in(client, world.bob)
    page = client.get("/alerts").get_data(as_text=True)
    assert _time_element(page, "Recent notice") == (
        '<time datetime="2026-11-23T09:25:00+00:00" title="Mon 23 Nov 2026, 22:25 NZDT" '
        'class="muted">5 min ago</time>'
    )
    older = _time_element(page, "Older notice")
    assert ">yesterday 22:30</time>" in older
    assert 'datetime="2026-11-22T09:30:00+00:00"' in older
    assert 'title="Sun 22 Nov 2026, 22:30 NZDT"' in older
    # 1 June 2025 00:00 UTC is midday in Auckland (NZST, winter there).
    last_year = _time_element(page, "Last year")
    assert ">1 Jun 2025</time>" in last_year and 'title="Sun 1 Jun 2025, 12:00 NZST"' in last_year
    clock.advance(hours=2)  # past midnight in Auckland: the same alert is now yesterday's
    page = client.get("/alerts").get_data(as_text=True)
    assert ">yesterday 22:25</time>" in _time_element(page, "Recent notice")


def test_a_reader_without_a_zone_of_their_own_is_shown_utc_and_told_so(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    _alert(database, world.bob, now - timedelta(hours=2), "Notice")
    _set_zone(database, world.bob, "UTC")
    sign_in(client, world.bob)
    element = _time_element(client.get("/alerts").get_data(as_text=True), "Notice")
    assert ">07:30 UTC</time>" in element and 'title="Mon 23 Nov 2026, 07:30 UTC"' in element


def test_a_stored_zone_no_longer_known_falls_back_to_utc_and_says_so(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    _alert(database, world.bob, now - timedelta(hours=2), "Notice")
    _set_zone(database, world.bob, "Mars/Olympus_Mons")
    sign_in(client, world.bob)
    element = _time_element(client.get("/alerts").get_data(as_text=True), "Notice")
    assert ">07:30 UTC</time>" in element


def test_room_messages_show_clock_times_in_the_readers_zone(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    post_from_elsewhere(database, world, now - timedelta(minutes=5), "Hello from earlier")
    _set_zone(database, world.bob, "Europe/Berlin")
    sign_in(client, world.bob)
    page = client.get(f"/rooms/{world.room.id}").get_data(as_text=True)
    # A transcript keeps clock times (a relative "5 min ago" would go stale on an open page).
    assert 'title="Mon 23 Nov 2026, 10:25 CET">10:25</time>' in page
