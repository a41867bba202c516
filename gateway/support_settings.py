"""Support addresses: GATEWAY_SUPPORT_ADDRESSES, read once at start-up.

Owns parsing and checking the support settings (see the README's settings table). A bad
value raises ``SettingsError`` naming the variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SupportSettings:
    """Where mail opens support tickets (empty: no support address)."""

    addresses: tuple[str, ...] = ()


def support_settings(env: Mapping[str, str]) -> SupportSettings:
    """The support settings in ``env``."""
    raw = env.get("GATEWAY_SUPPORT_ADDRESSES", "")
    return SupportSettings(tuple(a.strip().lower() for a in raw.split(",") if a.strip()))
