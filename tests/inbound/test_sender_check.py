"""The sender check cannot be sidestepped: a reply names exactly one author in From, the member
its reply address names (EMAIL-RULES 1.6). Over a real SMTP socket, and the From reading itself
on hostile input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_smtp import bob_address, inbound_records, room_messages

from gateway.inbound.mailboxes import MAX_READ_CHARS, read_mailbox_list
from gateway.inbound.parsing import parse_email
from gateway.store.models import InboundOutcome

from smtp_gateway import SMTPGateway
from support import World

REPLY = "Friday works for me."


def reply_with_from_lines(from_lines: list[str], to: str, *extra: str) -> bytes:
    """A plain reply with exactly these From lines (and any extra header lines)."""
    head = [
        *from_lines,
        f"To: {to}",
        "Subject: Re: [Gateway] Website redesign",
        "Message-ID: <reply-1@mail.example.org>",
        "Date: Mon, 23 Nov 2026 10:00:00 +0000",
        *extra,
    ]
    return ("\r\n".join(head) + f"\r\n\r\n{REPLY}\r\n").encode()


SIDESTEPS = {
    "two From fields": ["From: Bob Baker <bob@example.org>", "From: Eve <eve@example.net>"],
    "two From fields, the member second": ["From: eve@example.net", "From: bob@example.org"],
    "two mailboxes": ["From: bob@example.org, eve@example.net"],
    "two mailboxes with names": ['From: "Baker, Bob" <bob@example.org>, Eve <eve@example.net>'],
    "a group of two": ["From: Team: bob@example.org, eve@example.net;"],
    "a group of the member alone": ["From: Team: bob@example.org;"],
    "two angle addresses in one": ["From: Bob <bob@example.org> <eve@example.net>"],
    "a mailbox hidden after a comment": ["From: bob@example.org (Bob), eve@example.net"],
}


@pytest.mark.parametrize("from_lines", SIDESTEPS.values(), ids=SIDESTEPS.keys())
@pytest.mark.parametrize("sender", [None, "Sender: bob@example.org"])
def test_a_from_naming_more_than_the_member_is_refused_and_kept_as_rejected(
    smtp_gateway: SMTPGateway,
    database,
    world: World,
    keys,
    from_lines: list[str],
    sender: str | None,
) -> None:
    address = bob_address(database, world, keys)
    raw = reply_with_from_lines(from_lines, address, *([sender] if sender else []))
    transcript = smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])
    code, reply = transcript.final
    assert code == 550 and reply.startswith("5.7.1"), reply
    assert "exactly one" in reply
    assert room_messages(database, world) == []
    [record] = inbound_records(database)
    assert record.outcome is InboundOutcome.REJECTED and "exactly one" in record.reason


@pytest.mark.parametrize(
    "from_line",
    [
        'From: "Baker, Bob" <bob@example.org>',
        "From: Bob Baker (work, mostly) <bob@example.org>",
        "From: =?utf-8?q?Bob_Baker?= <Bob@Example.ORG>",
    ],
)
def test_one_mailbox_with_commas_in_its_name_or_comment_is_the_member(
    smtp_gateway: SMTPGateway, database, world: World, keys, from_line: str
) -> None:
    address = bob_address(database, world, keys)
    raw = reply_with_from_lines([from_line], address)
    transcript = smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])
    assert transcript.final[0] == 250, transcript.final
    [message] = room_messages(database, world)
    assert message.author_id == world.bob.id


# --- reading From ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "mailboxes", "groups", "first"),
    [
        ("bob@example.org", 1, 0, ("", "bob@example.org")),
        ("Bob Baker <Bob@Example.org>", 1, 0, ("Bob Baker", "bob@example.org")),
        ('"Baker, Bob" <bob@example.org>', 1, 0, ("Baker, Bob", "bob@example.org")),
        (r'"Bob \"B\" Baker" <bob@example.org>', 1, 0, ('Bob "B" Baker', "bob@example.org")),
        ("bob@example.org (Bob Baker)", 1, 0, ("Bob Baker", "bob@example.org")),
        ("Bob <@relay.example:bob@example.org>", 1, 0, ("Bob", "bob@example.org")),
        ("MAILER-DAEMON (Mail Delivery System)", 0, 0, ("Mail Delivery System", None)),
        ("a@x.example, b@y.example", 2, 0, ("", "a@x.example")),
        ("Team: a@x.example, b@y.example;", 2, 1, ("", "a@x.example")),
        ("undisclosed-recipients:;", 0, 1, None),
        ("<a@x.example> <b@y.example>", 2, 0, ("", "a@x.example")),
        # An unquoted comma in a display name (broken clients) leaves one real mailbox.
        ("Baker, Bob <bob@example.org>", 1, 0, ("Bob", "bob@example.org")),
        ("Bob <bob@example.org, eve@example.net", 1, 0, ("Bob", None)),
        ("bob@example.org eve@example.net", 1, 0, ("", None)),
        ("", 0, 0, None),
    ],
)
def test_a_from_field_is_read_into_its_mailboxes(
    value: str, mailboxes: int, groups: int, first: tuple[str, str | None] | None
) -> None:
    found = read_mailbox_list([value])
    assert (len(found.mailboxes), found.groups) == (mailboxes, groups)
    named = found.mailboxes[0] if found.mailboxes else found.first_named
    assert (None if named is None else (named.name, named.address)) == first


def test_two_from_fields_count_every_mailbox_and_parsing_keeps_the_first() -> None:
    parsed = parse_email(
        reply_with_from_lines(["From: Bob <bob@example.org>", "From: eve@example.net"], "x@y.z")
    )
    assert (parsed.from_address, parsed.from_name) == ("bob@example.org", "Bob")
    assert (parsed.from_mailboxes, parsed.from_groups) == (2, 0)


_NAME = st.text(st.sampled_from('abc ,;:<>@()"\\.'), max_size=12)
_LOCAL = st.text(st.sampled_from("abcxyz019._-+"), min_size=1, max_size=8)


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _comment(name: str) -> str:
    escaped = "".join("\\" + char if char in "()\\" else char for char in name)
    return "(" + escaped + ")"


@st.composite
def _mailbox(draw: st.DrawFn) -> tuple[str, str]:
    address = f"{draw(_LOCAL)}@{draw(st.sampled_from(['example.org', 'mail.example.net']))}"
    name = draw(_NAME)
    shape = draw(st.sampled_from(["bare", "angle", "named", "commented"]))
    written = {
        "bare": address,
        "angle": f"<{address}>",
        "named": f"{_quoted(name)} <{address}>",
        "commented": f"{address} {_comment(name)}",
    }[shape]
    return written, address.lower()


@settings(max_examples=150, deadline=None)
@given(st.lists(_mailbox(), min_size=1, max_size=4))
def test_every_written_mailbox_is_counted_whatever_its_name_holds(
    mailboxes: list[tuple[str, str]],
) -> None:
    found = read_mailbox_list([", ".join(written for written, _ in mailboxes)])
    assert [mailbox.address for mailbox in found.mailboxes] == [a for _, a in mailboxes]


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from('ab@.,;:<>()"\\[] \t\r\n=?é'), max_size=200))
def test_reading_any_text_never_raises_and_finds_a_mailbox_only_where_an_at_or_angle_is(
    value: str,
) -> None:
    found = read_mailbox_list([value])
    assert len(found.mailboxes) <= value.count("@") + value.count("<")


@pytest.mark.parametrize("unit", ["(", '"\\', "<", "@", ",", "a:", "[a", '("<', "\\"])
def test_hostile_from_fields_are_read_without_recursion(unit: str) -> None:
    # The stdlib address parser recurses per nested comment (RecursionError at ~1000 levels).
    found = read_mailbox_list([unit * 5000])
    assert len(found.mailboxes) <= 5000 * 2


@pytest.mark.parametrize("padding", [" ", "(", '"', ","])
def test_a_second_mailbox_beyond_what_is_read_still_counts(padding: str) -> None:
    value = "bob@example.org, " + padding * MAX_READ_CHARS + " eve@example.net"
    parsed = parse_email(reply_with_from_lines([f"From: {value}"], "x@y.z"))
    assert parsed.from_mailboxes >= 2
    again = read_mailbox_list(["bob@example.org", padding * MAX_READ_CHARS, "<eve@example.net>"])
    assert again.count >= 2
