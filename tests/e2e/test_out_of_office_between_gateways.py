"""Two gateways whose users are both out of office, mailing each other, stop within 3 messages.

What it proves, over real sockets and with no part replaced: two gateway instances, each with
its own mail domain, database, SMTP listener on an ephemeral port and outbound worker, joined
by a relay that records every message and hands it to the gateway owning the recipient's
domain. Ann (on one.example.com) and Bea (on two.example.net) are both out of office, each in
a direct conversation with the other. One person-written message starts the exchange; both
gateways then run their outbound ticks until the relay is quiet. At most 3 messages cross the
relay, the out-of-office answer is an RFC 3834 auto-reply (`Auto-Submitted: auto-replied`,
null envelope sender), and no auto-reply is ever answered by another one.

How the two gateways reach each other. A gateway accepts mail only at reply addresses (one
per room and member, `gateway.core.reply_addresses`) and its system addresses (postmaster@,
bounces@...), and posts it only when From is the member's own address; every email a gateway
sends comes From `notifications@<its domain>`. So each gateway knows the other side's person
by the address the other gateway writes from: on one.example.com Bea is the contact
`notifications@two.example.net`, on two.example.net Ann is `notifications@one.example.com`.
The relay bridges the two conversations with one virtual alias per gateway: mail for
`notifications@two.example.net` goes to the reply address of Ann's contact in Bea's
conversation, and the other way round. With that wiring every email one gateway sends to the
other side arrives as the contact's words in the other conversation, accepted and from the
right sender: only the automated-mail check (EMAIL-RULES sections 2 and 4) keeps two away
users from answering each other, and that is what the 3-message bound holds to account.

The three messages: the first one (into Ann's conversation), the room email telling Ann of
it (to her own mailbox, which the relay keeps), and Ann's auto-reply to Bea's gateway, which
keeps it as automated mail. With the automated-mail check switched off the bound fails: the
auto-reply is posted on Bea's gateway as Ann's words, Bea is emailed about it, and (unless the
auto-reply's `X-Auto-Response-Suppress: All` is honoured) Bea's gateway answers it in turn.

Gateway 1 uses the test database (SQLite, or PostgreSQL when GATEWAY_TEST_DATABASE_URL is
set); gateway 2 always uses a SQLite file of its own, so the suite needs one PostgreSQL
database only. What is under test is the mail between them, not the database engine.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.core.preferences import set_out_of_office
from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.rooms import create_room, find_membership
from gateway.core.users import add_user
from gateway.outbound.composition import NOTIFICATIONS_LOCAL_PART
from gateway.outbound.worker import run_outbound_once
from gateway.settings import RelaySettings, Settings
from gateway.store.database import Database
from gateway.store.migrate import upgrade
from gateway.store.models import (
    AutoResponse,
    InboundEmail,
    InboundOutcome,
    Message,
    Origin,
    OutboxEmail,
    OutboxState,
    RoomKind,
)

from recording_relay import ReceivedEnvelope
from routing_relay import RoutingRelay
from smtp_gateway import SMTPGateway
from support import reply_email

pytestmark = pytest.mark.e2e

ONE, TWO = "one.example.com", "two.example.net"
MAILBOXES = "example.org"  # where Ann's and Bea's own mailboxes live: the relay keeps that mail
MAX_MESSAGES = 3  # the bound the issue sets for two away users mailing each other
# A loop would be caught, not waited on: ticks stop here, far beyond the 3 messages.
MAX_ROUNDS = 40
QUIET_ROUNDS = 2  # rounds in a row in which nothing was queued, sent or left owed
TICK = timedelta(minutes=1)
AUTO_REPLIED = "auto-replied"


class Clock:
    """The time both gateways see; moved on by the test, never slept on."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self) -> None:
        self.now += TICK


@dataclass(frozen=True)
class Gateway:
    """One gateway instance: its database and settings (its outbound goes to the relay)."""

    database: Database
    settings: Settings
    keys: ReplyKeys

    @property
    def sending_address(self) -> str:
        """The From address of every email this gateway sends."""
        return f"{NOTIFICATIONS_LOCAL_PART}@{self.settings.mail_domain}"

    def tick(self, now: datetime) -> int:
        """One outbound pass, as `gateway worker` runs it; how many emails it moved."""
        queued, report = run_outbound_once(self.database, self.settings, self.keys, now=now)
        return queued + report.sent + report.retried + report.failed

    def owed(self) -> int:
        """Emails still waiting in the outbox (a retry not yet due, say)."""
        query = select(func.count()).select_from(OutboxEmail).filter_by(state=OutboxState.QUEUED)
        with self.database.read_session() as session:
            return session.scalar(query) or 0


