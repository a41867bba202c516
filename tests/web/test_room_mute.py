"""Muting a room's email notifications from the room page, resuming them there or from
Settings (also after the one-click unsubscribe link of an email muted them), and the Settings
form offering only what saving accepts: through the Flask test client."""

from __future__ import annotations

import re
from datetime import datetime

from flask.testing import FlaskClient

from gateway.core.reply_addresses import ReplyKeys
from gateway.core.rooms import find_membership
from gateway.core.unsubscribe import unsubscribe_token
from gateway.core.users import add_user
from gateway.store.database import Database

from support import World
from web_support import csrf_token, sign_in


def _muted(database: Database, world: World) -> bool:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        return membership.email_muted


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _email_section(page: str) -> str:
    found = re.search(r'<section class="sidebar-section" id="room-email".*?</section>', page, re.S)
    assert found, "no Email section in the room's side panel"
    return re.sub(r"\s+", " ", found.group(0))


def _flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash flash-success"[^>]*>([^<]*)</p>', page)


def test_mute_and_resume_from_the_room_page(
    client: FlaskClient, database: Database, world: World
) -> None:
    sign_in(client, world.bob)
    room = f"/rooms/{world.room.id}"
    section = _email_section(_page(client, room))
    assert "Email notifications: <strong>on</strong>" in section
    assert f'action="{room}/email/mute"' in section and ">Mute</button>" in section

    token = csrf_token(client, room)
    response = client.post(f"{room}/email/mute", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == room
    assert _muted(database, world)
    page = _page(client, room)
    assert _flashes(page) == [
        "Email notifications from Website redesign are muted. Its messages still show here."
    ]
    section = _email_section(page)
    assert "Email notifications: <strong>muted</strong>" in section
    assert f'action="{room}/email/resume"' in section and ">Resume</button>" in section

    client.post(f"{room}/email/resume", data={"csrf_token": token})
    assert not _muted(database, world)
    page = _page(client, room)
    assert _flashes(page) == ["Email notifications from Website redesign resume."]
    assert ">Mute</button>" in _email_section(page)


def test_a_mute_from_the_unsubscribe_link_shows_on_the_room_page_and_can_be_resumed(
    client: FlaskClient, database: Database, world: World, keys: ReplyKeys
) -> None:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        token = unsubscribe_token(membership.id, keys)
    done = client.post(f"/u/{token}").get_data(as_text=True)  # RFC 8058: no cookie, no CSRF
    assert f'href="/rooms/{world.room.id}"' in done and "Resume" in done
    assert _muted(database, world)

    sign_in(client, world.bob)
    room = f"/rooms/{world.room.id}"
    assert "Email notifications: <strong>muted</strong>" in _email_section(_page(client, room))
    client.post(f"{room}/email/resume", data={"csrf_token": csrf_token(client, room)})
    assert not _muted(database, world)
    assert "Email notifications: <strong>on</strong>" in _email_section(_page(client, room))


def test_settings_lists_muted_rooms_with_a_resume_button_that_returns_to_settings(
    client: FlaskClient, database: Database, world: World
) -> None:
    sign_in(client, world.bob)
    token = csrf_token(client, "/settings")
    assert "No muted rooms" in _page(client, "/settings")
    client.post(f"/rooms/{world.room.id}/email/mute", data={"csrf_token": token})

    settings = _page(client, "/settings")
    muted = re.search(
        r'<section class="settings-section" id="muted-rooms".*?</section>', settings, re.S
    )
    assert muted
    assert f'<a href="/rooms/{world.room.id}">Website redesign</a>' in muted.group(0)
    assert f'action="/rooms/{world.room.id}/email/resume"' in muted.group(0)

    response = client.post(
        f"/rooms/{world.room.id}/email/resume", data={"csrf_token": token, "back": "settings"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/settings#muted-rooms"
    assert not _muted(database, world)
    assert "No muted rooms" in _page(client, "/settings")


def test_only_members_mute_a_room_and_only_with_a_csrf_token(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        carol = add_user(session, "carol@example.net", name="Carol", now=now)
    sign_in(client, carol)
    token = csrf_token(client, "/settings")
    for action in ("mute", "resume"):
        response = client.post(f"/rooms/{world.room.id}/email/{action}", data={"csrf_token": token})
        assert response.status_code == 404
    assert client.post("/rooms/999999/email/mute", data={"csrf_token": token}).status_code == 404

    sign_in(client, world.bob)
    assert client.post(f"/rooms/{world.room.id}/email/mute").status_code == 400
    assert not _muted(database, world)


def test_muting_needs_a_signed_in_user(
    client: FlaskClient, database: Database, world: World
) -> None:
    token = csrf_token(client, "/sign-in")
    response = client.post(f"/rooms/{world.room.id}/email/mute", data={"csrf_token": token})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert not _muted(database, world)


# --- Settings offers only what saving accepts ------------------------------------------------


def _options(page: str, select_id: str) -> list[str]:
    found = re.search(rf'<select id="{select_id}".*?</select>', page, re.S)
    assert found, select_id
    return re.findall(r'<option value="([^"]+)"', found.group(0))


def test_settings_never_offers_switching_account_alerts_off_and_says_why(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.alice)
    page = _page(client, "/settings")

    assert _options(page, "alert-channel") == ["email", "inbox", "both"]
    assert "never" not in _options(page, "alert-frequency")
    assert "Payment alerts always reach you, so they cannot be set to “Nothing” or “Never”." in page
    # The other categories can still be switched off.
    assert "none" in _options(page, "room-channel")
    assert "never" in _options(page, "update-frequency")


def test_every_option_the_settings_form_offers_saves(client: FlaskClient, world: World) -> None:
    sign_in(client, world.alice)
    page = _page(client, "/settings")
    token = csrf_token(client, "/settings")
    base = {
        f"{category}-{field}": value
        for category in ("room", "alert", "update", "ticket")
        for field, value in (("channel", "both"), ("frequency", "daily"))
    }
    base |= {"digest_hour": "8", "digest_weekday": "0", "alert_retention_days": "90"}
    for field in ("alert-channel", "alert-frequency", "room-channel", "room-frequency"):
        for value in _options(page, field):
            response = client.post(
                "/settings/notifications", data={**base, field: value, "csrf_token": token}
            )
            assert response.status_code == 302, (field, value)
