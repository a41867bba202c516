"""Web protection seen from outside: security headers on every response, session cookie flags,
no session fixation, sign-out that really ends the session, CSRF refusals that change
nothing, no open redirect after sign-in, and the sign-in gate of protected pages."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from gateway.core.signin import issue_sign_in_token, set_password
from gateway.core.web_sessions import find_web_session
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import OutboxEmail, SignInAttempt, SignInToken, User, WebSession
from gateway.web.security import SECURITY_HEADERS

from support import World
from web_support import csrf_token, sign_in, sign_in_over_https

PASSWORD = "correct horse battery"
COOKIE = "gateway_session"
# Inbox pages every signed-in person has; none of them may be seen anonymously.
PROTECTED_PAGES = ["/rooms", "/alerts", "/updates", "/tickets", "/settings", "/alerts?page=2"]


@pytest.fixture
def alice(database: Database, world: World) -> User:
    """Alice, with a password."""
    with database.transaction() as session:
        set_password(session, world.alice.id, PASSWORD)
    return world.alice


def post_sign_in(
    client: FlaskClient,
    email: str,
    password: str,
    *,
    next_path: str | None = None,
    token: str | None = None,
) -> TestResponse:
    form = {"email": email, "password": password, "csrf_token": token or csrf_token(client)}
    if next_path is not None:
        form["next"] = next_path
    return client.post("/sign-in", data=form)


def raw_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def fresh_client_with_cookie(client: FlaskClient, value: str) -> FlaskClient:
    """Another browser that replays a cookie value someone captured."""
    replay = client.application.test_client()
    replay.set_cookie(COOKIE, value)
    return replay


def session_token(client: FlaskClient) -> str | None:
    with client.session_transaction() as cookie:
        return cookie.get("sid")


def is_live(database: Database, token: str | None, client: FlaskClient) -> bool:
    if token is None:
        return False
    now = client.application.extensions["gateway"].clock()
    with database.read_session() as session:
        return find_web_session(session, token, now=now) is not None


def count(database: Database, model: type) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def sent_to_sign_in(response: TestResponse) -> str | None:
    """The `next` of a redirect to the sign-in page, or None if it is not one."""
    if response.status_code != 302:
        return None
    location = urlsplit(response.headers["Location"])
    if location.path != "/sign-in":
        return None
    return parse_qs(location.query).get("next", [""])[0]


# --- headers and cookies -------------------------------------------------------------------


def assert_security_headers(response: TestResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, f"{name} on {response.status}"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/sign-in"),
        ("GET", "/sign-in?next=//evil.example"),
        ("GET", "/sign-in/link/not-a-token"),
        ("POST", "/sign-in/link/not-a-token"),
        ("POST", "/sign-in"),
        ("POST", "/sign-out"),
        ("GET", "/alerts"),
        ("GET", "/healthz"),
        ("GET", "/static/app.css"),
        ("GET", "/no-such-page"),
    ],
)
def test_every_response_carries_the_security_headers(
    client: FlaskClient, world: World, method: str, path: str
) -> None:
    response = client.open(path, method=method)

    assert_security_headers(response)


def test_refusals_and_redirects_of_sign_in_carry_the_security_headers(
    client: FlaskClient, alice: User
) -> None:
    refused = post_sign_in(client, "alice@example.com", "wrong")
    for _ in range(4):
        post_sign_in(client, "alice@example.com", "wrong")
    throttled = post_sign_in(client, "alice@example.com", PASSWORD)
    other = client.application.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    signed_in = post_sign_in(other, "bob@example.org", "anything at all")

    assert (refused.status_code, throttled.status_code, signed_in.status_code) == (401, 429, 401)
    for response in (refused, throttled, signed_in):
        assert_security_headers(response)


def test_session_cookie_is_http_only_and_same_site_lax(client: FlaskClient, alice: User) -> None:
    response = post_sign_in(client, "alice@example.com", PASSWORD)

    (set_cookie,) = [
        header for header in response.headers.getlist("Set-Cookie") if header.startswith(COOKIE)
    ]
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie
    # Served over plain http here: a Secure cookie would never come back.
    assert "Secure" not in set_cookie


def test_session_cookie_is_secure_when_the_site_is_https(
    settings: Settings, database: Database, alice: User
) -> None:
    response = sign_in_over_https(settings, database, "alice@example.com", PASSWORD)

    assert response.status_code == 302
    set_cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "Secure" in set_cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# --- session fixation and sign-out ---------------------------------------------------------


def test_cookie_from_before_sign_in_is_not_reused_and_replayed_stays_anonymous(
    client: FlaskClient, alice: User
) -> None:
    client.get("/sign-in")
    before = raw_cookie(client)

    post_sign_in(client, "alice@example.com", PASSWORD)

    assert raw_cookie(client) != before
    assert session_token(client) is not None
    replayed = fresh_client_with_cookie(client, before)
    assert sent_to_sign_in(replayed.get("/alerts")) == "/alerts"


def test_a_session_planted_before_sign_in_is_ended_not_taken_over(
    client: FlaskClient, database: Database, world: World, alice: User
) -> None:
    token = csrf_token(client)
    # An attacker's own live session, planted in the victim's browser.
    sign_in(client, world.bob)
    planted = session_token(client)
    assert is_live(database, planted, client)

    post_sign_in(client, "alice@example.com", PASSWORD, token=token)

    fresh = session_token(client)
    assert fresh is not None
    assert fresh != planted
    assert not is_live(database, planted, client)
    assert is_live(database, fresh, client)


def test_cookie_replayed_after_sign_out_is_sent_to_sign_in(
    client: FlaskClient, database: Database, world: World
) -> None:
    token = csrf_token(client)
    sign_in(client, world.alice)
    captured = raw_cookie(client)
    assert sent_to_sign_in(fresh_client_with_cookie(client, captured).get("/alerts")) is None

    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302

    replayed = fresh_client_with_cookie(client, captured)
    assert sent_to_sign_in(replayed.get("/alerts")) == "/alerts"
    assert count(database, WebSession) == 0


def test_signing_out_one_browser_leaves_the_others_signed_in(
    client: FlaskClient, database: Database, world: World
) -> None:
    phone = client.application.test_client()
    sign_in(phone, world.alice)
    token = csrf_token(client)
    sign_in(client, world.alice)

    client.post("/sign-out", data={"csrf_token": token})

    assert is_live(database, session_token(phone), phone)
    assert count(database, WebSession) == 1


# --- CSRF ----------------------------------------------------------------------------------


def test_sign_out_without_csrf_token_is_400_and_keeps_the_session(
    client: FlaskClient, database: Database, world: World
) -> None:
    sign_in(client, world.alice)

    response = client.post("/sign-out")

    assert response.status_code == 400
    assert is_live(database, session_token(client), client)


def test_sign_in_without_csrf_token_is_400_and_records_nothing(
    client: FlaskClient, database: Database, alice: User
) -> None:
    client.get("/sign-in")

    right = client.post("/sign-in", data={"email": "alice@example.com", "password": PASSWORD})
    wrong = client.post("/sign-in", data={"email": "alice@example.com", "password": "nope"})

    assert (right.status_code, wrong.status_code) == (400, 400)
    assert session_token(client) is None
    assert count(database, WebSession) == 0
    assert count(database, SignInAttempt) == 0


def test_csrf_token_of_another_browser_is_refused(
    client: FlaskClient, database: Database, alice: User
) -> None:
    attacker = client.application.test_client()
    foreign_token = csrf_token(attacker)
    client.get("/sign-in")

    response = client.post(
        "/sign-in",
        data={"email": "alice@example.com", "password": PASSWORD, "csrf_token": foreign_token},
    )

    assert response.status_code == 400
    assert count(database, WebSession) == 0


def test_link_request_and_redeem_without_csrf_token_are_400_and_change_nothing(
    client: FlaskClient, database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        issued = issue_sign_in_token(session, "bob@example.org", now)
        assert issued is not None
        token = issued[1]
    client.get("/sign-in")

    requested = client.post("/sign-in/link", data={"email": "bob@example.org"})
    redeemed = client.post(f"/sign-in/link/{token}")

    assert (requested.status_code, redeemed.status_code) == (400, 400)
    assert count(database, OutboxEmail) == 0
    with database.read_session() as session:
        assert session.scalars(select(SignInToken.used_at)).one() is None
    assert session_token(client) is None


# --- where sign-in leads -------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/rooms",
        "///evil.example",
        "https://evil.example",
        "http://gateway.example.com.evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_next_leading_off_the_site_goes_home_instead(
    client: FlaskClient, alice: User, target: str
) -> None:
    response = post_sign_in(client, "alice@example.com", PASSWORD, next_path=target)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_sign_in_page_never_puts_an_off_site_next_in_its_forms(
    client: FlaskClient, world: World, target: str
) -> None:
    page = client.get("/sign-in", query_string={"next": target}).get_data(as_text=True)

    assert page.count('name="next" value="/"') == 2
    assert "evil.example" not in page

    sign_in(client, world.alice)
    assert client.get("/sign-in", query_string={"next": target}).headers["Location"] == "/"


@pytest.mark.parametrize("path", PROTECTED_PAGES)
def test_protected_page_sends_an_anonymous_visitor_to_sign_in_and_back(
    client: FlaskClient, alice: User, path: str
) -> None:
    response = client.get(path)

    assert sent_to_sign_in(response) == path
    signed_in = post_sign_in(client, "alice@example.com", PASSWORD, next_path=path)
    assert signed_in.headers["Location"] == path


def test_sign_out_when_already_signed_out_just_says_so(client: FlaskClient) -> None:
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client)})

    assert response.headers["Location"] == "/"
    assert "You are signed out." in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/sign-in", "/sign-in/link/not-a-token"])
def test_sign_in_pages_are_never_cached(client: FlaskClient, path: str) -> None:
    assert client.get(path).headers["Cache-Control"] == "no-store"
