"""The platform API's membership and report operations: removing a member, handing a room
over, and listing, resolving and dismissing reports (the platform acts as an operator)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.api_keys import create_api_key
from gateway.core.messages import list_messages, post_message
from gateway.core.reports import report_message
from gateway.core.rooms import find_membership, get_room
from gateway.store.database import Database
from gateway.store.models import Origin, ReportReason, Role

from support import World


@pytest.fixture
def call(client: FlaskClient, database: Database, now: datetime) -> Any:
    with database.transaction() as session:
        _key, secret = create_api_key(session, "marketplace", now=now)

    def call_(method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {secret}"}
        return client.open("/api/v1" + path, method=method, json=body, headers=headers)

    return call_


@pytest.fixture
def report_id(database: Database, world: World, now: datetime) -> int:
    """Alice reported Bob's message."""
    with database.transaction() as session:
        message = post_message(
            session, world.room.id, world.bob.id, "Pay me outside", origin=Origin.WEB, now=now
        )
        return report_message(
            session, message.id, world.alice.id, ReportReason.OFF_PLATFORM_PAYMENT, "", now=now
        ).id


def test_transferring_a_room_makes_the_old_owner_an_admin(
    call: Any, database: Database, world: World
) -> None:
    response = call("POST", f"/rooms/{world.room.id}/owner", {"user_id": world.bob.id})
    assert response.status_code == 200
    body = response.get_json()
    assert body["owner_id"] == world.bob.id
    roles = {m["user_id"]: m["role"] for m in body["members"]}
    assert roles == {world.alice.id: "admin", world.bob.id: "owner"}
    with database.read_session() as session:
        notes = [m.body_source for m in list_messages(session, get_room(session, world.room.id))]
    assert notes == ["Alice Archer made Bob Baker the owner of the room"]


def test_transferring_to_a_non_member_is_404(call: Any, world: World) -> None:
    response = call("POST", f"/rooms/{world.room.id}/owner", {"user_id": 999})
    assert response.status_code == 404


def test_removing_a_member_leaves_a_note_and_the_owner_stays(
    call: Any, database: Database, world: World
) -> None:
    assert call("DELETE", f"/rooms/{world.room.id}/members/{world.bob.id}").status_code == 204
    refused = call("DELETE", f"/rooms/{world.room.id}/members/{world.alice.id}")
    assert refused.status_code == 409
    with database.read_session() as session:
        bob = find_membership(session, world.room.id, world.bob.id)
        alice = find_membership(session, world.room.id, world.alice.id)
        assert bob is not None and bob.left_at is not None
        assert alice is not None and alice.role == Role.OWNER and alice.left_at is None
        notes = [m.body_source for m in list_messages(session, get_room(session, world.room.id))]
    assert notes == ["Bob Baker was removed from the room"]


def test_reports_are_listed_resolved_and_not_handled_twice(
    call: Any, world: World, report_id: int
) -> None:
    listed = call("GET", "/reports").get_json()["reports"]
    assert [(r["id"], r["state"], r["reason"]) for r in listed] == [(report_id, "open", "payment")]
    assert listed[0]["reporter_id"] == world.alice.id and listed[0]["author_id"] == world.bob.id
    resolved = call("POST", f"/reports/{report_id}/resolve")
    assert resolved.status_code == 200
    body = resolved.get_json()
    assert body["state"] == "resolved" and body["handled_at"] and body["handled_by_id"] is None
    assert call("GET", "/reports").get_json()["reports"] == []
    assert [r["id"] for r in call("GET", "/reports?state=resolved").get_json()["reports"]] == [
        report_id
    ]
    again = call("POST", f"/reports/{report_id}/dismiss")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"


def test_dismissing_an_unknown_report_is_404_and_a_bad_state_422(call: Any) -> None:
    assert call("POST", "/reports/4242/dismiss").status_code == 404
    assert call("GET", "/reports?state=pending").status_code == 422


def test_the_openapi_document_lists_the_new_operations(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/rooms/{room_id}/owner"]
    assert "get" in paths["/reports"]
    assert {"/reports/{report_id}/resolve", "/reports/{report_id}/dismiss"} <= paths.keys()
