"""Hostile and unlucky mail over a real SMTP socket: read once, never off the event loop's
back, kept when it cannot be read, and a reused Message-ID is not a retry."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from test_smtp import bob_address, inbound_records, room_messages

import gateway.inbound.preparation as preparation
from gateway.core.bounce_addresses import PREFIX
from gateway.core.reply_addresses import ReplyKeys
from gateway.inbound.preparation import Envelope, IntakeConfig
from gateway.inbound.reading_pool import BIG_MESSAGE_BYTES
from gateway.store.models import InboundOutcome

from cli_support import Cli
from smtp_gateway import SMTPGateway, Transcript
from support import MAIL_DOMAIN, SECRET_KEY, reply_email

REPLY = "Friday works for me."


def before_parsing(monkeypatch: pytest.MonkeyPatch, step: Callable[[bytes], None]) -> None:
    """Run `step` on each message intake parses, just before the real parser does."""
    real = preparation.parse_email

    def parse(raw: bytes):  # type: ignore[no-untyped-def]
        step(raw)
        return real(raw)

    monkeypatch.setattr(preparation, "parse_email", parse)


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the messages intake parses, in order (the real parser still runs)."""
    reads: list[int] = []
    before_parsing(monkeypatch, lambda raw: reads.append(len(raw)))
    return reads


def fail_reading(monkeypatch: pytest.MonkeyPatch, marker: bytes) -> None:
    """Make reading fail for messages holding `marker`, as a parser bug would."""

    def fail(raw: bytes) -> None:
        if marker in raw:
            raise ValueError("unexpected end of part")

    before_parsing(monkeypatch, fail)


def deliver_reply(smtp_gateway: SMTPGateway, address: str, rcpt_to: list[str]) -> Transcript:
    return smtp_gateway.deliver(
        reply_email("bob@example.org", address, REPLY), mail_from="bob@example.org", rcpt_to=rcpt_to
    )


def test_a_recipient_named_fifty_times_is_accepted_once_and_the_mail_read_once(
    smtp_gateway: SMTPGateway, database, world, keys, monkeypatch
) -> None:
    reads = count_reads(monkeypatch)
    address = bob_address(database, world, keys)
    transcript = deliver_reply(smtp_gateway, address, [address] * 50)
    assert [code for code, _ in transcript.rcpts] == [250] * 50
    assert transcript.final[0] == 250
    assert len(reads) == 1
    assert len(inbound_records(database)) == 1
    assert [m.body_source for m in room_messages(database, world)] == [REPLY]


def test_a_mail_to_several_of_our_addresses_is_read_once(
    smtp_gateway: SMTPGateway, database, world, keys, monkeypatch
) -> None:
    reads = count_reads(monkeypatch)
    address = bob_address(database, world, keys)
    transcript = deliver_reply(
        smtp_gateway, address, [address, f"postmaster@{MAIL_DOMAIN}", f"abuse@{MAIL_DOMAIN}"]
    )
    assert transcript.final[0] == 250
    assert len(reads) == 1
    outcomes = sorted(record.outcome for record in inbound_records(database))
    assert outcomes == sorted([InboundOutcome.POSTED, InboundOutcome.KEPT, InboundOutcome.KEPT])


def test_more_than_fifty_different_recipients_is_a_temporary_refusal(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    # VERP bounce addresses are accepted at RCPT without a database lookup.
    others = [f"{PREFIX}{i:026d}@{MAIL_DOMAIN}" for i in range(50)]
    transcript = deliver_reply(smtp_gateway, address, [address, *others])
    assert [code for code, _ in transcript.rcpts[:50]] == [250] * 50
    assert transcript.rcpts[50][0] == 452 and transcript.rcpts[50][1].startswith("4.5.3")


def test_html_with_an_unclosed_marked_section_is_posted_not_answered_451(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    raw = reply_email(
        "bob@example.org", address, "", html="<p>Friday works for me.</p><![foo[x <b>bold"
    )
    transcript = smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])
    assert transcript.final[0] == 250, transcript.final
    [message] = room_messages(database, world)
    assert message.body_source.startswith("Friday works for me.")


