"""Mailboxes read over IMAP: GATEWAY_IMAP_URL, read once at start-up.

Owns parsing and checking the IMAP settings (see the README's settings table). A bad value
raises ``SettingsError`` naming the variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ImapMailbox:
    """One mailbox to read: where, as whom, which folder."""

    url: str


def imap_mailboxes(env: Mapping[str, str]) -> tuple[ImapMailbox, ...]:
    """The mailboxes in ``env`` (none when GATEWAY_IMAP_URL is unset)."""
    raw = env.get("GATEWAY_IMAP_URL", "")
    return tuple(ImapMailbox(url.strip()) for url in raw.split() if url.strip())
