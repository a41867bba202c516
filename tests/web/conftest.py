"""Web fixtures: the app on the test database with a movable clock, and a browser-like
client. Signing in and CSRF tokens: `web_support.sign_in`, `web_support.csrf_token`."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.settings import Settings
from gateway.store.database import Database
from gateway.web.app import create_app

from web_support import Clock


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def app(settings: Settings, database: Database, clock: Clock) -> Flask:
    return create_app(settings, database, clock=clock)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
