"""Reply addresses: one per (room, member), opaque, signed, revocable.

The local part is `<nonce><mac>`: a random nonce stored on the membership and an HMAC of it.
It is lowercase base32 with no `+` (some providers drop plus-addressing) and compared
case-insensitively (senders' MTAs may change case). The HMAC lets a forged address be refused
without a database lookup; the key rotates by moving the old secret to `previous`, which is
still accepted. A member who leaves keeps the nonce but the membership is over; on rejoin a new
nonce is issued, so addresses from before stay dead.

Must not import any adapter library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from gateway.core.errors import DomainError, NotAllowed, NotFound
from gateway.store.models import Membership, User

NONCE_BYTES = 10  # 16 base32 characters
MAC_BYTES = 10  # 80 bits: forging one address takes ~2**79 guesses
NONCE_LENGTH = NONCE_BYTES * 8 // 5
TOKEN_LENGTH = (NONCE_BYTES + MAC_BYTES) * 8 // 5


class UnknownReplyAddress(NotFound):
    """Not one of our reply addresses: wrong domain, bad signature or unknown nonce."""


class ReplyAddressRevoked(NotAllowed):
    """A genuine reply address whose member has left the room."""


@dataclass(frozen=True, slots=True)
class ReplyKeys:
    """The signing keys: `current` signs and verifies, `previous` only verifies."""

    current: bytes
    previous: bytes | None = None

    @classmethod
    def from_secrets(cls, secret: str, previous: str | None = None) -> ReplyKeys:
        return cls(_derive(secret), _derive(previous) if previous else None)

    def verifying(self) -> tuple[bytes, ...]:
        return (self.current,) if self.previous is None else (self.current, self.previous)

    def sign(self, label: bytes, data: bytes, size: int) -> bytes:
        """The first `size` bytes of an HMAC of `data`, under a key of its own for `label`
        (unsubscribe tokens, bounce addresses...) derived from the current key."""
        return _labelled_mac(self.current, label, data, size)

    def verify(self, label: bytes, data: bytes, mac: bytes, size: int) -> bool:
        """Whether `mac` is sign(label, data, size) under the current or the previous key."""
        return any(
            hmac.compare_digest(mac, _labelled_mac(key, label, data, size))
            for key in self.verifying()
        )


def new_reply_nonce() -> str:
    return _b32(secrets.token_bytes(NONCE_BYTES))


def reply_local_part(nonce: str, keys: ReplyKeys) -> str:
    return nonce + _mac(nonce, keys.current)


def reply_address(membership: Membership, keys: ReplyKeys, domain: str) -> str:
    """The address a member answers to for this room."""
    return f"{reply_local_part(membership.reply_nonce, keys)}@{domain}"


def verify_reply_local_part(local_part: str, keys: ReplyKeys) -> str | None:
    """The nonce if the local part carries a valid signature under any key, else None."""
    token = local_part.lower()
    if len(token) != TOKEN_LENGTH:
        return None
    nonce, mac = token[:NONCE_LENGTH], token[NONCE_LENGTH:]
    return (
        nonce if any(hmac.compare_digest(mac, _mac(nonce, k)) for k in keys.verifying()) else None
    )


_MEMBERS_BY_NONCE = (
    select(
        Membership.id,
        Membership.room_id,
        Membership.user_id,
        Membership.left_at,
        Membership.reply_nonce,
        User.email,
    )
    .join(User, User.id == Membership.user_id)
    .where(Membership.reply_nonce.in_(bindparam("nonces", expanding=True)))
)


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """The room member a reply address belongs to."""

    membership_id: int
    room_id: int
    user_id: int
    user_email: str


def resolve_reply_address(
    session: Session, address: str, keys: ReplyKeys, domain: str
) -> ReplyTarget:
    """The active member an address belongs to.

    Raises UnknownReplyAddress (not ours, forged, unknown) or ReplyAddressRevoked (member left).
    """
    [target] = resolve_reply_addresses(session, [address], keys, domain)
    if isinstance(target, DomainError):
        raise target
    return target


def resolve_reply_addresses(
    session: Session, addresses: Sequence[str], keys: ReplyKeys, domain: str
) -> list[ReplyTarget | DomainError]:
    """For each address its active member, or the refusal; one query for all of them."""
    nonces = [_nonce_of(address, keys, domain) for address in addresses]
    wanted = [nonce for nonce in nonces if nonce is not None]
    rows = (
        {
            row.reply_nonce: row
            for row in session.connection().execute(_MEMBERS_BY_NONCE, {"nonces": wanted})
        }
        if wanted
        else {}
    )
    return [
        _target(address, rows.get(nonce) if nonce else None)
        for address, nonce in zip(addresses, nonces, strict=True)
    ]


def _nonce_of(address: str, keys: ReplyKeys, domain: str) -> str | None:
    local_part, _, address_domain = address.strip().rpartition("@")
    if address_domain.lower() != domain.lower():
        return None
    return verify_reply_local_part(local_part, keys)


def _target(address: str, row: Row[Any] | None) -> ReplyTarget | DomainError:
    if row is None:
        return UnknownReplyAddress(f"{address} is not a reply address of this gateway")
    if row.left_at is not None:
        return ReplyAddressRevoked(f"{address} belongs to a member who has left the room")
    return ReplyTarget(row.id, row.room_id, row.user_id, row.email)


def _derive(secret: str) -> bytes:
    # A key of its own, so a leak of another use of the secret does not forge addresses.
    return hmac.new(secret.encode(), b"gateway reply address v1", hashlib.sha256).digest()


def _labelled_mac(reply_key: bytes, label: bytes, data: bytes, size: int) -> bytes:
    # Domain separation: a key per label, so one use's MACs never pass as another's.
    key = hmac.new(reply_key, label, hashlib.sha256).digest()
    return hmac.new(key, data, hashlib.sha256).digest()[:size]


def _mac(nonce: str, key: bytes) -> str:
    return _b32(hmac.new(key, nonce.encode(), hashlib.sha256).digest()[:MAC_BYTES])


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().lower().rstrip("=")
