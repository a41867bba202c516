"""Preparing received mail: everything about it that needs no database, done once per message.

Owns the pure first step of the intake pipeline (see gateway.inbound.intake for the second):
parse the raw bytes, classify them (bounce? automated?), extract the reply text and files,
and compute the identities a retry is recognised by. A message is read ONCE however many
of our addresses its envelope names (`prepare_deliveries`): each delivery then only adds
what depends on its recipient. Nothing here raises: a message whose reading fails (the same
bytes always would) is prepared as `failed`, so it is kept for the operator to replay
instead of being answered "try again later" forever (EMAIL-RULES 1.3).

Must not import aiosmtpd, aioimaplib, Flask, smtplib or sqlalchemy.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from gateway.core.bounce_addresses import PREFIX as BOUNCE_PREFIX
from gateway.core.errors import DomainError, InvalidInput, NotAllowed
from gateway.core.messages import NewFile, check_attachment_limits
from gateway.core.reply_addresses import ReplyKeys, ReplyTarget
from gateway.inbound.authentication import dmarc_hold_reason
from gateway.inbound.bounce_reports import Bounce, detect_bounce
from gateway.inbound.classification import detect_automated
from gateway.inbound.forwards import is_forward_subject
from gateway.inbound.html_text import HtmlBudget
from gateway.inbound.parsing import ParsedEmail, parse_email
from gateway.inbound.part_choice import ChosenReply, read_reply
from gateway.inbound.reply_text import ReplyText
from gateway.store.models import InboundOutcome
from gateway.support_settings import NO_SUPPORT, SupportSettings

log = logging.getLogger(__name__)

# Local parts of our domain that are not reply addresses but must accept mail: postmaster
# (RFC 5321 section 4.5.1), abuse (RFC 2142), and the envelope sender of our own mail, where
# bounces arrive.
SYSTEM_LOCAL_PARTS = frozenset({"postmaster", "abuse", "bounces"})
# Executable and script types that mail clients warn about; refused rather than stored.
BLOCKED_EXTENSIONS = frozenset(
    {
        ".app", ".bat", ".cmd", ".com", ".cpl", ".dll", ".exe", ".hta", ".img", ".iso", ".jar",
        ".js", ".jse", ".lnk", ".msi", ".msp", ".pif", ".ps1", ".reg", ".scr", ".vbe", ".vbs",
        ".wsf", ".wsh",
    }
)  # fmt: skip
# The time one message's HTML may take before it is read as tag-stripped text instead: far
# above what real mail needs (milliseconds), low enough that hostile mail cannot hold a
# reading thread for long.
READ_BUDGET_SECONDS = 2.0
NO_REPLY_TEXT = "no reply text was found in your email: write your answer above the quoted message"


@dataclass(frozen=True, slots=True)
class Envelope:
    """The SMTP envelope of one delivery: `mail_from` is "" for the null sender `<>`."""

    mail_from: str
    recipient: str


@dataclass(frozen=True, slots=True)
class IntakeConfig:
    keys: ReplyKeys
    mail_domain: str
    # The authserv-id of the MTA in front whose Authentication-Results are trusted (RFC 8601).
    trusted_authserv_id: str | None = None
    # The files one message may carry: the same limits as a post on the web.
    max_files: int = 10
    max_bytes: int = 95 * 1024 * 1024
    # Where mail opens support tickets (gateway.inbound.support_routing).
    support: SupportSettings = NO_SUPPORT


@dataclass(frozen=True, slots=True)
class PreparedEmail:
    """What can be known of one delivery of a received email without the database."""

    raw: bytes
    envelope: Envelope
    parsed: ParsedEmail | None  # None when the message could not be read (outcome failed)
    key: str
    # Bounce, automated, operator or unreadable mail: (outcome, reason); never posted.
    kept_as: tuple[InboundOutcome, str] | None
    reply: ReplyText
    files: list[NewFile]
    # Why the content cannot be posted (no text, blocked file...), if it cannot.
    content_refusal: DomainError | None
    # The member the recipient address names, when the transport already looked it up
    # (SMTP, at RCPT); posting still checks their membership in the transaction.
    target: ReplyTarget | None = None
    # The failed delivery a bounce reports (scored against the address in accept_emails).
    bounce: Bounce | None = None
    # sha256 of the body: a reused Message-ID with another body is another message.
    content_hash: str = ""
    # Why a reply is held rather than posted (the trusted MTA's DMARC verdict), if it is.
    held_because: str | None = None
    # The inbound record an operator replays (`gateway inbound retry`): updated, not added.
    replay_of: int | None = None
    # The body `reply` was read from, as plain text lines (gateway.inbound.part_choice):
    # where a later cut (our own quote) finds the reply's lines.
    reply_source: str = ""


@dataclass(frozen=True, slots=True)
class _Reading:
    """What a message says, read once for all of its deliveries."""

    parsed: ParsedEmail | None
    failure: str | None
    bounce: Bounce | None
    automated: str | None
    reply: ReplyText
    files: list[NewFile]
    content_refusal: DomainError | None
    held_because: str | None
    content_hash: str
    reply_source: str = ""


def prepare_email(
    raw: bytes, envelope: Envelope, config: IntakeConfig, *, target: ReplyTarget | None = None
) -> PreparedEmail:
    """Parse, classify and extract one delivery. Pure: no database, never raises."""
    return prepare_deliveries(raw, [(envelope, target)], config)[0]


def prepare_deliveries(
    raw: bytes,
    deliveries: Sequence[tuple[Envelope, ReplyTarget | None]],
    config: IntakeConfig,
) -> list[PreparedEmail]:
    """Each delivery of one message (one envelope sender), the message read only once."""
    senders = {envelope.mail_from for envelope, _ in deliveries}
    # Mail only to postmaster@ and the like is kept for the operator: nothing to extract.
    wants_reply = not all(is_system_address(e.recipient, config.mail_domain) for e, _ in deliveries)
    readings = {sender: _read(raw, sender, config, wants_reply) for sender in senders}
    return [
        _for_delivery(raw, readings[envelope.mail_from], envelope, target, config)
        for envelope, target in deliveries
    ]


def prepare_unreadable(
    raw: bytes,
    deliveries: Sequence[tuple[Envelope, ReplyTarget | None]],
    config: IntakeConfig,
    reason: str,
) -> list[PreparedEmail]:
    """Each delivery of a message whose reading failed in a way no exception reports (the
    process reading it died): kept as failed, like any unreadable message."""
    reading = _unreadable(raw, reason)
    return [
        _for_delivery(raw, reading, envelope, target, config) for envelope, target in deliveries
    ]


def dedupe_key(message_id: str | None, raw: bytes, recipient: str) -> str:
    """Message-ID + recipient; without a Message-ID, a hash of the raw bytes instead."""
    identity = (
        message_id.encode("utf-8", "surrogateescape")
        if message_id
        else hashlib.sha256(raw).digest()
    )
    return hashlib.sha256(identity + b"\0" + recipient.lower().encode()).hexdigest()


def content_hash(raw: bytes) -> str:
    """sha256 of the body (what follows the header block): the same however many relays
    added their Received lines, different when a reused Message-ID carries other words."""
    ends = [end for end in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if end >= 0]
    return hashlib.sha256(raw[min(ends) :] if ends else raw).hexdigest()


def is_system_address(address: str, mail_domain: str) -> bool:
    """postmaster@, abuse@, bounces@ and the VERP bounce addresses of our domain (whose
    token is checked when the bounce is scored, not at RCPT: a bad one is kept, not scored)."""
    local_part, _, domain = address.lower().rpartition("@")
    if domain != mail_domain.lower():
        return False
    return local_part in SYSTEM_LOCAL_PARTS or local_part.startswith(BOUNCE_PREFIX)


def reply_text_of(parsed: ParsedEmail, deadline: float | None = None) -> ReplyText:
    """The reply a person wrote in this email, as the room's Markdown, with what was
    trimmed away; HTML past the `deadline` (a time.monotonic() value) is read as
    tag-stripped text."""
    return reply_of(parsed, deadline).reply


def reply_of(parsed: ParsedEmail, deadline: float | None = None) -> ChosenReply:
    """`reply_text_of`, with the body the reply was read from."""
    # text/plain unless the HTML part shows the same words better (gateway.inbound.part_choice).
    # A forward keeps a header block with nothing typed above it (gateway.inbound.forwards).
    forward = is_forward_subject(parsed.subject)
    return read_reply(parsed.text, parsed.html, HtmlBudget(deadline=deadline), forward=forward)


def _read(raw: bytes, mail_from: str, config: IntakeConfig, wants_reply: bool) -> _Reading:
    """Everything about the message that does not depend on its recipient."""
    started = time.monotonic()
    try:
        return _read_content(raw, mail_from, config, wants_reply)
    except Exception as error:  # any failure here is in the bytes, and would recur
        log.exception("could not read a received email (%d bytes)", len(raw))
        return _unreadable(raw, f"{type(error).__name__}: {' '.join(str(error).split())}")
    finally:
        log.debug("read a received email in %.1f ms", (time.monotonic() - started) * 1000)


def _unreadable(raw: bytes, why: str) -> _Reading:
    reason = f"could not be read: {why}"[:500]
    return _Reading(None, reason, None, None, ReplyText("", ""), [], None, None, content_hash(raw))


def _read_content(raw: bytes, mail_from: str, config: IntakeConfig, wants_reply: bool) -> _Reading:
    deadline = time.monotonic() + READ_BUDGET_SECONDS
    parsed = parse_email(raw)
    bounce = detect_bounce(parsed, mail_from)
    automated = None if bounce else detect_automated(parsed, mail_from)
    chosen, files, refusal, held = ChosenReply(ReplyText("", ""), ""), [], None, None
    if wants_reply and bounce is None and automated is None:
        chosen = reply_of(parsed, deadline)
        try:
            files = _files(parsed, config)
            if not chosen.reply.text and not files:
                raise InvalidInput(NO_REPLY_TEXT)
        except DomainError as error:
            refusal = error
        # Whether the trusted MTA in front says it is not from whom it claims (RFC 8601).
        held = dmarc_hold_reason(parsed, config.trusted_authserv_id)
    return _Reading(
        parsed,
        None,
        bounce,
        automated.reason if automated else None,
        chosen.reply,
        files,
        refusal,
        held,
        content_hash(raw),
        chosen.source,
    )


def _for_delivery(
    raw: bytes,
    reading: _Reading,
    envelope: Envelope,
    target: ReplyTarget | None,
    config: IntakeConfig,
) -> PreparedEmail:
    parsed = reading.parsed
    key = dedupe_key(parsed.message_id if parsed else None, raw, envelope.recipient)
    return PreparedEmail(
        raw,
        envelope,
        parsed,
        key,
        _kept_as(reading, envelope, config),
        reading.reply,
        reading.files,
        reading.content_refusal,
        target,
        reading.bounce,
        reading.content_hash,
        reading.held_because,
        reply_source=reading.reply_source,
    )


def _kept_as(
    reading: _Reading, envelope: Envelope, config: IntakeConfig
) -> tuple[InboundOutcome, str] | None:
    """Unreadable, bounced and automated mail is kept, never posted as a person's words
    (EMAIL-RULES section 2); so is mail to our system addresses."""
    if reading.failure is not None:
        return InboundOutcome.FAILED, reading.failure
    if reading.bounce is not None:
        bounce = reading.bounce
        return InboundOutcome.BOUNCE, (
            f"{'permanent' if bounce.permanent else 'temporary'} failure for "
            f"{bounce.recipient or 'an unknown recipient'} (status {bounce.status or 'unknown'})"
        )
    if reading.automated is not None:
        return InboundOutcome.AUTOMATED, reading.automated
    if is_system_address(envelope.recipient, config.mail_domain):
        return InboundOutcome.KEPT, "for the operator"
    return None


def _files(parsed: ParsedEmail, config: IntakeConfig) -> list[NewFile]:
    """The email's attachments as room files, within the web's limits (EMAIL-RULES 1.10)."""
    total = sum(len(attachment.data) for attachment in parsed.attachments)
    check_attachment_limits(
        len(parsed.attachments), total, max_files=config.max_files, max_bytes=config.max_bytes
    )
    files = []
    for attachment in parsed.attachments:
        suffix = PurePosixPath(attachment.filename.lower()).suffix
        if suffix in BLOCKED_EXTENSIONS:
            raise NotAllowed(
                f"{attachment.filename} was refused: {suffix} files can carry malware; "
                "share it as a link or in an archive instead"
            )
        files.append(NewFile(attachment.filename, attachment.content_type, attachment.data))
    return files
