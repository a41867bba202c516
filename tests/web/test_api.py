"""The platform JSON API through Flask's client on the test database: keys, each resource,
errors as JSON with stable codes, Idempotency-Key, and the OpenAPI document matching what
the API validates."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from gateway.core.api_keys import create_api_key, revoke_api_key
from gateway.core.messages import post_message
from gateway.core.signin import SignInRefused, sign_in_with_password
from gateway.core.users import add_user
from gateway.core.web_sessions import find_web_session, start_web_session
from gateway.store.database import Database
from gateway.store.models import (
    Alert,
    Message,
    Notification,
    NotificationState,
    Origin,
    User,
)
from gateway.web.api.openapi import openapi_document

from support import World
from web_support import Clock


@pytest.fixture
def api_key(database: Database, now: datetime) -> str:
    with database.transaction() as session:
        _key, secret = create_api_key(session, "marketplace", now=now)
    return secret


class Api:
    """The client with the key on every call."""

    def __init__(self, client: FlaskClient, key: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"}

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        response = self.client.open(
            "/api/v1" + path,
            method=method,
            json=body,
            headers={**self.headers, **{k.replace("_", "-"): v for k, v in headers.items()}},
        )
        return response

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.call("POST", path, body if body is not None else {}, **headers)


@pytest.fixture
def api(client: FlaskClient, api_key: str) -> Api:
    return Api(client, api_key)


def error_code(response: Any) -> str:
    assert response.is_json, response.data
    return response.get_json()["error"]["code"]


# --- keys --------------------------------------------------------------------------------------


def test_calls_without_a_valid_key_are_refused_with_a_bearer_challenge(
    client: FlaskClient, api_key: str, database: Database, now: datetime
) -> None:
    for headers in ({}, {"Authorization": "Bearer gw_wrong"}, {"Authorization": api_key}):
        response = client.get("/api/v1/users", headers=headers)
        assert response.status_code == 401
        assert error_code(response) == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (
        client.get("/api/v1/users", headers={"Authorization": f"Bearer {api_key}"}).status_code
        == 200
    )
    with database.transaction() as session:
        revoke_api_key(session, "marketplace", now=now)
    response = client.get("/api/v1/users", headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 401


def test_only_a_hash_of_the_key_is_stored(database: Database, api_key: str) -> None:
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT name, prefix, secret_hash FROM api_keys").all()
    [(name, prefix, secret_hash)] = rows
    assert name == "marketplace"
    assert api_key.startswith(prefix) and api_key not in secret_hash and len(api_key) >= 40


def test_the_openapi_document_needs_no_key_and_lists_every_operation(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    operations = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert {
        ("POST", "/users"),
        ("PATCH", "/users/{user_id}"),
        ("POST", "/users/{user_id}/deactivate"),
        ("POST", "/users/{user_id}/accounts"),
        ("POST", "/rooms"),
        ("PUT", "/rooms/{room_id}/members/{user_id}"),
        ("DELETE", "/rooms/{room_id}/members/{user_id}"),
        ("POST", "/rooms/{room_id}/messages"),
        ("GET", "/rooms/{room_id}/messages"),
        ("POST", "/users/{user_id}/alerts"),
    } <= operations
    create = document["paths"]["/users"]["post"]
    schema_name = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[
        -1
    ]
    user_create = document["components"]["schemas"][schema_name]
    # The limits the API enforces are the ones the document states.
    assert user_create["properties"]["email"]["maxLength"] == 320
    assert user_create["additionalProperties"] is False
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert document == openapi_document(document["info"]["version"])


# --- users ---------------------------------------------------------------------------------------


def test_create_read_update_and_find_a_user(api: Api) -> None:
    response = api.post(
        "/users",
        {
            "email": " Carol@Example.COM ",
            "name": "Carol Chen",
            "time_zone": "Europe/Berlin",
            "account_kind": "client",
        },
    )
    assert response.status_code == 201, response.data
    carol = response.get_json()
    assert carol["email"] == "carol@example.com"
    assert carol["name"] == "Carol Chen" and carol["time_zone"] == "Europe/Berlin"
    assert [a["kind"] for a in carol["accounts"]] == ["client"]
    assert carol["deactivated_at"] is None

    assert api.get(f"/users/{carol['id']}").get_json() == carol
    found = api.get("/users?email=CAROL@example.com").get_json()
    assert [u["id"] for u in found["users"]] == [carol["id"]]

    changed = api.call(
        "PATCH", f"/users/{carol['id']}", {"name": "Carol C.", "time_zone": "Asia/Tokyo"}
    )
    assert changed.status_code == 200
    assert changed.get_json()["name"] == "Carol C."
    assert changed.get_json()["time_zone"] == "Asia/Tokyo"
    assert changed.get_json()["email"] == "carol@example.com"


def test_users_are_listed_in_pages(api: Api) -> None:
    for index in range(5):
        assert api.post("/users", {"email": f"u{index}@example.com"}).status_code == 201
    first = api.get("/users?limit=2").get_json()
    assert len(first["users"]) == 2 and first["next_after_id"] == first["users"][-1]["id"]
    seen = [u["id"] for u in first["users"]]
    after = first["next_after_id"]
    while after is not None:
        page = api.get(f"/users?limit=2&after_id={after}").get_json()
        seen += [u["id"] for u in page["users"]]
        after = page["next_after_id"]
    assert len(seen) == 5 and seen == sorted(seen)


def test_a_taken_address_is_a_conflict_and_bad_fields_are_named(api: Api, world: World) -> None:
    taken = api.post("/users", {"email": "ALICE@example.com"})
    assert taken.status_code == 409 and error_code(taken) == "conflict"
    assert "alice@example.com" in taken.get_json()["error"]["message"]

    bad = api.post("/users", {"email": "x@example.com", "time_zone": "Mars/Olympus", "nick": 1})
    assert bad.status_code == 422 and error_code(bad) == "invalid_request"
    details = {d["field"]: d["message"] for d in bad.get_json()["error"]["details"]}
    assert set(details) == {"body.time_zone", "body.nick"}
    assert "Mars/Olympus" in details["body.time_zone"]
    assert "Europe/Berlin" in details["body.time_zone"]  # says what would do

    invalid = api.post("/users", {"email": "not an address"})
    assert invalid.status_code == 422 and error_code(invalid) == "invalid_input"

    nul = api.post("/users", {"email": "x@example.com", "name": "a\u0000b"})
    assert nul.status_code == 422
    assert nul.get_json()["error"]["details"][0]["field"] == "body.name"

    other = api.post("/users", {"email": "dora@example.com"}).get_json()
    moved = api.call("PATCH", f"/users/{other['id']}", {"email": "bob@example.org"})
    assert moved.status_code == 409


def test_malformed_bodies_get_400_415_and_413(api: Api, client: FlaskClient) -> None:
    not_json = client.post(
        "/api/v1/users",
        data=b"{email:",
        headers={**api.headers, "Content-Type": "application/json"},
    )
    assert not_json.status_code == 400 and error_code(not_json) == "bad_json"
    form = client.post("/api/v1/users", data={"email": "x@example.com"}, headers=api.headers)
    assert form.status_code == 415 and error_code(form) == "unsupported_media_type"
    array = api.post("/users", [1, 2])
    assert array.status_code == 422
    huge = client.post(
        "/api/v1/users",
        data=b'{"email": "' + b"a" * (client.application.config["MAX_CONTENT_LENGTH"] + 10) + b'"}',
        headers={**api.headers, "Content-Type": "application/json"},
    )
    assert huge.status_code == 413 and error_code(huge) == "payload_too_large"


def test_unknown_paths_methods_and_ids_answer_json(api: Api, client: FlaskClient) -> None:
    nowhere = api.get("/nowhere")
    assert nowhere.status_code == 404 and error_code(nowhere) == "not_found"
    wrong = api.call("DELETE", "/users")
    assert wrong.status_code == 405 and error_code(wrong) == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]
    for path in ("/users/99", "/users/99999999999999999999", "/rooms/4000000000"):
        missing = api.get(path)
        assert missing.status_code == 404 and error_code(missing) == "not_found"
    # The web pages keep their HTML 404.
    page = client.get("/no-such-page")
    assert page.status_code == 404 and not page.is_json


def test_deactivating_a_user_closes_every_door_and_keeps_history(
    api: Api, world: World, database: Database, now: datetime, client: FlaskClient
) -> None:
    with database.transaction() as session:
        alice = session.get(User, world.alice.id)
        assert alice is not None
        alice.password_hash = None
        from gateway.core.passwords import hash_password

        alice.password_hash = hash_password("correct horse battery")
        token = start_web_session(session, alice, now=now)
        post_message(
            session, world.room.id, world.bob.id, "owed to Alice", origin=Origin.WEB, now=now
        )

    response = api.post(f"/users/{world.alice.id}/deactivate")
    assert response.status_code == 200 and response.get_json()["deactivated_at"] is not None

    with database.transaction() as session:
        assert find_web_session(session, token, now=now) is None
        owed = session.scalars(
            select(Notification).where(Notification.user_id == world.alice.id)
        ).all()
        assert [(n.state, n.reason) for n in owed] == [(NotificationState.SKIPPED, "deactivated")]
        with pytest.raises(SignInRefused, match="deactivated"):
            sign_in_with_password(
                session, "alice@example.com", "correct horse battery", remote_addr="1", now=now
            )
    refused = api.post(
        f"/rooms/{world.room.id}/messages", {"author_id": world.alice.id, "body": "still here?"}
    )
    assert refused.status_code == 403 and "deactivated" in refused.get_json()["error"]["message"]
    # Bob's next message owes Alice nothing; her history stays readable.
    api.post(f"/rooms/{world.room.id}/messages", {"author_id": world.bob.id, "body": "hello?"})
    with database.transaction() as session:
        count = session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == world.alice.id)
        )
        assert count == 1
    alert = api.post(f"/users/{world.alice.id}/alerts", {"title": "Payment received"})
    assert alert.status_code == 403

    back = api.post(f"/users/{world.alice.id}/reactivate")
    assert back.status_code == 200 and back.get_json()["deactivated_at"] is None
    assert (
        api.post(
            f"/rooms/{world.room.id}/messages", {"author_id": world.alice.id, "body": "back"}
        ).status_code
        == 201
    )


def test_accounts_one_of_each_kind(api: Api, world: World) -> None:
    added = api.post(f"/users/{world.bob.id}/accounts", {"kind": "client", "name": "Baker Ltd"})
    assert added.status_code == 201
    assert added.get_json()["kind"] == "client" and added.get_json()["name"] == "Baker Ltd"
    again = api.post(f"/users/{world.bob.id}/accounts", {"kind": "client"})
    assert again.status_code == 409
    kinds = [a["kind"] for a in api.get(f"/users/{world.bob.id}/accounts").get_json()["accounts"]]
    assert kinds == ["freelancer", "client"]
    assert api.post(f"/users/{world.bob.id}/accounts", {"kind": "pirate"}).status_code == 422


# --- rooms, members, messages ---------------------------------------------------------------------


def test_open_a_room_with_members_and_roles(
    api: Api, world: World, database: Database, now: datetime
) -> None:
    with database.transaction() as session:
        carol = add_user(session, "carol@example.com", now=now)
    response = api.post(
        "/rooms",
        {
            "title": "  Contract #42  ",
            "kind": "contract",
            "owner_id": world.alice.id,
            "members": [{"user_id": world.bob.id, "role": "admin"}, {"user_id": carol.id}],
        },
    )
    assert response.status_code == 201, response.data
    room = response.get_json()
    assert room["title"] == "Contract #42" and room["kind"] == "contract"
    roles = {m["user_id"]: m["role"] for m in room["members"]}
    assert roles == {world.alice.id: "owner", world.bob.id: "admin", carol.id: "member"}
    assert api.get(f"/rooms/{room['id']}").get_json() == room

    demoted = api.call("PUT", f"/rooms/{room['id']}/members/{world.bob.id}", {"role": "member"})
    assert demoted.status_code == 200 and demoted.get_json()["role"] == "member"
    owner = api.call("PUT", f"/rooms/{room['id']}/members/{world.alice.id}", {"role": "member"})
    assert owner.status_code == 409
    as_owner = api.call("PUT", f"/rooms/{room['id']}/members/{carol.id}", {"role": "owner"})
    assert as_owner.status_code == 422

    removed = api.call("DELETE", f"/rooms/{room['id']}/members/{carol.id}")
    assert removed.status_code == 204 and removed.data == b""
    assert api.call("DELETE", f"/rooms/{room['id']}/members/{carol.id}").status_code == 404
    assert api.call("DELETE", f"/rooms/{room['id']}/members/{world.alice.id}").status_code == 409
    rejoined = api.call("PUT", f"/rooms/{room['id']}/members/{carol.id}", {})
    assert rejoined.status_code == 201 and rejoined.get_json()["role"] == "member"


def test_a_direct_room_between_two_is_reused(api: Api, world: World) -> None:
    body = {"kind": "direct", "owner_id": world.alice.id, "members": [{"user_id": world.bob.id}]}
    first = api.post("/rooms", body)
    assert first.status_code == 201
    again = api.post(
        "/rooms", {**body, "owner_id": world.bob.id, "members": [{"user_id": world.alice.id}]}
    )
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    third = api.call("PUT", f"/rooms/{first.get_json()['id']}/members/{world.bob.id + 100}", {})
    assert third.status_code == 404
    crowd = api.post(
        "/rooms", {**body, "members": [{"user_id": world.bob.id}, {"user_id": world.alice.id}]}
    )
    assert crowd.status_code == 422


def test_room_errors_name_what_is_wrong(api: Api, world: World) -> None:
    no_owner = api.post("/rooms", {"title": "x", "owner_id": 999})
    assert no_owner.status_code == 404
    no_title = api.post("/rooms", {"title": "   ", "owner_id": world.alice.id})
    assert no_title.status_code == 422 and "title" in no_title.get_json()["error"]["message"]
    other_account = api.post("/rooms", {"title": "x", "owner_id": world.alice.id, "account_id": 99})
    assert other_account.status_code == 422


def test_post_as_a_member_and_page_through_messages(
    api: Api, world: World, database: Database
) -> None:
    ids = []
    for index in range(5):
        response = api.post(
            f"/rooms/{world.room.id}/messages",
            {"author_id": world.alice.id, "body": f"**message** {index}"},
        )
        assert response.status_code == 201, response.data
        ids.append(response.get_json()["id"])
    posted = api.get(f"/rooms/{world.room.id}/messages?limit=2").get_json()
    assert [m["id"] for m in posted["messages"]] == ids[-2:]
    assert posted["has_older"] and not posted["has_newer"]
    assert posted["messages"][0]["body_html"].startswith("<p><strong>message</strong>")
    assert posted["messages"][0]["origin"] == "api"
    older = api.get(f"/rooms/{world.room.id}/messages?limit=2&before_id={ids[-2]}").get_json()
    assert [m["id"] for m in older["messages"]] == ids[1:3]
    newer = api.get(f"/rooms/{world.room.id}/messages?after_id={ids[2]}").get_json()
    assert [m["id"] for m in newer["messages"]] == ids[3:]

    reply = api.post(
        f"/rooms/{world.room.id}/messages",
        {"author_id": world.bob.id, "body": "agreed", "parent_id": ids[0]},
    )
    assert reply.get_json()["parent_id"] == ids[0]
    with database.transaction() as session:
        # Bob is owed nothing for his own message; Alice is owed it.
        owed = session.scalars(
            select(Notification.user_id).where(Notification.message_id == reply.get_json()["id"])
        ).all()
        assert owed == [world.alice.id]


def test_posting_is_refused_for_non_members_and_bad_bodies(
    api: Api, world: World, database: Database, now: datetime
) -> None:
    with database.transaction() as session:
        stranger = add_user(session, "stranger@example.net", now=now)
    outside = api.post(f"/rooms/{world.room.id}/messages", {"author_id": stranger.id, "body": "hi"})
    assert outside.status_code == 403 and error_code(outside) == "not_allowed"
    empty = api.post(f"/rooms/{world.room.id}/messages", {"author_id": world.bob.id, "body": ""})
    assert empty.status_code == 422
    contact = api.post(
        f"/rooms/{world.room.id}/messages",
        {"author_id": world.bob.id, "body": "mail me at bob@elsewhere.example"},
    )
    assert contact.status_code in (403, 422)
    assert (
        api.post("/rooms/999/messages", {"author_id": world.bob.id, "body": "x"}).status_code == 404
    )
    assert api.get(f"/rooms/{world.room.id}/messages?limit=0").status_code == 422
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0


# --- alerts -------------------------------------------------------------------------------------


def test_send_an_account_alert_and_an_update(
    api: Api, world: World, database: Database, now: datetime
) -> None:
    response = api.post(
        f"/users/{world.bob.id}/alerts",
        {
            "title": "Payment of $120 received",
            "body": "Thanks for **paying**.",
            "link": "/payments/7",
            "financial": True,
            "expires_at": (now + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 201, response.data
    alert = response.get_json()
    assert alert["category"] == "alert" and alert["financial"] is True
    assert alert["body_html"] == "<p>Thanks for <strong>paying</strong>.</p>\n"
    update = api.post(
        f"/users/{world.bob.id}/alerts", {"category": "update", "title": "New feature"}
    )
    assert update.status_code == 201
    financial_update = api.post(
        f"/users/{world.bob.id}/alerts", {"category": "update", "title": "x", "financial": True}
    )
    assert financial_update.status_code == 422
    bad_link = api.post(
        f"/users/{world.bob.id}/alerts", {"title": "x", "link": "javascript:alert(1)"}
    )
    assert bad_link.status_code == 422
    naive = api.post(
        f"/users/{world.bob.id}/alerts", {"title": "x", "expires_at": "2027-01-01T00:00:00"}
    )
    assert naive.status_code == 422
    overflow = api.post(
        f"/users/{world.bob.id}/alerts", {"title": "x", "expires_at": "9999-12-31T23:59:59-05:00"}
    )
    assert overflow.status_code == 422
    with database.transaction() as session:
        categories = session.scalars(
            select(Notification.category).where(Notification.user_id == world.bob.id)
        ).all()
        assert sorted(categories) == ["alert", "update"]
        assert session.scalar(select(func.count()).select_from(Alert)) == 2


# --- Idempotency-Key ----------------------------------------------------------------------------


def test_a_repeated_post_with_one_key_has_one_effect(api: Api, database: Database) -> None:
    first = api.post("/users", {"email": "erin@example.com"}, Idempotency_Key="create-erin-1")
    again = api.post("/users", {"email": "erin@example.com"}, Idempotency_Key="create-erin-1")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    reused = api.post("/users", {"email": "frank@example.com"}, Idempotency_Key="create-erin-1")
    assert reused.status_code == 422 and error_code(reused) == "idempotency_key_reused"
    without = api.post("/users", {"email": "erin@example.com"})
    assert without.status_code == 409  # no key: a second attempt is a second request
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1


def test_an_idempotency_key_is_kept_for_a_day_and_only_for_successes(
    api: Api, world: World, clock: Clock
) -> None:
    path = f"/rooms/{world.room.id}/messages"
    refused = api.post(path, {"author_id": world.bob.id, "body": ""}, Idempotency_Key="m-1")
    assert refused.status_code == 422
    body = {"author_id": world.bob.id, "body": "once"}
    first = api.post(path, body, Idempotency_Key="m-1")
    assert first.status_code == 201  # a refusal is not kept: the key was still free
    assert api.post(path, body, Idempotency_Key="m-1").get_json()["id"] == first.get_json()["id"]
    clock.advance(hours=25)
    later = api.post(path, body, Idempotency_Key="m-1")
    assert later.status_code == 201 and later.get_json()["id"] != first.get_json()["id"]
    bad_key = api.post(path, body, Idempotency_Key="spaces are not allowed")
    assert bad_key.status_code == 422 and error_code(bad_key) == "invalid_idempotency_key"


def test_keys_are_per_api_key(
    api: Api, client: FlaskClient, database: Database, now: datetime
) -> None:
    with database.transaction() as session:
        _key, other = create_api_key(session, "second platform", now=now)
    mine = api.post("/users", {"email": "gina@example.com"}, Idempotency_Key="k")
    theirs = Api(client, other).post("/users", {"email": "hal@example.com"}, Idempotency_Key="k")
    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["id"] != theirs.get_json()["id"]


def test_racing_copies_of_one_request_have_one_effect(
    app: Flask, api_key: str, world: World, database: Database
) -> None:
    """Eight threads send the same POST with the same key at once: one message is stored and
    all eight get its response."""
    results: list[Any] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/v1/rooms/{world.room.id}/messages",
            json={"author_id": world.bob.id, "body": "exactly once"},
            headers={"Authorization": f"Bearer {api_key}", "Idempotency-Key": "race-1"},
        )
        results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {status for status, _ in results} == {201}
    assert len({body["id"] for _, body in results}) == 1
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 1


def test_every_response_matches_the_documented_schema(api: Api, world: World) -> None:
    """Each operation's documented success model validates what it returns."""
    document = openapi_document("test")
    checks = [
        ("GET", f"/users/{world.alice.id}", None, "/users/{user_id}"),
        ("GET", f"/rooms/{world.room.id}", None, "/rooms/{room_id}"),
        ("GET", f"/rooms/{world.room.id}/messages", None, "/rooms/{room_id}/messages"),
    ]
    for method, path, body, template in checks:
        response = api.call(method, path, body)
        ref = document["paths"][template][method.lower()]["responses"]["200"]["content"][
            "application/json"
        ]["schema"]["$ref"]
        name = ref.split("/")[-1]
        assert set(document["components"]["schemas"][name]["required"]) <= set(response.get_json())
    assert json.loads(json.dumps(document))  # serializable as it is served


def test_ids_at_and_past_the_stored_range_name_nothing(api: Api, world: World) -> None:
    """PostgreSQL refuses to compare a larger number with an INTEGER column: such ids must
    never reach it (found by Schemathesis: after_id=2147483647 answered 500)."""
    edge = api.get(f"/rooms/{world.room.id}/messages?before_id=1&after_id=2147483647")
    assert edge.status_code == 200
    assert edge.get_json() == {"messages": [], "has_older": False, "has_newer": False}
    past = api.get(f"/rooms/{world.room.id}/messages?after_id=2147483648")
    assert past.status_code == 422
    assert api.get("/users/2147483648").status_code == 404
    beyond = api.call("DELETE", f"/rooms/{world.room.id}/members/2147483648")
    assert beyond.status_code == 404 and error_code(beyond) == "not_found"
    assert api.get("/users/2147483647").status_code == 404
