"""Reply-trimmer corpus summary: every run that includes the corpus tests reports its figures.

test_reply_corpus.py records each case's outcome in ``config.stash``; the terminal summary
prints how many of the labelled cases came out exact.
"""

from __future__ import annotations

from typing import Protocol

import pytest


class CorpusOutcome(Protocol):
    """One corpus case: did trimmed and elided output match the labels, and how long.

    (Test modules define their own class with these fields: importing from a conftest is
    fragile when several directories have one.)
    """

    @property
    def trimmed_exact(self) -> bool: ...

    @property
    def elided_exact(self) -> bool: ...

    @property
    def seconds(self) -> float: ...


CORPUS_OUTCOMES = pytest.StashKey[dict[str, CorpusOutcome]]()


@pytest.fixture
def corpus_outcomes(request: pytest.FixtureRequest) -> dict[str, CorpusOutcome]:
    """Where corpus tests record their outcomes for the terminal summary."""
    return request.config.stash.setdefault(CORPUS_OUTCOMES, {})


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    outcomes = config.stash.get(CORPUS_OUTCOMES, {})
    if not outcomes:
        return
    total = len(outcomes)
    trimmed = sum(outcome.trimmed_exact for outcome in outcomes.values())
    elided = sum(outcome.elided_exact for outcome in outcomes.values())
    slowest_name, slowest = max(outcomes.items(), key=lambda item: item[1].seconds)
    terminalreporter.write_sep("-", "reply-trimmer corpus")
    terminalreporter.write_line(
        f"reply-trimmer corpus: {trimmed}/{total} trimmed exact, {elided}/{total} elided exact, "
        f"slowest case {slowest.seconds * 1000:.2f} ms ({slowest_name})"
    )
    inexact = sorted(name for name, outcome in outcomes.items() if not outcome.trimmed_exact)
    if inexact:
        terminalreporter.write_line(f"trimmed not exact: {', '.join(inexact)}")
