"""Reply extraction on hostile and typical input, against a linear scan of the same text.

For each case: the best of several runs of `extract_reply_text` (or, for the html_ cases,
`extract_reply_from_html`), the best of several runs of a baseline that reads the same
text once in linear time, and their ratio. The baseline for text is `splitlines` plus
`lower` of every line; for HTML it is a regex that splits the text into tags and text runs
(each a possessive match, so one pass), counted one by one. A matcher or parser that
rescans shows up as a ratio that grows with the input (compare the 64 KB and 1 MB cases
of one shape) instead of staying flat, whatever the machine.

    python bench/reply_extraction.py [--repeat 5] [--only NAME] [--no-peers] [--misses]

Prints one line per case:
    reply_extraction case=NAME bytes=N extract_ms=X baseline_ms=Y ratio=R
(HTML cases add read=parsed, or read=stripped when the mail was over its work budget and
was read as tag-stripped text), the HTML reply fixtures as one line, and the labelled
corpus (64 cases) as one line with its slowest case.

Then a table of labelled results (``--table`` only prints it, ``--misses`` adds one line
per case the gateway gets wrong): rows are sources, the project's catalogue
(tests/data/reply-catalogue: all, per shape, per client) and the reply-trimmer corpus
(tests/data/reply-trimmer); columns are extractors (the gateway and, with ``--peers``, the
default, talon and email_reply_parser) by exact / over-trimmed / under-trimmed counts, as
defined in tests/reply_catalogue/scoring.py. The gateway reads each catalogue message as
intake does (parse_email, reply_text_of); the peers get the text part, or for HTML-only
mail talon gets the HTML (extract_from_html) and email_reply_parser the HTML as text. HTML
a peer returns is turned into text by the gateway's converter, so the table compares
finding the reply, not rendering HTML. Reply-trimmer labels: words are the lines of
trimmed/NAME.txt, unwanted are the lines of elided/NAME.txt (12 characters or more) that
are not in it.

The peers run in their own environment, bench/.peers-venv, made on first use from
bench/peers/requirements.txt (remade when that file changes) and never in the project's:
bench/peers/run_peers.py runs there, reading the cases as JSON on stdin.

    python bench/reply_extraction.py --table [--no-peers] [--misses]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from gateway.inbound.html_text import html_to_text
from gateway.inbound.parsing import parse_email
from gateway.inbound.preparation import reply_text_of
from gateway.inbound.reply_text import extract_reply_from_html, extract_reply_text

from measure import best_ms

ROOT = Path(__file__).parent.parent
CORPUS = Path(__file__).parent.parent / "tests" / "data" / "reply-trimmer"
PEERS = Path(__file__).parent / "peers"
PEERS_VENV = Path(__file__).parent / ".peers-venv"
EXTRACTORS = ("gateway", "talon", "email_reply_parser")
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
        # Every line a candidate attribution: fake sentence ends, then a name and address.
        "sentence_ends_then_wrote_3000_lines": (
            (("ab. " * 70) + "Alice <a@b.c> wrote:\n") * 3000,
            False,
        ),
        "addresses_then_wrote_4000_lines": ((("<a@b> " * 45) + "wrote:\n") * 4000, False),
        "direction_marks_4000_lines": (
            (("\u200f" * 150 + "On\u00a01 wrote\u200e：") + "\n") * 4000,
            False,
        ),
        "header_field_blocks_5000": (
            "From: Alice <a@b.c>\nSent: 10:04\nTo: x\n\n" * 5000,
            False,
        ),
        "closings_under_quotes_5000": (
            "Yes.\n\nOn 1 Jan 2024, A <a@b.c> wrote:\n> q\n\nRegards,\nBob\n" * 5000,
            False,
        ),
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
    parser.add_argument("--table", action="store_true", help="print only the labelled table")
    parser.add_argument(
        "--peers", action=argparse.BooleanOptionalAction, default=True,
        help="score talon and email_reply_parser too (in bench/.peers-venv)",
    )  # fmt: skip
    parser.add_argument("--misses", action="store_true", help="list the gateway's misses")
    args = parser.parse_args()
    if not args.table:
        timings(args.repeat, args.only)
    if not args.only:
        labelled_table(args.peers, args.misses)


def timings(repeat: int, only: str | None) -> None:
    for name, (text, is_html) in hostile_cases().items():
        if only and name != only:
            continue
        extract = extract_reply_from_html if is_html else extract_reply_text
        scan = html_scan if is_html else linear_scan
        extract_ms = best_ms(lambda t=text, f=extract: f(t), repeat)
        baseline_ms = best_ms(lambda t=text, s=scan: s(t), repeat)
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
    if only:
        return
    pages = [path.read_text("utf-8") for path in sorted(REPLIES.glob("*.html"))]
    total_ms = sum(best_ms(lambda h=html: extract_reply_from_html(h), repeat) for html in pages)
    print(f"reply_extraction html_fixtures cases={len(pages)} total_ms={total_ms:.2f}")
    # Bytes decoded by hand: read_text would turn the CRLF case into plain newlines.
    bodies = {
        path.stem: path.read_bytes().decode("utf-8")
        for path in sorted((CORPUS / "emails").glob("*.txt"))
    }
    per_case = {
        name: best_ms(lambda b=body: extract_reply_text(b), repeat) for name, body in bodies.items()
    }
    slowest = max(per_case, key=lambda name: per_case[name])
    print(
        f"reply_extraction corpus cases={len(per_case)} total_ms={sum(per_case.values()):.2f} "
        f"slowest={slowest} slowest_ms={per_case[slowest]:.3f}"
    )


# --- labelled table: the gateway and its peers on the catalogue and the reply-trimmer corpus ----


def _catalogue():  # -> module reply_catalogue.corpus (tests/ is not a package on sys.path)
    sys.path.insert(0, str(ROOT / "tests"))
    from reply_catalogue import corpus, scoring

    return corpus, scoring


def trimmer_cases(case_type: Callable[..., object]) -> list:
    """The reply-trimmer corpus as catalogue cases: words from trimmed/, unwanted from
    elided/ (see the module docstring)."""
    cases = []
    for path in sorted((CORPUS / "emails").glob("*.txt")):
        trimmed = (CORPUS / "trimmed" / path.name).read_text("utf-8").strip()
        elided = (CORPUS / "elided" / path.name).read_text("utf-8")
        kept = " ".join(trimmed.split())
        words = tuple(line.strip() for line in trimmed.split("\n") if line.strip())
        unwanted = tuple(
            dict.fromkeys(
                line.strip() for line in elided.split("\n")
                if len(" ".join(line.split())) >= 12 and " ".join(line.split()) not in kept
            )
        )  # fmt: skip
        cases.append(
            case_type(
                id=path.stem, client="", language="", shape="", parts="plain",
                # Bytes decoded by hand: read_text would turn the CRLF case into plain newlines.
                raw=path.read_bytes(), expected=trimmed, words=words, unwanted=unwanted,
            )
        )  # fmt: skip
    return cases


def peers_python() -> Path:
    """The peers' interpreter, in their own virtual environment: made on first use and
    remade when bench/peers/requirements.txt changes. Installed with --no-deps: the
    requirements pin every package (talon's own metadata pulls the scientific stack its
    unused signature classifier needs)."""
    python = PEERS_VENV / "bin" / "python"
    requirements = PEERS / "requirements.txt"
    stamp = PEERS_VENV / "requirements.sha256"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    print(f"reply_extraction peers: installing {requirements} into {PEERS_VENV}", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEERS_VENV)], check=True)
    install = [str(python), "-m", "pip", "install", "-q", "--no-deps", "-r", str(requirements)]
    done = subprocess.run(install, capture_output=True, text=True)
    if done.returncode:  # pip's own warnings are noise unless the install failed
        raise SystemExit(f"installing the peers failed:\n{done.stdout}{done.stderr}")
    stamp.write_text(digest)
    return python


def peer_outputs(inputs: list[dict]) -> tuple[dict[str, dict[str, str]], dict]:
    """Runs bench/peers/run_peers.py in the peers' environment: case id -> extractor ->
    text, and the runner's errors and seconds."""
    done = subprocess.run(
        [str(peers_python()), str(PEERS / "run_peers.py")],
        input=json.dumps(inputs, ensure_ascii=False).encode("utf-8"),
        capture_output=True, check=True,
    )  # fmt: skip
    answer = json.loads(done.stdout)
    outputs = {}
    for case_id, out in answer["results"].items():
        talon_text = out["talon"] or ""
        if out["talon_html"]:
            talon_text = html_to_text(talon_text)
        outputs[case_id] = {"talon": talon_text, "email_reply_parser": out["email_reply_parser"]}
    return outputs, answer


