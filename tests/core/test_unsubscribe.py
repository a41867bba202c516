"""Unsubscribe tokens: signed, URL-safe, carrying only a membership id, surviving a key rotation."""

from __future__ import annotations

import base64
import re

import pytest

from gateway.core.reply_addresses import ReplyKeys
from gateway.core.unsubscribe import (
    ID_BYTES,
    TOKEN_LENGTH,
    unsubscribe_token,
    verify_unsubscribe_token,
)

SECRET = "unsubscribe-test-secret-0123456789abcdef"
NEXT_SECRET = "unsubscribe-next-secret-fedcba9876543210"


@pytest.fixture
def keys() -> ReplyKeys:
    return ReplyKeys.from_secrets(SECRET)


def test_token_names_the_membership_it_was_issued_for(keys: ReplyKeys) -> None:
    for membership_id in (1, 42, 2**40 + 7):
        assert verify_unsubscribe_token(unsubscribe_token(membership_id, keys), keys) == (
            membership_id
        )


def test_token_is_url_safe_and_of_fixed_length(keys: ReplyKeys) -> None:
    token = unsubscribe_token(7, keys)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert len(token) == TOKEN_LENGTH == len(unsubscribe_token(2**62, keys))


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
    assert verify_unsubscribe_token(old_token, rotated) == 7
    assert verify_unsubscribe_token(unsubscribe_token(7, rotated), rotated) == 7
    # Once the old secret is dropped, its tokens stop working.
    assert verify_unsubscribe_token(old_token, ReplyKeys.from_secrets(NEXT_SECRET)) is None


@pytest.mark.parametrize(
    "garbage",
    ["", "abc", "=" * TOKEN_LENGTH, "/" * TOKEN_LENGTH, "é" * TOKEN_LENGTH, "A" * TOKEN_LENGTH],
)
def test_malformed_token_is_refused(keys: ReplyKeys, garbage: str) -> None:
    assert verify_unsubscribe_token(garbage, keys) is None


def test_token_with_surrounding_characters_is_refused(keys: ReplyKeys) -> None:
    token = unsubscribe_token(7, keys)
    assert verify_unsubscribe_token(token + "\n", keys) is None
    assert verify_unsubscribe_token(" " + token, keys) is None
