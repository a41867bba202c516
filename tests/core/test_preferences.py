"""User settings: notification defaults and the financial-alert rule, out of office across
time zones and DST changes, Enter key and time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from gateway.core.preferences import (
    DEFAULTS,
    InvalidSetting,
    Preference,
    get_preferences,
    local_to_utc,
    set_enter_sends,
    set_out_of_office,
    set_preference,
    set_time_zone,
    stop_category_emails,
    stop_digest_emails,
)
from gateway.core.users import add_user
from gateway.store.database import Database
from gateway.store.models import NotifyCategory, NotifyChannel, NotifyFrequency, User

from support import World

NEW_YORK = ZoneInfo("America/New_York")


def _user(database: Database, user_id: int) -> User:
    with database.read_session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def test_defaults_apply_when_nothing_was_chosen(database: Database, world: World) -> None:
    with database.read_session() as session:
        chosen = get_preferences(session, world.alice.id)

    assert chosen == DEFAULTS
    assert chosen[NotifyCategory.ROOM] == Preference(
        NotifyCategory.ROOM, NotifyChannel.BOTH, NotifyFrequency.IMMEDIATE, False
    )
    assert chosen[NotifyCategory.UPDATE].channel == NotifyChannel.INBOX
    assert chosen[NotifyCategory.UPDATE].frequency == NotifyFrequency.DAILY


def test_a_chosen_preference_replaces_the_default_for_that_category_only(
    database: Database, world: World
) -> None:
    with database.transaction() as session:
        set_preference(
            session,
            world.alice.id,
            "room",
            channel="email",
            frequency="hourly",
            email_even_if_read=True,
        )
        set_preference(session, world.alice.id, "room", channel="inbox", frequency="daily")

    with database.read_session() as session:
        chosen = get_preferences(session, world.alice.id)
        bobs = get_preferences(session, world.bob.id)
    assert chosen[NotifyCategory.ROOM] == Preference(
        NotifyCategory.ROOM, NotifyChannel.INBOX, NotifyFrequency.DAILY, False
    )
    assert chosen[NotifyCategory.TICKET] == DEFAULTS[NotifyCategory.TICKET]
    assert bobs == DEFAULTS


@pytest.mark.parametrize(
    ("channel", "frequency", "field"),
    [("none", "immediate", "alert-channel"), ("both", "never", "alert-frequency")],
)
def test_account_alerts_cannot_be_switched_off(
    database: Database, world: World, channel: str, frequency: str, field: str
) -> None:
    with database.transaction() as session, pytest.raises(InvalidSetting) as refused:
        set_preference(session, world.alice.id, "alert", channel=channel, frequency=frequency)

    assert refused.value.field == field
    assert "cannot be switched off" in str(refused.value)


def test_account_alerts_may_go_to_the_inbox_only_and_other_categories_may_be_off(
    database: Database, world: World
) -> None:
    with database.transaction() as session:
        set_preference(session, world.alice.id, "alert", channel="inbox", frequency="weekly")
        set_preference(session, world.alice.id, "update", channel="none", frequency="never")

    with database.read_session() as session:
        chosen = get_preferences(session, world.alice.id)
    assert chosen[NotifyCategory.ALERT].channel == NotifyChannel.INBOX
    assert chosen[NotifyCategory.UPDATE].frequency == NotifyFrequency.NEVER


def test_unknown_choices_are_refused_naming_the_field(database: Database, world: World) -> None:
    with database.transaction() as session:
        with pytest.raises(InvalidSetting) as channel:
            set_preference(session, world.alice.id, "room", channel="pigeon", frequency="daily")
        with pytest.raises(InvalidSetting) as frequency:
            set_preference(session, world.alice.id, "ticket", channel="both", frequency="often")
        with pytest.raises(InvalidSetting):
            set_preference(session, world.alice.id, "spam", channel="both", frequency="daily")

    assert channel.value.field == "room-channel"
    assert frequency.value.field == "ticket-frequency"


# --- out of office ---------------------------------------------------------------------------


def _ooo(database: Database, user_id: int, now: datetime, starts: datetime, ends: datetime) -> User:
    with database.transaction() as session:
        return set_out_of_office(
            session,
            user_id,
            enabled=True,
            message="Back on Monday.",
            starts_local=starts,
            ends_local=ends,
            now=now,
        )


def _user_in(database: Database, zone: str, now: datetime) -> int:
    with database.transaction() as session:
        return add_user(
            session, f"{zone.replace('/', '.')}@example.net", time_zone=zone, now=now
        ).id


def test_out_of_office_times_are_read_in_the_users_zone_and_stored_in_utc(
    database: Database, now: datetime
) -> None:
    kiritimati = _user_in(database, "Pacific/Kiritimati", now)  # UTC+14
    pago_pago = _user_in(database, "Pacific/Pago_Pago", now)  # UTC-11
    starts, ends = datetime(2026, 11, 24, 0, 0), datetime(2026, 11, 30, 18, 0)

    east = _ooo(database, kiritimati, now, starts, ends)
    west = _ooo(database, pago_pago, now, starts, ends)

    assert east.ooo_starts_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert west.ooo_starts_at == datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    assert east.ooo_ends_at == datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    assert west.ooo_ends_at == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert _user(database, kiritimati).ooo_starts_at == east.ooo_starts_at
    assert east.ooo_enabled and east.ooo_message == "Back on Monday."


def test_a_local_time_skipped_by_dst_moves_forward_by_the_gap() -> None:
    # 2026-03-08 02:30 does not exist in New York: clocks go from 02:00 EST to 03:00 EDT.
    instant = local_to_utc(datetime(2026, 3, 8, 2, 30), NEW_YORK)

    assert instant == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert instant.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"


def test_a_local_time_that_happens_twice_means_its_first_occurrence() -> None:
    # 2026-11-01 01:30 happens in EDT, then again in EST.
    instant = local_to_utc(datetime(2026, 11, 1, 1, 30), NEW_YORK)

    assert instant == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_out_of_office_across_the_spring_forward_gap(database: Database, now: datetime) -> None:
    new_yorker = _user_in(database, "America/New_York", now)
    march = datetime(2026, 3, 1, tzinfo=UTC)

    user = _ooo(
        database, new_yorker, march, datetime(2026, 3, 8, 2, 30), datetime(2026, 3, 9, 9, 0)
    )

    assert user.ooo_starts_at == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert user.ooo_ends_at == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # EDT: UTC-4


@pytest.mark.parametrize(
    ("message", "starts", "ends", "field"),
    [
        ("", datetime(2026, 12, 1), datetime(2026, 12, 2), "ooo_message"),
        ("x" * 2001, datetime(2026, 12, 1), datetime(2026, 12, 2), "ooo_message"),
        ("Away", None, datetime(2026, 12, 2), "ooo_starts"),
        ("Away", datetime(2026, 12, 1), None, "ooo_ends"),
        ("Away", datetime(2026, 12, 2), datetime(2026, 12, 1), "ooo_ends"),
        ("Away", datetime(2026, 12, 1), datetime(2026, 12, 1), "ooo_ends"),
        ("Away", datetime(2026, 11, 1), datetime(2026, 11, 2), "ooo_ends"),  # already past
    ],
)
def test_out_of_office_refuses_incomplete_or_inconsistent_input_and_saves_nothing(
    database: Database,
    world: World,
    now: datetime,
    message: str,
    starts: datetime | None,
    ends: datetime | None,
    field: str,
) -> None:
    with pytest.raises(InvalidSetting) as refused, database.transaction() as session:
        set_out_of_office(
            session,
            world.alice.id,
            enabled=True,
            message=message,
            starts_local=starts,
            ends_local=ends,
            now=now,
        )

    assert refused.value.field == field
    user = _user(database, world.alice.id)
    assert not user.ooo_enabled and user.ooo_message is None


def test_turning_out_of_office_off_keeps_the_message_for_next_time(
    database: Database, world: World, now: datetime
) -> None:
    _ooo(database, world.alice.id, now, datetime(2026, 12, 1), datetime(2026, 12, 2))

    with database.transaction() as session:
        set_out_of_office(
            session,
            world.alice.id,
            enabled=False,
            message="Back on Monday.",
            starts_local=None,
            ends_local=None,
            now=now,
        )

    user = _user(database, world.alice.id)
    assert not user.ooo_enabled and user.ooo_message == "Back on Monday."
    assert user.ooo_starts_at is None


# --- Enter key and time zone -----------------------------------------------------------------


def test_enter_key_and_time_zone_are_stored(database: Database, world: World) -> None:
    with database.transaction() as session:
        set_enter_sends(session, world.alice.id, False)
        assert set_time_zone(session, world.alice.id, " Europe/Berlin ") == "Europe/Berlin"

    user = _user(database, world.alice.id)
    assert (user.enter_sends, user.time_zone) == (False, "Europe/Berlin")


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../../etc/passwd", "x" * 65])
def test_unknown_time_zones_are_refused(database: Database, world: World, name: str) -> None:
    with database.transaction() as session, pytest.raises(InvalidSetting) as refused:
        set_time_zone(session, world.alice.id, name)

    assert refused.value.field == "time_zone"
    assert _user(database, world.alice.id).time_zone == "UTC"


def test_one_click_unsubscribe_leaves_a_category_switched_off_as_it_is(
    database: Database, world: World
) -> None:
    """'Nothing' stays 'nothing': unsubscribing only ever stops email, it never turns a
    category back on in the inbox."""
    with database.transaction() as session:
        set_preference(session, world.alice.id, "room", channel="none", frequency="daily")
        set_preference(session, world.alice.id, "ticket", channel="email", frequency="daily")
    with database.transaction() as session:
        stopped = stop_digest_emails(session, world.alice.id, NotifyFrequency.DAILY)
        kept = stop_category_emails(session, world.alice.id, NotifyCategory.ROOM)
    assert stopped == [NotifyCategory.TICKET]
    assert kept.channel is NotifyChannel.NONE
    with database.read_session() as session:
        chosen = get_preferences(session, world.alice.id)
    assert chosen[NotifyCategory.ROOM].channel is NotifyChannel.NONE
    assert chosen[NotifyCategory.TICKET].channel is NotifyChannel.INBOX