def _peer_input(case_id: str, text: str | None, html: str | None) -> dict:
    erp_text = text if text is not None else html_to_text(html or "")
    return {"id": case_id, "text": text, "html": html, "erp_text": erp_text}


def labelled_table(with_peers: bool, misses: bool) -> None:
    corpus, scoring = _catalogue()
    catalogue = corpus.load_cases()
    trimmer = trimmer_cases(corpus.StoredCase)
    started = time.perf_counter()
    outputs: dict[str, dict[str, str]] = {}  # "source/id" -> extractor -> text
    inputs = []
    for case in catalogue:
        parsed = parse_email(case.raw)
        outputs[f"catalogue/{case.id}"] = {"gateway": reply_text_of(parsed).text}
        text = parsed.text if parsed.text and parsed.text.strip() else None
        inputs.append(_peer_input(f"catalogue/{case.id}", text, parsed.html))
    for case in trimmer:
        body = case.raw.decode("utf-8")
        outputs[f"reply-trimmer/{case.id}"] = {"gateway": extract_reply_text(body).text}
        inputs.append(_peer_input(f"reply-trimmer/{case.id}", body, None))
    gateway_s = time.perf_counter() - started
    extractors = EXTRACTORS if with_peers else EXTRACTORS[:1]
    peer_seconds = {}
    if with_peers:
        found, answer = peer_outputs(inputs)
        for key, texts in found.items():
            outputs[key].update(texts)
        peer_seconds = answer["seconds"]
        for key, error in sorted(answer["errors"].items()):
            print(f"reply_extraction peer_error {key}: {' '.join(error.split())[:200]}")
    rows: dict[str, dict[str, object]] = {}
    for source, cases in (("catalogue", catalogue), ("reply-trimmer", trimmer)):
        for case in cases:
            groups = [source]
            if source == "catalogue":
                groups += [f"catalogue shape {case.shape}", f"catalogue client {case.client}"]
            for extractor in extractors:
                result = case.judge(outputs[f"{source}/{case.id}"][extractor])
                for group in groups:
                    row = rows.setdefault(group, {e: scoring.Tally() for e in extractors})
                    row[extractor].add(case.id, result)
                if misses and extractor == "gateway" and not result.exact:
                    print(
                        f"reply_extraction miss source={source} case={case.id} "
                        f"over={int(result.over)} under={int(result.under)} "
                        f"missing={list(result.missing)} leftover={list(result.leftover)}"
                    )
    print_table(rows, extractors)
    timing = " ".join(f"{name}_s={seconds:.2f}" for name, seconds in peer_seconds.items())
    print(f"reply_extraction labelled cases={len(inputs)} gateway_s={gateway_s:.2f} {timing}")


def print_table(rows: dict[str, dict], extractors: tuple[str, ...]) -> None:
    """One line per source: its case count, then exact/over/under for each extractor."""
    order = sorted(rows, key=lambda name: (name.startswith("reply-trimmer"), name.count(" "), name))
    heads = "".join(f" | {name:>22}" for name in extractors)
    print(f"reply_extraction table {'source':<40} {'cases':>5}{heads}")
    sub = "".join(f" | {'exact':>8} {'over':>6} {'under':>6}" for _ in extractors)
    print(f"reply_extraction table {'':<40} {'':>5}{sub}")
    for name in order:
        tallies = rows[name]
        cells = "".join(
            f" | {tallies[e].exact:>8} {tallies[e].over:>6} {tallies[e].under:>6}"
            for e in extractors
        )
        print(f"reply_extraction table {name:<40} {tallies[extractors[0]].cases:>5}{cells}")


if __name__ == "__main__":
    main()
