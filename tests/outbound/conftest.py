"""Outbound fixtures: posting in the world's room, dispatching, reading the outbox, a relay."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from gateway.core.messages import NewFile, post_message
from gateway.core.reply_addresses import ReplyKeys
from gateway.outbound.dispatch import dispatch_notifications
from gateway.settings import RelaySettings, Settings
from gateway.store.database import Database
from gateway.store.models import Origin, OutboxEmail, User

from recording_relay import RecordingRelay
from support import World

PostMessage = Callable[..., int]
Dispatch = Callable[..., int]
ReadOutbox = Callable[..., list[OutboxEmail]]
ReadEmails = Callable[[User], list[EmailMessage]]


def _parse(raw: bytes) -> EmailMessage:
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.fixture
def post(database: Database, world: World, now: datetime) -> PostMessage:
    """post(text, author=alice, parent=None, files=(), room_id=world room) -> message id."""

    def post(
        text: str,
        *,
        author: User | None = None,
        parent: int | None = None,
        files: Sequence[NewFile] = (),
        room_id: int | None = None,
    ) -> int:
        with database.transaction() as session:
            message = post_message(
                session,
                room_id or world.room.id,
                (author or world.alice).id,
                text,
                origin=Origin.WEB,
                now=now,
                parent_id=parent,
                files=files,
            )
            return message.id

    return post


@pytest.fixture
def dispatch(database: Database, settings: Settings, keys: ReplyKeys, now: datetime) -> Dispatch:
    """dispatch(now=..., limit=...) runs dispatch_notifications in one committed transaction."""

    def dispatch(*, at: datetime | None = None, limit: int = 200) -> int:
        with database.transaction() as session:
            return dispatch_notifications(session, settings, keys, now=at or now, limit=limit)

    return dispatch


@pytest.fixture
def outbox(database: Database) -> ReadOutbox:
    """outbox(user_id=None) -> the outbox rows (of one recipient), oldest first."""

    def outbox(user_id: int | None = None) -> list[OutboxEmail]:
        query = select(OutboxEmail).order_by(OutboxEmail.id)
        if user_id is not None:
            query = query.where(OutboxEmail.user_id == user_id)
        with database.read_session() as session:
            return list(session.scalars(query))

    return outbox


@pytest.fixture
def emails_to(outbox: ReadOutbox) -> ReadEmails:
    """emails_to(user) -> the user's outbox emails as a modern client parses them
    (RFC 2047 words decoded, address headers structured), oldest first."""
    return lambda user: [_parse(row.raw) for row in outbox(user.id)]


@pytest.fixture
def relay_settings(settings: Settings, recording_relay: RecordingRelay) -> Settings:
    """The test settings with the recording relay as the outbound relay."""
    relay = RelaySettings(host=recording_relay.host, port=recording_relay.port)
    return dataclasses.replace(settings, relay=relay)
