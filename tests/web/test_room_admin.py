"""Room administration views through the Flask test client: invite, roles, leave, the
member's own flags and notepad, block, report, starting conversations, and the side panel.

Form posts answer 303 back to the room page with a flash message; refusals flash the reason
and change nothing. Anything about a room, message or user the viewer has no business with
answers 404. The side panel is rendered as the room page renders it (inside a request)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask, g, render_template
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from gateway.core.messages import post_message
from gateway.core.rooms import (
    create_room,
    find_membership,
    get_own_membership,
    list_active_members,
    set_member_role,
)
from gateway.core.users import add_user
from gateway.core.web_sessions import start_web_session
from gateway.store.database import Database
from gateway.store.models import Block, Membership, Origin, Report, Role, Room, RoomKind, User
from gateway.web.room_admin import sidebar_context

from support import World
from web_support import Clock, post_form, sign_in, switch_user, take_flashes


@pytest.fixture
def carol(database: Database, now: datetime) -> User:
    with database.transaction() as session:
        return add_user(session, "carol@example.net", name="Carol Chen", now=now)


@pytest.fixture
def as_user(client: FlaskClient) -> Callable[[User], str]:
    """Sign a user in on the client; returns the CSRF token its forms carry."""
    return functools.partial(switch_user, client)


def _membership(database: Database, room_id: int, user_id: int) -> Membership | None:
    with database.read_session() as session:
        membership = find_membership(session, room_id, user_id)
        return membership if membership is not None and membership.left_at is None else None


def _assert_back_to_room(response: TestResponse, room_id: int) -> None:
    assert response.status_code == 303
    # The fragment names the section acted on (tests/web/test_keys_and_feedback.py).
    assert response.headers["Location"].split("#")[0].endswith(f"/rooms/{room_id}")


def _room(database: Database, world: World, kind: RoomKind, now: datetime) -> Room:
    with database.transaction() as session:
        return create_room(
            session,
            f"A {kind} room",
            owner=session.merge(world.alice),
            members=[session.merge(world.bob)],
            kind=kind,
            now=now,
        )


def _message(database: Database, room_id: int, author_id: int, text: str, now: datetime) -> int:
    with database.transaction() as session:
        return post_message(session, room_id, author_id, text, origin=Origin.WEB, now=now).id


# --- access ----------------------------------------------------------------------------------


def test_every_form_post_needs_the_csrf_token(
    client: FlaskClient, world: World, database: Database
) -> None:
    sign_in(client, world.alice)
    room = world.room.id
    for path in (
        f"/rooms/{room}/invite",
        f"/rooms/{room}/leave",
        f"/rooms/{room}/favorite",
        f"/rooms/{room}/notepad",
        f"/users/{world.bob.id}/block",
        "/rooms/new",
    ):
        response = client.post(path, data={"value": "on", "email": "carol@example.net"})
        assert response.status_code == 400, path
    assert _membership(database, room, world.alice.id) is not None


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, world: World) -> None:
    response = client.get("/rooms/new")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_a_non_member_guessing_room_message_and_user_ids_gets_404(
    client: FlaskClient, as_user: Callable[[User], str], world: World, carol: User, now
) -> None:
    message_id = _message(
        client.application.extensions["gateway"].database,
        world.room.id,
        world.bob.id,
        "private",
        now,
    )
    token = as_user(carol)
    room = world.room.id
    for path, form in (
        (f"/rooms/{room}/invite", {"email": "carol@example.net"}),
        (f"/rooms/{room}/members/{world.bob.id}/role", {"role": "admin"}),
        (f"/rooms/{room}/leave", {}),
        (f"/rooms/{room}/favorite", {"value": "on"}),
        (f"/rooms/{room}/hide", {"value": "on"}),
        (f"/rooms/{room}/archive", {"value": "on"}),
        (f"/rooms/{room}/notepad", {"notepad": "x"}),
        (f"/rooms/{room}/messages/{message_id}/report", {"reason": "abuse"}),
        ("/rooms/999999/favorite", {"value": "on"}),
        (f"/users/{world.bob.id}/block", {}),
        (f"/users/{world.bob.id}/unblock", {}),
        ("/users/999999/block", {}),
    ):
        assert post_form(client, path, token, **form).status_code == 404, path
    assert client.get(f"/rooms/{room}/messages/{message_id}/report").status_code == 404
    assert take_flashes(client) == []


# --- invite, roles, leave ----------------------------------------------------------------------


def test_the_owner_invites_by_address(
    client: FlaskClient, as_user, world: World, carol: User, database: Database
) -> None:
    token = as_user(world.alice)
    response = post_form(client, f"/rooms/{world.room.id}/invite", token, email="Carol@example.net")
    _assert_back_to_room(response, world.room.id)
    assert take_flashes(client) == [("success", "Carol Chen was added to the room.")]
    membership = _membership(database, world.room.id, carol.id)
    assert membership is not None and membership.role == Role.MEMBER


def test_refused_invites_flash_the_reason_and_add_nobody(
    client: FlaskClient, as_user, world: World, carol: User, database: Database
) -> None:
    token = as_user(world.bob)
    _assert_back_to_room(
        post_form(client, f"/rooms/{world.room.id}/invite", token, email=carol.email), world.room.id
    )
    assert take_flashes(client) == [
        ("error", "Only the room's owner or an admin can invite people.")
    ]
    token = as_user(world.alice)
    post_form(client, f"/rooms/{world.room.id}/invite", token, email="ghost@@example.com")
    [(category, text)] = take_flashes(client)
    assert category == "error" and "ghost@@example.com" in text
    post_form(client, f"/rooms/{world.room.id}/invite", token, email=carol.email, role="boss")
    assert take_flashes(client) == [("error", "Choose a role: admin or member.")]
    assert _membership(database, world.room.id, carol.id) is None


def test_the_owner_changes_a_members_role(
    client: FlaskClient, as_user, world: World, database: Database
) -> None:
    token = as_user(world.alice)
    path = f"/rooms/{world.room.id}/members/{world.bob.id}/role"
    _assert_back_to_room(post_form(client, path, token, role="admin"), world.room.id)
    assert take_flashes(client) == [("success", "Bob Baker is now admin.")]
    assert _membership(database, world.room.id, world.bob.id).role == Role.ADMIN
    post_form(client, path, token, role="owner")
    assert take_flashes(client)[0][0] == "error"
    assert _membership(database, world.room.id, world.bob.id).role == Role.ADMIN


def test_leaving_goes_to_the_rooms_list(
    client: FlaskClient, as_user, world: World, database: Database
) -> None:
    token = as_user(world.bob)
    response = post_form(client, f"/rooms/{world.room.id}/leave", token)
    assert response.status_code == 303 and response.headers["Location"].endswith("/rooms")
    assert take_flashes(client) == [("success", "You left Website redesign.")]
    assert _membership(database, world.room.id, world.bob.id) is None


def test_the_owner_is_told_to_name_an_admin_before_leaving(
    client: FlaskClient, as_user, world: World, database: Database
) -> None:
    token = as_user(world.alice)
    _assert_back_to_room(post_form(client, f"/rooms/{world.room.id}/leave", token), world.room.id)
    [(category, text)] = take_flashes(client)
    assert category == "error" and "make another member an admin" in text
    assert _membership(database, world.room.id, world.alice.id) is not None


# --- favorite, hide, archive, notepad -----------------------------------------------------------


def test_favorite_toggles_on_and_off(
    client: FlaskClient, as_user, world: World, database: Database
) -> None:
    token = as_user(world.bob)
    path = f"/rooms/{world.room.id}/favorite"
    _assert_back_to_room(post_form(client, path, token, value="on"), world.room.id)
    assert _membership(database, world.room.id, world.bob.id).favorite is True
    post_form(client, path, token, value="maybe")
    assert take_flashes(client)[-1] == ("error", "Choose on or off.")
    assert _membership(database, world.room.id, world.bob.id).favorite is True
    post_form(client, path, token, value="off")
    assert _membership(database, world.room.id, world.bob.id).favorite is False


def test_group_rooms_archive_but_do_not_hide(
    client: FlaskClient, as_user, world: World, database: Database, now: datetime
) -> None:
    direct = _room(database, world, RoomKind.DIRECT, now)
    token = as_user(world.bob)
    post_form(client, f"/rooms/{world.room.id}/hide", token, value="on")
    assert take_flashes(client) == [
        ("error", "Only direct conversations and interviews can be hidden.")
    ]
    post_form(client, f"/rooms/{world.room.id}/archive", token, value="on")
    post_form(client, f"/rooms/{direct.id}/hide", token, value="on")
    post_form(client, f"/rooms/{direct.id}/archive", token, value="on")
    assert take_flashes(client)[-1] == ("error", "Only group rooms can be archived.")
    group, dm = (_membership(database, r, world.bob.id) for r in (world.room.id, direct.id))
    assert (group.archived, group.hidden, dm.hidden, dm.archived) == (True, False, True, False)


def test_the_notepad_is_saved_and_too_long_a_one_is_refused(
    client: FlaskClient, as_user, world: World, database: Database
) -> None:
    token = as_user(world.bob)
    path = f"/rooms/{world.room.id}/notepad"
    _assert_back_to_room(post_form(client, path, token, notepad="- call Alice"), world.room.id)
    assert take_flashes(client) == [("success", "Notepad saved.")]
    post_form(client, path, token, notepad="x" * 20_001)
    assert take_flashes(client)[0][0] == "error"
    assert _membership(database, world.room.id, world.bob.id).notepad == "- call Alice"


# --- blocking ------------------------------------------------------------------------------------


def test_blocking_someone_in_a_shared_room_and_unblocking(
    client: FlaskClient, as_user, world: World, database: Database
) -> None:
    token = as_user(world.bob)
    form = {"room_id": str(world.room.id)}
    response = post_form(client, f"/users/{world.alice.id}/block", token, **form)
    _assert_back_to_room(response, world.room.id)
    [(category, text)] = take_flashes(client)
    assert category == "success" and text.startswith("You blocked Alice Archer.")
    assert _membership(database, world.room.id, world.bob.id) is not None
    with database.read_session() as session:
        assert session.query(Block).count() == 1
    response = post_form(client, f"/users/{world.alice.id}/unblock", token)
    assert response.status_code == 303 and response.headers["Location"].endswith("/rooms")
    with database.read_session() as session:
        assert session.query(Block).count() == 0


def test_a_blocked_user_who_left_every_shared_room_can_still_be_unblocked(
    client: FlaskClient, as_user, world: World, database: Database, now: datetime
) -> None:
    token = as_user(world.alice)
    post_form(client, f"/users/{world.bob.id}/block", token)
    with database.transaction() as session:
        session.get(
            Membership, find_membership(session, world.room.id, world.bob.id).id
        ).left_at = now
    assert post_form(client, f"/users/{world.bob.id}/block", token).status_code == 404
    assert post_form(client, f"/users/{world.bob.id}/unblock", token).status_code == 303
    with database.read_session() as session:
        assert session.query(Block).count() == 0


def test_blocking_yourself_or_a_contract_partner_is_refused(
    client: FlaskClient, as_user, world: World, database: Database, now: datetime
) -> None:
    _room(database, world, RoomKind.CONTRACT, now)
    token = as_user(world.bob)
    assert post_form(client, f"/users/{world.bob.id}/block", token).status_code == 404
    post_form(client, f"/users/{world.alice.id}/block", token)
    assert take_flashes(client) == [
        (
            "error",
            "You cannot block someone you have an active contract with. End the contract first.",
        )
    ]
    with database.read_session() as session:
        assert session.query(Block).count() == 0


# --- reporting -----------------------------------------------------------------------------------


def test_reporting_a_message_through_the_form(
    client: FlaskClient, as_user, world: World, database: Database, now: datetime
) -> None:
    message_id = _message(database, world.room.id, world.bob.id, "Pay me on PayPal", now)
    token = as_user(world.alice)
    path = f"/rooms/{world.room.id}/messages/{message_id}/report"
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for value in ("payment", "contact", "link", "abuse"):
        assert f'value="{value}"' in html
    assert "Pay me on PayPal" in html and "23 Nov 2026, 09:30 UTC" in html
    _assert_back_to_room(
        post_form(client, path, token, reason="payment", note="twice"), world.room.id
    )
    assert take_flashes(client)[0][0] == "success"
    post_form(client, path, token, reason="contact", note="")
    with database.read_session() as session:
        reports = session.query(Report).all()
    assert [(r.reporter_id, r.reason.value, r.note) for r in reports] == [
        (world.alice.id, "contact", "")
    ]
    assert "sending again updates your report" in client.get(path).get_data(as_text=True)


def test_a_report_without_a_reason_is_shown_again_with_the_error(
    client: FlaskClient, as_user, world: World, database: Database, now: datetime
) -> None:
    message_id = _message(database, world.room.id, world.bob.id, "hello", now)
    token = as_user(world.alice)
    path = f"/rooms/{world.room.id}/messages/{message_id}/report"
    response = post_form(client, path, token, reason="", note="keep this note")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Choose a reason" in html and "keep this note" in html
    with database.read_session() as session:
        assert session.query(Report).count() == 0


def test_your_own_message_cannot_be_reported(
    client: FlaskClient, as_user, world: World, database: Database, now: datetime
) -> None:
    message_id = _message(database, world.room.id, world.alice.id, "mine", now)
    token = as_user(world.alice)
    path = f"/rooms/{world.room.id}/messages/{message_id}/report"
    assert client.get(path).status_code == 403
    assert post_form(client, path, token, reason="abuse").status_code == 403
    with database.read_session() as session:
        assert session.query(Report).count() == 0


def test_a_message_is_reported_only_through_its_own_room(
    client: FlaskClient, as_user, world: World, database: Database, now: datetime
) -> None:
    other = _room(database, world, RoomKind.GROUP, now)
    message_id = _message(database, other.id, world.bob.id, "elsewhere", now)
    as_user(world.alice)
    assert client.get(f"/rooms/{world.room.id}/messages/{message_id}/report").status_code == 404
    assert client.get(f"/rooms/{world.room.id}/messages/999999/report").status_code == 404


# --- starting conversations ----------------------------------------------------------------------


def test_the_new_conversation_page_has_both_forms(
    client: FlaskClient, as_user, world: World
) -> None:
    as_user(world.alice)
    html = client.get("/rooms/new").get_data(as_text=True)
    assert 'name="kind" value="direct"' in html and 'name="kind" value="group"' in html
    assert '<label for="group-members">' in html


def test_starting_a_direct_conversation_opens_it_and_reuses_it(
    client: FlaskClient, as_user, world: World, carol: User, database: Database
) -> None:
    token = as_user(world.alice)
    first = post_form(client, "/rooms/new", token, kind="direct", email=carol.email)
    assert first.status_code == 303
    again = post_form(client, "/rooms/new", token, kind="direct", email=carol.email)
    assert again.headers["Location"] == first.headers["Location"]
    with database.read_session() as session:
        direct = session.query(Room).filter(Room.kind == RoomKind.DIRECT).one()
    assert first.headers["Location"].endswith(f"/rooms/{direct.id}")
    assert direct.title == "Alice Archer and Carol Chen"


def test_starting_a_group_room_with_addresses(
    client: FlaskClient, as_user, world: World, carol: User, database: Database
) -> None:
    token = as_user(world.alice)
    members = f"{world.bob.email},\n{carol.email}; "
    response = post_form(client, "/rooms/new", token, kind="group", title="Launch", members=members)
    assert response.status_code == 303
    room_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert _membership(database, room_id, carol.id) is not None
    assert _membership(database, room_id, world.bob.id) is not None


def test_a_bad_new_conversation_form_is_shown_again(
    client: FlaskClient, as_user, world: World, database: Database
) -> None:
    token = as_user(world.alice)
    response = post_form(client, "/rooms/new", token, kind="direct", email="ghost@example.com")
    assert response.status_code == 422
    assert "No user with address ghost@example.com" in response.get_data(as_text=True)
    response = post_form(client, "/rooms/new", token, kind="group", title="  ", members="")
    assert response.status_code == 400
    assert post_form(client, "/rooms/new", token, kind="circle").status_code == 400
    with database.read_session() as session:
        assert session.query(Room).count() == 1


def test_past_the_daily_limit_new_conversations_answer_429(
    client: FlaskClient, as_user, world: World, database: Database, clock: Clock
) -> None:
    limit = client.application.extensions["gateway"].settings.daily_conversation_limit
    token = as_user(world.alice)
    clock.advance(minutes=5)
    for number in range(limit - 1):  # "Website redesign" was the first
        assert (
            post_form(client, "/rooms/new", token, kind="group", title=f"R{number}").status_code
            == 303
        )
    response = post_form(client, "/rooms/new", token, kind="group", title="One too many")
    assert response.status_code == 429
    assert (
        f"You can start at most {limit} new conversations a day. "
        'Try again from <time datetime="2026-11-24T09:30:00+00:00" '
        'title="Tue 24 Nov 2026, 09:30 UTC">tomorrow 09:30 UTC</time>.'
        in response.get_data(as_text=True)
    )
    clock.advance(days=1)
    assert post_form(client, "/rooms/new", token, kind="group", title="Tomorrow").status_code == 303


# --- the side panel ------------------------------------------------------------------------------


def _render_sidebar(app: Flask, room_id: int, user_id: int) -> str:
    """The side panel as the room page renders it for `user_id`, on the app's clock."""
    context = app.extensions["gateway"]
    with app.test_request_context(f"/rooms/{room_id}"), context.database.read_session() as db:
        viewer = get_own_membership(db, room_id, user_id)
        g.user = viewer.user  # as load_signed_in_user sets it: times are shown in their zone
        members = list_active_members(db, room_id)
        sidebar = sidebar_context(db, viewer, members, context.clock())
        return render_template("room/_sidebar.html", **sidebar)


