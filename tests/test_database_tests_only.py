"""GATEWAY_TEST_DATABASE_TESTS_ONLY keeps just the tests that use a database: CI's
PostgreSQL pass runs those again, and leaves parsers and rules to the SQLite pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).parent
PURE = "tests/core/test_quote_answers.py"  # rendering only: no database fixture
WITH_DATABASE = "tests/core/test_room_mutes.py"


def _collected(*paths: str, only: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k != "GATEWAY_TEST_DATABASE_TESTS_ONLY"}
    if only:
        env["GATEWAY_TEST_DATABASE_TESTS_ONLY"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *paths],
        cwd=TESTS.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout.strip().splitlines()[-1]


def test_only_the_tests_using_a_database_are_kept() -> None:
    everything = _collected(PURE, WITH_DATABASE, only=False)
    some = _collected(PURE, WITH_DATABASE, only=True)

    total = int(everything.split()[0])
    kept, all_of_them = some.split()[0].split("/")
    assert int(all_of_them) == total
    assert 0 < int(kept) < total
    assert int(_collected(WITH_DATABASE, only=True).split()[0].split("/")[0]) == int(kept)


def test_without_the_setting_nothing_is_left_out() -> None:
    assert "deselected" not in _collected(PURE, WITH_DATABASE, only=False)
