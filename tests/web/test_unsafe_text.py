"""Titles and names holding control characters, line breaks or an RFC 2047 encoded word that
hides one (EMAIL-RULES section 3) are refused where they enter the web app: the JSON API
answers 422 naming the field, the new-room form answers 400 with the reason on the form, and
nothing is stored. An uploaded file's name is cleaned instead."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from gateway.core.api_keys import create_api_key
from gateway.store.database import Database
from gateway.store.models import Account, Alert, Room, User
from gateway.web.files import clean_filename, content_disposition

from support import World
from web_support import csrf_token, sign_in

ENCODED_BREAK = "=?utf-8?q?Plans=0D=0ABcc:_x@evil.example?="
UNSAFE = [ENCODED_BREAK, "Plans\r\nBcc: x@evil.example", "Plans\u2028Bcc", "Plans\x1b[31m"]


def _counts(database: Database) -> tuple[int, ...]:
    with database.read_session() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Room, User, Account, Alert)
        )


@pytest.fixture
def api(client: FlaskClient, database: Database, now: datetime) -> Any:
    with database.transaction() as session:
        _key, secret = create_api_key(session, "marketplace", now=now)
    headers = {"Authorization": f"Bearer {secret}"}
    return lambda method, path, body: client.open(
        "/api/v1" + path, method=method, json=body, headers=headers
    )


@pytest.mark.parametrize("value", UNSAFE)
def test_the_api_refuses_unsafe_titles_and_names_with_422_naming_the_field(
    api: Any, world: World, database: Database, value: str
) -> None:
    before = _counts(database)
    calls = [
        ("POST", "/rooms", {"title": value, "owner_id": world.alice.id}, "title", "room title"),
        ("POST", "/users", {"email": "carol@example.net", "name": value}, "name", "name"),
        ("PATCH", f"/users/{world.bob.id}", {"name": value}, "name", "name"),
        ("POST", f"/users/{world.bob.id}/accounts", {"kind": "client", "name": value},
         "name", "account name"),
        ("POST", f"/users/{world.bob.id}/alerts", {"title": value}, "title", "alert title"),
    ]  # fmt: skip
    for method, path, body, field, label in calls:
        response = api(method, path, body)
        assert response.status_code == 422, (path, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] == "invalid_request"
        assert [detail["field"] for detail in error["details"]] == [f"body.{field}"]
        assert f"{label} may not contain" in error["details"][0]["message"]
    assert _counts(database) == before
    with database.read_session() as session:
        assert session.get_one(User, world.bob.id).display_name == "Bob Baker"


def test_the_api_takes_a_tab_as_a_space_and_a_harmless_encoded_word_as_typed(
    api: Any, world: World
) -> None:
    room = api("POST", "/rooms", {"title": "Q3\tplans", "owner_id": world.alice.id})
    assert room.status_code == 201 and room.get_json()["title"] == "Q3 plans"
    user = api("PATCH", f"/users/{world.bob.id}", {"name": "=?utf-8?q?Bob?="})
    assert user.status_code == 200 and user.get_json()["name"] == "=?utf-8?q?Bob?="


@pytest.mark.parametrize("title", UNSAFE)
def test_the_new_room_form_refuses_an_unsafe_title_with_400_and_says_why(
    client: FlaskClient, world: World, database: Database, title: str
) -> None:
    sign_in(client, world.alice)
    token = csrf_token(client, "/rooms/new")
    before = _counts(database)
    response = client.post(
        "/rooms/new",
        data={"csrf_token": token, "kind": "group", "title": title, "members": world.bob.email},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "room title may not contain" in page
    assert 'class="error"' in page
    assert _counts(database) == before


def test_an_uploaded_file_name_loses_controls_and_line_separators() -> None:
    name = "plans\u2028Bcc: x\x85\x9b\u2029.pdf"
    assert clean_filename(name) == "plansBcc: x.pdf"
    assert "%E2%80%A8" not in content_disposition(name)
