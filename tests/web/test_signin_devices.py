"""Nobody can lock another person out, over HTTP: device cookies and throttling per client.

Someone who knows Bob's address and guesses his password slows themselves: their client is
throttled for Bob, all browsers that never signed in to Bob's account share one larger limit,
and a browser Bob signed in on (it holds his device cookie) keeps signing in, as do his open
sessions and the email link.
"""

from __future__ import annotations

import email
import re
from email.message import EmailMessage
from email.policy import default

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from gateway.core.signin import set_password
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import OutboxEmail, SignInAttempt

from support import World
from web_support import Clock, csrf_token, sign_in, sign_in_over_https

PASSWORD = "correct horse battery"
BOB = "bob@example.org"
ALICE = "alice@example.com"
DEVICE_COOKIE = "gateway_device"
ATTACKER = "203.0.113.66"
LAPTOP = "198.51.100.20"
REFUSED = "That email and password do not match."
FROM_NEW_BROWSERS = (
    "Too many failed sign-ins for this address from browsers that have not signed in to it "
    "before. Try again in 15 minutes, sign in on a browser you have used here before, or "
    "sign in with an email link: it works even now."
)
FROM_THIS_NETWORK = (
    "Too many failed sign-ins from this network. Try again in 15 minutes, or sign in with an "
    "email link: it works even now."
)
ON_THIS_BROWSER = "Too many failed sign-ins on this browser."
LINK_IN_TEXT = re.compile(r"http://gateway\.example\.com(/sign-in/link/[A-Za-z0-9_-]+)")


@pytest.fixture
def world_with_passwords(database: Database, world: World) -> World:
    """Alice and Bob, each with a password."""
    with database.transaction() as session:
        set_password(session, world.alice.id, PASSWORD)
        set_password(session, world.bob.id, PASSWORD)
    return world


def browser(app: Flask, address: str) -> FlaskClient:
    """A browser with no cookies, whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def post_sign_in(client: FlaskClient, address: str, password: str) -> TestResponse:
    form = {"email": address, "password": password, "csrf_token": csrf_token(client, "/sign-in")}
    return client.post("/sign-in", data=form)


def sign_out(client: FlaskClient) -> None:
    assert client.post("/sign-out", data={"csrf_token": csrf_token(client)}).status_code == 302


def trusted_browser(app: Flask, address: str, account: str = BOB) -> FlaskClient:
    """A browser at `address` where the account's owner signed in and out again: it keeps
    the device cookie."""
    client = browser(app, address)
    assert post_sign_in(client, account, PASSWORD).status_code == 302
    sign_out(client)
    assert device_cookie(client) is not None
    return client


def device_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(DEVICE_COOKIE, path="/sign-in")
    return None if cookie is None else cookie.value


def with_device_cookie(app: Flask, address: str, value: str) -> FlaskClient:
    client = browser(app, address)
    client.set_cookie(DEVICE_COOKIE, value, path="/sign-in")
    return client


def guesses(client: FlaskClient, times: int, account: str = BOB) -> list[int]:
    """The status of each of `times` wrong passwords for `account` from `client`."""
    return [post_sign_in(client, account, "wrong password!").status_code for _ in range(times)]


def reach_the_untrusted_limit(app: Flask, clients: int = 2, account: str = BOB) -> None:
    """Five wrong passwords for `account` from each of `clients` attacking clients: ten in all
    reach the limit untrusted browsers share."""
    for index in range(clients):
        assert guesses(browser(app, f"203.0.113.{70 + index}"), 5, account) == [401] * 5


def page(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def signed_in_as(client: FlaskClient) -> str | None:
    """Whose name the home page's header shows, or None when not signed in."""
    response = client.get("/rooms")
    if response.status_code != 200:
        return None
    return next((name for name in ("Bob Baker", "Alice Archer") if name in page(response)), None)


# --- the owner keeps signing in ------------------------------------------------------------


def test_five_wrong_passwords_from_one_client_leave_the_owners_trusted_browser_in(
    app: Flask, world_with_passwords: World
) -> None:
    laptop = trusted_browser(app, LAPTOP)

    assert guesses(browser(app, ATTACKER), 5) == [401] * 5
    response = post_sign_in(laptop, BOB, PASSWORD)

    assert response.status_code == 302
    assert signed_in_as(laptop) == "Bob Baker"


def test_trusted_browser_signs_in_from_the_attackers_network_past_every_untrusted_limit(
    app: Flask, world_with_passwords: World
) -> None:
    """Bob behind the same address as the attacker (one office, one carrier NAT), after the
    attacker used up the pair limit, the per-client limit and the untrusted limit."""
    laptop = trusted_browser(app, ATTACKER)
    attacker = browser(app, ATTACKER)
    assert guesses(attacker, 5) == [401] * 5
    for index in range(15):
        assert guesses(attacker, 1, account=f"guess{index}@example.net") == [401]
    assert guesses(browser(app, "203.0.113.70"), 5) == [401] * 5
    assert post_sign_in(attacker, ALICE, PASSWORD).status_code == 429
    assert post_sign_in(browser(app, "192.0.2.44"), BOB, PASSWORD).status_code == 429

    assert post_sign_in(laptop, BOB, PASSWORD).status_code == 302