@dataclass(frozen=True)
class Conversation:
    """An away user's direct room with their contact from the other gateway."""

    room_id: int
    away_id: int
    contact_id: int
    contact_reply_address: str  # where mail from the contact's address is posted as theirs


@pytest.fixture
def peer_database(tmp_path: Path) -> Iterator[Database]:
    """Gateway 2's own database: a migrated SQLite file, whatever gateway 1 runs on."""
    database = Database(f"sqlite:///{tmp_path / 'two.db'}")
    upgrade(database)
    yield database
    database.dispose()


def make_gateway(domain: str, database: Database, relay: RoutingRelay, data_dir: Path) -> Gateway:
    settings = Settings(
        data_dir=data_dir / domain,
        database_url=database.url.render_as_string(hide_password=False),
        secret_key=f"{domain}-secret-key-0123456789abcdefghijklmnop",
        mail_domain=domain,
        base_url=f"http://{domain}",
        relay=RelaySettings(host=relay.host, port=relay.port),
        notify_grace_seconds=0,
    )
    keys = ReplyKeys.from_secrets(settings.secret_key, settings.previous_secret_key)
    return Gateway(database, settings, keys)


def seat_away_user(
    gateway: Gateway, name: str, contact_name: str, contact_address: str, now: datetime
) -> Conversation:
    """`name` (mailbox at MAILBOXES) away for the week, in a direct room with the contact."""
    with gateway.database.transaction() as session:
        away = add_user(session, f"{name.split()[0].lower()}@{MAILBOXES}", name=name, now=now)
        contact = add_user(session, contact_address, name=contact_name, now=now)
        room = create_room(
            session, f"{name} and {contact_name}", owner=away, members=[contact],
            kind=RoomKind.DIRECT, now=now,
        )  # fmt: skip
        set_out_of_office(
            session,
            away.id,
            enabled=True,
            message=f"{name} is away this week.",
            starts_local=(now - timedelta(days=1)).replace(tzinfo=None),
            ends_local=(now + timedelta(days=7)).replace(tzinfo=None),
            now=now,
        )
        membership = find_membership(session, room.id, contact.id)
        assert membership is not None
        address = reply_address(membership, gateway.keys, gateway.settings.mail_domain)
        return Conversation(room.id, away.id, contact.id, address)


def send_first_message(relay: RoutingRelay, sender: str, to: str) -> None:
    """Bea's words to Ann, person-written, from the address gateway 1 knows her by."""
    raw = reply_email(
        f"Bea Two <{sender}>", to, "Are you around next week to sign off the budget?",
        subject="Budget sign-off", message_id=f"<first-message@{TWO}>",
    )  # fmt: skip
    with smtplib.SMTP(relay.host, relay.port, timeout=30) as client:
        assert client.sendmail(sender, [to], raw) == {}


def run_until_quiet(relay: RoutingRelay, gateways: Sequence[Gateway], clock: Clock) -> bool:
    """Both gateways' outbound ticks, a minute apart, until QUIET_ROUNDS rounds move no mail
    and leave none owed (True), or MAX_ROUNDS pass (False: mail is still flowing)."""
    quiet = 0
    for _ in range(MAX_ROUNDS):
        before = len(relay.received)
        moved = sum(gateway.tick(clock.now) for gateway in gateways)
        clock.advance()
        still_owed = sum(gateway.owed() for gateway in gateways)
        quiet = quiet + 1 if not moved and not still_owed and len(relay.received) == before else 0
        if quiet == QUIET_ROUNDS:
            return True
    return False


def parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def is_auto_reply(message: EmailMessage) -> bool:
    return str(message.get("Auto-Submitted", "")).strip().lower().startswith(AUTO_REPLIED)


def describe(received: Sequence[ReceivedEnvelope]) -> str:
    """One line per message crossing the relay, for failure messages."""
    lines = []
    for envelope in received:
        message = parse(envelope.raw)
        lines.append(
            f"<{envelope.mail_from}> -> {', '.join(envelope.rcpt_tos)}: "
            f"{message['Subject']!s} [Auto-Submitted: {message.get('Auto-Submitted', '-')}]"
        )
    return "\n".join(lines)


