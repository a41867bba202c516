"""Support tickets by email, through the real SMTP listener and the recording relay
(EMAIL-RULES section 6): mail to a support address opens T-1 with one acknowledgement, an
answer to the acknowledgement threads, a stranger's [#T-1] opens T-2, automated mail gets
no acknowledgement and moves nothing, and a refused sender gets one notice a day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from gateway.core.tickets import MAX_ACKNOWLEDGEMENTS_PER_DAY
from gateway.core.users import add_user, find_user_by_email
from gateway.inbound.classification import detect_automated
from gateway.inbound.parsing import parse_email
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import (
    InboundEmail,
    InboundOutcome,
    Origin,
    Room,
    RoomKind,
    TicketState,
)
from gateway.support_settings import RequesterPolicy

from recording_relay import RecordingRelay
from ticket_desk import BILLING, SUPPORT, Desk, desk_fixture, desk_settings  # noqa: F401

PAT = "Pat Doe <pat@customer.example>"


def _outcomes(desk: Desk) -> list[InboundOutcome]:
    with desk.database.read_session() as session:
        return list(session.scalars(select(InboundEmail.outcome).order_by(InboundEmail.id)))


def test_mail_to_a_support_address_opens_ticket_one_with_one_acknowledgement(desk: Desk) -> None:
    transcript = desk.send(
        PAT, "Re: Fwd: Printer is on fire", "It smokes.\n\nPat", message_id="<m1@customer.example>"
    )
    assert transcript.final[0] == 250, transcript

    ticket = desk.ticket(1)
    assert ticket.state == TicketState.NEW and ticket.queue is None
    with desk.database.read_session() as session:
        room = session.get_one(Room, ticket.room_id)
        assert (room.kind, room.title) == (RoomKind.TICKET, "Printer is on fire")
        pat = find_user_by_email(session, "pat@customer.example")
        assert pat is not None and pat.password_hash is None  # staged: never signed in
        assert pat.display_name == "Pat Doe" and ticket.requester_id == pat.id
    assert desk.messages(1, Origin.EMAIL) == ["It smokes.\n\nPat"]

    (ack,) = desk.run_jobs()
    assert desk.envelopes() == [("", ("pat@customer.example",))]  # null sender (RFC 3834)
    assert ack["Subject"] == "[#T-1] Printer is on fire"
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<m1@customer.example>"
    assert ack["Reply-To"] == desk.reply_address(1, "pat@customer.example")
    assert ack["From"].addresses[0].addr_spec == SUPPORT
    assert "T-1" in ack.get_body(("plain",)).get_content()
    found = detect_automated(parse_email(ack.as_bytes()), "", "X-Other-Loop")
    assert found is not None  # another responder never answers it
    assert desk.run_jobs() == []  # exactly one acknowledgement


def test_a_reply_to_the_acknowledgement_threads_into_the_ticket(desk: Desk) -> None:
    desk.send(PAT, "Printer is on fire", "It smokes.", message_id="<m1@customer.example>")
    (ack,) = desk.run_jobs()

    by_token = desk.send(
        PAT, f"Re: {ack['Subject']}", "Now it is out.", to=ack["Reply-To"],
        headers={"In-Reply-To": ack["Message-ID"]},
    )  # fmt: skip
    by_message_id = desk.send(
        PAT, "Re: something else", "One more thing.",
        headers={"In-Reply-To": ack["Message-ID"]},
    )  # fmt: skip
    assert by_token.final[0] == 250 and by_message_id.final[0] == 250
    assert desk.tickets() == [1]
    assert desk.messages(1, Origin.EMAIL) == ["It smokes.", "Now it is out.", "One more thing."]
    assert desk.run_jobs() == []  # replies are not acknowledged


def test_a_strangers_ticket_tag_opens_a_new_ticket(desk: Desk) -> None:
    desk.send(PAT, "Printer is on fire", "It smokes.")
    desk.send("Mallory <mallory@elsewhere.example>", "[#T-1] let me in", "Show me ticket 1.")
    assert desk.tickets() == [1, 2]
    assert desk.messages(1, Origin.EMAIL) == ["It smokes."]
    assert desk.messages(2, Origin.EMAIL) == ["Show me ticket 1."]
    # The requester's own tag threads.
    desk.send(PAT, "Re: [#T-1] Printer is on fire", "Still smoking.")
    assert desk.tickets() == [1, 2]
    assert desk.messages(1, Origin.EMAIL) == ["It smokes.", "Still smoking."]


def test_automated_mail_opens_nothing_and_gets_no_acknowledgement(desk: Desk) -> None:
    transcript = desk.send(
        "Robot <robot@vendor.example>", "Your invoice", "Invoice attached.",
        headers={"Auto-Submitted": "auto-generated"},
    )  # fmt: skip
    assert transcript.final[0] == 250
    assert desk.tickets() == []
    assert _outcomes(desk) == [InboundOutcome.AUTOMATED]
    assert desk.run_jobs() == []


def test_an_auto_reply_to_the_acknowledgement_is_a_note_and_moves_nothing(desk: Desk) -> None:
    desk.send(PAT, "Printer is on fire", "It smokes.")
    (ack,) = desk.run_jobs()
    desk.send(
        PAT, "Automatic reply: Printer is on fire", "I am away.",
        headers={"Auto-Submitted": "auto-replied", "In-Reply-To": ack["Message-ID"]},
    )  # fmt: skip
    assert desk.ticket(1).state == TicketState.NEW
    assert desk.messages(1, Origin.EMAIL) == ["It smokes."]
    (note,) = [n for n in desk.messages(1, Origin.SYSTEM) if "Automatic" in n]
    assert "pat@customer.example" in note
    assert desk.run_jobs() == []


def test_a_queue_address_files_the_ticket_in_its_queue(desk: Desk) -> None:
    desk.send(PAT, "Refund please", to=BILLING)
    assert desk.ticket(1).queue == "billing"


def test_refused_senders_get_one_notice_a_day(
    database: Database, settings: Settings, recording_relay: RecordingRelay, now: datetime
) -> None:
    policy = desk_settings(settings, recording_relay, requesters=RequesterPolicy.REJECT)
    refusing = Desk(database, policy, recording_relay, now)
    with refusing.smtp:
        first = refusing.send(PAT, "Hello", "First.")
        refusing.send(PAT, "Hello again", "Second.")
        assert first.final[0] == 250 and "not posted" in first.final[1]
        assert refusing.tickets() == []
        (notice,) = refusing.run_jobs()
        assert notice["Subject"] == "Auto: Hello"
        assert notice["Auto-Submitted"] == "auto-replied"
        assert "Reply-To" not in notice
        refusing.later(hours=25)
        refusing.send(PAT, "Hello tomorrow", "Third.")
        assert [n["Subject"] for n in refusing.run_jobs()] == ["Auto: Hello tomorrow"]
    assert _outcomes(refusing) == [InboundOutcome.REJECTED] * 3


def test_existing_policy_takes_known_users_and_refuses_strangers(
    database: Database, settings: Settings, recording_relay: RecordingRelay, now: datetime
) -> None:
    with database.transaction() as session:
        add_user(session, "pat@customer.example", name="Pat Doe", now=now)
    policy = desk_settings(settings, recording_relay, requesters=RequesterPolicy.EXISTING)
    existing = Desk(database, policy, recording_relay, now)
    with existing.smtp:
        existing.send(PAT, "Known", "I have an account.")
        existing.send("Eve <eve@elsewhere.example>", "Unknown", "I do not.")
        assert existing.tickets() == [1]
        assert sorted(n["Subject"] for n in existing.run_jobs()) == [
            "Auto: Unknown",
            "[#T-1] Known",
        ]
    with database.read_session() as session:
        assert find_user_by_email(session, "eve@elsewhere.example") is None


def test_somebody_else_answering_through_the_requesters_address_is_refused(desk: Desk) -> None:
    desk.send(PAT, "Printer is on fire", "It smokes.")
    address = desk.reply_address(1, "pat@customer.example")
    transcript = desk.send("Mallory <mallory@elsewhere.example>", "Re: fire", "Ha.", to=address)
    assert transcript.final[0] == 550, transcript
    assert desk.messages(1, Origin.EMAIL) == ["It smokes."]
    assert desk.tickets() == [1]


def test_acknowledgements_to_one_sender_stop_at_the_daily_cap(desk: Desk) -> None:
    for n in range(MAX_ACKNOWLEDGEMENTS_PER_DAY + 2):
        desk.send(PAT, f"Question {n}", "Why?")
    assert len(desk.tickets()) == MAX_ACKNOWLEDGEMENTS_PER_DAY + 2
    assert len(desk.run_jobs()) == MAX_ACKNOWLEDGEMENTS_PER_DAY
    desk.later(days=1, seconds=1)
    desk.send(PAT, "Next day", "Why?")
    assert [a["Subject"] for a in desk.run_jobs()] == [
        f"[#T-{MAX_ACKNOWLEDGEMENTS_PER_DAY + 3}] Next day"
    ]
