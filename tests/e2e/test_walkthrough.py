"""The README walk-through, as a user runs it: `gateway serve` on the embedded defaults in
one process, the CLI in others, a reply sent with smtplib, mail read from the Maildir."""

from __future__ import annotations

import json
import mailbox
import os
import smtplib
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pytest

from support import free_port

SERVE_TIMEOUT = 60
MAIL_TIMEOUT = 30


@pytest.fixture
def gateway_env(tmp_path: Path) -> dict[str, str]:
    """Embedded defaults (SQLite and Maildir in the data dir) on free ports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(
        GATEWAY_DATA_DIR=str(tmp_path / "gateway-data"),
        GATEWAY_SMTP_PORT=str(free_port()),
        GATEWAY_WEB_PORT=str(free_port()),
        # As the walk-through says: no grace window, so notifications go at once.
        GATEWAY_NOTIFY_GRACE_SECONDS="0",
    )
    return env


@pytest.fixture
def served(gateway_env: dict[str, str]) -> Iterator[list[str]]:
    """A running `gateway serve`; yields the lines it printed on start-up."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve"],
        env=gateway_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + SERVE_TIMEOUT
    for line in process.stdout:
        lines.append(line.rstrip())
        if "gateway is running" in line or time.monotonic() > deadline:
            break
    if process.poll() is not None or "gateway is running" not in lines[-1]:
        process.kill()
        pytest.fail("gateway serve did not start:\n" + "\n".join(lines))
    try:
        yield lines
    finally:
        process.terminate()
        process.wait(timeout=SERVE_TIMEOUT)


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def wait_for(condition: Callable[[], list[EmailMessage]], count: int) -> list[EmailMessage]:
    """Poll another process's output until `count` items are there (it has no callback)."""
    deadline = time.monotonic() + MAIL_TIMEOUT
    while len(found := condition()) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"expected {count} emails, found {len(found)}")
        time.sleep(0.1)
    return found


def maildir_messages(env: dict[str, str]) -> list[EmailMessage]:
    path = Path(env["GATEWAY_DATA_DIR"]) / "outbox-maildir"
    if not path.exists():  # created with the first email
        return []
    box = mailbox.Maildir(path, create=False)
    parsed = [
        message_from_bytes(box.get_bytes(key), policy=policy.default) for key in box.iterkeys()
    ]
    return sorted((m for m in parsed if isinstance(m, EmailMessage)), key=lambda m: m["Date"])


def test_readme_walk_through_from_post_to_threaded_reply(
    gateway_env: dict[str, str], served: list[str]
) -> None:
    smtp_port, web_port = gateway_env["GATEWAY_SMTP_PORT"], gateway_env["GATEWAY_WEB_PORT"]
    assert any(f"SMTP listening on 127.0.0.1:{smtp_port}" in line for line in served)
    assert any(f"web listening on http://127.0.0.1:{web_port}/" in line for line in served)
    assert any("outbox-maildir" in line for line in served)
    with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/healthz", timeout=10) as response:
        assert json.load(response)["status"] == "ok"

    cli(gateway_env, "user", "add", "alice@example.com", "--name", "Alice Archer")
    cli(gateway_env, "user", "add", "bob@example.org", "--name", "Bob Baker")
    room = cli(
        gateway_env,
        "room",
        "create",
        "Website redesign",
        "--owner",
        "alice@example.com",
        "--member",
        "bob@example.org",
    )
    cli(gateway_env, "post", room, "--as", "alice@example.com", "Can we **ship on Friday**?")
    [to_bob] = wait_for(lambda: maildir_messages(gateway_env), 1)
    address = cli(gateway_env, "reply-address", room, "bob@example.org")
    assert parseaddr(str(to_bob["Reply-To"]))[1] == address
    assert str(to_bob["To"]).strip().endswith("<bob@example.org>")

    reply = EmailMessage()
    reply["From"], reply["To"] = "Bob Baker <bob@example.org>", address
    reply["Subject"] = "Re: " + str(to_bob["Subject"])
    reply["In-Reply-To"] = str(to_bob["Message-ID"]).strip()
    reply.set_content(
        "Friday works for me.\n\nOn Mon, Alice Archer wrote:\n> Can we ship on Friday?\n\n-- \nBob"
    )
    with smtplib.SMTP("127.0.0.1", int(smtp_port), timeout=30) as client:
        client.send_message(reply)

    history = json.loads(cli(gateway_env, "messages", room, "--json"))
    assert [(m["author"], m["body"]) for m in history] == [
        ("alice@example.com", "Can we **ship on Friday**?"),
        ("bob@example.org", "Friday works for me."),
    ]
    _, to_alice = wait_for(lambda: maildir_messages(gateway_env), 2)
    assert str(to_alice["To"]).strip().endswith("<alice@example.com>")
    assert "Friday works for me." in to_alice.get_body(("plain",)).get_content()
    root = str(to_bob["References"]).split()[0]
    assert str(to_alice["References"]).split()[0] == root