def answered_ids(message: EmailMessage) -> set[str]:
    """The Message-IDs an email answers (In-Reply-To and References)."""
    return set(str(message.get("In-Reply-To", "")).split()) | set(
        str(message.get("References", "")).split()
    )


def inbound_outcomes(gateway: Gateway) -> list[tuple[InboundOutcome, str]]:
    with gateway.database.read_session() as session:
        rows = session.execute(
            select(InboundEmail.outcome, InboundEmail.reason).order_by(InboundEmail.id)
        )
        return [(row.outcome, row.reason) for row in rows]


def count_rows(gateway: Gateway, model: type[AutoResponse] | type[Message], **where: object) -> int:
    query = select(func.count()).select_from(model).filter_by(**where)
    with gateway.database.read_session() as session:
        return session.scalar(query) or 0


def assert_marked_and_unanswered(
    auto_replies: Sequence[tuple[ReceivedEnvelope, EmailMessage]], sent: str
) -> None:
    """Every auto-reply is marked as one, and none answers another."""
    answered = {mid for _, message in auto_replies for mid in answered_ids(message)}
    for envelope, message in auto_replies:
        # RFC 3834 section 5: "auto-replied" marks a response to a message; section 3.3: the
        # null return path, so no response or bounce ever goes back to a responder.
        assert str(message["Auto-Submitted"]).strip() == AUTO_REPLIED
        assert envelope.mail_from == ""
        # RFC 3834 section 2: a message with Auto-Submitted other than "no" is not answered.
        assert str(message["Message-ID"]).strip() not in answered, sent


def test_two_away_users_on_two_gateways_stop_within_three_messages(
    database: Database, peer_database: Database, tmp_path: Path, now: datetime
) -> None:
    clock = Clock(now)
    with RoutingRelay() as relay:
        one = make_gateway(ONE, database, relay, tmp_path)
        two = make_gateway(TWO, peer_database, relay, tmp_path)
        ann = seat_away_user(one, "Ann One", "Bea Two", two.sending_address, clock.now)
        bea = seat_away_user(two, "Bea Two", "Ann One", one.sending_address, clock.now)
        # The bridge: mail for one side's sending address is the contact's words on the other.
        relay.alias(two.sending_address, bea.contact_reply_address)
        relay.alias(one.sending_address, ann.contact_reply_address)
        with (
            SMTPGateway(one.database, one.settings, clock) as smtp_one,
            SMTPGateway(two.database, two.settings, clock) as smtp_two,
        ):
            relay.route(ONE, "127.0.0.1", smtp_one.port)
            relay.route(TWO, "127.0.0.1", smtp_two.port)
            send_first_message(relay, two.sending_address, ann.contact_reply_address)
            settled = run_until_quiet(relay, [one, two], clock)
        received, handovers = relay.received, relay.handovers

    sent = describe(received)
    assert len(received) <= MAX_MESSAGES, f"{len(received)} messages crossed the relay:\n{sent}"
    assert settled, f"mail still flowing after {MAX_ROUNDS} rounds:\n{sent}"
    auto_replies = [(e, m) for e in received if is_auto_reply(m := parse(e.raw))]
    assert_marked_and_unanswered(auto_replies, sent)
    # The first message was posted and Ann's gateway answered it: the responder really ran.
    assert inbound_outcomes(one)[0][0] is InboundOutcome.POSTED
    assert count_rows(one, AutoResponse, user_id=ann.away_id, sender_id=ann.contact_id) == 1
    assert len(auto_replies) == 1, sent
    [(auto_reply, _)] = auto_replies
    # It reached Bea's gateway and was accepted there (not refused at the door, which would
    # prove nothing): kept as automated mail, neither posted in her conversation nor answered.
    assert [h.reply[:3] for h in handovers if h.recipient in auto_reply.rcpt_tos] == ["250"]
    assert [outcome for outcome, _ in inbound_outcomes(two)] == [InboundOutcome.AUTOMATED]
    assert count_rows(two, Message, room_id=bea.room_id, origin=Origin.EMAIL) == 0
    assert count_rows(two, AutoResponse) == 0
