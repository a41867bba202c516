"""Unsubscribe tokens: the signed, URL-safe token in an email's one-click unsubscribe link.

Owns the token formats and what a valid token names (EMAIL-RULES section 3: scoped to a room
or a category). A room token names one membership: the web adapter then mutes that member's
emails from that room (core.rooms.mute_room_email; the member resumes them from the room
page or Settings, core.room_mutes). A category token names one user and one notification
category (Account Alerts, Updates, ...): the user then gets that category in the web inbox
only (core.preferences.stop_category_emails). A digest token names one user
and one digest frequency: every category digested at that frequency then stays in the inbox
(core.preferences.stop_digest_emails). Every token carries an HMAC over its scope and
payload, so a forged or altered token is refused without a database lookup, and one kind can
never be replayed as the other. It reveals no address: an id, maybe a category, and the MAC.
Tokens are signed with a key of their own derived from the reply-address keys; after a
rotation (current -> previous) links in mail already sent keep working. Room tokens are 32
characters; category and digest tokens 34.

Also owns carrying a token out (`apply`) and saying what it stops (`describe`), so every
adapter gives one answer: a token whose room membership or user is gone stops nothing.

Must not import smtplib, Flask, Jinja or any other adapter library.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.core.alerts import TAB_NAMES
from gateway.core.preferences import stop_category_emails, stop_digest_emails
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.room_titles import room_title_for
from gateway.core.rooms import mute_room_email
from gateway.store.models import (
    AlertCategory,
    Membership,
    NotifyCategory,
    NotifyFrequency,
    Room,
    User,
)

# Domain separation: this key signs nothing but unsubscribe tokens (see reply_addresses._derive).
KEY_LABEL = b"gateway unsubscribe token v1"
# Also signed, so a token can never be replayed as some other kind of token.
ROOM_SCOPE = b"room-membership:"
CATEGORY_SCOPE = b"user-category:"
DIGEST_SCOPE = b"user-digest:"
ID_BYTES = 8
MAC_BYTES = 16  # 128 bits
ROOM_TOKEN_LENGTH = (ID_BYTES + MAC_BYTES) * 4 // 3  # 32 characters: 24 bytes, no padding
# 8 bytes of user id, 1 of category, 16 of MAC: 25 bytes, 34 characters without "=" padding.
CATEGORY_TOKEN_LENGTH = 34
# Stored in tokens that are out in mail: append new categories, never reorder.
CATEGORY_CODES: tuple[NotifyCategory, ...] = (
    NotifyCategory.ROOM,
    NotifyCategory.ALERT,
    NotifyCategory.UPDATE,
    NotifyCategory.TICKET,
)
DIGEST_CODES: tuple[NotifyFrequency, ...] = (
    NotifyFrequency.HOURLY,
    NotifyFrequency.DAILY,
    NotifyFrequency.WEEKLY,
)
_TOKEN_SHAPE = re.compile(
    rf"[A-Za-z0-9_-]{{{ROOM_TOKEN_LENGTH}}}|[A-Za-z0-9_-]{{{CATEGORY_TOKEN_LENGTH}}}"
)


@dataclass(frozen=True, slots=True)
class RoomEmails:
    """A room token: one member's emails from one room."""

    membership_id: int


@dataclass(frozen=True, slots=True)
class CategoryEmails:
    """A category token: one user's emails of one notification category."""

    user_id: int
    category: NotifyCategory


@dataclass(frozen=True, slots=True)
class DigestEmails:
    """A digest token: one user's digests of one frequency (hourly, daily or weekly)."""

    user_id: int
    frequency: NotifyFrequency


Scope = RoomEmails | CategoryEmails | DigestEmails


def unsubscribe_token(membership_id: int, keys: ReplyKeys) -> str:
    """The token for the one-click unsubscribe link of one member's emails from one room."""
    payload = membership_id.to_bytes(ID_BYTES, "big")
    return _encode(payload + keys.sign(KEY_LABEL, ROOM_SCOPE + payload, MAC_BYTES))


