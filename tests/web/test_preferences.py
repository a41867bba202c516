"""The settings page through the Flask test client: every section saves, refused input
answers 400 with the message next to the field and nothing saved, and CSRF is required."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from gateway.core.bounces import is_bouncing, record_bounce
from gateway.core.preferences import DEFAULTS, get_preferences
from gateway.store.database import Database
from gateway.store.models import NotifyCategory, NotifyChannel, NotifyFrequency, Presence, User

from support import World
from web_support import csrf_token, sign_in

NOTIFICATIONS = {
    "room-channel": "email",
    "room-frequency": "hourly",
    "room-email_even_if_read": "on",
    "alert-channel": "inbox",
    "alert-frequency": "immediate",
    "update-channel": "none",
    "update-frequency": "never",
    "ticket-channel": "both",
    "ticket-frequency": "daily",
    "digest_hour": "7",
    "digest_weekday": "4",
    "alert_retention_days": "30",
}


def _user(database: Database, user_id: int) -> User:
    with database.read_session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def _post(client: FlaskClient, path: str, data: dict[str, str]) -> tuple[int, str]:
    token = csrf_token(client, "/settings")
    response = client.post(path, data={**data, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def _error_after(page: str, field_id: str) -> str | None:
    """The error message shown right after the field with id `field_id`."""
    found = re.search(
        rf'id="{field_id}"[^>]*>.*?<p class="field-error" id="{field_id}-error" '
        r'role="alert">([^<]*)</p>',
        page,
        re.S,
    )
    return found.group(1) if found else None


def test_settings_page_shows_every_section_with_the_current_values(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.alice)

    response = client.get("/settings")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for heading in ("Notifications", "Out of office", "Status", "Enter key", "Time zone"):
        assert f">{heading}</h2>" in page
    assert '<option value="both" selected>Email and inbox</option>' in page
    assert '<option value="daily" selected>Daily digest</option>' in page  # updates default
    assert 'type="datetime-local" id="ooo_starts"' in page
    assert "Times are in your time zone: <strong>UTC</strong>" in page
    assert '<option value="Pacific/Kiritimati">' in page
    assert '<option value="UTC" selected>UTC</option>' in page
    assert re.search(r'name="enter_sends" value="yes" checked', page)
    assert 'style="' not in page and "<script>" not in page


def test_saving_notifications_stores_every_category(
    client: FlaskClient, database: Database, world: World
) -> None:
    sign_in(client, world.alice)

    status, _ = _post(client, "/settings/notifications", NOTIFICATIONS)

    assert status == 302
    with database.read_session() as session:
        chosen = get_preferences(session, world.alice.id)
    assert chosen[NotifyCategory.ROOM].channel == NotifyChannel.EMAIL
    assert chosen[NotifyCategory.ROOM].email_even_if_read is True
    assert chosen[NotifyCategory.ALERT].channel == NotifyChannel.INBOX
    assert chosen[NotifyCategory.UPDATE].frequency == NotifyFrequency.NEVER
    assert chosen[NotifyCategory.TICKET].email_even_if_read is False
    user = _user(database, world.alice.id)
    assert (user.digest_hour, user.digest_weekday) == (7, 4)
    assert user.alert_retention_days == 30
    page = client.get("/settings").get_data(as_text=True)
    assert "Notification settings saved." in page
    assert '<option value="hourly" selected>Hourly digest</option>' in page
    assert '<option value="7" selected>07:00</option>' in page
    assert '<option value="4" selected>Friday</option>' in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("digest_hour", "24"),
        ("digest_hour", "8am"),
        ("digest_weekday", "7"),
        ("alert_retention_days", "45"),
        ("alert_retention_days", "forever"),
    ],
)
def test_an_impossible_digest_time_or_retention_is_refused_and_nothing_is_saved(
    client: FlaskClient, database: Database, world: World, field: str, value: str
) -> None:
    sign_in(client, world.alice)

    status, page = _post(client, "/settings/notifications", {**NOTIFICATIONS, field: value})

    assert status == 400
    message = _error_after(page, field)
    assert message is not None and message.startswith("choose")
    user = _user(database, world.alice.id)
    assert (user.digest_hour, user.digest_weekday) == (8, 0)
    with database.read_session() as session:
        assert get_preferences(session, world.alice.id) == DEFAULTS


def test_switching_account_alerts_off_is_refused_and_nothing_is_saved(
    client: FlaskClient, database: Database, world: World
) -> None:
    sign_in(client, world.alice)

    status, page = _post(
        client, "/settings/notifications", {**NOTIFICATIONS, "alert-channel": "none"}
    )

    assert status == 400
    message = _error_after(page, "alert-channel")
    assert message is not None and "cannot be switched off" in message
    assert 'id="alert-channel" name="alert-channel" aria-invalid="true"' in page
    with database.read_session() as session:
        assert get_preferences(session, world.alice.id) == DEFAULTS  # room's valid row too


def test_out_of_office_is_entered_in_the_users_zone_and_shown_back_in_it(
    client: FlaskClient, database: Database, world: World
) -> None:
    sign_in(client, world.alice)
    assert _post(client, "/settings/time-zone", {"time_zone": "Pacific/Kiritimati"})[0] == 302

    status, _ = _post(
        client,
        "/settings/out-of-office",
        {
            "ooo_enabled": "on",
            "ooo_message": "On leave until December.",
            "ooo_starts": "2026-11-24T00:00",
            "ooo_ends": "2026-12-01T09:00",
        },
    )

    assert status == 302
    user = _user(database, world.alice.id)
    assert user.ooo_enabled and user.ooo_message == "On leave until December."
    assert user.ooo_starts_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    page = client.get("/settings").get_data(as_text=True)
    assert 'value="2026-11-24T00:00"' in page and 'value="2026-12-01T09:00"' in page
    assert "<strong>Pacific/Kiritimati</strong>" in page


def test_out_of_office_with_bad_input_answers_400_next_to_the_field_and_saves_nothing(
    client: FlaskClient, database: Database, world: World
) -> None:
    sign_in(client, world.alice)
    form = {
        "ooo_enabled": "on",
        "ooo_message": "Away <b>now</b>",
        "ooo_starts": "2026-12-02T09:00",
        "ooo_ends": "2026-12-01T09:00",
    }

    status, page = _post(client, "/settings/out-of-office", form)
    garbled_status, garbled = _post(
        client, "/settings/out-of-office", {**form, "ooo_starts": "next tuesday"}
    )
    empty_status, empty = _post(client, "/settings/out-of-office", {**form, "ooo_message": " "})

    assert (status, garbled_status, empty_status) == (400, 400, 400)
    assert _error_after(page, "ooo_ends") == "the end must be after the start"
    assert "Away &lt;b&gt;now&lt;/b&gt;</textarea>" in page  # what was typed is kept, escaped
    assert _error_after(garbled, "ooo_starts") is not None
    assert _error_after(empty, "ooo_message") is not None
    user = _user(database, world.alice.id)
    assert not user.ooo_enabled and user.ooo_message is None and user.ooo_ends_at is None


def test_status_and_enter_key_are_saved(
    client: FlaskClient, database: Database, world: World
) -> None:
    sign_in(client, world.alice)

    assert _post(client, "/settings/status", {"presence": "invisible"})[0] == 302
    assert _post(client, "/settings/enter-key", {"enter_sends": "no"})[0] == 302

    user = _user(database, world.alice.id)
    assert (user.presence, user.enter_sends) == (Presence.INVISIBLE, False)
    page = client.get("/settings").get_data(as_text=True)
    assert re.search(r'name="presence" value="invisible" checked', page)
    assert re.search(r'name="enter_sends" value="no" checked', page)


def test_bad_status_enter_key_or_time_zone_is_refused_with_400(
    client: FlaskClient, database: Database, world: World
) -> None:
    sign_in(client, world.alice)

    status, status_page = _post(client, "/settings/status", {"presence": "busy"})
    enter, enter_page = _post(client, "/settings/enter-key", {"enter_sends": "maybe"})
    zone, zone_page = _post(client, "/settings/time-zone", {"time_zone": "Mars/Olympus"})

    assert (status, enter, zone) == (400, 400, 400)
    assert "status must be online or invisible" in status_page
    assert "choose what the Enter key does" in enter_page
    assert _error_after(zone_page, "time_zone") == "unknown time zone &#39;Mars/Olympus&#39;"
    user = _user(database, world.alice.id)
    assert (user.presence, user.enter_sends, user.time_zone) == (Presence.ONLINE, True, "UTC")


def test_settings_posts_without_a_csrf_token_are_refused(
    client: FlaskClient, database: Database, world: World
) -> None:
    sign_in(client, world.alice)

    responses = [
        client.post("/settings/notifications", data=NOTIFICATIONS),
        client.post("/settings/time-zone", data={"time_zone": "Europe/Berlin"}),
        client.post("/settings/status", data={"presence": "invisible"}),
        client.post("/settings/enter-key", data={"enter_sends": "no"}),
        client.post("/settings/out-of-office", data={"ooo_message": "x"}),
    ]

    assert [response.status_code for response in responses] == [400] * 5
    user = _user(database, world.alice.id)
    assert (user.time_zone, user.presence, user.enter_sends) == ("UTC", Presence.ONLINE, True)
    with database.read_session() as session:
        assert get_preferences(session, world.alice.id) == DEFAULTS


def test_settings_need_a_signed_in_user(client: FlaskClient) -> None:
    response = client.get("/settings")

    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_a_bouncing_address_shows_a_banner_until_the_user_resumes_email(
    client: FlaskClient, database: Database, world: World
) -> None:
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    with database.transaction() as session:
        for day in range(3):
            record_bounce(
                session,
                "alice@example.com",
                permanent=True,
                status="5.1.1",
                now=now + timedelta(days=day),
            )
    sign_in(client, world.alice)

    page = client.get("/settings").get_data(as_text=True)
    assert "Email to <strong>alice@example.com</strong> keeps bouncing (status 5.1.1" in page
    assert "we stopped sending you notifications" in page

    status, _ = _post(client, "/settings/email/resume", {})
    assert status == 303
    page = client.get("/settings").get_data(as_text=True)
    assert "keeps bouncing" not in page and "Email resumes." in page
    with database.read_session() as session:
        assert not is_bouncing(session, "alice@example.com")
