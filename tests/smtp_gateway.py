"""A real gateway SMTP listener on an ephemeral port, in a thread of its own, for tests.

`SMTPGateway` runs the production handler, committer and server set-up; `deliver` speaks
SMTP to it with smtplib and returns every reply, so tests assert on codes, not exceptions.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest

from gateway.core.reply_addresses import ReplyKeys
from gateway.inbound.committer import IntakeCommitter
from gateway.inbound.smtp import (
    IntakeHandler,
    RecipientChecker,
    bind_smtp_socket,
    start_smtp_server,
)
from gateway.process import intake_config
from gateway.settings import Settings
from gateway.store.database import Database


@dataclass(frozen=True)
class Transcript:
    """The server's replies to one mail transaction."""

    mail: tuple[int, str]
    rcpts: list[tuple[int, str]]
    data: tuple[int, str] | None  # None when no recipient was accepted

    @property
    def final(self) -> tuple[int, str]:
        """The reply that decided the transaction's fate."""
        if self.mail[0] != 250:
            return self.mail
        if self.data is None:
            return next(reply for reply in self.rcpts if reply[0] != 250)
        return self.data


class SMTPGateway:
    def __init__(self, database: Database, settings: Settings, clock: Callable[[], datetime]):
        keys = ReplyKeys.from_secrets(settings.secret_key, settings.previous_secret_key)
        config = intake_config(settings, keys)
        self.settings = settings
        self.committer = IntakeCommitter(database, config, clock=clock)
        self.checker = RecipientChecker(database, config)
        self.handler = IntakeHandler(self.checker, self.committer, config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.port = 0

    def __enter__(self) -> SMTPGateway:
        self.committer.start()
        self.checker.start()
        self.thread.start()
        sock = bind_smtp_socket("127.0.0.1", 0)
        self.port = sock.getsockname()[1]
        self.server = asyncio.run_coroutine_threadsafe(
            start_smtp_server(self.handler, self.settings, sock), self.loop
        ).result(timeout=10)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.handler.close()
        self.checker.stop()
        self.committer.stop()

    def connect(self) -> smtplib.SMTP:
        client = smtplib.SMTP("127.0.0.1", self.port, timeout=30)
        client.ehlo("client.example.org")
        return client

    def deliver(
        self,
        raw: bytes,
        *,
        mail_from: str,
        rcpt_to: list[str],
        starttls: bool = False,
        mail_options: tuple[str, ...] = (),
    ) -> Transcript:
        with self.connect() as client:
            if starttls:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                client.starttls(context=context)
                client.ehlo("client.example.org")
            mail = client.mail(mail_from, list(mail_options))
            rcpts = [client.rcpt(address) for address in rcpt_to]
            # On the wire every line ends in CRLF (RFC 5321 section 2.3.8), whatever the file had.
            raw = re.sub(rb"\r?\n", b"\r\n", raw)
            data = client.data(raw) if any(code == 250 for code, _ in rcpts) else None
            return Transcript(
                _decoded(mail),
                [_decoded(r) for r in rcpts],
                None if data is None else _decoded(data),
            )


def _decoded(reply: tuple[int, bytes]) -> tuple[int, str]:
    return reply[0], reply[1].decode("utf-8", "replace")


@pytest.fixture
def smtp_gateway(database: Database, settings: Settings, now: datetime) -> Iterator[SMTPGateway]:
    with SMTPGateway(database, settings, clock=lambda: now) as gateway:
        yield gateway
