"""The smaller readers of a reply's text on their worst inputs, against a linear scan.

Each case times one reader on a hostile shape (best of several runs) and, on the same
text, a baseline that reads it once in linear time (`splitlines`, then `split` and
`lower` of every word). A reader that rescans shows up as a ratio that grows with the
input: compare the 64 KB and 1 MB cases of one shape.

    python bench/reply_parsers.py [--repeat 5] [--only NAME]

Prints one line per case:
    reply_parsers case=NAME bytes=N work_ms=X baseline_ms=Y ratio=R
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from gateway.core.contact_details import find_contact_details
from gateway.core.quote_answers import separate_answers
from gateway.inbound.closings import is_closing

from measure import best_ms

KB = 1024


def _scaled(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def _every_line(check: Callable[[str], object]) -> Callable[[str], object]:
    return lambda text: [check(line) for line in text.split("\n")]


def cases() -> dict[str, tuple[Callable[[str], object], str]]:
    """name -> (reader, input)."""
    found: dict[str, tuple[Callable[[str], object], str]] = {}
    for label, size in (("64kb", 64 * KB), ("1mb", 1024 * KB)):
        found[f"closings_near_misses_{label}"] = (
            _every_line(is_closing),
            _scaled("best regards, " + "a" * 40 + "!\nthanks thanks thanks,\n", size),
        )
        found[f"contact_details_international_numbers_{label}"] = (
            find_contact_details,
            _scaled("+4915112345678 ", size),
        )
        found[f"contact_details_spelled_out_at_{label}"] = (
            find_contact_details,
            _scaled("bob at x [at] example dot ", size),
        )
        found[f"quote_answers_alternating_{label}"] = (
            separate_answers,
            _scaled("> quoted line\nanswer line\n", size),
        )
        found[f"quote_answers_open_fences_{label}"] = (
            separate_answers,
            _scaled("```\n> q\n~~~\nx\n", size),
        )
    return found


def _baseline(text: str) -> object:
    return [word.lower() for line in text.splitlines() for word in line.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    for name, (reader, text) in cases().items():
        if not args.only or args.only in name:
            print(_measured(name, reader, text, args.repeat))


def _measured(name: str, reader: Callable[[str], object], text: str, repeat: int) -> str:
    work = best_ms(lambda: reader(text), repeat)
    base = best_ms(lambda: _baseline(text), repeat)
    return (
        f"reply_parsers case={name} bytes={len(text.encode())} work_ms={work:.2f} "
        f"baseline_ms={base:.2f} ratio={work / base:.1f}"
    )


if __name__ == "__main__":
    main()
