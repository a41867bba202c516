"""Shared fixtures: a migrated database per test (SQLite file, or PostgreSQL when
GATEWAY_TEST_DATABASE_URL is set), settings pointing at it, a fixed clock, users and a room."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.core.reply_addresses import ReplyKeys
from gateway.core.rooms import create_room
from gateway.core.users import add_user
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.migrate import upgrade
from gateway.store.models import Base

from cli_support import Cli, cli_for
from support import MAIL_DOMAIN, SECRET_KEY, World

pytest_plugins = ["smtp_gateway", "recording_relay"]

TEST_DATABASE_URL = os.environ.get("GATEWAY_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def migrated_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrations run once per test session: on a SQLite template file, or on PostgreSQL."""
    if TEST_DATABASE_URL:
        database = Database(TEST_DATABASE_URL)
        with database.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(database)
        database.dispose()
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "gateway.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    database.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def database(migrated_database_url: str, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database for one test (a copied SQLite file, or a truncated PG)."""
    if TEST_DATABASE_URL:
        database = Database(migrated_database_url)
        yield database
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with database.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        database.dispose()
        return
    path = tmp_path / "gateway.db"
    shutil.copyfile(migrated_database_url.removeprefix("sqlite:///"), path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture
def settings(database: Database, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database.url.render_as_string(hide_password=False),
        secret_key=SECRET_KEY,
        mail_domain=MAIL_DOMAIN,
        base_url="http://gateway.example.com",
        # Emails go at the first dispatch; the grace window's own tests set it.
        notify_grace_seconds=0,
    )


@pytest.fixture
def keys(settings: Settings) -> ReplyKeys:
    return ReplyKeys.from_secrets(settings.secret_key, settings.previous_secret_key)


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture
def world(database: Database, now: datetime) -> World:
    with database.transaction() as session:
        alice = add_user(session, "alice@example.com", name="Alice Archer", now=now)
        bob = add_user(session, "bob@example.org", name="Bob Baker", now=now)
        room = create_room(session, "Website redesign", owner=alice, members=[bob], now=now)
    return World(alice=alice, bob=bob, room=room)


@pytest.fixture
def gateway_cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    settings: Settings,
    tmp_path: Path,
) -> Cli:
    """`gateway` run in-process on the test database (see cli_support)."""
    return cli_for(monkeypatch, capsys, settings, tmp_path / "cli-data")


# CI runs the whole suite on SQLite, then again on PostgreSQL. A test that touches no
# database (a parser, a rule, a renderer) cannot behave differently the second time, so
# with GATEWAY_TEST_DATABASE_TESTS_ONLY set the second run takes only the tests that use
# one, and says how many it left to the first.
_DATABASE_FIXTURES = frozenset(("database", "migrated_database_url"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get("GATEWAY_TEST_DATABASE_TESTS_ONLY"):
        return
    kept = [i for i in items if _DATABASE_FIXTURES & set(getattr(i, "fixturenames", ()))]
    left = [i for i in items if not _DATABASE_FIXTURES & set(getattr(i, "fixturenames", ()))]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def pytest_report_header(config: pytest.Config) -> str | None:
    if os.environ.get("GATEWAY_TEST_DATABASE_TESTS_ONLY"):
        return "only the tests that use a database (the others ran on SQLite)"
    return None
