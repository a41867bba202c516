"""Plain-text tables and times as the `gateway` listing commands print them.

Owns the layout operators read in a terminal: a header row, columns padded to their widest
cell, two spaces between columns, times in UTC to the minute, "-" for nothing, and control
characters escaped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

NOTHING = "-"
# C0 and C1 controls and DEL (line breaks and tabs too): shown escaped.
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """The rows under their headers, each column as wide as its widest cell."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=False)]
    for row in (headers, *rows):
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        print("  ".join(cells).rstrip())


def minute(when: datetime | None) -> str:
    """`2026-11-23 09:30` (UTC), or "-" when there is no time."""
    if when is None:
        return NOTHING
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%d %H:%M")


def escape_controls(text: str, controls: re.Pattern[str] = CONTROLS) -> str:
    """`text` with each character `controls` matches written as `\\xNN`: text from outside
    (mail, members' notes) must not drive the operator's terminal with escape sequences."""
    return controls.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
