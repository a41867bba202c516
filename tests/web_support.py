"""Web test support: the movable app clock, signing a test client in, reading CSRF tokens.

`sign_in(client, user)` starts a real web session (the same core call the sign-in views
make) and puts its token in the client's session cookie. `csrf_token(client)` reads the
token a page gives its forms, so tests post exactly what a browser would.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask.testing import FlaskClient

from gateway.core.web_sessions import start_web_session
from gateway.store.models import User

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Clock:
    """The web app's clock in tests: starts at the `now` fixture, moved by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def sign_in(client: FlaskClient, user: User) -> None:
    """Sign `user` in on `client`, as the sign-in views do (on the app's clock)."""
    context = client.application.extensions["gateway"]
    with context.database.transaction() as session:
        token = start_web_session(session, session.get_one(User, user.id), now=context.clock())
    with client.session_transaction() as cookie:
        cookie["sid"] = token


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token the page at `path` puts in its forms (follows redirects)."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    found = CSRF_META.search(page)
    assert found, f"no csrf-token meta on {path}"
    return found.group(1)