def test_the_sidebar_lists_members_with_roles_presence_and_away_dates(
    app: Flask, world: World, database: Database, now: datetime
) -> None:
    with database.transaction() as session:
        start_web_session(session, session.merge(world.bob), now=now)
        bob = session.merge(world.bob)
        bob.ooo_enabled = True
        bob.ooo_ends_at = datetime(2026, 11, 30, 11, 30, tzinfo=UTC)
        session.merge(world.alice).time_zone = "Pacific/Auckland"
    html = _render_sidebar(app, world.room.id, world.alice.id)
    assert "Alice Archer" in html and "Bob Baker" in html
    assert "Owner" in html and "Member" in html
    bob_item = html.split(f'data-presence-user="{world.bob.id}"', 1)[1].split("</li>", 1)[0]
    alice_item = html.split(f'data-presence-user="{world.alice.id}"', 1)[1].split("</li>", 1)[0]
    assert "data-online-dot" in bob_item and 'aria-label="Online" hidden' not in bob_item
    assert 'aria-label="Online" hidden' in alice_item
    # The end of Bob's absence, 30 Nov 11:30 UTC, is already 1 December in Auckland.
    assert "Away until 1 Dec 00:30" in bob_item
    assert "Away until" not in alice_item


def test_the_owner_sees_invite_and_role_controls_and_a_member_does_not(
    app: Flask, world: World
) -> None:
    owner = _render_sidebar(app, world.room.id, world.alice.id)
    member = _render_sidebar(app, world.room.id, world.bob.id)
    assert f"/rooms/{world.room.id}/invite" in owner
    assert f"/rooms/{world.room.id}/members/{world.bob.id}/role" in owner
    assert f"/rooms/{world.room.id}/members/{world.alice.id}/role" not in owner
    assert f"/rooms/{world.room.id}/invite" not in member
    assert "/role" not in member
    assert f"/users/{world.alice.id}/block" in member
    assert f"/users/{world.bob.id}/block" not in member
    # A group room: archive and favorite, no hide; the owner must name an admin to leave.
    assert "/archive" in member and "/favorite" in member and "/hide" not in member
    assert f"/rooms/{world.room.id}/leave" in member
    assert f"/rooms/{world.room.id}/leave" not in owner
    assert "make another member an admin" in owner


