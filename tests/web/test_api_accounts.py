"""Accounts through the platform JSON API: an account's own creation time, placing a room in
one of a member's accounts (PUT /rooms/{room_id}/members/{user_id}/account), and alerts sent
for an account; what the API did is then checked where a person sees it, the web inbox."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.core.api_keys import create_api_key
from gateway.store.database import Database
from gateway.web.api.openapi import openapi_document

from support import World
from web_support import Clock, csrf_token, signed_in_client

PLACE = "/rooms/{room}/members/{user}/account"


class Api:
    """The test client with the key on every call."""

    def __init__(self, client: FlaskClient, key: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"}

    def call(self, method: str, path: str, body: Any = None) -> Any:
        return self.client.open("/api/v1" + path, method=method, json=body, headers=self.headers)


@pytest.fixture
def api(client: FlaskClient, database: Database, now: datetime) -> Api:
    with database.transaction() as session:
        _key, secret = create_api_key(session, "marketplace", now=now)
    return Api(client, secret)


def _client_account(api: Api, user_id: int) -> int:
    response = api.call("POST", f"/users/{user_id}/accounts", {"kind": "client"})
    assert response.status_code == 201, response.get_json()
    account_id: int = response.get_json()["id"]
    return account_id


def _inbox_titles(app: Flask, world: World, account_id: int | None = None) -> list[str]:
    """The room titles Alice's Messages list shows (in `account_id`, else her first)."""
    browser = signed_in_client(app, world.alice)
    if account_id is not None:
        token = csrf_token(browser, "/rooms")
        browser.post("/account", data={"account_id": account_id, "csrf_token": token})
    page = browser.get("/rooms").get_data(as_text=True)
    return re.findall(r'class="room-title" href="/rooms/\d+">([^<]+)</a>', page)


def test_an_account_added_later_reports_its_own_creation_time(api: Api, clock: Clock) -> None:
    created = api.call("POST", "/users", {"email": "dana@example.com", "name": "Dana"})
    user = created.get_json()
    clock.advance(days=3)

    client_account = api.call("POST", f"/users/{user['id']}/accounts", {"kind": "client"})
    listed = api.call("GET", f"/users/{user['id']}/accounts").get_json()["accounts"]

    assert client_account.status_code == 201
    assert datetime.fromisoformat(client_account.get_json()["created_at"]) == clock.now
    assert [datetime.fromisoformat(a["created_at"]) for a in listed] == [
        datetime.fromisoformat(user["created_at"]),
        clock.now,
    ]
    assert listed[0]["created_at"] != listed[1]["created_at"]


def test_placing_a_members_room_in_their_client_account_moves_it_in_their_inbox(
    api: Api, app: Flask, world: World
) -> None:
    client_account = _client_account(api, world.alice.id)

    response = api.call(
        "PUT", PLACE.format(room=world.room.id, user=world.alice.id), {"account_id": client_account}
    )

    assert response.status_code == 200
    assert response.get_json() == {
        "room_id": world.room.id,
        "user_id": world.alice.id,
        "account_id": client_account,
    }
    assert _inbox_titles(app, world) == []
    assert _inbox_titles(app, world, client_account) == ["Website redesign"]


def test_a_room_cannot_be_placed_in_an_account_of_someone_else(
    api: Api, app: Flask, world: World
) -> None:
    bobs_client = _client_account(api, world.bob.id)

    response = api.call(
        "PUT", PLACE.format(room=world.room.id, user=world.alice.id), {"account_id": bobs_client}
    )

    assert response.status_code == 422
    assert "not one of this member's accounts" in response.get_json()["error"]["message"]
    assert _inbox_titles(app, world) == ["Website redesign"]


@pytest.mark.parametrize(
    ("body", "status"),
    [({"account_id": 0}, 422), ({"account_id": 1, "extra": True}, 422), ({}, 422)],
)
def test_a_placement_body_is_validated(
    api: Api, world: World, body: dict[str, Any], status: int
) -> None:
    response = api.call("PUT", PLACE.format(room=world.room.id, user=world.alice.id), body)

    assert response.status_code == status
    assert response.get_json()["error"]["code"]


def test_placing_a_room_for_someone_who_is_not_in_it_is_not_found(api: Api, world: World) -> None:
    carol = api.call("POST", "/users", {"email": "carol@example.net"}).get_json()

    response = api.call(
        "PUT",
        PLACE.format(room=world.room.id, user=carol["id"]),
        {"account_id": carol["accounts"][0]["id"]},
    )

    assert response.status_code == 404


def test_an_alert_sent_for_an_account_shows_in_that_accounts_tab_only(
    api: Api, app: Flask, world: World
) -> None:
    client_account = _client_account(api, world.alice.id)
    sent = api.call(
        "POST",
        f"/users/{world.alice.id}/alerts",
        {"title": "Invoice 42 is due", "account_id": client_account},
    )
    assert sent.status_code == 201 and sent.get_json()["account_id"] == client_account

    browser = signed_in_client(app, world.alice)
    assert "Invoice 42 is due" not in browser.get("/alerts").get_data(as_text=True)
    token = csrf_token(browser, "/rooms")
    browser.post("/account", data={"account_id": client_account, "csrf_token": token})
    assert "Invoice 42 is due" in browser.get("/alerts").get_data(as_text=True)


def test_the_openapi_document_describes_the_placement_operation() -> None:
    document = openapi_document("test")

    operation = document["paths"][
        PLACE.replace("{room}", "{room_id}").replace("{user}", "{user_id}")
    ]["put"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AccountPlacement"}
    assert {"200", "404", "422"} <= set(operation["responses"])
    schema = document["components"]["schemas"]["AccountPlacement"]
    assert schema["required"] == ["account_id"]
