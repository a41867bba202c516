"""Reply extraction on hostile and typical input, against a linear scan of the same text.

For each case: the best of several runs of `extract_reply_text` (or the HTML extraction),
the best of several runs of a baseline that reads the same text once in linear time
(`splitlines` plus `lower` of every line), and their ratio. A matcher that backtracks shows
up as a ratio that grows with the input instead of staying flat, whatever the machine.

    python bench/reply_extraction.py [--repeat 5]

Prints one line per case:
    reply_extraction case=NAME bytes=N extract_ms=X baseline_ms=Y ratio=R
and the labelled corpus (64 cases) as one line with its slowest case.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from gateway.inbound.reply_text import extract_reply_from_html, extract_reply_text

CORPUS = Path(__file__).parent.parent / "tests" / "data" / "reply-trimmer"
TYPICAL = Path(__file__).parent.parent / "tests" / "data" / "replies" / "typical_2kb.txt"


def hostile_cases() -> dict[str, tuple[str, bool]]:
    """name -> (input, is_html): the shapes tests/inbound/test_reply_text.py checks."""
    verbs = "On 1 " + "wrote schrieb " * 21 + "x\n"
    matcher = (CORPUS / "matchers" / "does_not_contain_embedded_email.txt").read_text("utf-8")
    markers = (
        "> On Mon, 1 Jan 2024 at 10:00, X <x@y.z> wrote:\n"
        "On Mon, 1 Jan 2024 at 10:00, X <x@y.z>\n>\nOn\n"
    )
    return {
        "typical_2kb": (TYPICAL.read_text("utf-8"), False),
        "quote_markers_200kb": (markers * 2500, False),
        "reply_above_500k_quoted_lines": (
            "Thanks!\n\nOn 23 Nov 2026, at 10:00, Ann <a@b.c> wrote:\n" + "> quoted\n" * 500_000,
            False,
        ),
        "two_million_blank_lines": ("\n" * 2_000_000 + "end", False),
        "lines_ending_in_wrote": (
            "On 1 Jan 2024 x wrote\n" * 10000 + "2024 wrote wrote wrote:\n" * 10000,
            False,
        ),
        "one_megabyte_line": ("a" * 1_000_000, False),
        "candidate_lines_many_verbs": ((verbs + "x:\n" * 5) * 2000, False),
        "matcher_pathological_x2000": (matcher * 2000, False),
        "nested_html": (
            "<div>" * 20000 + "<blockquote>x</blockquote>" * 5000 + "</div>" * 20000,
            True,
        ),
    }


def best_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def linear_scan(text: str) -> int:
    return sum(len(line.lower()) for line in text.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per case; the best counts")
    args = parser.parse_args()
    for name, (text, is_html) in hostile_cases().items():
        extract = extract_reply_from_html if is_html else extract_reply_text
        extract_ms = best_ms(lambda t=text, f=extract: f(t), args.repeat)
        baseline_ms = best_ms(lambda t=text: linear_scan(t), args.repeat)
        print(
            f"reply_extraction case={name} bytes={len(text.encode())} "
            f"extract_ms={extract_ms:.3f} baseline_ms={baseline_ms:.3f} "
            f"ratio={extract_ms / baseline_ms:.1f}"
        )
    # Bytes decoded by hand: read_text would turn the CRLF case into plain newlines.
    bodies = {
        path.stem: path.read_bytes().decode("utf-8")
        for path in sorted((CORPUS / "emails").glob("*.txt"))
    }
    timings = {
        name: best_ms(lambda b=body: extract_reply_text(b), args.repeat)
        for name, body in bodies.items()
    }
    slowest = max(timings, key=lambda name: timings[name])
    print(
        f"reply_extraction corpus cases={len(timings)} total_ms={sum(timings.values()):.2f} "
        f"slowest={slowest} slowest_ms={timings[slowest]:.3f}"
    )


if __name__ == "__main__":
    main()
