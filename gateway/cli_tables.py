"""Plain-text tables and times as the `gateway` listing commands print them.

Owns the layout operators read in a terminal: a header row, columns padded to their widest
cell, two spaces between columns, times in UTC to the minute, "-" for nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

NOTHING = "-"


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
