"""The one error every bad setting raises: its message is one line naming the variable."""

from __future__ import annotations


class SettingsError(ValueError):
    """A configuration value is missing or invalid; the message names the variable."""
