"""A reply by email may carry the same files as a post on the web (GATEWAY_ATTACHMENT_MAX_FILES
and _MAX_BYTES): over either limit it is refused at the end of DATA with a reply that names
the limit, and nothing is stored in the room. Over a real SMTP socket."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import find_membership
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Attachment, Message

from smtp_gateway import SMTPGateway
from support import MAIL_DOMAIN, World


@pytest.fixture
def small_limits(database: Database, settings: Settings, now: datetime) -> Iterator[SMTPGateway]:
    """The gateway with the web's limits set low: 3 files, 1,000 bytes in all."""
    limited = dataclasses.replace(settings, attachment_max_files=3, attachment_max_bytes=1000)
    with SMTPGateway(database, limited, clock=lambda: now) as gateway:
        yield gateway


def _address(database: Database, world: World, keys: ReplyKeys) -> str:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        return reply_address(membership, keys, MAIL_DOMAIN)


def _reply(address: str, files: list[tuple[str, bytes]]) -> bytes:
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = "bob@example.org", address, "Re: plan"
    email["Message-ID"] = f"<files-{len(files)}-{sum(len(d) for _, d in files)}@example.org>"
    email.set_content("The files you asked for.")
    for name, data in files:
        email.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return email.as_bytes()


def _stored(database: Database) -> tuple[int, int]:
    with database.read_session() as session:
        messages = session.scalar(select(func.count()).select_from(Message)) or 0
        files = session.scalar(select(func.count()).select_from(Attachment)) or 0
    return messages, files


def test_a_reply_within_the_limits_keeps_every_file(
    small_limits: SMTPGateway, database: Database, world: World, keys: ReplyKeys
) -> None:
    address = _address(database, world, keys)
    files = [(f"part-{n}.pdf", b"%PDF" + bytes(200)) for n in range(3)]
    answer = small_limits.deliver(
        _reply(address, files), mail_from="bob@example.org", rcpt_to=[address]
    )
    assert answer.final[0] == 250
    assert _stored(database) == (1, 3)


def test_one_file_too_many_is_refused_naming_the_limit(
    small_limits: SMTPGateway, database: Database, world: World, keys: ReplyKeys
) -> None:
    address = _address(database, world, keys)
    files = [(f"part-{n}.pdf", b"%PDF") for n in range(4)]
    answer = small_limits.deliver(
        _reply(address, files), mail_from="bob@example.org", rcpt_to=[address]
    )
    assert answer.final[0] == 550 and answer.final[1].startswith("5.6.0")
    assert "at most 3 files; 4 were attached" in answer.final[1]
    assert _stored(database) == (0, 0)


def test_files_over_the_total_size_are_refused_naming_the_limit(
    small_limits: SMTPGateway, database: Database, world: World, keys: ReplyKeys
) -> None:
    address = _address(database, world, keys)
    files = [("big.pdf", b"%PDF" + bytes(700)), ("bigger.pdf", b"%PDF" + bytes(700))]
    answer = small_limits.deliver(
        _reply(address, files), mail_from="bob@example.org", rcpt_to=[address]
    )
    assert answer.final[0] == 550 and answer.final[1].startswith("5.6.0")
    assert "total at most 1000 bytes" in answer.final[1]
    assert _stored(database) == (0, 0)


def test_the_default_limits_are_the_webs(settings: Settings) -> None:
    from gateway.process import intake_config

    config = intake_config(settings, ReplyKeys.from_secrets(settings.secret_key))
    assert (config.max_files, config.max_bytes) == (10, 95 * 1024 * 1024)
