"""Crash safety of `gateway smtp` as a real process: no 250 without a commit, and the
sender's retry is stored exactly once."""

from __future__ import annotations

import signal
import smtplib
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text

from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import find_membership
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import InboundEmail, Message

from gateway_process import gateway_environment, gateway_process
from support import MAIL_DOMAIN, World, free_port, reply_email

STARTUP_TIMEOUT = 30


@contextmanager
def gateway_smtp_process(settings: Settings, port: int) -> Iterator[subprocess.Popen[str]]:
    """`gateway smtp` on `port`, killed (not stopped) at the end: the tests crash it."""
    env = gateway_environment(settings, GATEWAY_SMTP_PORT=str(port))
    with gateway_process("smtp", env, "SMTP listening", kill=True) as process:
        yield process


@contextmanager
def write_lock(database: Database) -> Iterator[None]:
    """Hold the database's write lock from another connection, as a long writer would."""
    if database.is_sqlite:
        connection = sqlite3.connect(database.url.database or "", isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    with database.engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("LOCK TABLE inbound_emails IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            transaction.rollback()


def send_data_without_waiting(port: int, sender: str, recipient: str, raw: bytes) -> socket.socket:
    """Run a transaction up to the end of DATA, leaving the final reply unread."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    reader = sock.makefile("rb")

    def expect(code: bytes) -> None:
        while (line := reader.readline())[3:4] == b"-":
            pass
        assert line.startswith(code), line

    expect(b"220")
    for command, code in (
        (b"EHLO client.example.org", b"250"),
        (f"MAIL FROM:<{sender}>".encode(), b"250"),
        (f"RCPT TO:<{recipient}>".encode(), b"250"),
        (b"DATA", b"354"),
    ):
        sock.sendall(command + b"\r\n")
        expect(code)
    sock.sendall(raw.replace(b"\r\n.", b"\r\n..") + b"\r\n.\r\n")
    return sock


def counts(database: Database) -> tuple[int, int]:
    with database.read_session() as session:
        return (
            session.scalar(select(func.count()).select_from(InboundEmail)) or 0,
            session.scalar(select(func.count()).select_from(Message)) or 0,
        )


def test_killed_between_data_and_commit_gives_no_250_and_retry_is_stored_once(
    database: Database, settings: Settings, world: World, keys: ReplyKeys
) -> None:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        address = reply_address(membership, keys, MAIL_DOMAIN)
    raw = reply_email(
        "bob@example.org",
        address,
        "Confirmed for Friday.",
        message_id="<crash-once@mail.example.org>",
    )
    port = free_port()

    with write_lock(database), gateway_smtp_process(settings, port) as process:
        sock = send_data_without_waiting(port, "bob@example.org", address, raw)
        sock.settimeout(1.0)
        with pytest.raises(TimeoutError):  # the commit cannot happen: no reply may come
            sock.recv(1024)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=STARTUP_TIMEOUT)
        sock.settimeout(10)
        try:
            after_kill = sock.recv(1024)
        except ConnectionResetError:
            after_kill = b""
        sock.close()
        assert b"250" not in after_kill
    assert counts(database) == (0, 0)

    with gateway_smtp_process(settings, port):
        for _ in range(2):  # the retry, then a duplicate as if its 250 had been lost
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                client.ehlo("client.example.org")
                assert client.sendmail("bob@example.org", [address], raw) == {}
    assert counts(database) == (1, 1)
