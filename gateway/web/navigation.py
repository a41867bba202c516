"""What the page header shows a signed-in user: tab badges and their accounts."""

from __future__ import annotations

from typing import Any


def navigation_context() -> dict[str, Any]:
    """Template globals for the header (unread counts per tab, account switcher)."""
    return {}