def test_mail_that_cannot_be_read_is_kept_refused_once_and_replayed_after_a_fix(
    smtp_gateway: SMTPGateway, database, world, keys, monkeypatch, gateway_cli: Cli
) -> None:
    address = bob_address(database, world, keys)
    raw = reply_email("bob@example.org", address, "UNREADABLE-PART " + REPLY)
    with monkeypatch.context() as patch:  # a reader with a bug, until the upgrade below
        fail_reading(patch, b"UNREADABLE-PART")
        first = smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])
        again = smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])
        listed = gateway_cli("inbound", "list", "--outcome", "failed")

    [record] = inbound_records(database)
    for transcript in (first, again):
        code, text = transcript.final
        assert code == 550 and text.startswith("5.6.0"), transcript.final
        assert f"reference {record.id}" in text
    assert record.outcome is InboundOutcome.FAILED
    assert "ValueError: unexpected end of part" in record.reason
    assert room_messages(database, world) == []
    assert listed.code == 0 and listed.out.startswith(f"{record.id}\t")
    assert "failed" in listed.out and "unexpected end of part" in listed.out

    retried = gateway_cli("inbound", "retry", str(record.id))
    assert retried.code == 0, retried.err
    assert retried.out.startswith(f"{record.id}: posted")
    [message] = room_messages(database, world)
    assert message.body_source == "UNREADABLE-PART " + REPLY
    [record] = inbound_records(database)
    assert (record.outcome, record.message_id) == (InboundOutcome.POSTED, message.id)
    assert gateway_cli("inbound", "list", "--outcome", "failed").out == ""
    refused = gateway_cli("inbound", "retry", str(record.id))
    assert refused.code == 1 and "only failed or rejected email is retried" in refused.err


def test_a_reused_message_id_with_other_words_is_posted_as_its_own_message(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    mid = "<same-id@mail.example.org>"
    first = reply_email("bob@example.org", address, REPLY, message_id=mid)
    second = reply_email("bob@example.org", address, "And Monday too.", message_id=mid)

    def deliver(raw: bytes) -> Transcript:
        return smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])

    assert deliver(first).final == (250, "2.0.0 OK: posted")
    code, text = deliver(second).final
    assert code == 250 and "Message-ID was used before by another message" in text
    for raw in (first, second):  # retries of either are still stored once
        assert deliver(raw).final[0] == 250
    bodies = [m.body_source for m in room_messages(database, world)]
    assert bodies == [REPLY, "And Monday too."]
    assert len(inbound_records(database)) == 2


def test_a_second_client_is_greeted_while_a_message_is_being_read(
    smtp_gateway: SMTPGateway, database, world, keys, monkeypatch
) -> None:
    address = bob_address(database, world, keys)
    reading, go_on = threading.Event(), threading.Event()

    def busy(raw: bytes) -> None:
        reading.set()
        go_on.wait(timeout=30)  # a parser busy on hostile bytes

    before_parsing(monkeypatch, busy)
    results: list[Transcript] = []
    sender = threading.Thread(
        target=lambda: results.append(deliver_reply(smtp_gateway, address, [address]))
    )
    sender.start()
    try:
        assert reading.wait(timeout=10)
        assert _greeting(smtp_gateway.port).startswith(b"220 ")
    finally:
        go_on.set()
        sender.join(timeout=30)
    assert results and results[0].final[0] == 250


