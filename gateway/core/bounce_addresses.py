"""Bounce addresses (VERP): the envelope sender of each outbound email names that email.

Owns the format of `bounces-<token>@<mail domain>`: the token carries the outbox id and an
HMAC, so a bounce that comes back to it says which email failed (and so which address),
whatever the remote mail system wrote in its report, and a forged one is refused. Lowercase
base32 without "+" (some providers drop plus-addressing, and some lowercase local parts).
Signed with a key of its own derived from the reply-address keys; after a rotation
(current -> previous) bounces of mail already sent still verify.

Must not import any adapter library.
"""

from __future__ import annotations

import base64
import binascii

from gateway.core.reply_addresses import ReplyKeys

KEY_LABEL = b"gateway bounce address v1"
PREFIX = "bounces-"
ID_BYTES = 6
MAC_BYTES = 9  # 72 bits
TOKEN_LENGTH = (ID_BYTES + MAC_BYTES) * 8 // 5  # 24 base32 characters, no padding


def bounce_address(outbox_id: int, keys: ReplyKeys, mail_domain: str) -> str:
    """The envelope sender for outbox email `outbox_id`."""
    payload = outbox_id.to_bytes(ID_BYTES, "big")
    mac = keys.sign(KEY_LABEL, payload, MAC_BYTES)
    token = base64.b32encode(payload + mac).decode("ascii").lower()
    return f"{PREFIX}{token}@{mail_domain}"


def verify_bounce_local_part(local_part: str, keys: ReplyKeys) -> int | None:
    """The outbox id a bounce address names, or None if it is not a valid one."""
    local_part = local_part.lower()
    if not local_part.startswith(PREFIX) or len(local_part) != len(PREFIX) + TOKEN_LENGTH:
        return None
    try:
        raw = base64.b32decode(local_part[len(PREFIX) :].upper())
    except (binascii.Error, ValueError):
        return None
    payload, mac = raw[:ID_BYTES], raw[ID_BYTES:]
    if not keys.verify(KEY_LABEL, payload, mac, MAC_BYTES):
        return None
    return int.from_bytes(payload, "big")
