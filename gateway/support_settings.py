"""Support tickets' settings, read once at start-up (see the README's settings table).

Owns parsing and checking GATEWAY_SUPPORT_ADDRESSES (each optionally `address=queue`),
GATEWAY_SUPPORT_REQUESTERS (accept | existing | reject), GATEWAY_SUPPORT_AGENTS,
GATEWAY_SUPPORT_CLOSE_AFTER_DAYS and GATEWAY_SUPPORT_REOPEN_DAYS. A bad value raises
``SettingsError`` naming the variable. Must not import gateway.core or any adapter library.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

from gateway.settings_error import SettingsError

DEFAULT_CLOSE_AFTER_DAYS = 4
DEFAULT_REOPEN_DAYS = 7
MAX_DAYS = 3650
_ADDRESS_RE = re.compile(r"[^@\s,=]+@[^@\s,=]+\.[^@\s,=]+")
_QUEUE_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class RequesterPolicy(enum.StrEnum):
    """Who may open a ticket by email."""

    ACCEPT = "accept"  # anyone; an unknown address gets a staged user
    EXISTING = "existing"  # only addresses that already have a user
    REJECT = "reject"  # nobody: every sender gets a refusal notice (at most one a day)


@dataclass(frozen=True, slots=True)
class SupportSettings:
    """Where mail opens support tickets (no addresses: no support desk), and its rules."""

    addresses: tuple[str, ...] = ()
    # (address, queue) for the addresses given as `address=queue`.
    queues: tuple[tuple[str, str], ...] = ()
    requesters: RequesterPolicy = RequesterPolicy.ACCEPT
    # Users whose replies in a ticket count as the support team's (GATEWAY_SUPPORT_AGENTS).
    agents: tuple[str, ...] = ()
    close_after_days: int = DEFAULT_CLOSE_AFTER_DAYS
    reopen_days: int = DEFAULT_REOPEN_DAYS

    def is_support_address(self, address: str) -> bool:
        return address.lower() in self.addresses

    def queue_for(self, address: str) -> str | None:
        """The queue mail to `address` lands in (None: the default queue)."""
        return dict(self.queues).get(address.lower())

    def is_agent(self, address: str) -> bool:
        return address.lower() in self.agents


def support_settings(env: Mapping[str, str]) -> SupportSettings:
    """The support settings in ``env``; SettingsError naming the variable on a bad value."""
    addresses, queues = _addresses(env.get("GATEWAY_SUPPORT_ADDRESSES", ""))
    return SupportSettings(
        addresses=addresses,
        queues=queues,
        requesters=_policy(env.get("GATEWAY_SUPPORT_REQUESTERS", "")),
        agents=_agents(env.get("GATEWAY_SUPPORT_AGENTS", "")),
        close_after_days=_days(env, "GATEWAY_SUPPORT_CLOSE_AFTER_DAYS", DEFAULT_CLOSE_AFTER_DAYS),
        reopen_days=_days(env, "GATEWAY_SUPPORT_REOPEN_DAYS", DEFAULT_REOPEN_DAYS),
    )


def _addresses(raw: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    addresses: list[str] = []
    queues: list[tuple[str, str]] = []
    for item in (part.strip().lower() for part in raw.split(",")):
        if not item:
            continue
        address, equals, queue = (piece.strip() for piece in item.partition("="))
        if not _ADDRESS_RE.fullmatch(address):
            raise SettingsError(
                f"GATEWAY_SUPPORT_ADDRESSES must list email addresses (optionally "
                f"address=queue), got {address[:80]!r}"
            )
        if equals and not _QUEUE_RE.fullmatch(queue):
            raise SettingsError(
                f"GATEWAY_SUPPORT_ADDRESSES: the queue after {address}= must be letters, "
                f"digits, - or _ (at most 64), got {queue[:80]!r}"
            )
        if address not in addresses:
            addresses.append(address)
            if equals:
                queues.append((address, queue))
    return tuple(addresses), tuple(queues)


def _policy(raw: str) -> RequesterPolicy:
    value = raw.strip().lower() or RequesterPolicy.ACCEPT.value
    try:
        return RequesterPolicy(value)
    except ValueError:
        raise SettingsError(
            f"GATEWAY_SUPPORT_REQUESTERS must be accept, existing or reject, got {raw[:80]!r}"
        ) from None


def _agents(raw: str) -> tuple[str, ...]:
    agents = tuple(a.strip().lower() for a in raw.split(",") if a.strip())
    for agent in agents:
        if not _ADDRESS_RE.fullmatch(agent):
            raise SettingsError(
                f"GATEWAY_SUPPORT_AGENTS must list email addresses, got {agent[:80]!r}"
            )
    return agents


def _days(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= MAX_DAYS:
        raise SettingsError(
            f"{name} must be a whole number of days from 1 to {MAX_DAYS}, got {value[:80]!r}"
        )
    return int(value)


# No support address: mail to anything but a reply address is refused at RCPT.
NO_SUPPORT = SupportSettings()
