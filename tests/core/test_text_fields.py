"""Single-line text fields: titles and names refuse control characters, line breaks and RFC
2047 encoded words that could hide them, naming the field; where titles and names are
stored (rooms, users, accounts, alerts) nothing of the kind gets in."""

from __future__ import annotations

import base64
from datetime import datetime
from email import policy
from email.header import decode_header, make_header

import pytest
from hypothesis import given, settings

from gateway.core.alerts import create_alert
from gateway.core.errors import InvalidInput, UnsafeText
from gateway.core.room_starts import open_direct_room
from gateway.core.rooms import create_room
from gateway.core.text_fields import MAX_TEXT_LENGTH, single_line_text
from gateway.core.users import add_account, add_user, update_user
from gateway.store.database import Database
from gateway.store.models import AccountKind, AlertCategory, Room, User

from hostile_text import hostile_text
from support import World

LINE_BREAKING = "\x00\x01\x08\n\x0b\x0c\r\x1b\x1f\x7f\x80\x85\x9b\x9f\u2028\u2029"


def _b(charset: str, text: str) -> str:
    return f"=?{charset}?b?{base64.b64encode(text.encode(charset)).decode()}?="


@pytest.mark.parametrize("char", list(LINE_BREAKING), ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_character_or_line_break_is_refused_naming_the_field(char: str) -> None:
    with pytest.raises(UnsafeText) as refused:
        single_line_text("room title", f"Plans{char}Bcc: x@evil.example")
    assert refused.value.field == "room title"
    assert str(refused.value) == "room title may not contain control characters or line breaks"


@pytest.mark.parametrize(
    "value",
    [
        "=?utf-8?q?Plans=0D=0ABcc:_x@evil.example?=",
        "=?UTF-8?B?UGxhbnMNCkJjYzogeEBldmlsLmV4YW1wbGU=?=",
        "Re: =?utf-8?Q?Plans=00?= today",
        "=?utf-8?q?=C2?= =?utf-8?q?=85?=",  # NEL split across two words of one charset
        "=?utf-8?q?=E2=80?==?utf-8?q?=A8?=",  # U+2028 split, the words touching
        "=?iso-8859-1?q?=85?=",  # NEL is 0x85 in Latin-1
        _b("utf-16", "a\r\nb"),
        _b("gb18030", "a\u2028b"),
        "=?utf-8*en?q?=0A?=",  # RFC 2231 language suffix
        "=?utf-8?q?=3D=3Futf-8=3Fq=3F=3D0A=3F=3D?=",  # a word inside a word
        "=?utf-8?q?a?b=0A?=",  # email.header.decode_header reads the text up to "?="
        "=?utf-8?b?DQ==Cg==?=",  # padding in the middle
        "x=?utf-8?q?=0A?=y",  # inside a word
        "=?utf-7?q?+AA0ACg-?=",  # charsets that are not plain tables are not read at all
        "=?unicode_escape?q?\\r\\n?=",
    ],
)
def test_an_encoded_word_that_could_hide_a_line_break_is_refused(value: str) -> None:
    with pytest.raises(UnsafeText, match=r"^room title may not contain an encoded word"):
        single_line_text("room title", value)


@pytest.mark.parametrize(
    "value",
    [
        "Website redesign",
        "Café Équipe — été 2026",
        "Q3 =?utf-8?q?plans?= review",
        "=?windows-1252?q?=85?=",  # an ellipsis in windows-1252
        "1 + 1 =? 2 ?= yes",
        "=?utf-8?q?caf=C3=A9?=",
    ],
)
def test_ordinary_text_and_harmless_encoded_words_are_kept_as_typed(value: str) -> None:
    assert single_line_text("room title", value) == value


def test_a_tab_is_read_as_a_space() -> None:
    assert single_line_text("name", "Ann\tAuthor") == "Ann Author"
    assert single_line_text("name", "=?utf-8?q?Ann=09Author?=") == "=?utf-8?q?Ann=09Author?="


def test_text_far_past_any_field_limit_is_refused_before_it_is_read() -> None:
    with pytest.raises(InvalidInput, match="name is far too long"):
        single_line_text("name", "=?utf-8?q?a?= " * MAX_TEXT_LENGTH)


@settings(max_examples=300, deadline=None)
@given(hostile_text())
def test_text_the_rule_accepts_decodes_without_line_breaks_in_any_stdlib_reader(
    value: str,
) -> None:
    try:
        kept = single_line_text("room title", value)
    except UnsafeText:
        return
    # The header parser (what EmailMessage does with a value) and the legacy decoder.
    parsed = str(policy.default.header_factory("Subject", kept))
    try:
        legacy = str(make_header(decode_header(kept)))
    except Exception:  # the legacy decoder gives up on some malformed words: nothing decoded
        legacy = ""
    for decoded in (parsed, legacy):
        assert not any(char in decoded for char in LINE_BREAKING), decoded


# --- where titles and names are stored ------------------------------------------------------

PAYLOAD = "=?utf-8?q?Plans=0D=0ABcc:_x@evil.example?="


def _count(database: Database, model: type) -> int:
    with database.read_session() as session:
        return len(session.query(model).all())


def test_rooms_users_accounts_and_alerts_refuse_unsafe_titles_and_names(
    database: Database, world: World, now: datetime
) -> None:
    rooms, users = _count(database, Room), _count(database, User)

    def room(title: str):  # type: ignore[no-untyped-def]
        return lambda s: create_room(s, title, owner=s.get_one(User, world.alice.id), now=now)

    attempts = [
        ("room title", room(PAYLOAD)),
        ("room title", room("a\nb")),
        ("name", lambda s: add_user(s, "carol@example.net", name="Carol\r\nBcc: x", now=now)),
        ("name", lambda s: update_user(s, world.bob.id, name=PAYLOAD)),
        ("account name", lambda s: add_account(s, world.bob.id, AccountKind.CLIENT, "B\x00b")),
        ("alert title", lambda s: create_alert(s, world.bob.id, category=AlertCategory.ALERT,
                                               title=PAYLOAD, now=now)),
    ]  # fmt: skip
    for field, attempt in attempts:
        with pytest.raises(UnsafeText) as refused, database.transaction() as session:
            attempt(session)
        assert refused.value.field == field
    assert (_count(database, Room), _count(database, User)) == (rooms, users)
    with database.read_session() as session:
        assert session.get_one(User, world.bob.id).display_name == "Bob Baker"


def test_a_direct_room_is_opened_even_with_a_name_stored_before_names_were_checked(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        bob = session.get(User, world.bob.id)
        assert bob is not None
        bob.display_name = "Bob\r\nBcc: x@evil"  # written before the check existed
    with database.transaction() as session:
        alice, bob = session.get(User, world.alice.id), session.get(User, world.bob.id)
        assert alice is not None and bob is not None
        room, created = open_direct_room(session, alice, bob, now=now, daily_limit=None)
        assert created and room.title == "Alice Archer and bob"
