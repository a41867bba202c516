"""Site views through the Flask test client: landing page, health check, and the RFC 8058
one-click unsubscribe (GET never changes anything; POST works without cookies or CSRF)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.core.preferences import DEFAULTS, Preference, get_preferences, set_preference
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.rooms import find_membership
from gateway.core.unsubscribe import (
    category_unsubscribe_token,
    digest_unsubscribe_token,
    unsubscribe_token,
)
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Membership, NotifyCategory, NotifyChannel, NotifyFrequency
from gateway.web.app import create_app

from support import MAIL_DOMAIN, SECRET_KEY, World

NEXT_SECRET_KEY = "rotated-secret-key-fedcba9876543210zyxwvutsrq"
# What a mail client POSTs for List-Unsubscribe-Post (RFC 8058 section 3.1).
ONE_CLICK_BODY = {"List-Unsubscribe": "One-Click"}


def _client(settings: Settings, database: Database) -> FlaskClient:
    """A client with no cookie jar: one-click requests come from mail providers, not browsers."""
    app: Flask = create_app(settings, database)
    return app.test_client(use_cookies=False)


@pytest.fixture
def client(settings: Settings, database: Database) -> FlaskClient:
    return _client(settings, database)


def _membership_id(database: Database, room_id: int, user_id: int) -> int:
    with database.read_session() as session:
        membership = find_membership(session, room_id, user_id)
        assert membership is not None
        return membership.id


def _email_muted(database: Database, membership_id: int) -> bool:
    with database.read_session() as session:
        membership = session.get(Membership, membership_id)
        assert membership is not None
        return membership.email_muted


@pytest.fixture
def bob_membership(database: Database, world: World) -> int:
    return _membership_id(database, world.room.id, world.bob.id)


@pytest.fixture
def alice_membership(database: Database, world: World) -> int:
    return _membership_id(database, world.room.id, world.alice.id)


def _tampered(token: str, position: int) -> str:
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1 :]


# --- landing page and health ---------------------------------------------------------------


def test_landing_page_shows_the_site_name_and_mail_domain(
    settings: Settings, database: Database
) -> None:
    client = _client(dataclasses.replace(settings, site_name="Acme Rooms"), database)

    response = client.get("/")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<title>Acme Rooms</title>" in page
    assert "<h1>Acme Rooms</h1>" in page
    assert f"@{MAIL_DOMAIN}" in page


def test_healthz_is_ok_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.is_json
    body = response.get_json()
    assert body["status"] == "ok"
    assert datetime.fromisoformat(body["time"]).utcoffset() is not None


@pytest.fixture
def unreachable_database(tmp_path: Path) -> Iterator[Database]:
    """A SQLite file in a directory that does not exist: every connection attempt fails."""
    database = Database(f"sqlite:///{tmp_path / 'missing-directory' / 'gateway.db'}")
    yield database
    database.dispose()


def test_healthz_is_503_when_the_database_is_unreachable(
    settings: Settings, unreachable_database: Database
) -> None:
    client = _client(settings, unreachable_database)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "OperationalError"}


# --- one-click unsubscribe -----------------------------------------------------------------


def test_unsubscribe_get_shows_a_form_and_changes_nothing(
    client: FlaskClient, database: Database, keys: ReplyKeys, bob_membership: int
) -> None:
    response = client.get(f"/u/{unsubscribe_token(bob_membership, keys)}")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<form method="post">' in page
    assert "Website redesign" in page
    assert _email_muted(database, bob_membership) is False


def test_one_click_post_mutes_the_room_without_cookies_or_csrf_and_without_redirect(
    client: FlaskClient,
    database: Database,
    keys: ReplyKeys,
    bob_membership: int,
    alice_membership: int,
) -> None:
    response = client.post(f"/u/{unsubscribe_token(bob_membership, keys)}", data=ONE_CLICK_BODY)

    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "You are unsubscribed" in response.get_data(as_text=True)
    assert _email_muted(database, bob_membership) is True
    # Only that member, only that room.
    assert _email_muted(database, alice_membership) is False


def test_one_click_post_is_idempotent(
    client: FlaskClient, database: Database, keys: ReplyKeys, bob_membership: int
) -> None:
    url = f"/u/{unsubscribe_token(bob_membership, keys)}"

    first = client.post(url, data=ONE_CLICK_BODY)
    second = client.post(url, data=ONE_CLICK_BODY)

    assert (first.status_code, second.status_code) == (200, 200)
    assert "You are unsubscribed" in second.get_data(as_text=True)
    assert _email_muted(database, bob_membership) is True


def test_one_click_post_with_an_empty_body_still_unsubscribes(
    client: FlaskClient, database: Database, keys: ReplyKeys, bob_membership: int
) -> None:
    response = client.post(f"/u/{unsubscribe_token(bob_membership, keys)}")

    assert response.status_code == 200
    assert _email_muted(database, bob_membership) is True


@pytest.mark.parametrize("position", [0, 15, 31])
def test_tampered_token_is_404_for_get_and_post_and_changes_nothing(
    client: FlaskClient, database: Database, keys: ReplyKeys, bob_membership: int, position: int
) -> None:
    url = f"/u/{_tampered(unsubscribe_token(bob_membership, keys), position)}"

    shown = client.get(url)
    posted = client.post(url, data=ONE_CLICK_BODY)

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert "This link is not valid" in posted.get_data(as_text=True)
    assert "<form" not in shown.get_data(as_text=True)
    assert _email_muted(database, bob_membership) is False


@pytest.mark.parametrize("token", ["abc", "A" * 32, "not-a-token-at-all-not-a-token-!"])
def test_malformed_token_is_404(
    client: FlaskClient, database: Database, bob_membership: int, token: str
) -> None:
    assert client.get(f"/u/{token}").status_code == 404
    assert client.post(f"/u/{token}").status_code == 404
    assert _email_muted(database, bob_membership) is False


def test_genuine_token_for_a_membership_that_does_not_exist_is_404(
    client: FlaskClient, keys: ReplyKeys, world: World
) -> None:
    url = f"/u/{unsubscribe_token(987_654_321, keys)}"

    assert client.get(url).status_code == 404
    assert client.post(url, data=ONE_CLICK_BODY).status_code == 404


def test_token_signed_with_the_previous_key_still_works_after_a_rotation(
    settings: Settings, database: Database, keys: ReplyKeys, bob_membership: int
) -> None:
    old_token = unsubscribe_token(bob_membership, keys)
    rotated = dataclasses.replace(
        settings, secret_key=NEXT_SECRET_KEY, previous_secret_key=SECRET_KEY
    )
    client = _client(rotated, database)

    assert client.get(f"/u/{old_token}").status_code == 200
    assert _email_muted(database, bob_membership) is False
    assert client.post(f"/u/{old_token}", data=ONE_CLICK_BODY).status_code == 200
    assert _email_muted(database, bob_membership) is True


def test_token_signed_with_a_dropped_key_is_404(
    settings: Settings, database: Database, keys: ReplyKeys, bob_membership: int
) -> None:
    old_token = unsubscribe_token(bob_membership, keys)
    client = _client(dataclasses.replace(settings, secret_key=NEXT_SECRET_KEY), database)

    assert client.post(f"/u/{old_token}", data=ONE_CLICK_BODY).status_code == 404
    assert _email_muted(database, bob_membership) is False


# --- one-click unsubscribe from a category ----------------------------------------------------


def _preferences(database: Database, user_id: int) -> dict[NotifyCategory, Preference]:
    with database.read_session() as session:
        return get_preferences(session, user_id)


def test_category_get_only_shows_a_form_naming_the_category(
    client: FlaskClient, database: Database, keys: ReplyKeys, world: World
) -> None:
    before = _preferences(database, world.bob.id)
    token = category_unsubscribe_token(world.bob.id, NotifyCategory.ALERT, keys)

    response = client.get(f"/u/{token}")

    assert response.status_code == 200
    assert "Stop emails about Account Alerts?" in response.get_data(as_text=True)
    assert _preferences(database, world.bob.id) == before


def test_category_one_click_post_keeps_the_category_in_the_inbox_only(
    client: FlaskClient, database: Database, keys: ReplyKeys, world: World
) -> None:
    token = category_unsubscribe_token(world.bob.id, NotifyCategory.ALERT, keys)

    first = client.post(f"/u/{token}", data=ONE_CLICK_BODY)
    second = client.post(f"/u/{token}", data=ONE_CLICK_BODY)

    assert (first.status_code, second.status_code) == (200, 200)
    assert "Location" not in first.headers
    assert "no longer get emails about Account Alerts" in second.get_data(as_text=True)
    chosen = _preferences(database, world.bob.id)
    assert chosen[NotifyCategory.ALERT].channel is NotifyChannel.INBOX
    # Frequency kept, other categories and other users untouched.
    assert chosen[NotifyCategory.ALERT].frequency is NotifyFrequency.IMMEDIATE
    assert chosen[NotifyCategory.ROOM] == DEFAULTS[NotifyCategory.ROOM]
    assert _preferences(database, world.alice.id)[NotifyCategory.ALERT].channel is (
        NotifyChannel.BOTH
    )


def test_category_token_for_a_user_who_does_not_exist_is_404(
    client: FlaskClient, keys: ReplyKeys, world: World
) -> None:
    token = category_unsubscribe_token(987_654_321, NotifyCategory.UPDATE, keys)
    assert client.get(f"/u/{token}").status_code == 404
    assert client.post(f"/u/{token}", data=ONE_CLICK_BODY).status_code == 404


@pytest.mark.parametrize("position", [0, 20, 33])
def test_tampered_category_token_is_404_and_changes_nothing(
    client: FlaskClient, database: Database, keys: ReplyKeys, world: World, position: int
) -> None:
    token = category_unsubscribe_token(world.bob.id, NotifyCategory.ALERT, keys)
    response = client.post(f"/u/{_tampered(token, position)}", data=ONE_CLICK_BODY)
    assert response.status_code == 404
    assert _preferences(database, world.bob.id)[NotifyCategory.ALERT].channel is (
        NotifyChannel.BOTH
    )


def test_digest_one_click_post_keeps_that_frequencys_categories_in_the_inbox(
    client: FlaskClient, database: Database, keys: ReplyKeys, world: World
) -> None:
    with database.transaction() as session:
        for category in (NotifyCategory.ROOM, NotifyCategory.UPDATE):
            set_preference(
                session,
                world.bob.id,
                category,
                channel=NotifyChannel.BOTH,
                frequency=NotifyFrequency.DAILY,
            )
    token = digest_unsubscribe_token(world.bob.id, NotifyFrequency.DAILY, keys)

    shown = client.get(f"/u/{token}")
    assert "Stop emails about daily digests?" in shown.get_data(as_text=True)
    response = client.post(f"/u/{token}", data=ONE_CLICK_BODY)

    assert response.status_code == 200
    chosen = _preferences(database, world.bob.id)
    assert chosen[NotifyCategory.ROOM].channel is NotifyChannel.INBOX
    assert chosen[NotifyCategory.UPDATE].channel is NotifyChannel.INBOX
    # Immediate categories are not digests: untouched.
    assert chosen[NotifyCategory.ALERT] == DEFAULTS[NotifyCategory.ALERT]
