"""`gateway worker` delivers from a child process: stopping the worker stops it, and a worker
killed outright (SIGKILL: no chance to clean up) leaves no orphan behind to send mail."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from gateway.settings import Settings

from gateway_process import gateway_environment, gateway_process, still_running
from recording_relay import RecordingRelay

pytestmark = pytest.mark.e2e

EXIT_TIMEOUT = 30.0


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_the_delivery_process_ends_with_the_worker(settings: Settings, how: str) -> None:
    with RecordingRelay() as relay:
        env = gateway_environment(settings, GATEWAY_RELAY_URL=f"smtp://{relay.host}:{relay.port}")
        with gateway_process("worker", env, "gateway is running", kill=True) as worker:
            children = _children(worker.pid)
            assert children, "the worker runs no child process"
            os.kill(worker.pid, getattr(signal, how))
            worker.wait(timeout=EXIT_TIMEOUT)
        assert still_running(children, timeout=EXIT_TIMEOUT) == set()
