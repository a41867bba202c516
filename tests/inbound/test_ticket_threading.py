"""Ticket threading, strongest evidence first (EMAIL-RULES 1.7 and section 6), as one table:
each row is (recipient, headers, subject, sender) -> the ticket the email lands in, or a new
ticket. Two tickets exist: T-1 from Pat (her own first Message-ID <m1@customer.example>,
our acknowledgement {ack1}) and T-2 from Sam; an agent takes part in both."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import func, select

from gateway.core.users import add_user
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import Message, Origin

from recording_relay import RecordingRelay
from ticket_desk import AGENT, SUPPORT, Desk, desk_settings

PAT = "Pat Doe <pat@customer.example>"
SAM = "Sam Roe <sam@other.example>"
CAROL = "Carol Cc <carol@customer.example>"  # Pat's colleague, in Cc of Pat's first email
MALLORY = "Mallory <mallory@elsewhere.example>"
AGENT_FROM = f"Agent Smith <{AGENT}>"
NEW = 0  # the email opens a new ticket

# {token:pat} is Pat's reply address for T-1; {ack1} our acknowledgement of T-1.
ROWS = [
    # 1. our reply token decides, whatever the subject says
    ("{token:pat}", {}, "Re: anything", PAT, 1),
    ("{token:pat}", {}, "Re: [#T-2] wrong tag", PAT, 1),
    # 2. our Message-IDs: In-Reply-To, or only in References
    (SUPPORT, {"In-Reply-To": "{ack1}"}, "Re: Printer is on fire", PAT, 1),
    (SUPPORT, {"References": "<x@y.example> {ack1}"}, "more", PAT, 1),
    (SUPPORT, {"In-Reply-To": "{ack1}"}, "Re: [#T-2] tag loses to the id", PAT, 1),
    # ... and the requester's own Message-ID: a colleague's reply-all threads
    (SUPPORT, {"In-Reply-To": "<m1@customer.example>"}, "Re: Printer", CAROL, 1),
    (SUPPORT, {"References": "<x@y.example> <m1@customer.example>"}, "Re: Printer", PAT, 1),
    # ... but not from somebody it was never addressed to, who merely learnt the id
    (SUPPORT, {"References": "<m1@customer.example>"}, "Re: Printer", MALLORY, NEW),
    # 3. the subject tag, from the requester or a participant only
    (SUPPORT, {}, "Re: [#T-1] Printer is on fire", PAT, 1),
    (SUPPORT, {}, "AW: WG: [#T-1] Drucker", PAT, 1),
    (SUPPORT, {}, "回复: [#T-1] 打印机", PAT, 1),
    (SUPPORT, {}, "RE[2]: [#t-1] lowercase tag", PAT, 1),
    (SUPPORT, {}, "[#T-1] from the agent", AGENT_FROM, 1),
    (SUPPORT, {}, "[#T-2] Sam's own", SAM, 2),
    # ... never from anybody else: they open a new ticket
    (SUPPORT, {}, "[#T-1] let me read it", MALLORY, NEW),
    (SUPPORT, {}, "Re: [#T-1] not yours", SAM, NEW),
    (SUPPORT, {}, "[#T-99] no such ticket", PAT, NEW),
    # nothing to thread by
    (SUPPORT, {"In-Reply-To": "<unknown@customer.example>"}, "Re: Printer", PAT, NEW),
    (SUPPORT, {}, "Printer is on fire", PAT, NEW),
]


@dataclass
class Threads:
    desk: Desk
    ack1: str


@pytest.fixture
def threads(
    database: Database, settings: Settings, recording_relay: RecordingRelay, now: datetime
) -> Iterator[Threads]:
    with database.transaction() as session:
        add_user(session, AGENT, name="Agent Smith", now=now)
    desk = Desk(database, desk_settings(settings, recording_relay), recording_relay, now)
    with desk.smtp:
        desk.send(
            PAT, "Printer is on fire", "It smokes.", message_id="<m1@customer.example>",
            headers={"Cc": "carol@customer.example"},
        )  # fmt: skip
        desk.send(SAM, "Cannot log in", "Locked out.")
        acks = {a["To"].addresses[0].addr_spec: a["Message-ID"] for a in desk.run_jobs()}
        yield Threads(desk, acks["pat@customer.example"])


def _count(desk: Desk, room_id: int) -> int:
    with desk.database.read_session() as session:
        query = select(func.count(Message.id)).where(
            Message.room_id == room_id, Message.origin == Origin.EMAIL
        )
        return session.scalar(query) or 0


@pytest.mark.parametrize(("recipient", "headers", "subject", "sender", "expected"), ROWS)
def test_an_email_threads_by_the_strongest_evidence(
    threads: Threads,
    recipient: str,
    headers: dict[str, str],
    subject: str,
    sender: str,
    expected: int,
) -> None:
    desk = threads.desk
    if recipient == "{token:pat}":
        recipient = desk.reply_address(1, "pat@customer.example")
    filled = {name: value.replace("{ack1}", threads.ack1) for name, value in headers.items()}
    before = {number: _count(desk, desk.ticket(number).room_id) for number in (1, 2)}

    transcript = desk.send(sender, subject, "The words.", to=recipient, headers=filled)

    assert transcript.final[0] == 250, transcript
    after = {number: _count(desk, desk.ticket(number).room_id) for number in (1, 2)}
    if expected == NEW:
        assert desk.tickets() == [1, 2, 3]
        assert after == before
        assert desk.messages(3, Origin.EMAIL) == ["The words."]
    else:
        assert desk.tickets() == [1, 2]
        assert after[expected] == before[expected] + 1
        assert desk.messages(expected, Origin.EMAIL)[-1] == "The words."


def test_a_colleague_who_replied_all_is_a_participant_afterwards(threads: Threads) -> None:
    desk = threads.desk
    desk.send(CAROL, "Re: Printer", "Same here.", headers={"In-Reply-To": "<m1@customer.example>"})
    desk.send(CAROL, "Re: [#T-1] Printer", "And the scanner.")
    assert desk.tickets() == [1, 2]
    assert desk.messages(1, Origin.EMAIL)[-2:] == ["Same here.", "And the scanner."]