def category_unsubscribe_token(user_id: int, category: NotifyCategory, keys: ReplyKeys) -> str:
    """The token for the one-click unsubscribe link of one user's emails of one category."""
    return _user_token(CATEGORY_SCOPE, user_id, CATEGORY_CODES.index(category), keys)


def digest_unsubscribe_token(user_id: int, frequency: NotifyFrequency, keys: ReplyKeys) -> str:
    """The token for the one-click unsubscribe link of one user's digests of one frequency."""
    return _user_token(DIGEST_SCOPE, user_id, DIGEST_CODES.index(frequency), keys)


def _user_token(scope: bytes, user_id: int, code: int, keys: ReplyKeys) -> str:
    """A 34-character token naming a user and one code of `scope` (a category, a digest)."""
    payload = user_id.to_bytes(ID_BYTES, "big") + bytes([code])
    return _encode(payload + keys.sign(KEY_LABEL, scope + payload, MAC_BYTES))


def verify_unsubscribe_token(token: str, keys: ReplyKeys) -> Scope | None:
    """What a token unsubscribes from, or None if it is not a valid token."""
    if _TOKEN_SHAPE.fullmatch(token) is None:
        return None
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    if len(token) == ROOM_TOKEN_LENGTH:
        payload = raw[:ID_BYTES]
        if not _valid(ROOM_SCOPE, payload, raw[ID_BYTES:], keys):
            return None
        return RoomEmails(int.from_bytes(payload, "big"))
    payload, mac = raw[: ID_BYTES + 1], raw[ID_BYTES + 1 :]
    user_id, code = int.from_bytes(payload[:ID_BYTES], "big"), payload[ID_BYTES]
    if _valid(CATEGORY_SCOPE, payload, mac, keys):
        return CategoryEmails(user_id, CATEGORY_CODES[code]) if code < len(CATEGORY_CODES) else None
    if _valid(DIGEST_SCOPE, payload, mac, keys):
        return DigestEmails(user_id, DIGEST_CODES[code]) if code < len(DIGEST_CODES) else None
    return None


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _valid(scope: bytes, payload: bytes, mac: bytes, keys: ReplyKeys) -> bool:
    return keys.verify(KEY_LABEL, scope + payload, mac, MAC_BYTES)


# How the unsubscribe page names what a category token stops.
CATEGORY_NAMES = {
    NotifyCategory.ROOM: "room messages",
    NotifyCategory.ALERT: TAB_NAMES[AlertCategory.ALERT],
    NotifyCategory.UPDATE: TAB_NAMES[AlertCategory.UPDATE],
    NotifyCategory.TICKET: "support tickets",
}


@dataclass(frozen=True, slots=True)
class Stopped:
    """What a token stops, in words: one room's emails, or a kind of email."""

    room_title: str | None = None
    category_name: str | None = None
    room_id: int | None = None  # a room's emails: where they can be resumed (core.room_mutes)


def describe(session: Session, scope: Scope) -> Stopped | None:
    """What the token stops, or None when its room membership or user is gone."""
    if isinstance(scope, RoomEmails):
        membership = session.get(Membership, scope.membership_id)
        if membership is None:
            return None
        room = session.get_one(Room, membership.room_id)
        return Stopped(room_title=room_title_for(room, membership.user_id), room_id=room.id)
    if session.get(User, scope.user_id) is None:
        return None
    if isinstance(scope, DigestEmails):
        return Stopped(category_name=f"{scope.frequency.value} digests")
    return Stopped(category_name=CATEGORY_NAMES[scope.category])


def apply(session: Session, scope: Scope) -> Stopped | None:
    """Stop what the token names (idempotent); None, with nothing written, when it is gone."""
    stopped = describe(session, scope)
    if stopped is None:
        return None
    if isinstance(scope, RoomEmails):
        mute_room_email(session, scope.membership_id)
    elif isinstance(scope, CategoryEmails):
        stop_category_emails(session, scope.user_id, scope.category)
    else:
        stop_digest_emails(session, scope.user_id, scope.frequency)
    return stopped