def test_an_admin_invites_but_only_the_owner_invites_admins(
    app: Flask, world: World, database: Database
) -> None:
    with database.transaction() as session:
        set_member_role(session, world.room.id, world.alice.id, world.bob.id, Role.ADMIN)
    admin = _render_sidebar(app, world.room.id, world.bob.id)
    assert f"/rooms/{world.room.id}/invite" in admin and 'id="invite-role"' not in admin
    assert 'id="invite-role"' in _render_sidebar(app, world.room.id, world.alice.id)


def test_a_direct_room_sidebar_offers_hide_but_no_invite(
    app: Flask, world: World, database: Database, now: datetime
) -> None:
    direct = _room(database, world, RoomKind.DIRECT, now)
    html = _render_sidebar(app, direct.id, world.alice.id)
    assert f"/rooms/{direct.id}/invite" not in html and "/role" not in html
    assert f"/rooms/{direct.id}/hide" in html and "/archive" not in html
    assert "Leave conversation" in html


def test_the_sidebar_shows_who_the_viewer_blocked(
    app: Flask, client: FlaskClient, as_user, world: World
) -> None:
    token = as_user(world.bob)
    post_form(client, f"/users/{world.alice.id}/block", token)
    html = _render_sidebar(app, world.room.id, world.bob.id)
    assert f"/users/{world.alice.id}/unblock" in html
    assert f"/users/{world.bob.id}/unblock" not in _render_sidebar(
        app, world.room.id, world.alice.id
    )


