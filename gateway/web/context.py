"""What every view needs (settings, database, signing keys, clock), kept on app.extensions,
and `web_context()`, which finds it for the current request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app

from gateway.core.reply_addresses import ReplyKeys
from gateway.settings import Settings
from gateway.store.database import Database


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class WebContext:
    settings: Settings
    database: Database
    keys: ReplyKeys
    # Views read the time here, never from datetime.now(): tests move it (edit windows, ...).
    clock: Callable[[], datetime] = field(default=_utc_now)


def web_context() -> WebContext:
    """The app's WebContext (create_app puts it in app.extensions["gateway"])."""
    context: WebContext = current_app.extensions["gateway"]
    return context
