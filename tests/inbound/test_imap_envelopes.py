"""The envelope of mail read from a mailbox: the recipient SMTP would have had, and the
envelope sender the final MTA recorded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import find_membership
from gateway.inbound.imap_envelopes import mailbox_envelopes
from gateway.inbound.preparation import Envelope, IntakeConfig
from gateway.store.database import Database

from support import MAIL_DOMAIN, SECRET_KEY, World, reply_email

CONFIG = IntakeConfig(ReplyKeys.from_secrets(SECRET_KEY, None), MAIL_DOMAIN)


def addresses(database: Database, world: World, keys: ReplyKeys) -> tuple[str, str]:
    with database.read_session() as session:
        found = [find_membership(session, world.room.id, u.id) for u in (world.alice, world.bob)]
        return tuple(reply_address(m, keys, MAIL_DOMAIN) for m in found if m)  # type: ignore[return-value]


def test_delivered_to_names_the_recipient_even_when_to_names_another(database, world, keys) -> None:
    alice, bob = addresses(database, world, keys)
    raw = reply_email(
        "bob@example.org",
        f"Team <{alice}>",
        "Yes",
        headers={"Delivered-To": bob.upper(), "Return-Path": "<bob@example.org>"},
    )
    assert mailbox_envelopes(raw, CONFIG) == [Envelope("bob@example.org", bob)]


def test_without_delivery_headers_each_of_our_addresses_in_to_and_cc_is_a_delivery(
    database, world, keys
) -> None:
    alice, bob = addresses(database, world, keys)
    raw = reply_email(
        "Bob <bob@example.org>",
        f"friend@example.net, {bob}",
        "Yes",
        headers={"Cc": f"Alice <{alice}>"},
    )
    assert mailbox_envelopes(raw, CONFIG) == [
        Envelope("bob@example.org", bob),
        Envelope("bob@example.org", alice),
    ]


def test_a_null_return_path_is_the_null_sender(database, world, keys) -> None:
    _, bob = addresses(database, world, keys)
    raw = reply_email("MAILER-DAEMON@mx.example.org", bob, "failed", headers={"Return-Path": "<>"})
    assert mailbox_envelopes(raw, CONFIG) == [Envelope("", bob)]


def test_mail_naming_none_of_ours_keeps_its_first_recipient_for_the_record() -> None:
    raw = reply_email("bob@example.org", "someone@elsewhere.example", "Hi")
    forged = reply_email("bob@example.org", f"abcdefgh@{MAIL_DOMAIN}", "Hi")
    assert mailbox_envelopes(raw, CONFIG) == [
        Envelope("bob@example.org", "someone@elsewhere.example")
    ]
    assert mailbox_envelopes(forged, CONFIG) == [
        Envelope("bob@example.org", f"abcdefgh@{MAIL_DOMAIN}")
    ]


def test_our_system_addresses_count_as_ours() -> None:
    raw = reply_email("ann@example.org", f"postmaster@{MAIL_DOMAIN}", "Hi")
    assert mailbox_envelopes(raw, CONFIG)[0].recipient == f"postmaster@{MAIL_DOMAIN}"


@settings(max_examples=60)
@given(st.binary(max_size=3000))
def test_any_bytes_give_at_least_one_envelope_without_line_breaks(raw: bytes) -> None:
    envelopes = mailbox_envelopes(raw, CONFIG)
    assert envelopes
    for envelope in envelopes:
        assert "\n" not in envelope.recipient and "\r" not in envelope.recipient
        assert "\n" not in envelope.mail_from and "\r" not in envelope.mail_from
