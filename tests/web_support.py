"""Web test support: the movable app clock, signing a test client in, reading CSRF tokens.

`sign_in(client, user)` starts a real web session (the same core call the sign-in views
make) and puts its token in the client's session cookie; `signed_in_client(app, user)` is a
new browser signed in so. `csrf_token(client)` reads the token a page gives its forms, so
tests post exactly what a browser would; `switch_user(client, user)` signs a client in as
someone else and gives that token, `post_form(...)` posts a form with it, and
`take_flashes(client)` pops the flash messages. `sign_in_over_https(...)` posts the password
form to an app whose site is https, as a browser there would. `post_from_elsewhere(...)` is
Alice's message posted by another unit of work, as the SMTP intake would.

The live event stream (GET /live/rooms/<id>): `EventReader` reads a streaming response in a
thread of its own; tests wait on the text with a bounded timeout (the poller runs on its own
rhythm), never on a sleep. `FAST` is the poller rhythm live tests give the app
(app.config[HUB_EXTENSION]); `end_streams(app)` asks the app's open streams to end, as a
stopping server does. The `live_app` and `open_stream` fixtures (tests/web/conftest.py) put
them together.
"""

from __future__ import annotations

import dataclasses
import json
import queue
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from gateway.core.messages import post_message
from gateway.core.web_sessions import start_web_session
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Origin, User
from gateway.web.app import create_app
from gateway.web.live import HUB_EXTENSION
from gateway.web.live_hub import LiveTiming

from support import World

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


def switch_user(client: FlaskClient, user: User) -> str:
    """Sign `client` out of whoever it was and in as `user`; the CSRF token its forms carry."""
    with client.session_transaction() as cookie:
        cookie.clear()
    sign_in(client, user)
    return csrf_token(client, "/rooms/new")


def post_form(client: FlaskClient, path: str, token: str, **form: str) -> TestResponse:
    """A form post to `path` carrying the CSRF token, as the page's forms send it."""
    return client.post(path, data={"csrf_token": token, **form})


def take_flashes(client: FlaskClient) -> list[tuple[str, str]]:
    """The flash messages waiting in the client's session, removed from it."""
    with client.session_transaction() as cookie:
        return list(cookie.pop("_flashes", []))


def signed_in_client(app: Flask, user: User) -> FlaskClient:
    """A new browser on `app` with `user` signed in."""
    client = app.test_client()
    sign_in(client, user)
    return client


def post_from_elsewhere(database: Database, world: World, now: datetime, text: str) -> int:
    """Alice's message in the room, posted by another unit of work (as the SMTP intake or
    another web process would); its id."""
    with database.transaction() as session:
        return post_message(
            session, world.room.id, world.alice.id, text, origin=Origin.EMAIL, now=now
        ).id


def sign_in_over_https(
    settings: Settings, database: Database, email: str, password: str
) -> TestResponse:
    """The answer to a password sign-in on the app served at https://gateway.example.com."""
    site = "https://gateway.example.com"
    client = create_app(dataclasses.replace(settings, base_url=site), database).test_client()
    found = CSRF_META.search(client.get("/sign-in", base_url=site).get_data(as_text=True))
    assert found
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": found.group(1)},
        base_url=site,
        # Flask-WTF checks the Referer of https posts (WTF_CSRF_SSL_STRICT).
        headers={"Referer": f"{site}/sign-in"},
    )


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token the page at `path` puts in its forms (follows redirects)."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    found = CSRF_META.search(page)
    assert found, f"no csrf-token meta on {path}"
    return found.group(1)


WAIT_SECONDS = 15
FAST = LiveTiming(poll_seconds=0.05, presence_seconds=0.05, touch_seconds=0.05, view_seconds=0.05)


class EventReader:
    """Reads a streaming response in a thread; `until` waits for the text it needs."""

    def __init__(self, response: TestResponse) -> None:
        self.response = response
        self.text = ""
        self._chunks: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._read_all = False
        self.ended = threading.Event()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for chunk in self.response.response:
            self._chunks.put(chunk.decode() if isinstance(chunk, bytes) else chunk)
        # Closed in the thread that iterated, as a WSGI server does: frees the stream's slot.
        self.response.close()
        self._chunks.put(None)
        self.ended.set()

    def until(self, predicate: Callable[[str], bool]) -> str:
        """All text read so far once `predicate` holds; fails after WAIT_SECONDS."""
        while not predicate(self.text):
            if self._read_all:
                raise AssertionError(f"stream ended first; got {self.text!r}")
            try:
                chunk = self._chunks.get(timeout=WAIT_SECONDS)
            except queue.Empty:
                raise AssertionError(f"stream never showed it; got {self.text!r}") from None
            if chunk is None:
                self._read_all = True
                raise AssertionError(f"stream ended first; got {self.text!r}")
            self.text += chunk
        return self.text

    def read_to_end(self) -> str:
        """All the stream's text once it has ended; fails if it is still open after
        WAIT_SECONDS."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not self._read_all:
            try:
                chunk = self._chunks.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"stream is still open; got {self.text!r}") from None
            if chunk is None:
                self._read_all = True
            else:
                self.text += chunk
        return self.text

    def events(self, kind: str) -> list[dict[str, object]]:
        found = []
        for block in self.text.split("\n\n"):
            lines = block.splitlines()
            if f"event: {kind}" in lines:
                data = next(line for line in lines if line.startswith("data: "))
                found.append(json.loads(data.removeprefix("data: ")))
        return found


def end_streams(app: Flask) -> None:
    hub = app.extensions.get(HUB_EXTENSION)
    if hub is not None:
        hub.end_streams()
