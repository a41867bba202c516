"""Reading what the recording relay received, and answering it as a mail client would."""

from __future__ import annotations

import dataclasses
from email import message_from_bytes, policy
from email.message import EmailMessage

from gateway.settings import RelaySettings, Settings

from recording_relay import RecordingRelay


def parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def mail_to(relay: RecordingRelay, address: str) -> list[EmailMessage]:
    """Every email the relay received for `address`, oldest first."""
    return [parse(e.raw) for e in relay.received if address in e.rcpt_tos]


def relayed(settings: Settings, relay: RecordingRelay) -> Settings:
    """`settings` with the recording relay as the outbound relay."""
    return dataclasses.replace(settings, relay=RelaySettings(host=relay.host, port=relay.port))


def ids(header: str | None) -> list[str]:
    return (header or "").split()


def answering(notification: EmailMessage, sender: str) -> EmailMessage:
    """The headers a mail client writes when `sender` presses Reply (the body is the
    caller's): to the Reply-To, "Re:" the Subject, threaded on the notification."""
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = str(notification["Reply-To"]).strip()
    reply["Subject"] = "Re: " + str(notification["Subject"])
    message_id = str(notification["Message-ID"]).strip()
    reply["In-Reply-To"] = message_id
    reply["References"] = " ".join([*ids(notification["References"]), message_id])
    return reply


def plain_text(email: EmailMessage) -> str:
    body = email.get_body(("plain",))
    assert body is not None
    return body.get_content()
