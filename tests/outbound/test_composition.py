"""Composition: the headers (EMAIL-RULES section 3), both parts, escaping and encoding of the
email a member gets for a room message. Emails are composed through dispatch, as in use."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from markupsafe import Markup

from gateway.core.messages import NewFile
from gateway.core.rendering import render_plain_text
from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import add_member, create_room, find_membership
from gateway.core.unsubscribe import RoomEmails, verify_unsubscribe_token
from gateway.core.users import add_user
from gateway.outbound.composition import (
    LOOP_HEADER,
    MESSAGE_ID_PREFIX,
    REFERENCES_HEAD,
    REFERENCES_TAIL,
    Thread,
    _list_id_value,
    build_thread,
    compose_room_message,
    one_line,
    render_email_template,
    thread_root_id,
    unsubscribe_url,
)
from gateway.outbound.email_bytes import EMAIL_POLICY
from gateway.outbound.sender_names import from_display_name
from gateway.settings import Settings
from gateway.store.models import Membership, Message, Room, User

from support import MAIL_DOMAIN

BASE_URL = "http://gateway.example.com"


@dataclass
class Pair:
    author: User
    reader: User
    room: Room


@pytest.fixture
def pair_in_room(database, now) -> Callable[..., Pair]:
    """pair_in_room(title, author_name=..., reader_name=...): two new people in a new room."""

    def make(title: str, *, author_name: str = "Ann Author", reader_name: str = "Rob Reader"):
        with database.transaction() as session:
            author = add_user(session, "ann@example.net", name=author_name, now=now)
            reader = add_user(session, "rob@example.net", name=reader_name, now=now)
            room = create_room(session, title, owner=author, members=[reader], now=now)
        return Pair(author=author, reader=reader, room=room)

    return make


@pytest.fixture
def bob_email(world, post, dispatch, emails_to) -> EmailMessage:
    """The email bob gets for alice's "**Ship it** today" in "Website redesign"."""
    post("**Ship it** today", files=[NewFile("plan.pdf", "application/pdf", b"%PDF-1.7")])
    dispatch()
    (email,) = emails_to(world.bob)
    return email


def _membership(database, room: Room, user: User) -> Membership:
    with database.read_session() as session:
        membership = find_membership(session, room.id, user.id)
        assert membership is not None
        return membership


def _parts(email: EmailMessage) -> tuple[str, str]:
    text = email.get_body(preferencelist=("plain",))
    html = email.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_email_comes_from_author_via_room_and_goes_to_the_member(bob_email, settings) -> None:
    (sender,) = bob_email["From"].addresses
    assert sender.display_name == "Alice Archer via Website redesign"
    assert sender.addr_spec == f"notifications@{settings.mail_domain}"
    (recipient,) = bob_email["To"].addresses
    assert (recipient.display_name, recipient.addr_spec) == ("Bob Baker", "bob@example.org")


def test_reply_to_is_the_members_own_reply_address_for_the_room(
    bob_email, database, world, settings, keys: ReplyKeys
) -> None:
    expected = reply_address(
        _membership(database, world.room, world.bob), keys, settings.mail_domain
    )
    (reply_to,) = bob_email["Reply-To"].addresses
    assert reply_to.addr_spec == expected
    assert bob_email["List-Post"] == f"<mailto:{expected}>"


def test_list_headers_name_the_room_and_its_archive(bob_email, world, settings) -> None:
    room_id = world.room.id
    assert bob_email["List-Id"] == f'"Website redesign" <room-{room_id}.{settings.mail_domain}>'
    assert bob_email["List-Archive"] == f"<{BASE_URL}/rooms/{room_id}>"
    assert bob_email["Precedence"] == "list"


def test_one_click_unsubscribe_names_the_members_room_membership(
    bob_email, database, world, keys: ReplyKeys
) -> None:
    match = re.fullmatch(
        rf"<{re.escape(BASE_URL)}/u/([A-Za-z0-9_-]+)>", bob_email["List-Unsubscribe"].strip()
    )
    assert match is not None
    membership = _membership(database, world.room, world.bob)
    assert verify_unsubscribe_token(match.group(1), keys) == RoomEmails(membership.id)
    # RFC 8058 section 3.1: exactly this value makes the POST a one-click unsubscribe.
    assert bob_email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_email_is_marked_automated_with_loop_and_category_headers(bob_email, settings) -> None:
    assert bob_email["Auto-Submitted"] == "auto-generated"
    assert bob_email["X-Auto-Response-Suppress"] == "All"
    assert bob_email[LOOP_HEADER] == settings.mail_domain
    assert bob_email["X-Gateway-Category"] == "room-message"


