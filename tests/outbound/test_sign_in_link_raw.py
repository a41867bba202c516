"""The sign-in email's link in the raw bytes the relay (or the Maildir) gets: whole, on a line
of its own, so a person who opens the raw file (a plain-text mail tool, `less` on a Maildir
file) can copy it and sign in with it."""

from __future__ import annotations

import dataclasses
import email
import re
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from typing import Literal

import pytest

from gateway.outbound.delivery import deliver_due
from gateway.settings import RelaySettings, Settings
from gateway.store.database import Database
from gateway.web.app import create_app

from recording_relay import RecordingRelay
from support import World
from web_support import csrf_token

# A long site address, and a `next` with "=", "&" and "%": what quoted-printable would break
# (at 76 characters) and write as "=3D".
BASE_URL = "http://messages.gateway-for-large-teams.example.com"
NEXT = "/rooms/7?tab=files&sort=newest"
RAW_LINK_LINE = re.compile(rb"^" + re.escape(BASE_URL.encode()) + rb"/sign-in/link/\S+$", re.M)


def _raw_sign_in_email(
    settings: Settings, database: Database, now: datetime, recording_relay: RecordingRelay, via: str
) -> bytes:
    """Ask for a link on the sign-in page as bob, deliver, and return the raw email."""
    if via == "relay":
        relay = RelaySettings(host=recording_relay.host, port=recording_relay.port)
        settings = dataclasses.replace(settings, relay=relay)
    client = create_app(settings, database, clock=lambda: now).test_client()
    form = {"email": "bob@example.org", "next": NEXT, "csrf_token": csrf_token(client, "/sign-in")}
    assert client.post("/sign-in/link", data=form).status_code == 200
    report = deliver_due(database, settings, now=now)
    assert report.sent == 1
    if via == "relay":
        (received,) = recording_relay.received
        return received.raw
    (path,) = (settings.maildir / "new").iterdir()
    return path.read_bytes()


def _plain_text(raw: bytes) -> str:
    parsed = email.message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    part = parsed.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


@pytest.mark.parametrize("via", ["relay", "maildir"])
def test_sign_in_link_is_whole_on_one_line_of_the_raw_email_and_signs_in(
    settings: Settings,
    database: Database,
    world: World,
    now: datetime,
    recording_relay: RecordingRelay,
    via: Literal["relay", "maildir"],
) -> None:
    settings = dataclasses.replace(settings, base_url=BASE_URL)

    raw = _raw_sign_in_email(settings, database, now, recording_relay, via)

    # One line of the raw bytes is the link, exactly as a mail client shows it: no soft line
    # break ("=" at a line's end) and no "=3D" for the "=" of the query.
    (line,) = RAW_LINK_LINE.findall(raw.replace(b"\r\n", b"\n"))
    link = line.decode("ascii")
    assert len(link) > 76  # longer than a quoted-printable line may be
    assert link in _plain_text(raw).splitlines()
    assert "=3D" not in link and not link.endswith("=")
    # Copied from the raw file, it signs bob in and leads back to where he was going.
    client = create_app(settings, database, clock=lambda: now).test_client()
    path = link.removeprefix(BASE_URL)
    assert "Sign in as bob@example.org" in client.get(path).get_data(as_text=True)
    redeemed = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert redeemed.status_code == 302
    assert redeemed.headers["Location"] == NEXT


def test_link_line_stays_whole_however_long_the_site_address(
    settings: Settings,
    database: Database,
    world: World,
    now: datetime,
    recording_relay: RecordingRelay,
) -> None:
    long_base = "http://" + "a" * 200 + ".example.com"
    settings = dataclasses.replace(settings, base_url=long_base)

    raw = _raw_sign_in_email(settings, database, now, recording_relay, "maildir")

    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    (link,) = [line for line in lines if line.startswith(long_base.encode() + b"/sign-in/link/")]
    assert link.decode("ascii") + "\n" in _plain_text(raw)
    assert all(len(line) <= 998 for line in lines)  # RFC 5322 section 2.1.1