def test_a_new_browser_elsewhere_is_not_stopped_by_one_attackers_failures(
    app: Flask, database: Database, world_with_passwords: World
) -> None:
    assert guesses(browser(app, ATTACKER), 5) == [401] * 5

    phone = browser(app, LAPTOP)
    response = post_sign_in(phone, BOB, PASSWORD)

    assert response.status_code == 302
    assert signed_in_as(phone) == "Bob Baker"


def test_untrusted_browsers_share_a_larger_limit_per_account_than_one_client_gets(
    app: Flask, world_with_passwords: World
) -> None:
    """One client is throttled for Bob after 5 failures; all browsers without his device
    cookie together after 10 (OWASP: one lockout for every untrusted client, none for the
    trusted ones)."""
    laptop = trusted_browser(app, LAPTOP)
    first, second = browser(app, "203.0.113.70"), browser(app, "203.0.113.71")
    assert guesses(first, 6) == [401] * 5 + [429]
    assert guesses(second, 5) == [401] * 5

    new_browser = post_sign_in(browser(app, "192.0.2.44"), BOB, PASSWORD)

    assert new_browser.status_code == 429
    assert new_browser.headers["Retry-After"] == "900"
    assert FROM_NEW_BROWSERS in page(new_browser)
    assert post_sign_in(laptop, BOB, PASSWORD).status_code == 302


def test_untrusted_limit_is_per_account_other_accounts_sign_in(
    app: Flask, world_with_passwords: World
) -> None:
    reach_the_untrusted_limit(app)

    assert post_sign_in(browser(app, "192.0.2.44"), ALICE, PASSWORD).status_code == 302


# --- the attacker is slowed ----------------------------------------------------------------


def test_attackers_client_is_throttled_for_the_account_with_429_and_retry_after(
    app: Flask, clock: Clock, world_with_passwords: World
) -> None:
    attacker = browser(app, ATTACKER)
    assert guesses(attacker, 5) == [401] * 5
    clock.advance(minutes=5)

    response = post_sign_in(attacker, BOB, PASSWORD)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "600"
    text = page(response)
    assert FROM_THIS_NETWORK.replace("15 minutes", "10 minutes") in text
    # The message points to the email link, and the focus goes to its button.
    assert re.search(r'<button type="submit" class="secondary"\s+autofocus', text)
    assert 'value="bob@example.org"' in text
    assert signed_in_as(attacker) is None
    # Only the pair is throttled: the same client may still sign in to another account.
    assert post_sign_in(attacker, ALICE, PASSWORD).status_code == 302


def test_clients_in_one_ipv6_64_count_as_one_client(
    app: Flask, database: Database, world_with_passwords: World
) -> None:
    """One IPv6 host holds a whole /64: a new address there is not a new client."""
    for host in range(1, 6):
        assert guesses(browser(app, f"2001:db8:5:7::{host:x}"), 1) == [401]

    same_network = post_sign_in(browser(app, "2001:db8:5:7::ff"), BOB, PASSWORD)
    next_network = post_sign_in(browser(app, "2001:db8:5:8::1"), BOB, PASSWORD)

    assert same_network.status_code == 429
    assert FROM_THIS_NETWORK in page(same_network)
    assert next_network.status_code == 302
    with database.read_session() as session:
        assert set(session.scalars(select(SignInAttempt.remote_addr))) == {"2001:db8:5:7::/64"}


# --- device cookies that prove nothing -----------------------------------------------------


def forged_for_bob(alice_cookie: str, bob_id: int) -> str:
    """Alice's genuine token with Bob's user id written in: the MAC no longer matches."""
    user_id, rest = alice_cookie.split(".", 1)
    assert user_id != str(bob_id)
    return f"{bob_id}.{rest}"


@pytest.mark.parametrize("kind", ["forged", "another account", "expired", "garbage"])
def test_device_cookie_that_is_forged_for_another_account_expired_or_garbage_is_ignored(
    app: Flask, clock: Clock, world_with_passwords: World, kind: str
) -> None:
    alice_cookie = device_cookie(trusted_browser(app, LAPTOP, account=ALICE))
    bob_cookie = device_cookie(trusted_browser(app, LAPTOP))
    assert alice_cookie and bob_cookie
    if kind == "expired":
        clock.advance(days=366)
    value = {
        "forged": forged_for_bob(alice_cookie, world_with_passwords.bob.id),
        "another account": alice_cookie,
        "expired": bob_cookie,
        "garbage": "\u00e9%%~..." + "9" * 3000 + "~1.2.3.4~-1.x.9.=~",
    }[kind]
    reach_the_untrusted_limit(app)

    response = post_sign_in(with_device_cookie(app, "192.0.2.44", value), BOB, PASSWORD)

    assert response.status_code == 429
    assert FROM_NEW_BROWSERS in page(response)


