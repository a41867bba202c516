"""Device cookies: a browser's signed proof that it signed in to an account before.

Owns the device token format and its checks. A browser that signs in (with a password or an
email link) gets a token `<user id>.<nonce>.<issued at>.<mac>`: a random nonce, a Unix time,
and an HMAC of all three under the app's signing keys (a key of its own for this use). Sign-in
throttling trusts such a browser for that account only: it is never caught by the limit all
untrusted browsers share for the account, only by a limit of its own, counted by nonce (so a
stolen cookie cannot buy unlimited guesses). This is OWASP's "Slow Down Online Guessing
Attacks with Device Cookies": whoever guesses slows themselves, not the account's owner.

One cookie holds the tokens of the last few accounts signed in on the browser, newest first,
so a shared computer keeps each person's trust. A token that is malformed, forged, expired or
for another account is ignored, never an error. Pure: no database. Must not import Flask or
any adapter library.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.core.reply_addresses import ReplyKeys

DEVICE_LIFETIME = timedelta(days=365)
# Accounts one browser is trusted for; the cookie stays far below browsers' 4 KB limit.
MAX_DEVICE_TOKENS = 5
NONCE_BYTES = 16  # 22 URL-safe characters
MAC_BYTES = 16  # 128 bits
KEY_LABEL = b"sign-in device v1"
SEPARATOR = "~"
# No token we issue is longer; a longer cookie value is cut, never parsed at length.
MAX_TOKEN_LENGTH = 96


@dataclass(frozen=True, slots=True)
class DeviceToken:
    """A verified token: the account it is for, its nonce, and when it was issued."""

    user_id: int
    nonce: str
    issued_at: int


@dataclass(frozen=True, slots=True)
class DeviceCookie:
    """The device tokens one browser presented, and the keys that check them."""

    tokens: tuple[str, ...]
    keys: ReplyKeys

    @classmethod
    def from_value(cls, value: str, keys: ReplyKeys) -> DeviceCookie:
        """The cookie's tokens; whatever the value holds, at most MAX_DEVICE_TOKENS."""
        capped = value[: (MAX_TOKEN_LENGTH + 1) * MAX_DEVICE_TOKENS]
        tokens = tuple(token for token in capped.split(SEPARATOR) if token)
        return cls(tokens[:MAX_DEVICE_TOKENS], keys)

    def nonce_for(self, user_id: int, now: datetime) -> str | None:
        """The nonce of a valid token for this account, or None: the browser is untrusted."""
        return next((token.nonce for token in self._valid(now) if token.user_id == user_id), None)

    def renewed(self, user_id: int, now: datetime) -> str:
        """The cookie value after `user_id` signed in: a fresh token for them first (a new
        nonce at every sign-in, as OWASP advises), then the other accounts' valid tokens."""
        others = [self._encode(token) for token in self._valid(now) if token.user_id != user_id]
        fresh = DeviceToken(user_id, _new_nonce(), int(now.timestamp()))
        return SEPARATOR.join([self._encode(fresh), *others][:MAX_DEVICE_TOKENS])

    def _valid(self, now: datetime) -> Iterator[DeviceToken]:
        """The tokens that are ours and younger than DEVICE_LIFETIME."""
        oldest = now.timestamp() - DEVICE_LIFETIME.total_seconds()
        for text in self.tokens:
            token = _verified(text, self.keys)
            if token is not None and token.issued_at > oldest:
                yield token

    def _encode(self, token: DeviceToken) -> str:
        payload = _payload(token)
        return f"{payload}.{_b64(self.keys.sign(KEY_LABEL, payload.encode(), MAC_BYTES))}"


def _verified(text: str, keys: ReplyKeys) -> DeviceToken | None:
    """The token `text` carries if its MAC is ours (current or previous key), else None."""
    if len(text) > MAX_TOKEN_LENGTH:
        return None
    parts = text.split(".")
    if len(parts) != 4 or not all(part.isascii() and part.isdigit() for part in parts[::2]):
        return None
    user_id, nonce, issued_at, mac = parts
    token = DeviceToken(int(user_id), nonce, int(issued_at))
    signature = _unb64(mac)
    if signature is None or _payload(token) != text.rpartition(".")[0]:
        return None
    return token if keys.verify(KEY_LABEL, _payload(token).encode(), signature, MAC_BYTES) else None


def _payload(token: DeviceToken) -> str:
    return f"{token.user_id}.{token.nonce}.{token.issued_at}"


def _new_nonce() -> str:
    return secrets.token_urlsafe(NONCE_BYTES)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
