"""The reply-trimmer peer corpus (tests/data/reply-trimmer, see its MANIFEST.md).

Each case runs in bounded time and records whether the trimmed text and the elided part
match the labels (outer whitespace stripped, then exact equality). Individual cases do not
fail on inexact output: the aggregate test holds the line on how many must be exact, and
the terminal summary (tests/inbound/conftest.py) reports the figures on every run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from gateway.inbound.reply_text import extract_reply_text

CORPUS = Path(__file__).parent.parent / "data" / "reply-trimmer"
CASES = sorted(path.stem for path in (CORPUS / "emails").glob("*.txt"))
MIN_TRIMMED_EXACT = 58


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    """What the conftest summary reports for one case."""

    trimmed_exact: bool
    elided_exact: bool
    seconds: float


def run_case(name: str) -> CaseOutcome:
    # Bytes decoded by hand: read_text would turn the CRLF case into plain newlines.
    body = (CORPUS / "emails" / f"{name}.txt").read_bytes().decode("utf-8")
    started = time.perf_counter()
    reply = extract_reply_text(body)
    seconds = time.perf_counter() - started
    trimmed = (CORPUS / "trimmed" / f"{name}.txt").read_text(encoding="utf-8").strip()
    elided = (CORPUS / "elided" / f"{name}.txt").read_text(encoding="utf-8").strip()
    return CaseOutcome(
        trimmed_exact=reply.text.strip() == trimmed,
        elided_exact=reply.elided.strip() == elided,
        seconds=seconds,
    )


def test_corpus_has_the_64_labelled_cases() -> None:
    assert len(CASES) == 64
    for name in CASES:
        assert (CORPUS / "trimmed" / f"{name}.txt").is_file()
        assert (CORPUS / "elided" / f"{name}.txt").is_file()


def test_corpus_trimmed_output_is_exact_for_enough_cases(
    corpus_outcomes: dict[str, CaseOutcome],
) -> None:
    outcomes = {name: run_case(name) for name in CASES}
    corpus_outcomes.update(outcomes)
    inexact = sorted(name for name, outcome in outcomes.items() if not outcome.trimmed_exact)

    assert len(CASES) - len(inexact) >= MIN_TRIMMED_EXACT, f"not exact: {inexact}"
