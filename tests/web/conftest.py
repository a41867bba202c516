"""Web fixtures: the app on the test database with a movable clock, and a browser-like
client. Signing in and CSRF tokens: `web_support.sign_in`, `web_support.csrf_token`.
Live streams: `live_app` (the app with a fast poller) and `open_stream` (web_support)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from gateway.settings import Settings
from gateway.store.database import Database
from gateway.web.app import create_app
from gateway.web.live import HUB_EXTENSION

from web_support import FAST, WAIT_SECONDS, Clock, EventReader, end_streams

OpenStream = Callable[..., tuple[TestResponse, EventReader | None]]


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def app(settings: Settings, database: Database, clock: Clock) -> Flask:
    return create_app(settings, database, clock=clock)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def live_app(app: Flask) -> Flask:
    app.config[HUB_EXTENSION] = FAST
    return app


@pytest.fixture
def open_stream(live_app: Flask) -> Iterator[OpenStream]:
    """Opens streams; at the end asks them to stop and waits until each has closed."""
    readers: list[tuple[Flask, EventReader]] = []

    def open_(
        client: FlaskClient, path: str, **headers: str
    ) -> tuple[TestResponse, EventReader | None]:
        response = client.get(path, headers=headers, buffered=False)
        if response.status_code != 200:
            response.close()
            return response, None
        reader = EventReader(response)
        readers.append((client.application, reader))
        return response, reader

    yield open_
    for app, reader in readers:
        end_streams(app)
        assert reader.ended.wait(WAIT_SECONDS)
