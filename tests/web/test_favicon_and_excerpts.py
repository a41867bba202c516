"""The site icon (linked from every page, and at /favicon.ico where browsers ask for it), and
the excerpt a reply quotes of its parent: the parent's words as read, not its Markdown
source, both on the room page and in the notification email the relay receives."""

from __future__ import annotations

import html
import re
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from flask.testing import FlaskClient

from gateway.core.messages import list_messages, post_message
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.rooms import add_member, get_room
from gateway.core.users import add_user
from gateway.outbound.worker import run_outbound_once
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Origin

from mail_support import answering, mail_to, plain_text, relayed
from recording_relay import RecordingRelay
from smtp_gateway import SMTPGateway
from support import World
from web_support import sign_in

PARENT_SOURCE = "Can we **ship on _Friday_**? See [the plan](https://example.com/plan) :tada:"
ICON_LINK = re.compile(
    r'<link rel="icon" href="(/static/favicon\.svg[^"]*)" type="image/svg\+xml">'
)
PARENT_AS_READ = "Can we ship on Friday? See the plan \U0001f389"


# --- the icon -------------------------------------------------------------------------------


def test_every_page_links_the_svg_icon_and_it_is_served(client: FlaskClient, world: World) -> None:
    signed_out = client.get("/sign-in").get_data(as_text=True)
    signed_in = _signed_in_page(client, world, f"/rooms/{world.room.id}")
    hrefs = [ICON_LINK.search(page) for page in (signed_out, signed_in)]
    assert all(hrefs)
    icon = client.get(html.unescape(hrefs[0].group(1)))  # type: ignore[union-attr]
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml" and icon.data.lstrip().startswith(b"<svg")


def test_favicon_ico_leads_to_the_icon_with_no_error(client: FlaskClient) -> None:
    response = client.get("/favicon.ico", follow_redirects=True)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert [r.status_code for r in response.history] == [301]


def _signed_in_page(client: FlaskClient, world: World, path: str) -> str:
    sign_in(client, world.alice)
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- the excerpt of a reply's parent ------------------------------------------------------


@pytest.fixture
def relay_settings(settings: Settings, recording_relay: RecordingRelay) -> Settings:
    return relayed(settings, recording_relay)


def test_an_emailed_reply_quotes_its_parent_as_read_on_the_page_and_in_the_email(
    client: FlaskClient,
    database: Database,
    settings: Settings,
    world: World,
    keys: ReplyKeys,
    now: datetime,
    recording_relay: RecordingRelay,
    relay_settings: Settings,
) -> None:
    with database.transaction() as session:
        room = get_room(session, world.room.id)
        carol = add_user(session, "carol@example.net", name="Carol Chen", now=now)
        add_member(session, room, carol, now=now)
        post_message(session, room.id, world.alice.id, PARENT_SOURCE, origin=Origin.WEB, now=now)
    run_outbound_once(database, relay_settings, keys, now=now)
    recording_relay.wait_for(2)
    [to_bob] = mail_to(recording_relay, "bob@example.org")

    with SMTPGateway(database, settings, clock=lambda: now + timedelta(minutes=5)) as intake:
        reply = _answer(to_bob, "Bob Baker <bob@example.org>", "Friday works for me.")
        with smtplib.SMTP("127.0.0.1", intake.port, timeout=30) as smtp:
            assert smtp.send_message(reply) == {}
    with database.read_session() as session:
        answer = list_messages(session, get_room(session, world.room.id))[-1]
        assert answer.origin is Origin.EMAIL and answer.parent_id is not None

    page = html.unescape(_signed_in_page(client, world, f"/rooms/{world.room.id}"))
    assert "In reply to Alice Archer" in page
    assert f">{PARENT_AS_READ}<" in page  # the quote above Bob's message
    assert f'data-reply-excerpt="{PARENT_AS_READ}"' in page  # what "Reply" puts in the preview
    reply_page = html.unescape(
        _signed_in_page(client, world, f"/rooms/{world.room.id}?reply_to={answer.parent_id}")
    )
    assert f'<q id="reply-preview-excerpt">{PARENT_AS_READ}</q>' in reply_page

    run_outbound_once(database, relay_settings, keys, now=now + timedelta(minutes=6))
    # Carol's second email (Alice read Bob's reply on the page above: none is owed to her).
    recording_relay.wait_for(3)
    to_carol = mail_to(recording_relay, "carol@example.net")[-1]
    text = to_carol.get_body(("plain",)).get_content()
    assert f'In reply to Alice Archer: "{PARENT_AS_READ}"' in text
    assert "Friday works for me." in text
    body_html = html.unescape(to_carol.get_body(("html",)).get_content())
    assert f"Alice Archer</strong>: \u201c{PARENT_AS_READ}\u201d" in body_html


def test_a_message_that_answers_nothing_has_no_reply_line_in_its_email(
    database: Database,
    world: World,
    keys: ReplyKeys,
    now: datetime,
    recording_relay: RecordingRelay,
    relay_settings: Settings,
) -> None:
    with database.transaction() as session:
        post_message(session, world.room.id, world.alice.id, "Hello", origin=Origin.WEB, now=now)
    run_outbound_once(database, relay_settings, keys, now=now)
    recording_relay.wait_for(1)
    [to_bob] = mail_to(recording_relay, "bob@example.org")
    assert "In reply to" not in to_bob.get_body(("plain",)).get_content()
    assert "In reply to" not in to_bob.get_body(("html",)).get_content()


def _answer(notification: EmailMessage, sender: str, words: str) -> EmailMessage:
    """What a mail client sends when the member presses Reply and types `words`."""
    reply = answering(notification, sender)
    quoted = "\n".join("> " + line for line in plain_text(notification).splitlines())
    reply.set_content(f"{words}\n\nOn Mon, 23 Nov 2026 at 09:30, Alice wrote:\n{quoted}\n")
    return reply
