"""CSRF tokens are masked afresh in every response, so compressed pages never repeat the
session's secret (BREACH), and every masked copy still works; hostile values are refused,
never an error."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from flask_wtf.csrf import generate_csrf
from hypothesis import given
from hypothesis import strategies as st

from gateway.web.security import MASKED, mask_token, unmask_token

from support import World
from web_support import CSRF_META, signed_in_client


def _token(client: FlaskClient, path: str) -> str:
    found = CSRF_META.search(client.get(path).get_data(as_text=True))
    assert found is not None
    return found.group(1)


def test_each_page_carries_a_different_mask_of_the_same_token(app: Flask, world: World) -> None:
    client = signed_in_client(app, world.bob)
    first, second = _token(client, "/rooms"), _token(client, "/rooms")
    assert first != second
    # The unmasked value is Flask-WTF's signed token, "secret.timestamp.signature"; the
    # timestamp moves on between two requests a second apart, the session's secret never.
    secret = _signed_secret(first)
    assert secret == _signed_secret(second)
    page = client.get("/settings", headers={"Accept-Encoding": "identity"}).get_data(True)
    assert secret not in page  # the secret itself is never on a page


def _signed_secret(masked: str) -> str:
    unmasked = unmask_token(masked)
    assert unmasked is not None
    return unmasked.split(".")[0]


def test_any_masked_copy_posts_and_a_tampered_one_is_refused(app: Flask, world: World) -> None:
    client = signed_in_client(app, world.bob)
    for _ in range(2):
        token = _token(client, "/settings")
        response = client.post("/presence", data={"csrf_token": token, "presence": "online"})
        assert response.status_code == 303
    token = _token(client, "/settings")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    refused = client.post("/presence", data={"csrf_token": tampered, "presence": "online"})
    assert refused.status_code == 400


def test_the_header_token_of_scripts_is_unmasked_too(app: Flask, world: World) -> None:
    client = signed_in_client(app, world.bob)
    token = _token(client, "/settings")
    response = client.post("/presence", data={"presence": "online"}, headers={"X-CSRFToken": token})
    assert response.status_code == 303


@given(st.text(max_size=200))
def test_unmasking_any_text_never_raises(value: str) -> None:
    result = unmask_token(value)
    assert result is None or isinstance(result, str)
    assert unmask_token(MASKED + value) is not None


@given(st.text(min_size=1, max_size=120))
def test_masking_round_trips(token: str) -> None:
    assert unmask_token(mask_token(token)) == token


def test_a_raw_token_still_validates(app: Flask) -> None:
    """Unmasked tokens (an old open page) pass through to Flask-WTF unchanged."""
    with app.test_request_context():
        raw = generate_csrf()
        assert unmask_token(raw) == raw
