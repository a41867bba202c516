"""Accounts kept apart, through the Flask test client: the room page's "Show in account" form
places a room in one of the viewer's own accounts and the inbox of each account lists it
there only; the Account Alerts and Updates tabs (and their badges) show the shown account's
alerts plus those addressed to the person with no account."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient

from gateway.core.alerts import create_alert
from gateway.core.users import add_user, get_account
from gateway.store.database import Database
from gateway.store.models import AccountKind, AlertCategory, User

from support import World
from web_support import csrf_token, sign_in, signed_in_client


def _client_account(database: Database, user: User, now: datetime) -> tuple[int, int]:
    """The user's freelancer account and a client account made for them: (first, client)."""
    with database.transaction() as session:
        stored = session.get_one(User, user.id)
        first = get_account(session, stored).id
        return first, get_account(session, stored, AccountKind.CLIENT, now=now).id


def _text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _switch(client: FlaskClient, account_id: int) -> None:
    token = csrf_token(client, "/rooms")
    response = client.post("/account", data={"account_id": account_id, "csrf_token": token})
    assert response.status_code == 302


def _place(client: FlaskClient, room_id: int, account_id: int) -> str:
    """Submit the room page's "Show in account" form; the page it leads back to."""
    token = csrf_token(client, f"/rooms/{room_id}")
    response = client.post(
        f"/rooms/{room_id}/account",
        data={"account_id": str(account_id), "csrf_token": token},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _room_list_titles(page: str) -> list[str]:
    return re.findall(r'class="room-title" href="/rooms/\d+">([^<]+)</a>', page)


def _badge(page: str, tab: str) -> str | None:
    found = re.search(rf">{tab} <span class=\"badge\"[^>]*>(\w+)</span>", page)
    return found.group(1) if found else None


# --- placing a room --------------------------------------------------------------------------


def test_the_room_page_offers_each_of_the_viewers_accounts_with_the_current_one_chosen(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    freelancer, client_account = _client_account(database, world.alice, now)
    sign_in(client, world.alice)

    page = _text(client, f"/rooms/{world.room.id}")

    form = re.search(r'<form class="account-placement-form".*?</form>', page, re.S)
    assert form is not None and "Show in account" in page
    assert re.search(rf'<option value="{freelancer}" selected>Freelancer', form.group(0))
    assert re.search(rf'<option value="{client_account}" >Client', form.group(0))


def test_a_room_placed_in_the_client_account_is_listed_in_that_inbox_only(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    _freelancer, client_account = _client_account(database, world.alice, now)
    sign_in(client, world.alice)
    assert "Website redesign" in _room_list_titles(_text(client, "/rooms"))

    page = _place(client, world.room.id, client_account)

    assert "Shown in your client account." in page
    assert "Website redesign" not in _room_list_titles(_text(client, "/rooms"))
    assert "Website redesign" not in _text(client, "/rooms/all")
    _switch(client, client_account)
    assert _room_list_titles(_text(client, "/rooms")) == ["Website redesign"]
    assert "Website redesign" in _text(client, "/rooms?view=category")


def test_placing_a_room_changes_only_the_placing_members_inbox(
    app: Flask, database: Database, world: World, now: datetime
) -> None:
    _freelancer, client_account = _client_account(database, world.alice, now)
    alice = signed_in_client(app, world.alice)
    _place(alice, world.room.id, client_account)

    bob = signed_in_client(app, world.bob)
    assert _room_list_titles(_text(bob, "/rooms")) == ["Website redesign"]


def test_a_room_cannot_be_placed_in_someone_elses_account(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    _client_account(database, world.alice, now)
    with database.transaction() as session:
        bobs_account = get_account(session, session.get_one(User, world.bob.id)).id
    sign_in(client, world.alice)

    page = _place(client, world.room.id, bobs_account)

    assert "is not one of this member&#39;s accounts" in page
    assert "Website redesign" in _room_list_titles(_text(client, "/rooms"))


def test_placing_a_room_one_is_not_in_is_not_found(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        carol = add_user(session, "carol@example.net", name="Carol", now=now)
        carols_account = get_account(session, carol).id
    sign_in(client, carol)
    token = csrf_token(client, "/rooms")

    response = client.post(
        f"/rooms/{world.room.id}/account",
        data={"account_id": str(carols_account), "csrf_token": token},
    )

    assert response.status_code == 404


def test_someone_with_one_account_gets_no_show_in_account_form(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.alice)

    assert "account-placement-form" not in _text(client, f"/rooms/{world.room.id}")


# --- alerts belong to an account -------------------------------------------------------------


def _alerts(database: Database, user: User, now: datetime, accounts: dict[str, int | None]) -> None:
    """One Account Alert and one Update per (title prefix -> account)."""
    with database.transaction() as session:
        for prefix, account_id in accounts.items():
            for category in (AlertCategory.ALERT, AlertCategory.UPDATE):
                create_alert(
                    session,
                    user.id,
                    category=category,
                    title=f"{prefix} {category.value}",
                    account_id=account_id,
                    now=now,
                )


def test_alerts_and_updates_tabs_show_the_shown_accounts_and_the_accountless_ones(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    freelancer, client_account = _client_account(database, world.alice, now)
    _alerts(
        database,
        world.alice,
        now,
        {"Payout": freelancer, "Invoice": client_account, "Security": None},
    )
    sign_in(client, world.alice)

    alerts, updates = _text(client, "/alerts"), _text(client, "/updates")
    assert "Payout alert" in alerts and "Security alert" in alerts
    assert "Invoice alert" not in alerts
    assert "Payout update" in updates and "Invoice update" not in updates
    assert _badge(alerts, "Account Alerts") == "2" and _badge(alerts, "Updates") == "2"

    _switch(client, client_account)
    alerts, updates = _text(client, "/alerts"), _text(client, "/updates")
    assert "Invoice alert" in alerts and "Security alert" in alerts
    assert "Payout alert" not in alerts
    assert "Invoice update" in updates and "Payout update" not in updates
    assert _badge(alerts, "Account Alerts") == "2"


def test_mark_all_read_marks_only_the_shown_accounts_alerts(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    freelancer, client_account = _client_account(database, world.alice, now)
    _alerts(database, world.alice, now, {"Payout": freelancer, "Invoice": client_account})
    sign_in(client, world.alice)
    token = csrf_token(client, "/alerts")

    client.post("/alerts/read-all", data={"category": "alert", "csrf_token": token})

    assert _badge(_text(client, "/alerts"), "Account Alerts") is None
    _switch(client, client_account)
    assert _badge(_text(client, "/alerts"), "Account Alerts") == "1"
