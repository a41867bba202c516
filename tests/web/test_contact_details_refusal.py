"""The contact-details refusal on the web: the compose box is told every piece at once, in
the words that fit the room, and keeps the draft for fixing; ordinary work talk is posted."""

from __future__ import annotations

import html
from datetime import datetime

from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.core.rooms import create_room
from gateway.store.database import Database
from gateway.store.models import Message, RoomKind, User

from support import World
from web_support import csrf_token, sign_in

JSON = {"Accept": "application/json"}
TWO_PIECES = "Ping me: whatsapp5551234567 or alice(at)example(dot)com"


def _interview(database: Database, world: World, now: datetime) -> int:
    with database.transaction() as session:
        alice, bob = session.get_one(User, world.alice.id), session.get_one(User, world.bob.id)
        room = create_room(
            session, "Interview", owner=alice, members=[bob], kind=RoomKind.INTERVIEW, now=now
        )
        return room.id


def _bodies(database: Database) -> list[str]:
    with database.read_session() as session:
        return list(session.scalars(select(Message.body_source).order_by(Message.id)))


def test_the_web_error_names_every_piece_in_the_interview_wording(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    room_id = _interview(database, world, now)
    sign_in(client, world.alice)
    token = csrf_token(client, f"/rooms/{room_id}")
    response = client.post(
        f"/rooms/{room_id}/messages", data={"csrf_token": token, "body": TWO_PIECES}, headers=JSON
    )
    assert response.status_code == 422
    error = response.json["error"]
    assert "cannot be shared during an interview" in error
    assert error.endswith("Remove these 2 and send again: 5551234567 and alice(at)example(dot)com.")
    # Without JavaScript: the page again, with the reason and the draft kept.
    response = client.post(
        f"/rooms/{room_id}/messages", data={"csrf_token": token, "body": TWO_PIECES}
    )
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "5551234567 and alice(at)example(dot)com." in page
    assert f">{TWO_PIECES}</textarea>" in page
    assert _bodies(database) == []


def test_work_talk_full_of_numbers_is_posted(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    room_id = _interview(database, world, now)
    sign_in(client, world.alice)
    token = csrf_token(client, f"/rooms/{room_id}")
    body = (
        "Invoice INV-2026-000123 (reference 0123456789) for €1,234,567.00 is due 07.12.2026; "
        "order #123456789 ships with tracking 1Z999AA10123456784. Look at the report, dot the "
        "i's, and meet at 5."
    )
    response = client.post(
        f"/rooms/{room_id}/messages", data={"csrf_token": token, "body": body}, headers=JSON
    )
    assert response.status_code == 200, response.json
    assert _bodies(database) == [body]
