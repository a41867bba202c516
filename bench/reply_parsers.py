"""The smaller readers of a reply's text on their worst inputs, against a linear scan.

Each case times one reader on a hostile shape (best of several runs) and, on the same
text, a baseline that reads it once in linear time (`lower` of the whole input, then
`splitlines` and `split` of every line). A reader that rescans shows up as a ratio that
grows with the input: compare the 64 KB and 1 MB cases of one shape.

    python bench/reply_parsers.py [--repeat 5] [--only NAME]

Prints one line per case:
    reply_parsers case=NAME bytes=N work_ms=X baseline_ms=Y ratio=R
"""

from __future__ import annotations

import argparse
import struct
from collections.abc import Callable

from gateway.core.contact_details import find_contact_details
from gateway.core.quote_answers import separate_answers
from gateway.inbound.closings import is_closing
from gateway.inbound.own_quote import cut_own_quote
from gateway.inbound.part_choice import choose_reply
from gateway.inbound.reply_text import ReplyText
from gateway.inbound.rtf_text import read_rtf
from gateway.inbound.sent_text import SentText
from gateway.inbound.soft_wraps import join_soft_wraps
from gateway.inbound.tnef import TNEF_SIGNATURE, read_tnef

from measure import best_ms

KB = 1024


Input = str | bytes
Reader = Callable[[Input], object]


def _scaled(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def _empty_tnef_attributes(size: int) -> bytes:
    """A TNEF stream of attributes with no data: level, id, length 0, checksum 0."""
    attribute = b"\x01" + struct.pack("<II", 0x00069004, 0) + b"\x00\x00"
    return struct.pack("<IH", TNEF_SIGNATURE, 0) + attribute * (size // len(attribute))


def _own_quote_worst(size: int) -> tuple[Reader, str]:
    """A body of 12-word lines against three emails of ours of 5,000 words each."""
    words = [f"w{i % 997}" for i in range(5000)]
    sent = [SentText(" ".join(words[k:] + words[:k]), ("Alice",)) for k in (0, 7, 13)]
    line = " ".join(words[:12]) + "\n"
    body = _scaled(line, size)
    return (lambda text: cut_own_quote(ReplyText(str(text), ""), str(text), sent)), body


def _every_line(check: Callable[[str], object]) -> Reader:
    return lambda text: [check(line) for line in str(text).split("\n")]


def _as_text(reader: Callable[[str], object]) -> Reader:
    return lambda text: reader(str(text))


def _as_bytes(reader: Callable[[bytes], object]) -> Reader:
    return lambda data: reader(bytes(data, "utf-8") if isinstance(data, str) else data)


def cases() -> dict[str, tuple[Reader, Input]]:
    """name -> (reader, input)."""
    found: dict[str, tuple[Reader, Input]] = {}
    for label, size in (("64kb", 64 * KB), ("1mb", 1024 * KB)):
        found[f"soft_wraps_75_columns_{label}"] = (
            _as_text(join_soft_wraps),
            _scaled(("word " * 16)[:75] + "\n", size),
        )
        found[f"tnef_empty_attributes_{label}"] = (
            _as_bytes(read_tnef),
            _empty_tnef_attributes(size),
        )
        found[f"rtf_open_braces_{label}"] = (_as_bytes(read_rtf), b"{\\rtf1" + b"{" * size)
        found[f"own_quote_12_word_lines_{label}"] = _own_quote_worst(size)
        found[f"part_choice_wrapped_text_and_html_{label}"] = (
            _as_text(lambda text: choose_reply(text, "<p>" + text.replace("\n", " ") + "</p>")),
            _scaled(("word " * 16)[:75] + "\n", size // 2),
        )
        found[f"closings_near_misses_{label}"] = (
            _every_line(is_closing),
            _scaled("best regards, " + "a" * 40 + "!\nthanks thanks thanks,\n", size),
        )
        found[f"contact_details_international_numbers_{label}"] = (
            _as_text(find_contact_details),
            _scaled("+4915112345678 ", size),
        )
        found[f"contact_details_spelled_out_at_{label}"] = (
            _as_text(find_contact_details),
            _scaled("bob at x [at] example dot ", size),
        )
        found[f"quote_answers_alternating_{label}"] = (
            _as_text(separate_answers),
            _scaled("> quoted line\nanswer line\n", size),
        )
        found[f"quote_answers_open_fences_{label}"] = (
            _as_text(separate_answers),
            _scaled("```\n> q\n~~~\nx\n", size),
        )
    return found


def _baseline(data: Input) -> object:
    # Every character is touched (lower), then every line and word is cut once.
    return [line.split() for line in data.lower().splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    for name, (reader, data) in cases().items():
        if not args.only or args.only in name:
            print(_measured(name, reader, data, args.repeat))


def _measured(name: str, reader: Reader, data: Input, repeat: int) -> str:
    work = best_ms(lambda: reader(data), repeat)
    base = best_ms(lambda: _baseline(data), repeat)
    size = len(data.encode() if isinstance(data, str) else data)
    return (
        f"reply_parsers case={name} bytes={size} work_ms={work:.2f} "
        f"baseline_ms={base:.2f} ratio={work / base:.1f}"
    )


if __name__ == "__main__":
    main()
