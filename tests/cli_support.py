"""Running `gateway` in-process in tests: the runner and the environment it needs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.settings import Settings

from support import MAIL_DOMAIN, SECRET_KEY


@dataclass(frozen=True)
class Outcome:
    """What one `gateway ...` run did: its exit status and what it printed."""

    code: int
    out: str
    err: str


class Cli:
    """Runs `gateway` in-process with the environment the test set up."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys

    def __call__(self, *argv: str) -> Outcome:
        self._capsys.readouterr()  # start from empty buffers
        try:
            code = main(list(argv))
        except SystemExit as exit_:  # argparse refuses usage this way
            code = int(exit_.code or 0)
        captured = self._capsys.readouterr()
        return Outcome(code, captured.out, captured.err)


def clear_gateway_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GATEWAY_* setting of the machine's leaks into a test (but the test database's)."""
    for name in list(os.environ):
        if name.startswith("GATEWAY_") and name != "GATEWAY_TEST_DATABASE_URL":
            monkeypatch.delenv(name)


def cli_for(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    settings: Settings,
    data_dir: Path,
) -> Cli:
    """`gateway` pointed at the test database, with the test secret and mail domain."""
    clear_gateway_environment(monkeypatch)
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(data_dir))
    monkeypatch.setenv("GATEWAY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GATEWAY_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("GATEWAY_MAIL_DOMAIN", MAIL_DOMAIN)
    return Cli(capsys)
