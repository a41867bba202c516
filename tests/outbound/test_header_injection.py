"""No header injection (EMAIL-RULES section 3): text that reaches a header we write (room
titles, display names, alert titles, the subject an out-of-office reply answers) never
starts a header line of its own, whatever the interpreter's patch level, and reads in the
recipient's client as the very text it was.

Each test runs the real path (post, queue, deliver over SMTP to the recording relay) and
looks at the bytes the relay received. Titles and names holding an encoded line break are
refused where they enter (tests/core/test_text_fields.py), so the stored ones here are
written into the database directly, as a database from before that rule holds them; the
subject an out-of-office reply answers comes in by email, where nothing is refused.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from sqlalchemy import update

from gateway.core.alerts import create_alert
from gateway.core.api_keys import create_api_key
from gateway.core.preferences import set_out_of_office
from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import create_room, find_membership
from gateway.outbound.composition import from_display_name
from gateway.outbound.worker import run_outbound_once
from gateway.settings import RelaySettings, Settings
from gateway.store.database import Database
from gateway.store.models import Alert, AlertCategory, Room, RoomKind, User
from gateway.web.app import create_app

from recording_relay import RecordingRelay
from support import World, reply_email

# An encoded word whose text is a line break and a header: some Python releases decode it
# while writing a header and put "Bcc: x@evil.example" on a line of its own.
PAYLOAD = "=?utf-8?q?Plans=0D=0ABcc:_x@evil.example?="
# The header lines our emails carry; anything else at the start of a line was injected.
OUR_HEADERS = {
    "from", "to", "reply-to", "subject", "date", "message-id", "in-reply-to", "references",
    "list-id", "list-post", "list-archive", "list-unsubscribe", "list-unsubscribe-post",
    "precedence", "auto-submitted", "x-auto-response-suppress", "x-gateway-loop",
    "x-gateway-category", "mime-version", "content-type",
}  # fmt: skip
HEADER_START = re.compile(rb"([!-9;-~]+):")


def assert_no_injected_header(raw: bytes) -> EmailMessage:
    """Every line of the header section is one of our headers or a folded continuation
    (starting with a space or tab), and no value reads back with a line break."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            continue
        start = HEADER_START.match(line)
        assert start is not None, line
        assert start.group(1).decode().lower() in OUR_HEADERS, line
    assert not re.search(rb"^bcc:", head, re.IGNORECASE | re.MULTILINE)
    email = message_from_bytes(raw, policy=policy.default)
    assert isinstance(email, EmailMessage)
    for name, value in email.items():
        assert "\r" not in str(value) and "\n" not in str(value), name
    return email


@pytest.fixture
def relay_settings(settings: Settings, recording_relay: RecordingRelay) -> Settings:
    relay = RelaySettings(host=recording_relay.host, port=recording_relay.port)
    return dataclasses.replace(settings, relay=relay)


def deliver(database: Database, settings: Settings, keys: ReplyKeys, now: datetime) -> None:
    queued, report = run_outbound_once(database, settings, keys, now=now)
    assert queued >= 1 and report.sent == queued


def squeezed(display_name: str) -> str:
    """A display name without its spaces: the stdlib reader puts a space between the
    encoded words of a phrase (RFC 2047 section 6.2 says to drop it), so compare the rest."""
    return "".join(display_name.split())


def emails_to(relay: RecordingRelay, address: str) -> list[bytes]:
    return [envelope.raw for envelope in relay.received if address in envelope.rcpt_tos]


def test_a_room_title_with_an_encoded_line_break_stays_in_subject_list_id_from_and_reply_to(
    database, world: World, post, relay_settings, recording_relay, keys, now
) -> None:
    with database.transaction() as session:
        session.execute(update(Room).where(Room.id == world.room.id).values(title=PAYLOAD))
    post("Shall we meet?")
    deliver(database, relay_settings, keys, now)

    (raw,) = emails_to(recording_relay, world.bob.email)
    email = assert_no_injected_header(raw)
    # The reader's client shows the title as it was typed, never decoded.
    assert email["Subject"] == f"[Gateway] {PAYLOAD}"
    assert squeezed(email["From"].addresses[0].display_name) == squeezed(
        from_display_name("Alice Archer", PAYLOAD)
    )
    assert squeezed(email["Reply-To"].addresses[0].display_name) == squeezed(PAYLOAD)
    assert str(email["List-Id"]).startswith(PAYLOAD)


