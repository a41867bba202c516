"""The intake pipeline: what becomes of one received email, whatever carried it.

Every transport (the SMTP listener, later the IMAP poller) hands each (raw message,
envelope) to `accept_email`. It parses, dedupes, classifies (bounce? auto-reply?), routes to
a room member, checks the sender, extracts the reply text and posts it, and records the
inbound email with its outcome, all in the caller's transaction (the caller commits).

Domain refusals (forged or revoked address, wrong sender, nothing to post) are recorded and
returned as a result carrying the error, for the transport to map to its reply code; any
other exception propagates, so the transport answers "try again later" (EMAIL-RULES 1.3).

Must not import aiosmtpd, aioimaplib, Flask or smtplib.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.errors import DomainError, InvalidInput, NotAllowed
from gateway.core.messages import NewFile, post_message
from gateway.core.reply_addresses import ReplyKeys, resolve_reply_address
from gateway.inbound.classification import detect_automated, detect_bounce
from gateway.inbound.parsing import ParsedEmail, parse_email
from gateway.inbound.reply_text import ReplyText, extract_reply_from_html, extract_reply_text
from gateway.store.models import (
    InboundEmail,
    InboundOutcome,
    Membership,
    Message,
    Origin,
    OutboxEmail,
)

log = logging.getLogger(__name__)

# Local parts of our domain that are not reply addresses but must accept mail: postmaster
# (RFC 5321 section 4.5.1), abuse (RFC 2142), and the envelope sender of our own mail, where
# bounces arrive.
SYSTEM_LOCAL_PARTS = frozenset({"postmaster", "abuse", "bounces"})
RAW_KEEP_LIMIT = 1024 * 1024  # bytes of each inbound message kept for the operator
MAX_FILES = 20
# Executable and script types that mail clients warn about; refused rather than stored.
BLOCKED_EXTENSIONS = frozenset(
    {
        ".app", ".bat", ".cmd", ".com", ".cpl", ".dll", ".exe", ".hta", ".img", ".iso", ".jar",
        ".js", ".jse", ".lnk", ".msi", ".msp", ".pif", ".ps1", ".reg", ".scr", ".vbe", ".vbs",
        ".wsf", ".wsh",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Envelope:
    """The SMTP envelope of one delivery: `mail_from` is "" for the null sender `<>`."""

    mail_from: str
    recipient: str


@dataclass(frozen=True, slots=True)
class IntakeConfig:
    keys: ReplyKeys
    mail_domain: str


@dataclass(frozen=True, slots=True)
class IntakeResult:
    outcome: InboundOutcome
    reason: str
    inbound_id: int
    message_id: int | None = None
    error: DomainError | None = None
    duplicate: bool = False


def accept_email(
    session: Session, raw: bytes, envelope: Envelope, config: IntakeConfig, *, now: datetime
) -> IntakeResult:
    """Process one received email for one recipient and record what became of it."""
    parsed = parse_email(raw)
    key = dedupe_key(parsed.message_id, raw, envelope.recipient)
    record = session.scalar(select(InboundEmail).where(InboundEmail.dedupe_key == key))
    if record is not None and record.outcome is not InboundOutcome.REJECTED:
        # A retry after a lost 250, or the same mail by two routes: stored once (EMAIL-RULES 1.4).
        return IntakeResult(
            record.outcome, record.reason, record.id, record.message_id, duplicate=True
        )
    if record is None:
        record = _new_record(key, raw, parsed, envelope, now)
        session.add(record)
    error: DomainError | None = None
    try:
        _process(session, record, parsed, envelope, config, now)
    except DomainError as refusal:
        error = refusal
        record.outcome, record.reason = InboundOutcome.REJECTED, str(refusal)
    session.flush()
    return IntakeResult(record.outcome, record.reason, record.id, record.message_id, error)


def dedupe_key(message_id: str | None, raw: bytes, recipient: str) -> str:
    """Message-ID + recipient; without a Message-ID, a hash of the raw bytes instead."""
    identity = message_id.encode() if message_id else hashlib.sha256(raw).digest()
    return hashlib.sha256(identity + b"\0" + recipient.lower().encode()).hexdigest()


def is_system_address(address: str, mail_domain: str) -> bool:
    local_part, _, domain = address.lower().rpartition("@")
    return domain == mail_domain.lower() and local_part in SYSTEM_LOCAL_PARTS


def _new_record(
    key: str, raw: bytes, parsed: ParsedEmail, envelope: Envelope, now: datetime
) -> InboundEmail:
    return InboundEmail(
        dedupe_key=key,
        received_at=now,
        mail_from=envelope.mail_from[:320],
        rcpt_to=envelope.recipient[:320],
        message_id_header=parsed.message_id[:998] if parsed.message_id else None,
        size=len(raw),
        raw=raw[:RAW_KEEP_LIMIT],
        raw_truncated=len(raw) > RAW_KEEP_LIMIT,
        outcome=InboundOutcome.REJECTED,
        reason="",
    )


def _process(
    session: Session,
    record: InboundEmail,
    parsed: ParsedEmail,
    envelope: Envelope,
    config: IntakeConfig,
    now: datetime,
) -> None:
    """Fill in the record's outcome; raise DomainError to refuse the email."""
    system = is_system_address(envelope.recipient, config.mail_domain)
    if _classify_automated(record, parsed, envelope.mail_from):
        if not system:
            _attach_member(session, record, envelope, config)
        return
    if system:
        record.outcome, record.reason = InboundOutcome.KEPT, "for the operator"
        return
    membership = resolve_reply_address(session, envelope.recipient, config.keys, config.mail_domain)
    record.room_id, record.user_id = membership.room_id, membership.user_id
    _check_sender(parsed, membership)
    reply = reply_text_of(parsed)
    files = _files(parsed)
    if not reply.text and not files:
        raise InvalidInput(
            "no reply text was found in your email: write your answer above the quoted message"
        )
    message = post_message(
        session,
        membership.room,
        membership.user,
        reply.text,
        origin=Origin.EMAIL,
        now=now,
        quoted_text=reply.elided,
        parent=_parent_message(session, parsed, membership, config.mail_domain),
        files=files,
    )
    record.outcome, record.reason, record.message_id = InboundOutcome.POSTED, "", message.id


