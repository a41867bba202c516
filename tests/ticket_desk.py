"""A support desk for tests: the real SMTP listener with support addresses configured, the
ticket job, and delivery to a recording relay, on a clock the test moves."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import find_membership
from gateway.core.users import find_user_by_email
from gateway.outbound.delivery import deliver_due
from gateway.outbound.ticket_mail import run_ticket_jobs
from gateway.settings import RelaySettings, Settings
from gateway.store.database import Database
from gateway.store.models import Message, Origin, Ticket
from gateway.support_settings import SupportSettings

from recording_relay import RecordingRelay
from smtp_gateway import SMTPGateway, Transcript
from support import reply_email

SUPPORT = "support@example.com"
BILLING = "billing@example.com"
AGENT = "agent@example.com"


class Desk:
    """Mail in through SMTP, ticket mail out through the relay, time moved by the test."""

    def __init__(
        self, database: Database, settings: Settings, relay: RecordingRelay, now: datetime
    ) -> None:
        self.database = database
        self.settings = settings
        self.relay = relay
        self.now = now
        self.keys = ReplyKeys.from_secrets(settings.secret_key, settings.previous_secret_key)
        self.smtp = SMTPGateway(database, settings, clock=lambda: self.now)
        self._seen = 0

    def later(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def send(
        self,
        sender: str,
        subject: str,
        body: str = "Please help.",
        *,
        to: str = SUPPORT,
        message_id: str | None = None,
        headers: dict[str, str] | None = None,
        mail_from: str | None = None,
    ) -> Transcript:
        raw = reply_email(sender, to, body, subject=subject, message_id=message_id, headers=headers)
        address = sender.rpartition("<")[2].rstrip(">")
        return self.smtp.deliver(
            raw, mail_from=address if mail_from is None else mail_from, rcpt_to=[to]
        )

    def run_jobs(self) -> list[EmailMessage]:
        """The ticket job then delivery; the emails the relay got since the last run."""
        run_ticket_jobs(self.database, self.settings, self.keys, now=self.now)
        deliver_due(self.database, self.settings, now=self.now, keys=self.keys)
        received = self.relay.received[self._seen :]
        self._seen += len(received)
        return [_parse(envelope.raw) for envelope in received]

    def envelopes(self) -> list[tuple[str, tuple[str, ...]]]:
        return [(e.mail_from, e.rcpt_tos) for e in self.relay.received]

    def ticket(self, number: int) -> Ticket:
        with self.database.read_session() as session:
            found = session.scalar(select(Ticket).where(Ticket.number == number))
            assert found is not None, f"no ticket T-{number}"
            return found

    def tickets(self) -> list[int]:
        with self.database.read_session() as session:
            return list(session.scalars(select(Ticket.number).order_by(Ticket.number)))

    def messages(self, number: int, origin: Origin | None = None) -> list[str]:
        room_id = self.ticket(number).room_id
        query = select(Message.body_source).where(Message.room_id == room_id)
        if origin is not None:
            query = query.where(Message.origin == origin)
        with self.database.read_session() as session:
            return list(session.scalars(query.order_by(Message.id)))

    def reply_address(self, number: int, address: str) -> str:
        room_id = self.ticket(number).room_id
        with self.database.read_session() as session:
            user = find_user_by_email(session, address)
            assert user is not None
            membership = find_membership(session, room_id, user.id)
            assert membership is not None
            return reply_address(membership, self.keys, self.settings.mail_domain)


def _parse(raw: bytes) -> EmailMessage:
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def desk_settings(settings: Settings, relay: RecordingRelay, **support: object) -> Settings:
    values: dict[str, object] = {
        "addresses": (SUPPORT, BILLING),
        "queues": ((BILLING, "billing"),),
        "agents": (AGENT,),
    }
    values.update(support)
    return dataclasses.replace(
        settings,
        support=SupportSettings(**values),  # type: ignore[arg-type]
        relay=RelaySettings(host=relay.host, port=relay.port),
    )


@pytest.fixture(name="desk")
def desk_fixture(
    database: Database, settings: Settings, recording_relay: RecordingRelay, now: datetime
) -> Iterator[Desk]:
    desk = Desk(database, desk_settings(settings, recording_relay), recording_relay, now)
    with desk.smtp:
        yield desk
