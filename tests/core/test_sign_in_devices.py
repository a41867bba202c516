"""Device cookies: what a token proves (one account, our key, within its lifetime) and how a
browser's cookie keeps one token per account; any other cookie text proves nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.core.reply_addresses import ReplyKeys
from gateway.core.sign_in_devices import (
    DEVICE_LIFETIME,
    MAX_DEVICE_TOKENS,
    SEPARATOR,
    DeviceCookie,
)

KEYS = ReplyKeys.from_secrets("current device secret")
NOW = datetime.fromisoformat("2026-11-23T09:30:00+00:00")


def cookie(value: str, keys: ReplyKeys = KEYS) -> DeviceCookie:
    return DeviceCookie.from_value(value, keys)


def signed_in(user_id: int, value: str = "", now: datetime = NOW) -> str:
    """The cookie value after `user_id` signs in on a browser whose cookie was `value`."""
    return cookie(value).renewed(user_id, now)


def test_token_trusts_the_browser_for_its_account_only() -> None:
    value = signed_in(7)

    assert cookie(value).nonce_for(7, NOW) is not None
    assert cookie(value).nonce_for(8, NOW) is None


def test_each_sign_in_gives_a_new_nonce_and_replaces_the_accounts_old_token() -> None:
    first = signed_in(7)
    second = signed_in(7, first)

    assert cookie(second).nonce_for(7, NOW) != cookie(first).nonce_for(7, NOW)
    assert len(second.split(SEPARATOR)) == 1


def test_a_shared_browser_keeps_the_newest_accounts_tokens_newest_first() -> None:
    value = ""
    for user_id in range(1, MAX_DEVICE_TOKENS + 3):
        value = signed_in(user_id, value)

    trusted = [user_id for user_id in range(1, 9) if cookie(value).nonce_for(user_id, NOW)]
    assert trusted == list(range(3, MAX_DEVICE_TOKENS + 3))
    assert value.split(SEPARATOR)[0].startswith(f"{MAX_DEVICE_TOKENS + 2}.")


def test_token_expires_after_its_lifetime() -> None:
    value = signed_in(7)

    assert cookie(value).nonce_for(7, NOW + DEVICE_LIFETIME - timedelta(seconds=1))
    assert cookie(value).nonce_for(7, NOW + DEVICE_LIFETIME) is None


def test_token_under_the_previous_key_is_accepted_after_rotation_a_foreign_key_is_not() -> None:
    value = signed_in(7)
    rotated = ReplyKeys.from_secrets("next device secret", "current device secret")
    foreign = ReplyKeys.from_secrets("some other site")

    assert cookie(value, rotated).nonce_for(7, NOW) is not None
    assert cookie(value, foreign).nonce_for(7, NOW) is None


def test_changing_any_part_of_a_token_breaks_it() -> None:
    user_id, nonce, issued, mac = signed_in(7).split(".")
    other_nonce = nonce[:-1] + ("B" if nonce.endswith("A") else "A")
    altered = [
        f"8.{nonce}.{issued}.{mac}",
        f"07.{nonce}.{issued}.{mac}",
        f"{user_id}.{other_nonce}.{issued}.{mac}",
        f"{user_id}.{nonce}.{int(issued) + 86400}.{mac}",
        f"{user_id}.{nonce}.{issued}.{mac[:-2]}",
        f"{user_id}.{nonce}.{issued}",
    ]

    assert [cookie(text).nonce_for(int(text.split(".")[0]), NOW) for text in altered] == [
        None
    ] * len(altered)


@settings(max_examples=200, deadline=None)
@given(value=st.text(max_size=600), user_id=st.integers(min_value=0, max_value=2**31))
def test_any_cookie_text_is_read_without_error_and_trusts_nobody(value: str, user_id: int) -> None:
    browser = cookie(value)

    assert len(browser.tokens) <= MAX_DEVICE_TOKENS
    assert browser.nonce_for(user_id, NOW) is None
    renewed = browser.renewed(user_id, NOW)
    assert cookie(renewed).nonce_for(user_id, NOW) is not None