def _classify_automated(record: InboundEmail, parsed: ParsedEmail, mail_from: str) -> bool:
    """Mark bounces and automated mail; they are never posted as a person's words."""
    bounce = detect_bounce(parsed, mail_from)
    if bounce is not None:
        record.outcome = InboundOutcome.BOUNCE
        record.reason = (
            f"{'permanent' if bounce.permanent else 'temporary'} failure for "
            f"{bounce.recipient or 'an unknown recipient'} (status {bounce.status or 'unknown'})"
        )
        return True
    automated = detect_automated(parsed, mail_from)
    if automated is not None:
        record.outcome, record.reason = InboundOutcome.AUTOMATED, automated.reason
        return True
    return False


def _attach_member(
    session: Session, record: InboundEmail, envelope: Envelope, config: IntakeConfig
) -> None:
    """Note which room member an automated email concerns, when the address still says."""
    try:
        membership = resolve_reply_address(
            session, envelope.recipient, config.keys, config.mail_domain
        )
    except DomainError:
        return
    record.room_id, record.user_id = membership.room_id, membership.user_id


def _check_sender(parsed: ParsedEmail, membership: Membership) -> None:
    """The From address must be the member the reply address names (EMAIL-RULES 1.6)."""
    if parsed.from_address is None:
        raise InvalidInput("your email has no valid From address")
    if parsed.from_address != membership.user.email:
        raise NotAllowed(
            f"this reply address belongs to another person; {parsed.from_address} may not post "
            "with it (answer from the address the notification was sent to)"
        )


def reply_text_of(parsed: ParsedEmail) -> ReplyText:
    """The reply a person wrote in this email, with what was trimmed away."""
    # Prefer text/plain (EMAIL-RULES 1.9); HTML-only mail has its quote container cut first.
    if parsed.text and parsed.text.strip():
        return extract_reply_text(parsed.text)
    if parsed.html:
        return extract_reply_from_html(parsed.html)
    return ReplyText(text="", elided="")


def _files(parsed: ParsedEmail) -> list[NewFile]:
    """The email's attachments as room files, within limits (EMAIL-RULES 1.10)."""
    if len(parsed.attachments) > MAX_FILES:
        raise InvalidInput(f"an email may carry at most {MAX_FILES} files")
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


def _parent_message(
    session: Session, parsed: ParsedEmail, membership: Membership, mail_domain: str
) -> Message | None:
    """The room message whose notification this email answers, found by our Message-ID."""
    suffix = "@" + mail_domain.lower()
    ours = [
        mid
        for mid in (*parsed.in_reply_to, *reversed(parsed.references))
        if mid.lower().endswith(suffix)
    ]
    if not ours:
        return None
    outbox = session.scalar(
        select(OutboxEmail)
        .where(
            OutboxEmail.message_id_header.in_(ours[:10]),
            OutboxEmail.room_id == membership.room_id,
            OutboxEmail.message_id.is_not(None),
        )
        .order_by(OutboxEmail.id.desc())
        .limit(1)
    )
    return session.get(Message, outbox.message_id) if outbox and outbox.message_id else None
