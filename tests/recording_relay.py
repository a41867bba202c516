"""A recording SMTP relay for tests: a real aiosmtpd server on an ephemeral port.

Stands in for the outbound relay (DESIGN.md, Testing): it accepts mail over a real socket and
keeps every envelope it got (mail_from, rcpt_tos, raw bytes exactly as received), can be told
to answer a chosen reply to the next N messages (451 to test retries, 550 to test failures),
and lets a test wait for a number of messages without sleeping.

aiosmtpd 1.4's Controller cannot bind port 0 (upstream issue 388), so the listening socket is
bound here and handed to `loop.create_server(..., sock=...)` on an event loop of its own in a
thread. Use as a context manager, or through the `recording_relay` fixture:

    from recording_relay import recording_relay  # noqa: F401  (in a conftest.py)
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"
ACCEPTED = "250 2.0.0 OK: recorded"
DEFAULT_WAIT_SECONDS = 5.0

Stage = Literal["RCPT", "DATA"]


@dataclass(frozen=True, slots=True)
class ReceivedEnvelope:
    """One message as the relay received it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes


class _Handler:
    """aiosmtpd hooks: record on DATA, or answer a scheduled failure at RCPT or DATA."""

    def __init__(self, relay: RecordingRelay) -> None:
        self._relay = relay

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        failure = self._relay._take_failure("RCPT")
        if failure is not None:
            return failure
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        failure = self._relay._take_failure("DATA")
        if failure is not None:
            return failure
        received = ReceivedEnvelope(
            # aiosmtpd may keep the null reverse-path as "<>": recorded as "" either way.
            mail_from="" if envelope.mail_from in (None, "<>") else envelope.mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos),
            raw=envelope.original_content or b"",
        )
        self._relay._record(received)
        return await self._relay._pass_on(received)


class RecordingRelay:
    """An SMTP server in a background thread that records what it is sent."""

    def __init__(self, hostname: str = "relay.test") -> None:
        self.hostname = hostname
        self.host = HOST
        self.port = 0
        self._condition = threading.Condition()
        self._received: list[ReceivedEnvelope] = []
        self._failures: list[tuple[Stage, str]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None

    # --- what tests use -------------------------------------------------------------------

    @property
    def received(self) -> list[ReceivedEnvelope]:
        """A snapshot of every envelope recorded so far, in arrival order."""
        with self._condition:
            return list(self._received)

    def fail_next(self, count: int, reply: str, *, stage: Stage = "DATA") -> None:
        """Answer `reply` (e.g. "451 4.3.0 Try later") instead of accepting the next `count`
        messages, at RCPT or at the end of DATA. Failed messages are not recorded."""
        with self._condition:
            self._failures.extend([(stage, reply)] * count)

    def wait_for(self, count: int, timeout: float = DEFAULT_WAIT_SECONDS) -> list[ReceivedEnvelope]:
        """Block until at least `count` envelopes were recorded; AssertionError on timeout."""
        with self._condition:
            if not self._condition.wait_for(lambda: len(self._received) >= count, timeout):
                raise AssertionError(
                    f"relay received {len(self._received)} message(s), expected {count}"
                )
            return list(self._received)

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> RecordingRelay:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((HOST, 0))
        listener.listen()
        self.port = listener.getsockname()[1]
        loop = asyncio.new_event_loop()
        handler = _Handler(self)
        self._server = loop.run_until_complete(
            loop.create_server(
                lambda: SMTP(handler, hostname=self.hostname, loop=loop), sock=listener
            )
        )
        self._loop = loop
        self._thread = threading.Thread(
            target=loop.run_forever, name="recording-relay", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        loop, server, thread = self._loop, self._server, self._thread
        if loop is None or server is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(_close(server), loop).result(DEFAULT_WAIT_SECONDS)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(DEFAULT_WAIT_SECONDS)
        loop.close()
        self._loop = self._server = self._thread = None

    def __enter__(self) -> RecordingRelay:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- called from the server thread ----------------------------------------------------

    async def _pass_on(self, envelope: ReceivedEnvelope) -> str:
        """The reply to a recorded message; a relay that forwards mail overrides this."""
        return ACCEPTED

    def _take_failure(self, stage: Stage) -> str | None:
        with self._condition:
            if self._failures and self._failures[0][0] == stage:
                return self._failures.pop(0)[1]
            return None

    def _record(self, envelope: ReceivedEnvelope) -> None:
        with self._condition:
            self._received.append(envelope)
            self._condition.notify_all()


async def _close(server: asyncio.AbstractServer) -> None:
    server.close()
    # Open sessions belong to the loop too: cancel them so the loop stops cleanly.
    current = asyncio.current_task()
    for task in asyncio.all_tasks():
        if task is not current:
            task.cancel()
    await server.wait_closed()


@pytest.fixture
def recording_relay() -> Iterator[RecordingRelay]:
    """A started RecordingRelay, stopped after the test."""
    with RecordingRelay() as relay:
        yield relay


__all__ = ["ReceivedEnvelope", "RecordingRelay", "recording_relay"]
