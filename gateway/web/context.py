"""What every view needs (settings, database, signing keys), kept on app.extensions."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.core.reply_addresses import ReplyKeys
from gateway.settings import Settings
from gateway.store.database import Database


@dataclass(frozen=True, slots=True)
class WebContext:
    settings: Settings
    database: Database
    keys: ReplyKeys