def test_display_names_with_encoded_or_raw_line_breaks_stay_in_from_and_to(
    database, world: World, post, relay_settings, recording_relay, keys, now
) -> None:
    with database.transaction() as session:
        for user, name in ((world.alice, PAYLOAD), (world.bob, "Bob\r\nBcc: x@evil.example")):
            session.execute(update(User).where(User.id == user.id).values(display_name=name))
    post("Shall we meet?")
    deliver(database, relay_settings, keys, now)

    (raw,) = emails_to(recording_relay, world.bob.email)
    email = assert_no_injected_header(raw)
    assert squeezed(email["From"].addresses[0].display_name) == squeezed(
        from_display_name(PAYLOAD, "Website redesign")
    )
    assert email["To"].addresses[0].addr_spec == world.bob.email


def test_an_alert_title_with_an_encoded_line_break_stays_in_the_subject(
    database, world: World, relay_settings, recording_relay, keys, now
) -> None:
    with database.transaction() as session:
        alert = create_alert(
            session, world.bob.id, category=AlertCategory.ALERT, title="Payment", now=now
        )
        session.execute(update(Alert).where(Alert.id == alert.id).values(title=PAYLOAD))
    deliver(database, relay_settings, keys, now)

    (raw,) = emails_to(recording_relay, world.bob.email)
    email = assert_no_injected_header(raw)
    assert email["Subject"] == f"[Gateway] Account alert: {PAYLOAD}"


def test_an_out_of_office_reply_to_a_subject_hiding_a_line_break_keeps_it_in_the_subject(
    database, world: World, relay_settings, recording_relay, smtp_gateway, keys, now
) -> None:
    with database.transaction() as session:
        set_out_of_office(
            session, world.bob.id, enabled=True, message="Hiking.",
            starts_local=(now - timedelta(days=1)).replace(tzinfo=None),
            ends_local=datetime(2026, 11, 30, 9, 0), now=now,
        )  # fmt: skip
        alice, bob = session.get_one(User, world.alice.id), session.get_one(User, world.bob.id)
        room = create_room(
            session, "Alice and Bob", owner=alice, members=[bob], kind=RoomKind.DIRECT, now=now
        )
        membership = find_membership(session, room.id, alice.id)
        assert membership is not None
        address = reply_address(membership, keys, relay_settings.mail_domain)
    # The subject as a mail client encodes it: one decoding gives the payload's own text.
    subject = "=?utf-8?q?" + "".join(f"={byte:02X}" for byte in PAYLOAD.encode()) + "?="
    raw = reply_email("Alice Archer <alice@example.com>", address, "Ship?", subject="Ship?")
    raw = raw.replace(b"Subject: Ship?\n", f"Subject: {subject}\n".encode())
    assert subject.encode() in raw
    transcript = smtp_gateway.deliver(raw, mail_from="alice@example.com", rcpt_to=[address])
    assert transcript.final[0] == 250, transcript
    deliver(database, relay_settings, keys, now)

    (auto_reply,) = [r for r in emails_to(recording_relay, "alice@example.com")
                     if b"Auto-Submitted: auto-replied" in r]  # fmt: skip
    email = assert_no_injected_header(auto_reply)
    assert email["Subject"] == f"Auto: {PAYLOAD}"


def test_a_title_given_through_the_api_reads_in_the_email_exactly_as_typed(
    database, world: World, settings: Settings, relay_settings, recording_relay, keys, now
) -> None:
    # Harmless once decoded, so the API takes it; the email must show it undecoded.
    title = "Plans =?utf-8?q?for_Q3?="
    with database.transaction() as session:
        _key, secret = create_api_key(session, "marketplace", now=now)
    client = create_app(settings, database, clock=lambda: now).test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    body = {"title": title, "owner_id": world.alice.id, "members": [{"user_id": world.bob.id}]}
    created = client.post("/api/v1/rooms", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    room_id = created.get_json()["id"]
    message = {"author_id": world.alice.id, "body": "Kick-off on Monday"}
    assert (
        client.post(f"/api/v1/rooms/{room_id}/messages", json=message, headers=headers).status_code
        == 201
    )
    deliver(database, relay_settings, keys, now)

    (raw,) = emails_to(recording_relay, world.bob.email)
    email = assert_no_injected_header(raw)
    assert email["Subject"] == f"[Gateway] {title}"
    assert str(email["List-Id"]) == f"{title} <room-{room_id}.{settings.mail_domain}>"