def test_stolen_device_cookie_is_locked_after_its_own_limit(
    app: Flask, world_with_passwords: World
) -> None:
    """A thief with a copy of Bob's cookie, from a new address at each guess: the cookie's
    own limit stops them, and their failures do not count against untrusted browsers."""
    stolen = device_cookie(trusted_browser(app, LAPTOP))
    assert stolen
    statuses = [
        post_sign_in(
            with_device_cookie(app, f"192.0.2.{index}", stolen), BOB, "wrong password!"
        ).status_code
        for index in range(1, 6)
    ]
    assert statuses == [401] * 5

    locked = post_sign_in(with_device_cookie(app, "192.0.2.6", stolen), BOB, PASSWORD)

    assert locked.status_code == 429
    assert ON_THIS_BROWSER in page(locked)
    assert "email link" in page(locked)
    assert post_sign_in(browser(app, "192.0.2.7"), BOB, PASSWORD).status_code == 302


# --- what keeps working during an attack ---------------------------------------------------


def sign_in_link_path(database: Database) -> str:
    with database.read_session() as session:
        row = session.scalars(
            select(OutboxEmail).where(OutboxEmail.kind == "sign_in_link").order_by(OutboxEmail.id)
        ).all()[-1]
    message = email.message_from_bytes(row.raw, policy=default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = LINK_IN_TEXT.search(body.get_content())
    assert found
    return found.group(1)


def test_sign_in_link_works_while_passwords_are_throttled_and_trusts_that_browser(
    app: Flask, database: Database, world_with_passwords: World
) -> None:
    reach_the_untrusted_limit(app)
    phone = browser(app, "192.0.2.44")
    assert post_sign_in(phone, BOB, PASSWORD).status_code == 429

    sent = phone.post(
        "/sign-in/link", data={"email": BOB, "csrf_token": csrf_token(phone, "/sign-in")}
    )
    path = sign_in_link_path(database)
    redeemed = phone.post(path, data={"csrf_token": csrf_token(phone, path)})

    assert sent.status_code == 200
    assert redeemed.status_code == 302
    assert signed_in_as(phone) == "Bob Baker"
    # The link made this browser trusted: its password sign-in is no longer throttled.
    sign_out(phone)
    assert post_sign_in(phone, BOB, PASSWORD).status_code == 302


def test_owners_signed_in_session_keeps_working_during_the_attack(
    app: Flask, world_with_passwords: World
) -> None:
    laptop = browser(app, LAPTOP)
    sign_in(laptop, world_with_passwords.bob)

    assert guesses(browser(app, ATTACKER), 6) == [401] * 5 + [429]
    reach_the_untrusted_limit(app, clients=1)
    assert post_sign_in(browser(app, "192.0.2.44"), BOB, PASSWORD).status_code == 429

    assert signed_in_as(laptop) == "Bob Baker"


# --- the cookie itself ---------------------------------------------------------------------


def device_set_cookie(response: TestResponse) -> str:
    (header,) = [
        value
        for value in response.headers.getlist("Set-Cookie")
        if value.startswith(f"{DEVICE_COOKIE}=")
    ]
    return header


def test_device_cookie_is_long_lived_http_only_lax_and_sent_to_sign_in_only(
    app: Flask, world_with_passwords: World
) -> None:
    response = post_sign_in(browser(app, LAPTOP), BOB, PASSWORD)

    header = device_set_cookie(response)
    assert f"Max-Age={365 * 24 * 3600}" in header
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Path=/sign-in" in header
    # Served over plain http here: a Secure cookie would never come back.
    assert "Secure" not in header


def test_device_cookie_is_secure_when_the_site_is_https(
    settings: Settings, database: Database, world_with_passwords: World
) -> None:
    response = sign_in_over_https(settings, database, BOB, PASSWORD)

    assert response.status_code == 302
    assert "Secure" in device_set_cookie(response)


def test_one_browser_keeps_trust_for_each_account_signed_in_on_it(
    app: Flask, world_with_passwords: World
) -> None:
    """A shared computer: Alice and Bob both signed in on it; each stays trusted."""
    shared = trusted_browser(app, LAPTOP, account=ALICE)
    sign_in_again = post_sign_in(shared, BOB, PASSWORD)
    sign_out(shared)
    assert sign_in_again.status_code == 302
    for account in (ALICE, BOB):
        reach_the_untrusted_limit(app, account=account)

    for account in (ALICE, BOB):
        assert post_sign_in(shared, account, PASSWORD).status_code == 302
        sign_out(shared)
