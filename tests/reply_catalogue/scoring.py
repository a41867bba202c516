"""Scoring one extractor output against one catalogue case (shared by the test and the bench).

Whitespace-normalised text, ``normalise(s)``: ``" ".join(s.split())``, so every run of
whitespace (spaces, tabs, newlines, and the Unicode spaces ``str.split`` knows, such as
U+00A0 and U+202F) becomes one space and the ends are stripped. Format characters (bidi
marks U+200E/U+200F, zero-width spaces) are not whitespace and stay. Matching is
case-sensitive.

Per case:
- exact: ``normalise(output) == normalise(expected)`` when the case has an expected text.
  Cases whose output format is the extractor's choice (interleaved answers, forwarded mail,
  a blockquote the person wrote) have none; for them exact means neither over- nor
  under-trimmed.
- over-trim: some ``words`` phrase (normalised) is not a substring of the normalised output:
  the extractor lost words the person wrote.
- under-trim: some ``unwanted`` phrase (normalised) is a substring of the normalised output:
  quote text, an attribution, a signature or a tagline was left in.
Over- and under-trim are counted separately; a case can be both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


def normalise(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Score:
    exact: bool
    missing: tuple[str, ...]  # words not found: over-trim when non-empty
    leftover: tuple[str, ...]  # unwanted phrases found: under-trim when non-empty

    @property
    def over(self) -> bool:
        return bool(self.missing)

    @property
    def under(self) -> bool:
        return bool(self.leftover)


def score(
    output: str, expected: str | None, words: Iterable[str], unwanted: Iterable[str]
) -> Score:
    got = normalise(output)
    missing = tuple(w for w in words if normalise(w) not in got)
    leftover = tuple(u for u in unwanted if normalise(u) in got)
    # Without an expected text, the labels are the whole judgement.
    exact = not missing and not leftover if expected is None else got == normalise(expected)
    return Score(exact=exact, missing=missing, leftover=leftover)


@dataclass(slots=True)
class Tally:
    """Counts over a group of cases."""

    cases: int = 0
    exact: int = 0
    over: int = 0
    under: int = 0
    over_ids: list[str] = field(default_factory=list)
    inexact_ids: list[str] = field(default_factory=list)

    def add(self, case_id: str, result: Score) -> None:
        self.cases += 1
        self.exact += result.exact
        self.over += result.over
        self.under += result.under
        if result.over:
            self.over_ids.append(case_id)
        if not result.exact:
            self.inexact_ids.append(case_id)
