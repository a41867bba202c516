"""The moderator's page through the Flask test client: who sees which reports (operators
every report, a room's owner and admins their room's, anyone else 404), and resolving or
dismissing a report, which records who and when."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.core.messages import post_message
from gateway.core.reports import report_message
from gateway.core.rooms import add_member, create_room
from gateway.core.users import add_user
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Origin, Report, ReportReason, ReportState, Room, User
from gateway.web.app import create_app

from support import World
from web_support import Clock, sign_in, switch_user

OPERATOR = "olga@example.com"


@pytest.fixture
def app(settings: Settings, database: Database, clock: Clock) -> Flask:
    """The app with Olga as the one operator."""
    return create_app(dataclasses.replace(settings, operators=(OPERATOR,)), database, clock=clock)


@pytest.fixture
def people(database: Database, world: World, now: datetime) -> dict[str, User]:
    """Carol (a member of the room), Olga (an operator in no room), and Dan, who owns a room
    of his own with Erin."""
    with database.transaction() as session:
        carol = add_user(session, "carol@example.net", name="Carol Chen", now=now)
        add_member(session, session.get_one(Room, world.room.id), carol, now=now)
        olga = add_user(session, OPERATOR, name="Olga Operator", now=now)
        dan = add_user(session, "dan@example.net", name="Dan Dunn", now=now)
        erin = add_user(session, "erin@example.net", name="Erin Eve", now=now)
        create_room(session, "Dan's room", owner=dan, members=[erin], now=now)
    return {"carol": carol, "olga": olga, "dan": dan, "erin": erin}


@pytest.fixture
def reports(database: Database, world: World, people: dict[str, User], now: datetime) -> list[int]:
    """Carol reported Bob's message in the room; Erin reported Dan's in Dan's room."""
    with database.transaction() as session:
        dans_room = session.scalar(select(Room).where(Room.title == "Dan's room"))
        assert dans_room is not None
        bobs = post_message(
            session, world.room.id, world.bob.id, "Pay me on PayPal", origin=Origin.WEB, now=now
        )
        dans = post_message(
            session, dans_room.id, people["dan"].id, "Mail me at x@y.z", origin=Origin.WEB, now=now
        )
        first = report_message(
            session,
            bobs.id,
            people["carol"].id,
            ReportReason.OFF_PLATFORM_PAYMENT,
            "He asked twice",
            now=now,
        )
        second = report_message(
            session, dans.id, people["erin"].id, ReportReason.CONTACT_DETAILS, "", now=now
        )
        return [first.id, second.id]


@pytest.fixture
def as_user(client: FlaskClient) -> Callable[[User], str]:
    return functools.partial(switch_user, client)


def _report(database: Database, report_id: int) -> Report:
    with database.read_session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        return report


def test_an_operator_sees_every_open_report(
    client: FlaskClient, as_user: Callable[[User], str], people: dict[str, User], reports: list[int]
) -> None:
    as_user(people["olga"])
    html = client.get("/reports").get_data(as_text=True)
    assert "Pay me on PayPal" in html and "Mail me at x@y.z" in html
    assert "Asks for payment outside the platform" in html and "He asked twice" in html
    assert "reported by Carol Chen" in html


def test_a_room_owner_sees_only_their_rooms_reports(
    client: FlaskClient, as_user: Callable[[User], str], world: World, reports: list[int]
) -> None:
    as_user(world.alice)
    response = client.get("/reports")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Pay me on PayPal" in html and "Mail me at x@y.z" not in html


def test_a_plain_member_gets_404(
    client: FlaskClient, as_user: Callable[[User], str], people: dict[str, User], reports: list[int]
) -> None:
    as_user(people["carol"])
    assert client.get("/reports").status_code == 404


def test_resolving_records_who_and_when_and_moves_the_report(
    client: FlaskClient,
    as_user: Callable[[User], str],
    database: Database,
    world: World,
    reports: list[int],
    now: datetime,
) -> None:
    token = as_user(world.alice)
    response = client.post(f"/reports/{reports[0]}/resolve", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/reports")
    report = _report(database, reports[0])
    assert report.state == ReportState.RESOLVED
    assert report.handled_by_id == world.alice.id and report.handled_at == now
    assert "Pay me on PayPal" not in client.get("/reports").get_data(as_text=True)
    resolved = client.get("/reports?state=resolved").get_data(as_text=True)
    assert "Pay me on PayPal" in resolved and "Resolved by Alice Archer" in resolved


def test_dismissing_twice_says_it_was_handled_already(
    client: FlaskClient,
    as_user: Callable[[User], str],
    database: Database,
    people: dict[str, User],
    reports: list[int],
) -> None:
    token = as_user(people["olga"])
    client.post(f"/reports/{reports[1]}/dismiss", data={"csrf_token": token})
    client.post(f"/reports/{reports[1]}/resolve", data={"csrf_token": token})
    with client.session_transaction() as cookie:
        flashes = list(cookie.pop("_flashes", []))
    assert flashes == [
        ("success", f"Report {reports[1]} dismissed."),
        ("error", f"Report {reports[1]} is dismissed already."),
    ]
    assert _report(database, reports[1]).state == ReportState.DISMISSED


def test_an_owner_cannot_handle_another_rooms_report(
    client: FlaskClient,
    as_user: Callable[[User], str],
    database: Database,
    world: World,
    reports: list[int],
) -> None:
    token = as_user(world.alice)
    response = client.post(f"/reports/{reports[1]}/dismiss", data={"csrf_token": token})
    assert response.status_code == 404
    assert _report(database, reports[1]).state == ReportState.OPEN


def test_reporting_again_reopens_a_handled_report(
    client: FlaskClient,
    as_user: Callable[[User], str],
    database: Database,
    world: World,
    people: dict[str, User],
    reports: list[int],
    now: datetime,
) -> None:
    client.post(f"/reports/{reports[0]}/dismiss", data={"csrf_token": as_user(world.alice)})
    with database.transaction() as session:
        report = session.get_one(Report, reports[0])
        report_message(
            session, report.message_id, people["carol"].id, ReportReason.ABUSE, "Again", now=now
        )
    report = _report(database, reports[0])
    assert report.state == ReportState.OPEN and report.handled_by_id is None


def test_an_operator_in_no_room_finds_the_reports_from_the_header(
    client: FlaskClient, world: World, people: dict[str, User]
) -> None:
    sign_in(client, people["olga"])
    page = client.get("/settings").get_data(as_text=True)
    assert 'href="/reports">Reported messages</a>' in page
    sign_in(client, people["carol"])
    assert "Reported messages" not in client.get("/settings").get_data(as_text=True)
