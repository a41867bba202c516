"""Web fixtures: the app on the test database with a movable clock, a browser-like client,
and signing in.

`sign_in(client, user)` starts a real web session (the same core call the sign-in views
make) and puts its token in the client's session cookie. `csrf_token(client)` reads the
token a page gives its forms, so tests post exactly what a browser would."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.core.web_sessions import start_web_session
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import User
from gateway.web.app import create_app

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Clock:
    """The web app's clock in tests: starts at the `now` fixture, moved by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def app(settings: Settings, database: Database, clock: Clock) -> Flask:
    return create_app(settings, database, clock=clock)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign_in(client: FlaskClient, user: User) -> None:
    """Sign `user` in on `client`, as the sign-in views do (on the app's clock)."""
    context = client.application.extensions["gateway"]
    with context.database.transaction() as session:
        token = start_web_session(session, session.merge(user), now=context.clock())
    with client.session_transaction() as cookie:
        cookie["sid"] = token


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token the page at `path` puts in its forms (follows redirects)."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    found = CSRF_META.search(page)
    assert found, f"no csrf-token meta on {path}"
    return found.group(1)
