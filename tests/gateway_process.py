"""A real `gateway` command in a child process, on the test database, for whole-process
tests: started, waited for until it says it is ready, and stopped however the test ends."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from gateway.settings import Settings

from support import MAIL_DOMAIN, SECRET_KEY

STARTUP_TIMEOUT = 30


def gateway_environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a `gateway` child on the test's database and data directory."""
    return {
        **os.environ,
        "GATEWAY_DATA_DIR": str(settings.data_dir),
        "GATEWAY_DATABASE_URL": settings.database_url,
        "GATEWAY_SECRET_KEY": SECRET_KEY,
        "GATEWAY_MAIL_DOMAIN": MAIL_DOMAIN,
        **extra,
    }


@contextmanager
def gateway_process(
    command: str, env: dict[str, str], ready: str, *, kill: bool = False
) -> Iterator[subprocess.Popen[str]]:
    """`gateway COMMAND` running until the block ends, once it printed a line containing
    `ready`. Stopped with SIGTERM (a clean shutdown), or with SIGKILL when `kill` is set
    (a crash, for tests that need one)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        output = []
        for line in process.stdout:
            output.append(line)
            if ready in line:
                break
        else:
            pytest.fail(
                f"gateway {command} did not start (exit {process.wait()}):\n{''.join(output)}"
            )
        yield process
    finally:
        _stop(process, kill=kill)


def _stop(process: subprocess.Popen[str], *, kill: bool) -> None:
    if process.poll() is None:
        process.kill() if kill else process.terminate()
    try:
        process.wait(timeout=STARTUP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def still_running(pids: Iterable[int], *, timeout: float = STARTUP_TIMEOUT) -> set[int]:
    """Those of `pids` still running once they all exited or `timeout` seconds passed (a
    zombie not yet reaped counts as exited)."""
    deadline = time.monotonic() + timeout
    while (running := {pid for pid in pids if _running(pid)}) and time.monotonic() < deadline:
        time.sleep(0.05)
    return running


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in {"Z", "X"}
