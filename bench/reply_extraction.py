"""Reply extraction on hostile and typical input, against a linear scan of the same text.

For each case: the best of several runs of `extract_reply_text` (or, for the html_ cases,
`extract_reply_from_html`), the best of several runs of a baseline that reads the same
text once in linear time, and their ratio. The baseline for text is `splitlines` plus
`lower` of every line; for HTML it is a regex that splits the text into tags and text runs
(each a possessive match, so one pass), counted one by one. A matcher or parser that
rescans shows up as a ratio that grows with the input (compare the 64 KB and 1 MB cases
of one shape) instead of staying flat, whatever the machine.

    python bench/reply_extraction.py [--repeat 5] [--only NAME]

Prints one line per case:
    reply_extraction case=NAME bytes=N extract_ms=X baseline_ms=Y ratio=R
(HTML cases add read=parsed, or read=stripped when the mail was over its work budget and
was read as tag-stripped text), the HTML reply fixtures as one line, and the labelled
corpus (64 cases) as one line with its slowest case.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from gateway.inbound.reply_text import extract_reply_from_html, extract_reply_text

from measure import best_ms

CORPUS = Path(__file__).parent.parent / "tests" / "data" / "reply-trimmer"
REPLIES = Path(__file__).parent.parent / "tests" / "data" / "replies"
TYPICAL = REPLIES / "typical_2kb.txt"
# Tags and text runs: the HTML baseline's one pass.
_HTML_TOKENS = re.compile(r"<[^<>]*+>?|[^<]++")


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
        **{name: (html, True) for name, html in hostile_html().items()},
    }


def hostile_html() -> dict[str, str]:
    """HTML shapes that stall or break a parser: tags, comments and marked sections left
    open, stray "<", nesting, attributes, end tags matched against a deep stack."""
    unclosed = "<div " * 199 + "\n"
    attributes = " ".join(f'a{i}="{i}"' for i in range(100_000))
    return {
        "html_unclosed_start_tags_64kb": unclosed * (65_536 // len(unclosed)),
        "html_unclosed_start_tags_1mb": unclosed * (1_048_576 // len(unclosed)),
        "html_unclosed_comment_1mb": "<p>hello</p><!--" + "x-- >" * 200_000,
        "html_unclosed_marked_section_800kb": "<p>hello</p><![foo[x" + "<p>y</p>" * 100_000,
        "html_less_than_signs_1mb": "<" * 1_000_000,
        "html_nested_blockquotes_50k": (
            "<blockquote>" * 50_000 + "deep" + "</blockquote>" * 50_000 + "<p>after</p>"
        ),
        "html_nested_divs_100k": "<div>" * 100_000 + "x" + "</div>" * 100_000,
        "html_many_attributes_100k": f"<div {attributes}>text</div>",
        "html_stray_end_tags_under_250_spans_1mb": "<span>" * 250 + "</b>" * 250_000 + "end",
        "html_paragraphs_60k": "<p>Some words &amp; more.</p>" * 60_000,
    }


def linear_scan(text: str) -> int:
    return sum(len(line.lower()) for line in text.splitlines())


def html_scan(html: str) -> int:
    return sum(1 for _ in _HTML_TOKENS.finditer(html))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per case; the best counts")
    parser.add_argument("--only", help="run only this case (and skip the fixtures and corpus)")
    args = parser.parse_args()
    for name, (text, is_html) in hostile_cases().items():
        if args.only and name != args.only:
            continue
        extract = extract_reply_from_html if is_html else extract_reply_text
        scan = html_scan if is_html else linear_scan
        extract_ms = best_ms(lambda t=text, f=extract: f(t), args.repeat)
        baseline_ms = best_ms(lambda t=text, s=scan: s(t), args.repeat)
        read = ""
        if is_html:
            stripped = extract_reply_from_html(text).html_fallback
            read = " read=stripped" if stripped else " read=parsed"
        print(
            f"reply_extraction case={name} bytes={len(text.encode())} "
            f"extract_ms={extract_ms:.3f} baseline_ms={baseline_ms:.3f} "
            f"ratio={extract_ms / baseline_ms:.1f}{read}",
            flush=True,
        )
    if args.only:
        return
    pages = [path.read_text("utf-8") for path in sorted(REPLIES.glob("*.html"))]
    total_ms = sum(
        best_ms(lambda h=html: extract_reply_from_html(h), args.repeat) for html in pages
    )
    print(f"reply_extraction html_fixtures cases={len(pages)} total_ms={total_ms:.2f}")
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
