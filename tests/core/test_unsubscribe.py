"""Unsubscribe tokens: signed, URL-safe, naming only a membership (room scope) or a user and a
category (category scope), never one for the other, surviving a key rotation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest

from gateway.core import unsubscribe
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.unsubscribe import (
    CATEGORY_TOKEN_LENGTH,
    ID_BYTES,
    ROOM_TOKEN_LENGTH,
    CategoryEmails,
    DigestEmails,
    RoomEmails,
    category_unsubscribe_token,
    digest_unsubscribe_token,
    unsubscribe_token,
    verify_unsubscribe_token,
)
from gateway.store.models import NotifyCategory, NotifyFrequency

SECRET = "unsubscribe-test-secret-0123456789abcdef"
NEXT_SECRET = "unsubscribe-next-secret-fedcba9876543210"


@pytest.fixture
def keys() -> ReplyKeys:
    return ReplyKeys.from_secrets(SECRET)


def test_token_names_the_membership_it_was_issued_for(keys: ReplyKeys) -> None:
    for membership_id in (1, 42, 2**40 + 7):
        assert verify_unsubscribe_token(unsubscribe_token(membership_id, keys), keys) == (
            RoomEmails(membership_id)
        )


def test_token_is_url_safe_and_of_fixed_length(keys: ReplyKeys) -> None:
    token = unsubscribe_token(7, keys)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert len(token) == ROOM_TOKEN_LENGTH == len(unsubscribe_token(2**62, keys))


def test_token_is_the_same_each_time_so_every_email_of_a_room_carries_one_link(keys) -> None:
    assert unsubscribe_token(7, keys) == unsubscribe_token(7, keys)
    assert unsubscribe_token(7, keys) != unsubscribe_token(8, keys)


def test_altered_token_is_refused(keys: ReplyKeys) -> None:
    token = unsubscribe_token(7, keys)
    for position in (0, 10, len(token) - 1):
        replacement = "A" if token[position] != "A" else "B"
        altered = token[:position] + replacement + token[position + 1 :]
        assert verify_unsubscribe_token(altered, keys) is None


def test_token_for_another_membership_cannot_be_made_from_one_token(keys: ReplyKeys) -> None:
    ours = base64.urlsafe_b64decode(unsubscribe_token(7, keys))
    theirs = base64.urlsafe_b64decode(unsubscribe_token(8, keys))
    # Another membership's id with this token's signature does not verify.
    spliced = base64.urlsafe_b64encode(theirs[:ID_BYTES] + ours[ID_BYTES:]).decode()
    assert verify_unsubscribe_token(spliced, keys) is None


def test_token_signed_with_another_secret_is_refused(keys: ReplyKeys) -> None:
    stranger = ReplyKeys.from_secrets(NEXT_SECRET)
    assert verify_unsubscribe_token(unsubscribe_token(7, stranger), keys) is None


def test_token_from_before_a_key_rotation_still_works(keys: ReplyKeys) -> None:
    old_token = unsubscribe_token(7, keys)
    rotated = ReplyKeys.from_secrets(NEXT_SECRET, previous=SECRET)
    assert verify_unsubscribe_token(old_token, rotated) == RoomEmails(7)
    assert verify_unsubscribe_token(unsubscribe_token(7, rotated), rotated) == RoomEmails(7)
    # Once the old secret is dropped, its tokens stop working.
    assert verify_unsubscribe_token(old_token, ReplyKeys.from_secrets(NEXT_SECRET)) is None


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "abc",
        "=" * ROOM_TOKEN_LENGTH,
        "/" * ROOM_TOKEN_LENGTH,
        "é" * ROOM_TOKEN_LENGTH,
        "A" * ROOM_TOKEN_LENGTH,
    ],
)
def test_malformed_token_is_refused(keys: ReplyKeys, garbage: str) -> None:
    assert verify_unsubscribe_token(garbage, keys) is None


def test_token_with_surrounding_characters_is_refused(keys: ReplyKeys) -> None:
    token = unsubscribe_token(7, keys)
    assert verify_unsubscribe_token(token + "\n", keys) is None
    assert verify_unsubscribe_token(" " + token, keys) is None


# --- category tokens --------------------------------------------------------------------------


@pytest.mark.parametrize("category", list(NotifyCategory))
def test_category_token_names_the_user_and_category_it_was_issued_for(
    keys: ReplyKeys, category: NotifyCategory
) -> None:
    token = category_unsubscribe_token(2**40 + 7, category, keys)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token) and len(token) == CATEGORY_TOKEN_LENGTH
    assert verify_unsubscribe_token(token, keys) == CategoryEmails(2**40 + 7, category)


def test_a_room_token_from_before_category_tokens_existed_still_verifies(keys: ReplyKeys) -> None:
    """Room links already out in mail: the MAC is HMAC(derived key, scope + 8-byte id)."""
    derived = hmac.new(keys.current, b"gateway unsubscribe token v1", hashlib.sha256).digest()
    payload = (7).to_bytes(ID_BYTES, "big")
    mac = hmac.new(derived, b"room-membership:" + payload, hashlib.sha256).digest()[:16]
    legacy = base64.urlsafe_b64encode(payload + mac).decode()
    assert legacy == unsubscribe_token(7, keys)
    assert verify_unsubscribe_token(legacy, keys) == RoomEmails(7)


def test_a_category_token_cannot_be_made_from_a_room_token_or_altered(keys: ReplyKeys) -> None:
    token = category_unsubscribe_token(7, NotifyCategory.UPDATE, keys)
    raw = base64.urlsafe_b64decode(token + "==")
    # The same user, another category, the same MAC: refused.
    other = raw[:ID_BYTES] + bytes([raw[ID_BYTES] ^ 1]) + raw[ID_BYTES + 1 :]
    assert (
        verify_unsubscribe_token(base64.urlsafe_b64encode(other).decode().rstrip("="), keys) is None
    )
    # A room token's MAC over the same id, with a category byte added: refused.
    room = base64.urlsafe_b64decode(unsubscribe_token(7, keys))
    forged = room[:ID_BYTES] + b"\x02" + room[ID_BYTES:]
    assert (
        verify_unsubscribe_token(base64.urlsafe_b64encode(forged).decode().rstrip("="), keys)
        is None
    )


def test_a_category_code_beyond_the_known_ones_is_refused(keys: ReplyKeys) -> None:
    payload = (7).to_bytes(ID_BYTES, "big") + bytes([200])
    token = (
        base64.urlsafe_b64encode(
            payload
            + keys.sign(
                unsubscribe.KEY_LABEL, unsubscribe.CATEGORY_SCOPE + payload, unsubscribe.MAC_BYTES
            )
        )
        .decode()
        .rstrip("=")
    )
    assert verify_unsubscribe_token(token, keys) is None


@pytest.mark.parametrize(
    "frequency", [NotifyFrequency.HOURLY, NotifyFrequency.DAILY, NotifyFrequency.WEEKLY]
)
def test_digest_token_names_the_user_and_frequency_and_is_no_category_token(
    keys: ReplyKeys, frequency: NotifyFrequency
) -> None:
    token = digest_unsubscribe_token(7, frequency, keys)
    assert len(token) == CATEGORY_TOKEN_LENGTH
    assert verify_unsubscribe_token(token, keys) == DigestEmails(7, frequency)
    # Its MAC is over the digest scope: the same bytes never pass as a category token.
    raw = base64.urlsafe_b64decode(token + "==")
    payload, mac = raw[: ID_BYTES + 1], raw[ID_BYTES + 1 :]
    assert not unsubscribe._valid(unsubscribe.CATEGORY_SCOPE, payload, mac, keys)
    assert unsubscribe._valid(unsubscribe.DIGEST_SCOPE, payload, mac, keys)
