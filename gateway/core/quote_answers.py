"""Answers under quoted lines: a line typed under a "> " quote is the writer's, not the quote's.

Owns the one place where the room's Markdown departs from CommonMark's block quotes. In
CommonMark (spec 5.1, "laziness") a text line right under a quote line continues the
quoted paragraph, so a reply answered point by point ("> Can you make Tuesday?" then
"Yes, after 2 pm.") would show each answer inside the quote it answers. Emailed replies
and chat messages are written that way, so before the block parse a blank line is put
between a quote line with text and an unquoted line that follows it. Lines inside code
fences are never touched. One pass over the lines.
"""

from __future__ import annotations

import re

from markdown_it.rules_core import StateCore

# A fence opener or closer: three or more backticks or tildes, indented by at most 3.
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def separate_answers(source: str) -> str:
    """``source`` with a blank line between each quote line and an answer right under it."""
    if ">" not in source:
        return source
    out: list[str] = []
    fence = ""
    lazy = False  # the line above is a quote line with text in it
    for line in source.split("\n"):
        opener = _FENCE.match(line)
        if fence:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = ""
            out.append(line)
            lazy = False
            continue
        stripped = line.lstrip(" ")
        quoted = stripped.startswith(">")
        if lazy and stripped and not quoted and len(line) - len(stripped) < 4:
            out.append("")
        if opener:
            fence = opener.group(1)
        out.append(line)
        lazy = quoted and bool(stripped.strip("> \t"))
    return "\n".join(out)


def separate_answers_rule(state: StateCore) -> None:
    """markdown-it core rule, run after "normalize" and before the block parse."""
    state.src = separate_answers(state.src)
