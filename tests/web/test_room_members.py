"""The members section of the room page, through the Flask test client: removing members,
handing the room over, inviting an address nobody has (an invitation email whose Reply-To
posts in the room), and the system notes these leave in the room."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from gateway.core.messages import list_messages
from gateway.core.rooms import add_member, find_membership, get_room
from gateway.core.users import add_user, find_user_by_email
from gateway.store.database import Database
from gateway.store.models import Origin, OutboxEmail, Role, Room, User

from smtp_gateway import SMTPGateway
from support import MAIL_DOMAIN, World, add_carol, reply_email
from web_support import csrf_token, post_form, switch_user, take_flashes


@pytest.fixture
def carol(database: Database, world: World, now: datetime) -> User:
    """An admin of the room."""
    return add_carol(database, world, now, role=Role.ADMIN)


@pytest.fixture
def as_user(client: FlaskClient) -> Callable[[User], str]:
    return functools.partial(switch_user, client)


def _role(database: Database, room_id: int, user_id: int) -> Role | None:
    with database.read_session() as session:
        membership = find_membership(session, room_id, user_id)
        return None if membership is None or membership.left_at else membership.role


def _members_section(html: str) -> str:
    return html.split('id="sidebar-members-heading"', 1)[1].split("</section>", 1)[0]


def test_owner_removes_a_member_and_the_room_shows_a_system_note(
    client: FlaskClient, as_user: Callable[[User], str], database: Database, world: World
) -> None:
    token = as_user(world.alice)
    response = post_form(client, f"/rooms/{world.room.id}/members/{world.bob.id}/remove", token)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/rooms/{world.room.id}#sidebar-members-heading")
    assert take_flashes(client) == [("success", "Bob Baker was removed from the room.")]
    assert _role(database, world.room.id, world.bob.id) is None
    html = client.get(f"/rooms/{world.room.id}").get_data(as_text=True)
    note = re.search(r'<li class="message message--system[^>]*>(.*?)</li>', html, re.S)
    assert note is not None and "Alice Archer removed Bob Baker" in note.group(1)
    # A note is the room's own line, not a person's message: no author, no actions.
    assert "message-author" not in note.group(1) and "Actions" not in note.group(1)


def test_the_removed_member_can_no_longer_open_the_room(
    client: FlaskClient, as_user: Callable[[User], str], world: World
) -> None:
    post_form(client, f"/rooms/{world.room.id}/members/{world.bob.id}/remove", as_user(world.alice))
    as_user(world.bob)
    assert client.get(f"/rooms/{world.room.id}").status_code == 404


def test_an_admin_cannot_remove_another_admin(
    client: FlaskClient,
    as_user: Callable[[User], str],
    database: Database,
    world: World,
    carol: User,
    now: datetime,
) -> None:
    with database.transaction() as session:
        dave = add_user(session, "dave@example.net", name="Dave Dunn", now=now)
        add_member(session, session.get_one(Room, world.room.id), dave, now=now, role=Role.ADMIN)
    token = as_user(carol)
    post_form(client, f"/rooms/{world.room.id}/members/{dave.id}/remove", token)
    assert take_flashes(client) == [("error", "Only the room's owner can remove an admin.")]
    assert _role(database, world.room.id, dave.id) == Role.ADMIN


def test_a_stranger_posting_a_removal_gets_404(
    client: FlaskClient,
    as_user: Callable[[User], str],
    database: Database,
    world: World,
    now: datetime,
) -> None:
    with database.transaction() as session:
        eve = add_user(session, "eve@example.net", name="Eve", now=now)
    token = as_user(eve)
    response = post_form(client, f"/rooms/{world.room.id}/members/{world.bob.id}/remove", token)
    assert response.status_code == 404
    assert _role(database, world.room.id, world.bob.id) == Role.MEMBER


def test_the_sidebar_offers_removal_by_the_rules(
    client: FlaskClient, as_user: Callable[[User], str], world: World, carol: User
) -> None:
    as_user(world.alice)
    owner_view = _members_section(client.get(f"/rooms/{world.room.id}").get_data(as_text=True))
    assert f"/members/{world.bob.id}/remove" in owner_view
    assert f"/members/{carol.id}/remove" in owner_view
    assert f"/members/{world.alice.id}/remove" not in owner_view
    assert "Transfer ownership" in owner_view
    assert 'href="/reports"' in owner_view  # the moderator page of the rooms they manage
    as_user(carol)
    admin_view = _members_section(client.get(f"/rooms/{world.room.id}").get_data(as_text=True))
    assert f"/members/{world.bob.id}/remove" in admin_view
    assert f"/members/{carol.id}/remove" not in admin_view
    assert "Transfer ownership" not in admin_view
    as_user(world.bob)
    member_view = _members_section(client.get(f"/rooms/{world.room.id}").get_data(as_text=True))
    assert "/remove" not in member_view and 'href="/reports"' not in member_view


def test_owner_transfers_ownership_and_becomes_admin(
    client: FlaskClient, as_user: Callable[[User], str], database: Database, world: World
) -> None:
    token = as_user(world.alice)
    response = post_form(client, f"/rooms/{world.room.id}/owner", token, user_id=str(world.bob.id))
    assert response.status_code == 303
    assert take_flashes(client) == [("success", "Bob Baker now owns the room; you are an admin.")]
    assert _role(database, world.room.id, world.bob.id) == Role.OWNER
    assert _role(database, world.room.id, world.alice.id) == Role.ADMIN
    html = client.get(f"/rooms/{world.room.id}").get_data(as_text=True)
    assert "Alice Archer made Bob Baker the owner of the room" in html
    assert "Transfer ownership" not in _members_section(html)


def test_an_admin_cannot_transfer_ownership(
    client: FlaskClient,
    as_user: Callable[[User], str],
    database: Database,
    world: World,
    carol: User,
) -> None:
    token = as_user(carol)
    post_form(client, f"/rooms/{world.room.id}/owner", token, user_id=str(carol.id))
    assert take_flashes(client) == [("error", "Only the room's owner can hand the room over.")]
    assert _role(database, world.room.id, world.alice.id) == Role.OWNER


def _invitation(database: Database) -> EmailMessage:
    with database.read_session() as session:
        row = session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "invitation"))
        assert row is not None
        parsed = message_from_bytes(row.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


def test_inviting_an_unknown_address_stages_a_user_and_emails_an_invitation(
    client: FlaskClient, as_user: Callable[[User], str], database: Database, world: World
) -> None:
    token = as_user(world.alice)
    response = post_form(client, f"/rooms/{world.room.id}/invite", token, email="dana@example.org")
    assert response.status_code == 303
    assert take_flashes(client) == [
        ("success", "dana@example.org was added to the room and emailed an invitation.")
    ]
    with database.read_session() as session:
        dana = find_user_by_email(session, "dana@example.org")
        assert dana is not None and dana.password_hash is None
    assert _role(database, world.room.id, dana.id) == Role.MEMBER
    email = _invitation(database)
    assert email["To"] == "dana <dana@example.org>"
    assert email["Subject"] == "Alice Archer invited you to Website redesign on Gateway"
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["Reply-To"].addresses[0].domain == MAIL_DOMAIN
    text = email.get_body(("plain",)).get_content()
    link = re.search(r"http://gateway\.example\.com/sign-in/link/\S+", text)
    assert link is not None and f"next=%2Frooms%2F{world.room.id}" in link.group()
    # The link signs Dana in and lands in the room.
    with client.session_transaction() as cookie:
        cookie.clear()
    path = link.group().removeprefix("http://gateway.example.com")
    redeemed = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert redeemed.status_code in (302, 303)
    assert redeemed.headers["Location"].endswith(f"/rooms/{world.room.id}")
    assert "Website redesign" in client.get(f"/rooms/{world.room.id}").get_data(as_text=True)


def test_answering_the_invitation_by_email_posts_in_the_room(
    client: FlaskClient,
    as_user: Callable[[User], str],
    database: Database,
    world: World,
    smtp_gateway: SMTPGateway,
) -> None:
    post_form(
        client, f"/rooms/{world.room.id}/invite", as_user(world.alice), email="dana@example.org"
    )
    reply_to = _invitation(database)["Reply-To"].addresses[0].addr_spec
    raw = reply_email("dana@example.org", reply_to, "Thanks, glad to join!")
    transcript = smtp_gateway.deliver(raw, mail_from="dana@example.org", rcpt_to=[reply_to])
    assert transcript.data is not None and transcript.data[0] == 250
    with database.read_session() as session:
        messages = list_messages(session, get_room(session, world.room.id))
        posted = [m for m in messages if m.origin == Origin.EMAIL]
        assert [m.body_source for m in posted] == ["Thanks, glad to join!"]
        assert posted[0].author is not None and posted[0].author.email == "dana@example.org"


def test_inviting_an_existing_user_sends_no_invitation(
    client: FlaskClient,
    as_user: Callable[[User], str],
    database: Database,
    world: World,
    now: datetime,
) -> None:
    with database.transaction() as session:
        add_user(session, "dave@example.net", name="Dave Dunn", now=now)
    post_form(
        client, f"/rooms/{world.room.id}/invite", as_user(world.alice), email="dave@example.net"
    )
    assert take_flashes(client) == [("success", "Dave Dunn was added to the room.")]
    with database.read_session() as session:
        assert session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "invitation")) is None