def test_message_id_is_ours_and_stored_in_the_outbox_without_brackets(
    bob_email, outbox, world, settings, now
) -> None:
    (row,) = outbox(world.bob.id)
    assert bob_email["Message-ID"] == f"<{row.message_id_header}>"
    assert row.message_id_header.startswith(MESSAGE_ID_PREFIX)
    assert row.message_id_header.endswith(f"@{settings.mail_domain}")
    assert parsedate_to_datetime(bob_email["Date"]) == now


def test_every_email_gets_a_unique_message_id(world, post, dispatch, emails_to) -> None:
    post("one")
    post("two")
    dispatch()
    ids = [email["Message-ID"] for email in emails_to(world.bob)]
    assert len(set(ids)) == 2


def test_subject_is_the_same_for_every_email_of_a_room(world, post, dispatch, emails_to) -> None:
    post("one")
    post("two", author=world.bob)
    post("three")
    dispatch()
    subjects = {email["Subject"] for email in emails_to(world.bob) + emails_to(world.alice)}
    assert subjects == {"[Gateway] Website redesign"}


def test_text_part_reads_the_message_as_plain_text(bob_email, world) -> None:
    text, _ = _parts(bob_email)
    assert "Alice Archer wrote in Website redesign:" in text
    assert "Ship it today" in text
    assert "**" not in text
    assert "- plan.pdf" in text
    assert f"{BASE_URL}/rooms/{world.room.id}" in text
    assert f"{BASE_URL}/u/" in text
    assert "\r\n\r\n-- \r\n" in text  # the footer is a signature: clients leave it out of replies


def test_html_part_shows_author_room_message_files_and_footer(bob_email, world) -> None:
    _, html = _parts(bob_email)
    assert "<strong>Ship it</strong> today" in html
    assert "Alice Archer" in html
    assert "plan.pdf" in html
    assert f'href="{BASE_URL}/rooms/{world.room.id}"' in html
    assert f'href="{BASE_URL}/u/' in html
    assert "member of &ldquo;Website redesign&rdquo;" in html


def test_html_part_loads_nothing_external(bob_email) -> None:
    _, html = _parts(bob_email)
    assert "<link" not in html
    assert "<img" not in html
    assert "<script" not in html
    assert "<style" not in html


def test_html_escapes_a_hostile_room_title_and_author_name(
    pair_in_room, post, dispatch, emails_to
) -> None:
    pair = pair_in_room(
        "<script>alert(1)</script> & co", author_name='<img src=x onerror="alert(2)">'
    )
    post("hello", author=pair.author, room_id=pair.room.id)
    dispatch()
    (email,) = emails_to(pair.reader)
    text, html = _parts(email)
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "&lt;img src=x onerror=" in html
    # The text part is not HTML: it shows the names as typed.
    assert '<img src=x onerror="alert(2)"> wrote in <script>alert(1)</script> & co:' in text


def test_display_name_with_quotes_commas_and_brackets_keeps_one_from_address(
    pair_in_room, post, dispatch, emails_to, settings
) -> None:
    pair = pair_in_room(
        'Sales, "Q4" <plans>',
        author_name='Smith, "Ann" <evil@attacker.example>',
        reader_name='Rob, "the" <reader>',
    )
    post("hello", author=pair.author, room_id=pair.room.id)
    dispatch()
    (email,) = emails_to(pair.reader)
    (sender,) = email["From"].addresses
    assert sender.addr_spec == f"notifications@{settings.mail_domain}"
    assert sender.display_name == from_display_name(
        'Smith, "Ann" <evil@attacker.example>', 'Sales, "Q4" <plans>'
    )
    (recipient,) = email["To"].addresses
    assert recipient.addr_spec == "rob@example.net"
    (reply_to,) = email["Reply-To"].addresses
    assert reply_to.display_name == 'Sales, "Q4" <plans>'


def test_non_ascii_names_and_subject_survive_a_round_trip(
    pair_in_room, post, dispatch, outbox, emails_to
) -> None:
    pair = pair_in_room("Café Équipe — été 2026", author_name="Zoë Ünal", reader_name="Jürgen Øst")
    post("Ça marche 👍", author=pair.author, room_id=pair.room.id)
    dispatch()
    (row,) = outbox(pair.reader.id)
    assert row.raw.isascii()  # RFC 2047 headers and quoted-printable bodies: no 8BITMIME needed
    (email,) = emails_to(pair.reader)
    assert email["Subject"] == "[Gateway] Café Équipe — été 2026"
    assert email["From"].addresses[0].display_name == "Zoë Ünal via Café Équipe — été 2026"
    assert email["To"].addresses[0].display_name == "Jürgen Øst"
    assert email["List-Id"].endswith(f"<room-{pair.room.id}.reply.example.com>")
    assert "Café Équipe — été 2026" in email["List-Id"]
    text, html = _parts(email)
    assert "Ça marche 👍" in text
    assert "Ça marche 👍" in html


