"""Reading the committed catalogue (tests/data/reply-catalogue) and scoring an extractor on it.

The files are the corpus: the test and the bench read them, not the generator, so a
reviewed file is what is scored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .scoring import Score, score

DATA = Path(__file__).parent.parent / "data" / "reply-catalogue"


@dataclass(frozen=True, slots=True)
class StoredCase:
    id: str
    client: str
    language: str
    shape: str
    parts: str
    raw: bytes
    expected: str | None
    words: tuple[str, ...]
    unwanted: tuple[str, ...]

    def judge(self, output: str) -> Score:
        return score(output, self.expected, self.words, self.unwanted)


def load_cases(directory: Path = DATA) -> list[StoredCase]:
    cases = []
    for path in sorted(directory.glob("*.json")):
        labels = json.loads(path.read_text("utf-8"))
        expected = labels["expected"]
        cases.append(
            StoredCase(
                id=labels["id"],
                client=labels["client"],
                language=labels["language"],
                shape=labels["shape"],
                parts=labels["parts"],
                raw=path.with_suffix(".eml").read_bytes(),
                expected=None if expected is None else "\n".join(expected),
                words=tuple(labels["words"]),
                unwanted=tuple(labels["unwanted"]),
            )
        )
    return cases


def judge_all(cases: list[StoredCase], extract: Callable[[bytes], str]) -> dict[str, Score]:
    return {case.id: case.judge(extract(case.raw)) for case in cases}
