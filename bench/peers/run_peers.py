"""Runs the peer reply extractors on cases read as JSON from stdin; writes JSON to stdout.

Runs inside bench/.peers-venv (see bench/peers/requirements.txt), never in the project's
environment, so it imports nothing from the gateway. Input: a list of
``{"id": str, "text": str | null, "html": str | null}``: the text part when there is one
(every extractor gets it), else the HTML part, and ``erp_text``, the text
email_reply_parser reads (it has no HTML entry point). Output:
``{"results": {id: {"talon": str, "talon_html": bool, "email_reply_parser": str}},
"errors": {id: str}, "seconds": {"talon": float, "email_reply_parser": float}}``;
``talon_html`` says the talon output is HTML, for the caller to turn into text.

    bench/.peers-venv/bin/python bench/peers/run_peers.py < cases.json
"""

from __future__ import annotations

import json
import sys
import time

import talon
from email_reply_parser import EmailReplyParser
from talon import quotations


def run(cases: list[dict]) -> dict:
    talon.init()
    results: dict[str, dict] = {}
    errors: dict[str, str] = {}
    seconds = {"talon": 0.0, "email_reply_parser": 0.0}
    for case in cases:
        out: dict = {"talon": "", "talon_html": False, "email_reply_parser": ""}
        started = time.perf_counter()
        try:
            if case["text"] is not None:
                out["talon"] = quotations.extract_from_plain(case["text"])
            else:
                out["talon"] = quotations.extract_from_html(case["html"])
                out["talon_html"] = True
        except Exception as error:  # a peer's crash is a result (empty output), not a stop
            errors[f"{case['id']} talon"] = f"{type(error).__name__}: {error}"
        seconds["talon"] += time.perf_counter() - started
        started = time.perf_counter()
        try:
            out["email_reply_parser"] = EmailReplyParser.parse_reply(case["erp_text"])
        except Exception as error:
            errors[f"{case['id']} email_reply_parser"] = f"{type(error).__name__}: {error}"
        seconds["email_reply_parser"] += time.perf_counter() - started
        results[case["id"]] = out
    return {"results": results, "errors": errors, "seconds": seconds}


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout, ensure_ascii=False)