def _greeting(port: int, timeout: float = 10.0) -> bytes:
    """The first line another client gets from the listener (generous bound: not a timing)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as client:
        return client.recv(512)


def test_inbound_show_never_sends_a_strangers_control_characters_to_the_terminal(
    smtp_gateway: SMTPGateway, database, world, keys, gateway_cli: Cli
) -> None:
    address = bob_address(database, world, keys)
    raw = reply_email("bob@example.org", address, "Fine.\x1b]0;owned\x07\x1b[2J by me")
    smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])
    [record] = inbound_records(database)
    shown = gateway_cli("inbound", "show", str(record.id))
    assert shown.code == 0 and "outcome: posted" in shown.out
    assert "\x1b" not in shown.out and "\x07" not in shown.out
    assert "\\x1b]0;owned\\x07\\x1b[2J" in shown.out
    since = gateway_cli("inbound", "list", "--since", "nonsense")
    assert since.code == 2 and "is not a time" in since.err


def test_html_past_its_work_budget_is_posted_as_stripped_text_and_the_record_says_so(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    html = "<p>Friday works for me.</p>" + "<div>" * 400 + "deep" + "</div>" * 400
    raw = reply_email("bob@example.org", address, "", html=html)
    transcript = smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])
    assert transcript.final == (250, "2.0.0 OK: posted")
    [message] = room_messages(database, world)
    assert message.body_source.startswith("Friday works for me.")
    [record] = inbound_records(database)
    assert record.outcome is InboundOutcome.POSTED
    assert record.reason == "HTML read as plain text: nested deeper than 256 elements"


def big_html_reply(address: str, words: str, number: int) -> bytes:
    """An HTML-only reply over BIG_MESSAGE_BYTES: a short answer above a long quote."""
    quote = "<blockquote>" + "<p>An earlier line, quoted back.</p>" * 5000 + "</blockquote>"
    assert len(quote) > BIG_MESSAGE_BYTES
    return reply_email(
        "bob@example.org",
        address,
        "",
        html=f"<p>{words}</p>{quote}",
        message_id=f"<big-{number}@mail.example.org>",
    )


def test_a_big_message_is_read_in_a_child_process_and_posted(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    raw = big_html_reply(address, REPLY, 1)
    transcript = smtp_gateway.deliver(raw, mail_from="bob@example.org", rcpt_to=[address])
    assert transcript.final == (250, "2.0.0 OK: posted")
    [message] = room_messages(database, world)
    assert message.body_source == REPLY


def test_a_reader_process_that_dies_leaves_its_message_failed_and_the_next_one_is_read(
    smtp_gateway: SMTPGateway, database, world, keys
) -> None:
    address = bob_address(database, world, keys)
    results: list[Transcript] = []
    earlier = {child.pid for child in multiprocessing.active_children()}
    sender = threading.Thread(
        target=lambda: results.append(
            smtp_gateway.deliver(
                big_html_reply(address, "Lost with its reader.", 1),
                mail_from="bob@example.org",
                rcpt_to=[address],
            )
        )
    )
    sender.start()
    reader = _reader_process(earlier)  # a C library crashing on hostile bytes, say
    os.kill(reader.pid, signal.SIGKILL)
    sender.join(timeout=60)

    code, text = results[0].final
    assert code == 550 and text.startswith("5.6.0"), results[0].final
    [record] = inbound_records(database)
    assert record.outcome is InboundOutcome.FAILED
    assert record.reason == "could not be read: the process reading it died"
    again = smtp_gateway.deliver(
        big_html_reply(address, REPLY, 2), mail_from="bob@example.org", rcpt_to=[address]
    )
    assert again.final == (250, "2.0.0 OK: posted")
    assert [m.body_source for m in room_messages(database, world)] == [REPLY]


def _reader_process(earlier: set[int | None], wait: float = 30.0) -> multiprocessing.Process:
    """The child process the listener reads big mail in, once it exists."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        children = [c for c in multiprocessing.active_children() if c.pid not in earlier]
        if children:
            return children[0]
        time.sleep(0.01)
    raise AssertionError("no reading process started")


_MIME_PIECES = st.sampled_from(
    [
        b"From: Bob <bob@example.org>\r\n",
        b"From: =?utf-8?q?Bob=0D=0ABcc:_x@evil?= <bob@example.org>\r\n",
        b"Content-Type: multipart/alternative; boundary=b\r\n",
        b"Content-Type: text/html; charset=utf-7\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Transfer-Encoding: quoted-printable\r\n",
        b"Message-ID: <a@b>\r\n",
        b"\r\n",
        b"--b\r\n",
        b"--b--\r\n",
        b"<div <div <!-- <![foo[x <blockquote>",
        b"=?utf-8?b?////?=",
        b"=E2=80=\r\n",
        b"\x00\xff\xfe",
    ]
)


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_MIME_PIECES, st.binary(max_size=40)), max_size=30))
def test_reading_any_bytes_never_raises_and_always_says_what_became_of_them(
    pieces: list[bytes],
) -> None:
    raw = b"".join(pieces)
    config = IntakeConfig(ReplyKeys.from_secrets(SECRET_KEY), MAIL_DOMAIN, "mx.example.com")
    deliveries = [(Envelope("bob@example.org", f"x@{MAIL_DOMAIN}"), None)] * 2
    for prepared in preparation.prepare_deliveries(raw, deliveries, config):
        assert len(prepared.key) == 64 and len(prepared.content_hash) == 64
        assert prepared.kept_as is not None or prepared.parsed is not None
        if prepared.parsed is not None and prepared.parsed.from_name:
            assert not set(prepared.parsed.from_name) & {"\r", "\n", "\x00"}
