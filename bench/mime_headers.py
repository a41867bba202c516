"""Reading hostile headers and MIME structure, against a linear scan of the same bytes.

For each shape, a message carrying it (about 1 MB, and 64 KB to show the trend): the best of
several runs of `parse_email`, of the classification the intake runs on its result
(`detect_automated`, `detect_bounce`, `asks_for_no_out_of_office`), and of a baseline that
reads the same bytes once in linear time: decodes them as the parser does and counts their
tokens (runs of word characters, runs of whitespace, each other character) with one regular
expression. A reader that rescans shows up as a ratio that grows with the input (compare the
64 KB and 1 MB lines of one shape) instead of staying flat, whatever the machine. Shapes the
parser reads only up to a bound (recipient fields past MAX_ADDRESS_LIST_CHARS, parts past
MAX_PARTS, nesting past MAX_DEPTH) get cheaper per byte as they grow.

    python bench/mime_headers.py [--repeat 3] [--only NAME] [--sizes 65536,1048576]

Prints one line per case and size:
    mime_headers case=NAME bytes=N parse_ms=X classify_ms=Y baseline_ms=Z ratio=R
where ratio = (parse_ms + classify_ms) / baseline_ms, then the figures of one typical reply.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path

from gateway.inbound.bounce_reports import detect_bounce
from gateway.inbound.classification import asks_for_no_out_of_office, detect_automated
from gateway.inbound.parsing import parse_email

from measure import best_ms

TYPICAL = Path(__file__).parent.parent / "tests" / "data" / "gmail_reply.eml"
_TOKENS = re.compile(r"\w++|\s++|[^\w\s]")
HEAD = b"From: Ann <ann@example.org>\r\n"


def message(*fields: bytes, body: bytes = b"hello\r\n") -> bytes:
    return HEAD + b"".join(field + b"\r\n" for field in fields) + b"\r\n" + body


def repeat_to(unit: bytes, size: int) -> bytes:
    return unit * max(1, size // len(unit))


def multipart(body: bytes, subtype: bytes = b"mixed") -> bytes:
    return message(b"Content-Type: multipart/" + subtype + b'; boundary="b"', body=body)


def nested(size: int, open_level: Callable[[int], bytes]) -> bytes:
    levels = b"".join(open_level(level) for level in range(size // 64))
    return multipart(b"--b\r\nContent-Type: text/plain\r\n\r\nabove\r\n--b\r\n" + levels)


def shapes(size: int) -> dict[str, bytes]:
    """name -> raw message of about `size` bytes carrying one hostile shape."""
    addresses = b", ".join(b"user%d@example.org" % i for i in range(size // 19))
    ids = b" ".join(b"<id%d@example.org>" % i for i in range(size // 19))
    return {
        "to_nested_comments": message(
            b"To: " + b"(" * (size // 2) + b"x" + b")" * (size // 2) + b" real@example.org"
        ),
        "to_space_run": message(b"To: Ann" + b" " * size + b"x <ann@example.org>"),
        "to_angle_run": message(b"To: " + b"<" * size),
        "to_quote_run": message(b"To: " + b'"' * size),
        "to_many_addresses": message(b"To: " + addresses),
        "cc_many_fields": message(*[b"Cc: a@example.org"] * (size // 20)),
        "subject_encoded_words": message(b"Subject: " + repeat_to(b"=?utf-8?q?caf=C3=A9?= ", size)),
        "subject_open_words": message(b"Subject: " + b"=?" * (size // 2)),
        "subject_distinct_charsets": message(
            b"Subject: " + b"".join(b"=?x%d?q?a?= " % i for i in range(size // 12))
        ),
        "references_many_ids": message(b"References: " + ids),
        "references_angle_run": message(b"References: " + b"<" * size),
        "many_header_fields": message(*[b"X-A: b"] * (size // 8)),
        "folded_field": message(b"Subject: a" + b"\r\n b" * (size // 4)),
        "content_type_open_quote_semicolons": message(
            b'Content-Type: multipart/mixed; a="' + b";" * size
        ),
        "content_type_many_params": message(
            b"Content-Type: text/plain; " + repeat_to(b"a=b; ", size)
        ),
        "rfc2231_continuations": multipart(
            b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
            + b"".join(b"filename*%d*=a%%41; " % i for i in range(size // 20))
            + b"\r\n\r\nJVBERi0x\r\n--b--\r\n"
        ),
        "many_parts": multipart(repeat_to(b"--b\r\n\r\nx\r\n", size) + b"--b--\r\n"),
        "deep_multipart": nested(
            size,
            lambda n: b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (n, n),
        ),
        "deep_message_rfc822": nested(size, lambda n: b"Content-Type: message/rfc822\r\n\r\n"),
        "boundary_like_lines": multipart(b"--b\r\n\r\n" + repeat_to(b"--bx\r\n", size)),
        "long_delimiter_lines": multipart(
            b"--b\r\n\r\n" + repeat_to(b"--" + b"b" * 1000 + b"\r\n", size)
        ),
        "delivery_status_groups": message(
            b"Content-Type: multipart/report; report-type=delivery-status; boundary=b",
            body=b"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
            + repeat_to(b"Action: failed\r\n\r\n", size),
        ),
        "failed_recipients_near_addresses": message(
            b"X-Failed-Recipients: " + repeat_to(b"a" * 60 + b"@" + b"b" * 70 + b" ", size)
        ),
        "suppress_field_8bit": message(
            b"X-Auto-Response-Suppress: " + repeat_to(b"OOF,\xe9 ", size)
        ),
        "uuencoded_lines": message(
            b"Content-Type: application/octet-stream",
            b"Content-Disposition: attachment; filename=a.bin",
            b"Content-Transfer-Encoding: x-uuencode",
            body=b"begin 644 a.bin\r\n"
            + repeat_to(b"M" + b"86%A" * 15 + b"\r\n", size)
            + b"end\r\n",
        ),
        "base64_padded_chunks": message(
            b"Content-Type: text/plain",
            b"Content-Transfer-Encoding: base64",
            body=b"QQ==" * (size // 4),
        ),
    }


def linear_scan(raw: bytes) -> int:
    return sum(1 for _ in _TOKENS.finditer(raw.decode("ascii", "surrogateescape")))


def report(name: str, raw: bytes, repeat: int) -> None:
    parsed = parse_email(raw)
    parse_ms = best_ms(lambda: parse_email(raw), repeat)
    classify_ms = best_ms(
        lambda: (
            detect_automated(parsed, "<>"),
            detect_bounce(parsed, "<>"),
            asks_for_no_out_of_office(parsed),
        ),
        repeat,
    )
    baseline_ms = best_ms(lambda: linear_scan(raw), repeat)
    print(
        f"mime_headers case={name} bytes={len(raw)} parse_ms={parse_ms:.2f} "
        f"classify_ms={classify_ms:.2f} baseline_ms={baseline_ms:.2f} "
        f"ratio={(parse_ms + classify_ms) / baseline_ms:.1f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the best counts")
    parser.add_argument("--only", help="run only this case")
    parser.add_argument("--sizes", default="65536,1048576", help="comma-separated byte sizes")
    args = parser.parse_args()
    by_size = {int(size): shapes(int(size)) for size in args.sizes.split(",")}
    for name in shapes(1024):
        if args.only and name != args.only:
            continue
        for cases in by_size.values():
            report(name, cases[name], args.repeat)
    if not args.only:
        report("typical_reply", TYPICAL.read_bytes(), args.repeat * 10)


if __name__ == "__main__":
    main()
