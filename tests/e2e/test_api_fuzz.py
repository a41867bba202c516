"""Schemathesis against the live platform API: a real `gateway web` process (Waitress) on the
test database, an API key made with `gateway api-key create`, and property-based requests
generated from the served /api/v1/openapi.json, valid and invalid, statelessly and along the
document's links. Every response must be no server error, a documented status, JSON of the
documented schema and content type, and invalid requests must be refused.

One check is left out: positive_data_acceptance. Schemathesis sends the optional
Idempotency-Key header with a few short values on many requests, so a key comes back with a
different body, and the API then answers 422 idempotency_key_reused, as the IETF draft
(httpapi-idempotency-key-header, section 2.7) asks, for a request that is schema-valid on its
own. The acceptance of valid requests is tested operation by operation in
tests/web/test_api.py instead.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.settings import Settings
from gateway.web.api.openapi import openapi_document

from gateway_process import gateway_environment, gateway_process
from support import World, free_port

pytestmark = pytest.mark.e2e

STARTUP_TIMEOUT = 30
FUZZ_TIMEOUT = 600
EXAMPLES_PER_OPERATION = "25"


def test_schemathesis_finds_nothing_wrong_with_the_live_api(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    port = free_port()
    env = gateway_environment(settings, GATEWAY_WEB_HOST="127.0.0.1", GATEWAY_WEB_PORT=str(port))
    made = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "api-key", "create", "schemathesis"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key = made.stdout.strip()
    assert key.startswith("gw_") and "cannot be shown again" in made.stderr
    base = f"http://127.0.0.1:{port}"
    with gateway_process("web", env, "web listening") as server:
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "run",
                f"{base}/api/v1/openapi.json",
                "--header",
                f"Authorization: Bearer {key}",
                "--checks",
                "all",
                "--exclude-checks",
                "positive_data_acceptance",
                "--max-examples",
                EXAMPLES_PER_OPERATION,
                # One worker: Hypothesis's source inspection is not thread-safe on
                # Python 3.11 ("AST constructor recursion depth mismatch").
                "--workers",
                "1",
                "--report",
                "junit",
                "--report-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=FUZZ_TIMEOUT,
            cwd=tmp_path,  # its crash cache (.schemathesis/) stays out of the checkout
        )
        assert server.poll() is None, "the web process died under the fuzzing"
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    operations = sum(len(item) for item in openapi_document("test")["paths"].values())
    assert f"Tested: {operations}" in run.stdout, summary  # every operation, none skipped
    generated = re.search(r"(\d+) generated", run.stdout)
    assert generated is not None and int(generated.group(1)) >= 20 * operations, summary