def test_the_notepad_is_private_to_its_member(
    app: Flask, client: FlaskClient, as_user, world: World
) -> None:
    token = as_user(world.bob)
    post_form(
        client, f"/rooms/{world.room.id}/notepad", token, notepad="# Secret plan\n- raise rates"
    )
    own = _render_sidebar(app, world.room.id, world.bob.id)
    assert "<h3>Secret plan</h3>" in own and "<li>raise rates</li>" in own
    assert "# Secret plan" in own  # the textarea holds the source
    other = _render_sidebar(app, world.room.id, world.alice.id)
    assert "Secret plan" not in other and "raise rates" not in other


def test_script_in_the_notepad_comes_out_sanitized(
    app: Flask, client: FlaskClient, as_user, world: World
) -> None:
    token = as_user(world.bob)
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))"
    post_form(client, f"/rooms/{world.room.id}/notepad", token, notepad=payload)
    html = _render_sidebar(app, world.room.id, world.bob.id)
    assert "<script>" not in html and "<img" not in html
    assert 'href="javascript' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_room_page_and_its_panel_do_not_exist_for_a_non_member(
    app: Flask, world: World, carol
) -> None:
    client = app.test_client()
    sign_in(client, carol)
    response = client.get(f"/rooms/{world.room.id}")
    assert response.status_code == 404
    assert "Alice Archer" not in response.get_data(as_text=True)


def test_a_member_who_left_gets_no_sidebar(
    app: Flask, world: World, database: Database, now: datetime
) -> None:
    with database.transaction() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        membership.left_at = now + timedelta(minutes=1)
    client = app.test_client()
    sign_in(client, world.bob)
    response = client.get(f"/rooms/{world.room.id}")
    assert response.status_code == 404
    assert "Alice Archer" not in response.get_data(as_text=True)
