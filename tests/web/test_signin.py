"""Sign-in views through the Flask test client: the password form, throttling over HTTP,
the email link flow end to end (request, outbox, confirm page, redeem), and sign-out."""

from __future__ import annotations

import email
import re
from dataclasses import replace
from email.message import EmailMessage
from email.policy import default
from typing import Protocol

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from gateway.core.signin import set_password
from gateway.core.web_sessions import find_web_session
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import (
    OutboxEmail,
    OutboxState,
    SignInAttempt,
    SignInToken,
    User,
    WebSession,
)
from gateway.web.app import create_app

from support import World
from web_support import csrf_token, sign_in

CSRF_VALUE = re.compile(r'(?<=content=")[^"]+(?=">)|(?<=name="csrf_token" value=")[^"]+')
PASSWORD = "correct horse battery"
REFUSED = "That email and password do not match."
LINK_SENT = "If an account exists for that address, we have emailed a sign-in link."
LINK_IN_TEXT = re.compile(r"(http://gateway\.example\.com/sign-in/link/[A-Za-z0-9_-]+\S*)")


class Clock(Protocol):
    """The app clock fixture of tests/web/conftest.py."""

    def advance(self, **delta: float) -> None: ...


@pytest.fixture
def alice(database: Database, world: World) -> User:
    """Alice, with a password."""
    with database.transaction() as session:
        set_password(session, world.alice.id, PASSWORD)
    return world.alice


def post_sign_in(
    client: FlaskClient, email: str, password: str, *, next_path: str | None = None
) -> TestResponse:
    form = {"email": email, "password": password, "csrf_token": csrf_token(client, "/sign-in")}
    if next_path is not None:
        form["next"] = next_path
    return client.post("/sign-in", data=form)


def request_link(client: FlaskClient, email: str, *, next_path: str = "/") -> TestResponse:
    token = csrf_token(client, "/sign-in")
    form = {"email": email, "csrf_token": token, "next": next_path}
    return client.post("/sign-in/link", data=form)


def normalized(page: str, address: str) -> str:
    """The page with `address` and the CSRF tokens blanked out.

    CSRF tokens carry a timestamp, so two requests a second apart differ there only.
    """
    return CSRF_VALUE.sub("TOKEN", page.replace(address, "ADDRESS"))


def outbox(database: Database) -> list[OutboxEmail]:
    with database.read_session() as session:
        return list(session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def web_session_count(database: Database) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(WebSession)) or 0


