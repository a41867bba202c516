"""Reply addresses: opaque, signed, rotatable, revoked when the member leaves."""

from __future__ import annotations

from datetime import datetime

import pytest

from gateway.core.reply_addresses import (
    ReplyAddressRevoked,
    ReplyKeys,
    UnknownReplyAddress,
    reply_address,
    resolve_reply_address,
)
from gateway.core.rooms import add_member, find_membership, remove_member
from gateway.store.database import Database

from support import MAIL_DOMAIN, World


def _address(database: Database, world: World, keys: ReplyKeys) -> str:
    with database.read_session() as session:
        membership = find_membership(session, world.room.id, world.bob.id)
        assert membership is not None
        return reply_address(membership, keys, MAIL_DOMAIN)


def test_reply_address_is_opaque_lowercase_and_plus_free(database, world, keys) -> None:
    address = _address(database, world, keys)
    local_part, domain = address.split("@")
    assert domain == MAIL_DOMAIN
    assert local_part == local_part.lower() and local_part.isalnum()
    assert "+" not in address
    assert len(local_part) == 32
    # Nothing of the member shows (not "bob" alone: 32 random base32 characters contain it
    # about once in a thousand addresses).
    assert not any(part in local_part for part in ("bobexample", "bobbaker", "website"))


def test_each_member_of_each_room_has_a_different_address(database, world, keys) -> None:
    with database.read_session() as session:
        alice = find_membership(session, world.room.id, world.alice.id)
        bob = find_membership(session, world.room.id, world.bob.id)
        assert alice is not None and bob is not None
        assert reply_address(alice, keys, MAIL_DOMAIN) != reply_address(bob, keys, MAIL_DOMAIN)


def test_address_resolves_to_its_member_case_insensitively(database, world, keys) -> None:
    address = _address(database, world, keys)
    with database.read_session() as session:
        membership = resolve_reply_address(session, address.upper(), keys, MAIL_DOMAIN)
        assert (membership.room_id, membership.user_id) == (world.room.id, world.bob.id)


@pytest.mark.parametrize("tamper", ["flip-last", "other-domain", "too-short", "empty"])
def test_forged_or_foreign_address_is_unknown(database, world, keys, tamper: str) -> None:
    address = _address(database, world, keys)
    local_part = address.split("@")[0]
    forged = {
        "flip-last": local_part[:-1] + ("a" if local_part[-1] != "a" else "b") + "@" + MAIL_DOMAIN,
        "other-domain": local_part + "@elsewhere.example.com",
        "too-short": local_part[:20] + "@" + MAIL_DOMAIN,
        "empty": "@" + MAIL_DOMAIN,
    }[tamper]
    with database.read_session() as session, pytest.raises(UnknownReplyAddress):
        resolve_reply_address(session, forged, keys, MAIL_DOMAIN)


def test_address_signed_with_previous_key_still_resolves_after_rotation(
    database, world, keys
) -> None:
    old_keys = ReplyKeys.from_secrets("old-secret-" + "x" * 40)
    address = _address(database, world, old_keys)
    rotated = ReplyKeys.from_secrets("new-secret-" + "y" * 40, "old-secret-" + "x" * 40)
    with database.read_session() as session:
        assert resolve_reply_address(session, address, rotated, MAIL_DOMAIN).user_id == world.bob.id
        without_previous = ReplyKeys.from_secrets("new-secret-" + "y" * 40)
        with pytest.raises(UnknownReplyAddress):
            resolve_reply_address(session, address, without_previous, MAIL_DOMAIN)


def test_leaving_revokes_and_rejoining_issues_a_new_address(
    database, world, keys, now: datetime
) -> None:
    before = _address(database, world, keys)
    with database.transaction() as session:
        remove_member(session, world.room, world.bob, now=now)
    with database.read_session() as session, pytest.raises(ReplyAddressRevoked):
        resolve_reply_address(session, before, keys, MAIL_DOMAIN)
    with database.transaction() as session:
        add_member(session, world.room, world.bob, now=now)
    after = _address(database, world, keys)
    assert after != before
    with database.read_session() as session:
        with pytest.raises(UnknownReplyAddress):
            resolve_reply_address(session, before, keys, MAIL_DOMAIN)
        assert resolve_reply_address(session, after, keys, MAIL_DOMAIN).user_id == world.bob.id
