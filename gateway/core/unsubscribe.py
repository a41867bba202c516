"""Unsubscribe tokens: the signed, URL-safe token in a room email's one-click unsubscribe link.

Owns the token format only; unsubscribing itself is core.rooms.mute_room_email, which the
web adapter calls with the membership id a valid token names. A token names one membership
(so it is scoped to one room, EMAIL-RULES section 3) and carries an HMAC, so a forged or
altered token is refused without a database lookup. It reveals no address: it holds the
membership id and the MAC, nothing else. Tokens are signed with a key of their own derived
from the reply-address keys; after a rotation (current -> previous) links in mail already
sent keep working.

Must not import smtplib, Flask, Jinja or any other adapter library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from gateway.core.reply_addresses import ReplyKeys

# Domain separation: this key signs nothing but unsubscribe tokens (see reply_addresses._derive).
KEY_LABEL = b"gateway unsubscribe token v1"
# Also signed, so a token can never be replayed as some other kind of membership token.
SCOPE = b"room-membership:"
ID_BYTES = 8
MAC_BYTES = 16  # 128 bits
TOKEN_LENGTH = (ID_BYTES + MAC_BYTES) * 4 // 3  # 32 characters: 24 bytes need no padding
_TOKEN_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}")


def unsubscribe_token(membership_id: int, keys: ReplyKeys) -> str:
    """The token for the one-click unsubscribe link of one member's emails from one room."""
    payload = membership_id.to_bytes(ID_BYTES, "big")
    return base64.urlsafe_b64encode(payload + _mac(payload, keys.current)).decode("ascii")


def verify_unsubscribe_token(token: str, keys: ReplyKeys) -> int | None:
    """The membership id a token was issued for, or None if it is not a valid token."""
    if _TOKEN_SHAPE.fullmatch(token) is None:
        return None
    raw = base64.urlsafe_b64decode(token)
    payload, mac = raw[:ID_BYTES], raw[ID_BYTES:]
    if not any(hmac.compare_digest(mac, _mac(payload, key)) for key in keys.verifying()):
        return None
    return int.from_bytes(payload, "big")


def _mac(payload: bytes, reply_key: bytes) -> bytes:
    key = hmac.new(reply_key, KEY_LABEL, hashlib.sha256).digest()
    return hmac.new(key, SCOPE + payload, hashlib.sha256).digest()[:MAC_BYTES]