@pytest.mark.parametrize(
    "title",
    [
        "Website redesign",
        'Quotes "inside" and a \\ backslash',
        "Commas, <angle brackets> and (comments)",
        "A long title that goes on and on well past the seventy-eight characters of a line",
        "x" * 120,
        'Équipe, <Café> "très" spéciale, avec beaucoup de mots pour que l\'encodeur coupe',
    ],
)
def test_list_id_keeps_its_id_and_title_whatever_the_title(
    title, pair_in_room, post, dispatch, outbox, emails_to
) -> None:
    pair = pair_in_room(title)
    post("hello", author=pair.author, room_id=pair.room.id)
    dispatch()
    (row,) = outbox(pair.reader.id)
    folded = re.search(rb"^List-Id: .*?\r\n(?! )", row.raw, re.MULTILINE | re.DOTALL)
    assert folded is not None
    assert all(len(line) <= 78 for line in folded.group().split(b"\r\n"))
    (email,) = emails_to(pair.reader)
    list_id = str(email["List-Id"])
    assert list_id.endswith(f" <room-{pair.room.id}.reply.example.com>")
    assert list_id.count("<room-") == 1
    unquoted = list_id.removesuffix(f" <room-{pair.room.id}.reply.example.com>")
    if unquoted.startswith('"'):
        unquoted = unquoted[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    assert unquoted == title


def test_system_message_without_author_reads_as_the_site(
    database, world, post, dispatch, emails_to
) -> None:
    message_id = post("Contract started")
    with database.transaction() as session:
        session.get_one(Message, message_id).author_id = None
    dispatch()
    (email,) = emails_to(world.bob)
    assert email["From"].addresses[0].display_name == "Gateway via Website redesign"


def test_thread_of_the_first_email_answers_the_root() -> None:
    thread = build_thread("room.t@d", [], None)
    assert thread.references == ("room.t@d",)
    assert thread.in_reply_to == "room.t@d"


def test_thread_answers_the_previous_email_when_there_is_no_parent() -> None:
    thread = build_thread("root@d", ["a@d", "b@d"], None)
    assert thread.references == ("root@d", "a@d", "b@d")
    assert thread.in_reply_to == "b@d"


def test_thread_answers_the_parent_and_ends_references_with_it() -> None:
    thread = build_thread("root@d", ["a@d", "b@d", "c@d"], "a@d")
    assert thread.in_reply_to == "a@d"
    assert thread.references == ("root@d", "b@d", "c@d", "a@d")


def test_thread_references_keep_the_root_and_the_first_and_last_few() -> None:
    earlier = [f"{n}@d" for n in range(30)]
    thread = build_thread("root@d", earlier, None)
    assert thread.references == (
        "root@d",
        *earlier[:REFERENCES_HEAD],
        *earlier[-REFERENCES_TAIL:],
    )
    assert len(thread.references) == 1 + REFERENCES_HEAD + REFERENCES_TAIL


def test_each_recipient_gets_their_own_to_reply_to_unsubscribe_link_and_message_id(
    database, world, post, dispatch, emails_to, settings, keys: ReplyKeys, now
) -> None:
    with database.transaction() as session:
        carol = add_user(session, "carol@example.net", name="Carol Côté", now=now)
        dave = add_user(session, "dave@example.net", name='Dave "D" Dunn', now=now)
        room = session.get_one(Room, world.room.id)
        for user in (carol, dave):
            add_member(session, room, user, now=now)
    post("One message for everyone")
    dispatch()
    seen_ids, seen_links = set(), set()
    for user in (world.bob, carol, dave):
        (email,) = emails_to(user)
        membership = _membership(database, world.room, user)
        assert email["To"].addresses[0].addr_spec == user.email
        assert email["To"].addresses[0].display_name == user.display_name
        expected = reply_address(membership, keys, settings.mail_domain)
        assert email["Reply-To"].addresses[0].addr_spec == expected
        assert email["List-Post"] == f"<mailto:{expected}>"
        link = unsubscribe_url(membership, settings, keys)
        assert email["List-Unsubscribe"].strip() == f"<{link}>"
        text, html = _parts(email)
        assert f"Stop emails from this room: {link}" in text
        assert f'href="{link}"' in html
        assert "gw-slot-" not in text + html
        seen_ids.add(email["Message-ID"])
        seen_links.add(link)
    assert len(seen_ids) == len(seen_links) == 3


def _reference_room_email(
    message: Message,
    recipient: Membership,
    thread: Thread,
    settings: Settings,
    keys: ReplyKeys,
    now,
    message_id: str,
) -> bytes:
    """The email as an EmailMessage composes it, header by header in the same order."""
    room = recipient.room
    author = one_line(message.author.display_name) if message.author else settings.site_name
    title = one_line(room.title)
    link = unsubscribe_url(recipient, settings, keys)
    context = {
        "site_name": settings.site_name,
        "room_title": title,
        "room_url": f"{settings.base_url}/rooms/{room.id}",
        "author_name": author,
        "message_text": render_plain_text(message.body_source),
        "message_html": Markup(message.body_html),
        "attachment_names": [],
        "parent": None,
        "recipient_name": one_line(recipient.user.display_name),
        "unsubscribe_url": link,
    }
    reply_to = reply_address(recipient, keys, settings.mail_domain)
    email = EmailMessage(policy=EMAIL_POLICY)
    email["From"] = Address(
        from_display_name(author, title), addr_spec=f"notifications@{MAIL_DOMAIN}"
    )
    email["To"] = Address(context["recipient_name"], addr_spec=recipient.user.email)
    email["Reply-To"] = Address(title, addr_spec=reply_to)
    email["Subject"] = one_line(_render_room("subject.txt", context))
    email["Date"] = format_datetime(now)
    email["Message-ID"] = f"<{message_id}>"
    email["In-Reply-To"] = f"<{thread.in_reply_to}>"
    email["References"] = " ".join(f"<{i}>" for i in thread.references)
    email.set_raw("List-Id", _list_id_value(room.title, f"room-{room.id}.{MAIL_DOMAIN}"))
    email["List-Post"] = f"<mailto:{reply_to}>"
    email["List-Archive"] = f"<{context['room_url']}>"
    email["List-Unsubscribe"] = f"<{link}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email["Precedence"] = "list"
    email["Auto-Submitted"] = "auto-generated"
    email["X-Auto-Response-Suppress"] = "All"
    email["X-Gateway-Loop"] = settings.mail_domain
    email["X-Gateway-Category"] = "room-message"
    email.set_content(_render_room("body.txt", context), cte="quoted-printable")
    html = _render_room("body.html", context)
    email.add_alternative(html, subtype="html", cte="quoted-printable")
    return bytes(email)


def _render_room(name: str, context: dict[str, object]) -> str:
    return render_email_template("email/room_message", name, context)


@pytest.mark.parametrize(
    ("title", "author_name", "reader_name", "earlier"),
    [
        ("Website redesign", "Ann Author", "Rob Reader", 0),
        ('Sales, "Q4" <plans>', 'Smith, "Ann" <evil@x.example>', 'Rob, "the" <reader>', 3),
        ("Café Équipe — été 2026", "Zoë Ünal", "Jürgen Øst", 12),
        ("A long title that goes on and on well past the seventy-eight characters", "A\\B",
         "R. Reader-With-A-Rather-Long-Name Von Und Zu Somewhere Far Away", 1),
        ("<script>alert(1)</script> & co", '<img src=x onerror="alert(2)">', "x?=utf-8?q?=", 0),
    ],
)  # fmt: skip
def test_room_email_bytes_are_what_an_email_message_would_write(
    title, author_name, reader_name, earlier, database, pair_in_room, post, settings, keys, now
) -> None:
    pair = pair_in_room(title, author_name=author_name, reader_name=reader_name)
    message_id = post("**Ship it** today, ça marche 👍 = done", author=pair.author,
                      room_id=pair.room.id)  # fmt: skip
    with database.read_session() as session:
        message = session.get_one(Message, message_id)
        recipient = find_membership(session, pair.room.id, pair.reader.id)
        assert recipient is not None
        root = thread_root_id(recipient.room, settings.mail_domain)
        earlier_ids = [f"gw.{n:032x}@{settings.mail_domain}" for n in range(earlier)]
        thread = build_thread(root, earlier_ids, None)
        ours = compose_room_message(
            message, recipient, thread=thread, attachment_names=[], settings=settings,
            keys=keys, now=now,
        )  # fmt: skip
        reference = _reference_room_email(
            message, recipient, thread, settings, keys, now, ours.message_id
        )
    boundary = re.compile(rb"={15}\d{19}==")
    assert boundary.sub(b"B", ours.raw) == boundary.sub(b"B", reference)
