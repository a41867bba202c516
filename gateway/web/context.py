"""What every view needs (settings, database, signing keys, clock), kept on app.extensions,
and `web_context()`, which finds it for the current request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import abort, current_app

from gateway.core.reply_addresses import ReplyKeys
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import MAX_ROW_ID


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


def row_id(text: str) -> int:
    """A row id from a form or query string (for `request.args.get(..., type=row_id)`):
    ValueError, so Flask gives the default, for anything that cannot name a row."""
    value = int(text)
    if not 0 <= value <= MAX_ROW_ID:
        raise ValueError(f"{text!r} is not a row id")
    return value


def refuse_ids_past_the_stored_range(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A url_value_preprocessor: an `<int:...>` past the stored range names nothing (404),
    and must not reach PostgreSQL, which refuses to compare it with an INTEGER column.
    (A converter maximum would answer 405 where another method's rule shares the path.)"""
    if values and any(isinstance(v, int) and v > MAX_ROW_ID for v in values.values()):
        abort(404)