def parsed(row: OutboxEmail) -> EmailMessage:
    message = email.message_from_bytes(row.raw, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def text_body(row: OutboxEmail) -> str:
    part = parsed(row).get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def link_path(row: OutboxEmail) -> str:
    found = LINK_IN_TEXT.search(text_body(row))
    assert found, "no sign-in link in the email"
    return found.group(1).removeprefix("http://gateway.example.com")


def signed_in_email(client: FlaskClient, database: Database) -> str | None:
    """Whose web session the client's cookie names, if any live one."""
    with client.session_transaction() as cookie:
        token = cookie.get("sid")
    if token is None:
        return None
    with database.read_session() as session:
        found = find_web_session(
            session, token, now=client.application.extensions["gateway"].clock()
        )
        if found is None:
            return None
        user = session.get(User, found.user_id)
        return None if user is None else user.email


# --- the page ------------------------------------------------------------------------------


def test_sign_in_page_has_a_password_form_and_a_link_form_with_labels(
    client: FlaskClient,
) -> None:
    response = client.get("/sign-in")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<label for="signin-email">Email</label>' in page
    assert '<label for="signin-password">Password</label>' in page
    assert '<label for="link-email">Email</label>' in page
    assert 'autocomplete="email"' in page
    assert 'autocomplete="current-password"' in page
    assert page.count("autofocus") == 1
    assert 'action="/sign-in"' in page
    assert 'action="/sign-in/link"' in page
    assert page.count('name="csrf_token"') >= 2
    assert "<script>" not in page
    assert "style=" not in page


def test_signed_in_visitor_going_to_the_sign_in_page_is_sent_on(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.alice)

    response = client.get("/sign-in?next=/alerts")

    assert response.status_code == 302
    assert response.headers["Location"] == "/alerts"


# --- password sign-in ----------------------------------------------------------------------


def test_password_sign_in_starts_a_session_and_goes_home(
    client: FlaskClient, database: Database, alice: User
) -> None:
    response = post_sign_in(client, "alice@example.com", PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in_email(client, database) == "alice@example.com"
    assert client.get("/").headers["Location"] == "/rooms"


def test_password_sign_in_goes_back_to_a_path_on_this_site(
    client: FlaskClient, alice: User
) -> None:
    response = post_sign_in(
        client, "alice@example.com", PASSWORD, next_path="/rooms/7?tab=files#latest"
    )

    assert response.headers["Location"] == "/rooms/7?tab=files#latest"


def test_sign_in_page_carries_next_into_both_forms(client: FlaskClient) -> None:
    page = client.get("/sign-in?next=%2Frooms%2F7").get_data(as_text=True)

    assert page.count('name="next" value="/rooms/7"') == 2


def test_wrong_password_and_unknown_address_get_the_same_401_and_keep_the_email(
    client: FlaskClient, alice: User
) -> None:
    wrong = post_sign_in(client, "alice@example.com", "not the password")
    unknown = post_sign_in(client, "nobody@example.com", PASSWORD)

    assert wrong.status_code == unknown.status_code == 401
    wrong_page, unknown_page = wrong.get_data(as_text=True), unknown.get_data(as_text=True)
    assert REFUSED in wrong_page
    assert REFUSED in unknown_page
    assert 'value="alice@example.com"' in wrong_page
    assert 'value="nobody@example.com"' in unknown_page

    assert normalized(wrong_page, "alice@example.com") == normalized(
        unknown_page, "nobody@example.com"
    )
    # After a refusal the password field, not the kept email, has the focus.
    assert re.search(r'id="signin-password"[^>]*autofocus', wrong_page, re.S)


def test_empty_fields_are_400_and_count_as_no_attempt(
    client: FlaskClient, database: Database, alice: User
) -> None:
    for _ in range(6):
        response = post_sign_in(client, "alice@example.com", "")
        assert response.status_code == 400
        assert "Enter your email address and your password." in response.get_data(as_text=True)

    assert post_sign_in(client, "alice@example.com", PASSWORD).status_code == 302


def test_five_failures_throttle_the_address_from_that_client_with_429_and_retry_after(
    client: FlaskClient, database: Database, alice: User
) -> None:
    for _ in range(5):
        assert post_sign_in(client, "alice@example.com", "guess").status_code == 401

    response = post_sign_in(client, "alice@example.com", PASSWORD)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "900"
    page = response.get_data(as_text=True)
    assert (
        "Too many failed sign-ins from this network. Try again in 15 minutes, "
        "or sign in with an email link: it works even now." in page
    )
    assert 'value="alice@example.com"' in page
    assert signed_in_email(client, database) is None


def test_twenty_failures_from_one_client_address_throttle_it(
    client: FlaskClient, app: object, database: Database, alice: User
) -> None:
    for index in range(20):
        assert post_sign_in(client, f"guess{index}@example.net", "guess").status_code == 401

    from_here = post_sign_in(client, "alice@example.com", PASSWORD)
    elsewhere = client.application.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    from_elsewhere = post_sign_in(elsewhere, "alice@example.com", PASSWORD)

    assert from_here.status_code == 429
    assert from_elsewhere.status_code == 302


def _behind_proxy(app: Flask, forwarded_for: str) -> FlaskClient:
    """A browser whose requests come through the local reverse proxy, with this header."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    browser.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return browser


@pytest.mark.parametrize("trusted_proxies", [0, 1])
def test_throttling_counts_the_client_the_trusted_proxy_names(
    settings: Settings, database: Database, clock: Clock, alice: User, trusted_proxies: int
) -> None:
    """Behind one proxy the client address is the last X-Forwarded-For hop; with no proxy
    configured the header is the client's own claim and is ignored (else a guesser could
    write a new one for every attempt)."""
    app = create_app(replace(settings, web_trusted_proxies=trusted_proxies), database, clock=clock)
    guesser = _behind_proxy(app, "203.0.113.7")
    for index in range(20):
        guesser.environ_base["HTTP_X_FORWARDED_FOR"] = f"192.0.2.{index}, 203.0.113.7"
        assert post_sign_in(guesser, f"guess{index}@example.net", "guess").status_code == 401

    neighbour = post_sign_in(_behind_proxy(app, "198.51.100.9"), "alice@example.com", PASSWORD)

    with database.read_session() as session:
        recorded = set(session.scalars(select(SignInAttempt.remote_addr)))
    if trusted_proxies:
        assert recorded == {"203.0.113.7"}
        assert neighbour.status_code == 302
    else:
        assert recorded == {"127.0.0.1"}
        assert neighbour.status_code == 429


def test_throttle_window_slides_with_the_app_clock(
    client: FlaskClient, database: Database, clock: Clock, alice: User
) -> None:
    for _ in range(5):
        post_sign_in(client, "alice@example.com", "guess")
    clock.advance(minutes=10)
    throttled = post_sign_in(client, "alice@example.com", PASSWORD)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "300"

    clock.advance(minutes=6)
    response = post_sign_in(client, "alice@example.com", PASSWORD)

    assert response.status_code == 302
    assert signed_in_email(client, database) == "alice@example.com"


# --- sign-in links -------------------------------------------------------------------------


def test_link_flow_end_to_end(
    client: FlaskClient, database: Database, settings: Settings, world: World
) -> None:
    response = request_link(client, "bob@example.org")

    assert response.status_code == 200
    assert LINK_SENT in response.get_data(as_text=True)
    (row,) = outbox(database)
    assert (row.kind, row.state, row.recipient) == (
        "sign_in_link",
        OutboxState.QUEUED,
        "bob@example.org",
    )
    path = link_path(row)

    # GET only shows the button, however often a scanner follows it.
    for _ in range(2):
        shown = client.get(path)
        assert shown.status_code == 200
        assert "Sign in as bob@example.org" in shown.get_data(as_text=True)
    assert signed_in_email(client, database) is None
    with database.read_session() as session:
        assert session.scalars(select(SignInToken.used_at)).one() is None

    token = csrf_token(client, path)
    redeemed = client.post(path, data={"csrf_token": token})
    assert redeemed.status_code == 302
    assert redeemed.headers["Location"] == "/"
    assert signed_in_email(client, database) == "bob@example.org"

    other = client.application.test_client()
    again = other.post(path, data={"csrf_token": csrf_token(other, path)})
    assert again.status_code == 410
    assert "This sign-in link was already used." in again.get_data(as_text=True)
    assert signed_in_email(other, database) is None


def test_link_leads_back_to_the_page_that_asked_for_sign_in(
    client: FlaskClient, database: Database, world: World
) -> None:
    request_link(client, "bob@example.org", next_path="/rooms/7?tab=files")
    path = link_path(outbox(database)[0])
    assert path.endswith("?next=%2Frooms%2F7%3Ftab%3Dfiles")

    response = client.post(path, data={"csrf_token": csrf_token(client, path)})

    assert response.headers["Location"] == "/rooms/7?tab=files"


def test_link_requested_with_an_off_site_next_leads_home(
    client: FlaskClient, database: Database, world: World
) -> None:
    request_link(client, "bob@example.org", next_path="//evil.example")
    path = link_path(outbox(database)[0])
    assert "evil" not in path

    response = client.post(
        f"{path}?next=//evil.example", data={"csrf_token": csrf_token(client, path)}
    )

    assert response.headers["Location"] == "/"


def test_link_email_says_it_expires_and_can_be_ignored_and_is_marked_automatic(
    client: FlaskClient, database: Database, settings: Settings, world: World
) -> None:
    request_link(client, "bob@example.org")

    (row,) = outbox(database)
    message = parsed(row)
    assert row.envelope_from == settings.notifications_from
    assert row.next_attempt_at == row.created_at
    assert row.message_id_header.startswith("gw.")
    assert message["Message-ID"] == f"<{row.message_id_header}>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["To"].addresses[0].addr_spec == "bob@example.org"
    assert message["Subject"] == "Your sign-in link for Gateway"
    text = text_body(row)
    assert "expires in 15 minutes" in text
    assert "If you did not ask for this email, you can ignore it" in text
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert link_path(row) in html
    assert "expires in 15 minutes" in html


def test_link_expires_after_fifteen_minutes_of_app_clock(
    client: FlaskClient, database: Database, clock: Clock, world: World
) -> None:
    request_link(client, "bob@example.org")
    path = link_path(outbox(database)[0])
    token = csrf_token(client, path)

    clock.advance(minutes=15)
    shown = client.get(path)
    posted = client.post(path, data={"csrf_token": token})

    expired = "This sign-in link has expired. Ask for a new one."
    assert (shown.status_code, posted.status_code) == (410, 410)
    assert expired in shown.get_data(as_text=True)
    assert expired in posted.get_data(as_text=True)
    assert "Sign in as" not in shown.get_data(as_text=True)
    assert signed_in_email(client, database) is None


def test_made_up_link_is_400(client: FlaskClient, database: Database, world: World) -> None:
    path = "/sign-in/link/not-a-real-token"

    shown = client.get(path)
    posted = client.post(path, data={"csrf_token": csrf_token(client, "/sign-in")})

    assert (shown.status_code, posted.status_code) == (400, 400)
    assert "This sign-in link is not valid." in posted.get_data(as_text=True)
    assert signed_in_email(client, database) is None


def test_link_request_for_an_unknown_address_answers_the_same_and_queues_nothing(
    client: FlaskClient, database: Database, world: World
) -> None:
    known = request_link(client, "bob@example.org")
    unknown = request_link(client, "nobody@example.org")

    assert known.status_code == unknown.status_code == 200
    known_page = normalized(known.get_data(as_text=True), "bob@example.org")
    unknown_page = normalized(unknown.get_data(as_text=True), "nobody@example.org")
    assert known_page == unknown_page
    assert [row.recipient for row in outbox(database)] == ["bob@example.org"]


def test_link_requests_over_the_limit_answer_the_same_and_queue_nothing_more(
    client: FlaskClient, database: Database, clock: Clock, world: World
) -> None:
    responses = [request_link(client, "bob@example.org") for _ in range(5)]

    assert {response.status_code for response in responses} == {200}
    assert all(LINK_SENT in response.get_data(as_text=True) for response in responses)
    assert len(outbox(database)) == 3

    clock.advance(minutes=16)
    request_link(client, "bob@example.org")
    assert len(outbox(database)) == 4


def test_link_request_without_an_address_is_400(client: FlaskClient, database: Database) -> None:
    response = request_link(client, "  ")

    assert response.status_code == 400
    assert "Enter your email address." in response.get_data(as_text=True)
    assert outbox(database) == []


# --- sign-out ------------------------------------------------------------------------------


def test_sign_out_ends_the_session_and_says_so(
    client: FlaskClient, database: Database, world: World
) -> None:
    token = csrf_token(client, "/sign-in")
    sign_in(client, world.alice)

    response = client.post("/sign-out", data={"csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert web_session_count(database) == 0
    landing = client.get("/")
    assert landing.status_code == 200
    assert "You are signed out." in landing.get_data(as_text=True)
