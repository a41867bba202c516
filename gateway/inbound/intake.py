"""The intake pipeline: what becomes of received emails, whatever carried them.

Every transport (the SMTP listener, later the IMAP poller) runs each delivery through two
steps. `prepare_email` is everything that needs no database: parse, dedupe key, classify
(bounce? auto-reply?), extract the reply text and files. `accept_emails` then, in the caller's
transaction (the caller commits), dedupes, routes each email to a room member by its reply
address, checks the sender, posts, and records every email with its outcome. It runs stage
by stage over the whole batch, so each stage that touches the database does so once for all
the emails of the batch: a busy SMTP listener pays per batch, not per email. Keeping the
pure step apart lets a transport run it while the database is busy with the previous batch.

Domain refusals (forged or revoked address, wrong sender, nothing to post) are recorded and
returned as a result carrying the error, for the transport to map to its reply code; any
other exception propagates, so the transport answers "try again later" (EMAIL-RULES 1.3).

Must not import aiosmtpd, aioimaplib, Flask or smtplib.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from gateway.core.bounce_addresses import PREFIX as BOUNCE_PREFIX
from gateway.core.bounce_addresses import verify_bounce_local_part
from gateway.core.bounces import record_bounce
from gateway.core.errors import DomainError, InvalidInput, NotAllowed
from gateway.core.messages import Draft, NewFile, PostedMessage, post_messages
from gateway.core.reply_addresses import ReplyKeys, ReplyTarget, resolve_reply_addresses
from gateway.core.users import find_user_by_email
from gateway.inbound.classification import (
    Bounce,
    asks_for_no_out_of_office,
    detect_automated,
    detect_bounce,
)
from gateway.inbound.parsing import ParsedEmail, parse_email
from gateway.inbound.reply_text import ReplyText, extract_reply_from_html, extract_reply_text
from gateway.store.models import InboundEmail, InboundOutcome, Origin, OutboxEmail

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


# Statements built once at import: they run for every batch of received emails.
_EARLIER_DELIVERIES = select(
    InboundEmail.id,
    InboundEmail.dedupe_key,
    InboundEmail.outcome,
    InboundEmail.reason,
    InboundEmail.message_id,
).where(InboundEmail.dedupe_key.in_(bindparam("keys", expanding=True)))
_INSERT_RECORDS = insert(InboundEmail).returning(InboundEmail.id, sort_by_parameter_order=True)
_UPDATE_RECORD = update(InboundEmail).where(InboundEmail.id == bindparam("record_id"))
_MESSAGES_BY_OUR_IDS = select(
    OutboxEmail.message_id_header, OutboxEmail.message_id, OutboxEmail.room_id
).where(
    OutboxEmail.message_id_header.in_(bindparam("ids", expanding=True)),
    OutboxEmail.message_id.is_not(None),
)
MAX_OUR_IDS_PER_EMAIL = 10


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


@dataclass(frozen=True, slots=True)
class PreparedEmail:
    """What can be known of a received email without the database."""

    raw: bytes
    envelope: Envelope
    parsed: ParsedEmail
    key: str
    # Bounce, automated or operator mail: (outcome, reason); such mail is never posted.
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


def prepare_email(
    raw: bytes, envelope: Envelope, config: IntakeConfig, *, target: ReplyTarget | None = None
) -> PreparedEmail:
    """Parse, classify and extract one delivery. Pure: no database, never raises."""
    parsed = parse_email(raw)
    bounce = detect_bounce(parsed, envelope.mail_from)
    kept_as = _kept_as(parsed, envelope, config, bounce)
    reply, files, refusal = ReplyText("", ""), [], None
    if kept_as is None:
        reply = reply_text_of(parsed)
        try:
            files = _files(parsed)
            if not reply.text and not files:
                raise InvalidInput(
                    "no reply text was found in your email: write your answer above the "
                    "quoted message"
                )
        except DomainError as error:
            refusal = error
    key = dedupe_key(parsed.message_id, raw, envelope.recipient)
    return PreparedEmail(raw, envelope, parsed, key, kept_as, reply, files, refusal, target, bounce)


def accept_emails(
    session: Session,
    prepared: Sequence[PreparedEmail],
    config: IntakeConfig,
    *,
    now: datetime,
) -> list[IntakeResult]:
    """Store what becomes of prepared emails and post their replies; results in order."""
    emails = [_Email(email) for email in prepared]
    fresh = _skip_duplicates(session, emails)
    for email in fresh:
        if email.prepared.kept_as is not None:
            email.decide(*email.prepared.kept_as)
    _route(session, fresh, config)
    _score_bounces(session, fresh, config, now)
    drafts = _draft_replies(session, fresh, config)
    _post(session, drafts, now)
    _record(session, fresh, now)
    return [email.result() for email in emails]


def dedupe_key(message_id: str | None, raw: bytes, recipient: str) -> str:
    """Message-ID + recipient; without a Message-ID, a hash of the raw bytes instead."""
    identity = (
        message_id.encode("utf-8", "surrogateescape")
        if message_id
        else hashlib.sha256(raw).digest()
    )
    return hashlib.sha256(identity + b"\0" + recipient.lower().encode()).hexdigest()


def is_system_address(address: str, mail_domain: str) -> bool:
    """postmaster@, abuse@, bounces@ and the VERP bounce addresses of our domain (whose
    token is checked when the bounce is scored, not at RCPT: a bad one is kept, not scored)."""
    local_part, _, domain = address.lower().rpartition("@")
    if domain != mail_domain.lower():
        return False
    return local_part in SYSTEM_LOCAL_PARTS or local_part.startswith(BOUNCE_PREFIX)


def _score_bounces(
    session: Session, emails: list[_Email], config: IntakeConfig, now: datetime
) -> None:
    """Count each bounce against the address that failed: the one our VERP envelope sender
    names (the bounce is about an email we sent), else the report's Final-Recipient, if it
    is one of our users' addresses, the only ones we mail (a stray report about a stranger
    changes nothing)."""
    for email in emails:
        bounce = email.prepared.bounce
        if bounce is None or email.outcome is not InboundOutcome.BOUNCE:
            continue
        address = _bounced_address(session, email.prepared.envelope.recipient, bounce, config)
        if address is not None:
            record_bounce(
                session, address, permanent=bounce.permanent, status=bounce.status, now=now
            )


def _bounced_address(
    session: Session, recipient: str, bounce: Bounce, config: IntakeConfig
) -> str | None:
    local_part = recipient.rpartition("@")[0]
    outbox_id = verify_bounce_local_part(local_part, config.keys)
    if outbox_id is not None:
        return session.scalar(select(OutboxEmail.recipient).where(OutboxEmail.id == outbox_id))
    if bounce.recipient is None:
        return None
    # Found by the users' unique address index, not by scanning the outbox for it.
    return bounce.recipient if find_user_by_email(session, bounce.recipient) else None


def reply_text_of(parsed: ParsedEmail) -> ReplyText:
    """The reply a person wrote in this email, with what was trimmed away."""
    # Prefer text/plain (EMAIL-RULES 1.9); HTML-only mail has its quote container cut first.
    if parsed.text and parsed.text.strip():
        return extract_reply_text(parsed.text)
    if parsed.html:
        return extract_reply_from_html(parsed.html)
    return ReplyText(text="", elided="")


@dataclass(slots=True, eq=False)
class _Email:
    """One prepared email going through the database stages, and what became of it."""

    prepared: PreparedEmail
    decided: bool = False
    outcome: InboundOutcome = InboundOutcome.REJECTED
    reason: str = ""
    error: DomainError | None = None
    target: ReplyTarget | None = None
    message_id: int | None = None
    record_id: int | None = None  # set when an earlier, refused delivery was recorded
    duplicate_of: _Email | None = field(default=None, repr=False)
    earlier: IntakeResult | None = None

    @property
    def key(self) -> str:
        return self.prepared.key

    def decide(self, outcome: InboundOutcome, reason: str = "") -> None:
        self.decided, self.outcome, self.reason = True, outcome, reason

    def refuse(self, error: DomainError) -> None:
        self.decide(InboundOutcome.REJECTED, str(error))
        self.error = error

    def result(self) -> IntakeResult:
        if self.earlier is not None:
            return self.earlier
        if self.duplicate_of is not None:
            first = self.duplicate_of.result()
            return IntakeResult(
                first.outcome,
                first.reason,
                first.inbound_id,
                first.message_id,
                first.error,
                duplicate=True,
            )
        assert self.record_id is not None
        return IntakeResult(self.outcome, self.reason, self.record_id, self.message_id, self.error)


def _skip_duplicates(session: Session, emails: list[_Email]) -> list[_Email]:
    """The emails not seen before; the rest answer as they did the first time.

    A retry after a lost 250, or the same mail by two routes, is stored once (EMAIL-RULES
    1.4). A delivery that was refused is processed again: the sender may be let in since.
    """
    rows = session.connection().execute(
        _EARLIER_DELIVERIES, {"keys": list({email.key for email in emails})}
    )
    earlier = {row.dedupe_key: row for row in rows}
    fresh: dict[str, _Email] = {}
    for email in emails:
        row = earlier.get(email.key)
        if email.key in fresh:
            email.duplicate_of = fresh[email.key]
        elif row is not None and row.outcome is not InboundOutcome.REJECTED:
            email.earlier = IntakeResult(
                row.outcome, row.reason, row.id, row.message_id, duplicate=True
            )
        else:
            email.record_id = row.id if row is not None else None
            fresh[email.key] = email
    return list(fresh.values())


def _kept_as(
    parsed: ParsedEmail, envelope: Envelope, config: IntakeConfig, bounce: Bounce | None
) -> tuple[InboundOutcome, str] | None:
    """Bounces and automated mail are kept, never posted as a person's words (EMAIL-RULES 2)."""
    if bounce is not None:
        return InboundOutcome.BOUNCE, (
            f"{'permanent' if bounce.permanent else 'temporary'} failure for "
            f"{bounce.recipient or 'an unknown recipient'} (status {bounce.status or 'unknown'})"
        )
    automated = detect_automated(parsed, envelope.mail_from)
    if automated is not None:
        return InboundOutcome.AUTOMATED, automated.reason
    if is_system_address(envelope.recipient, config.mail_domain):
        return InboundOutcome.KEPT, "for the operator"
    return None


def _route(session: Session, emails: list[_Email], config: IntakeConfig) -> None:
    """Find the member each reply address names; automated mail is noted against them too.

    Addresses the transport resolved already are not looked up again: whether that member
    may still post is checked when posting, in this same transaction.
    """
    for email in emails:
        email.target = email.prepared.target
    routed = [
        e
        for e in emails
        if e.target is None
        and not is_system_address(e.prepared.envelope.recipient, config.mail_domain)
    ]
    if not routed:
        return
    targets = resolve_reply_addresses(
        session, [e.prepared.envelope.recipient for e in routed], config.keys, config.mail_domain
    )
    for email, target in zip(routed, targets, strict=True):
        if isinstance(target, ReplyTarget):
            email.target = target
        elif not email.decided:
            email.refuse(target)


def _draft_replies(
    session: Session, emails: list[_Email], config: IntakeConfig
) -> list[tuple[_Email, Draft]]:
    """A draft message for each email still open; refusals for the ones that cannot post."""
    drafts = []
    for email in emails:
        if email.decided or email.target is None:
            continue
        try:
            drafts.append((email, _draft(email.prepared, email.target)))
        except DomainError as refusal:
            email.refuse(refusal)
    parents = _messages_answered(session, [email for email, _ in drafts], config.mail_domain)
    return [
        (email, _with_parent(draft, email, parents, config.mail_domain)) for email, draft in drafts
    ]


def _draft(prepared: PreparedEmail, target: ReplyTarget) -> Draft:
    _check_sender(prepared.parsed, target)
    if prepared.content_refusal is not None:
        raise prepared.content_refusal
    return Draft(
        target.room_id,
        target.user_id,
        prepared.reply.text,
        Origin.EMAIL,
        quoted_text=prepared.reply.elided,
        files=prepared.files,
        auto_reply_wanted=not asks_for_no_out_of_office(prepared.parsed),
    )


def _check_sender(parsed: ParsedEmail, target: ReplyTarget) -> None:
    """The From address must be the member the reply address names (EMAIL-RULES 1.6)."""
    if parsed.from_address is None:
        raise InvalidInput("your email has no valid From address")
    if parsed.from_address != target.user_email:
        raise NotAllowed(
            f"this reply address belongs to another person; {parsed.from_address} may not post "
            "with it (answer from the address the notification was sent to)"
        )


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


def _our_ids(parsed: ParsedEmail, mail_domain: str) -> list[str]:
    """Our Message-IDs this email answers, the one it answers directly first."""
    suffix = "@" + mail_domain.lower()
    ids = [
        mid
        for mid in (*parsed.in_reply_to, *reversed(parsed.references))
        if mid.lower().endswith(suffix)
    ]
    return ids[:MAX_OUR_IDS_PER_EMAIL]


def _messages_answered(
    session: Session, emails: list[_Email], mail_domain: str
) -> dict[str, tuple[int, int]]:
    """Our notification Message-IDs these emails cite -> (room message id, room id)."""
    ids = list({mid for e in emails for mid in _our_ids(e.prepared.parsed, mail_domain)})
    if not ids:
        return {}
    rows = session.connection().execute(_MESSAGES_BY_OUR_IDS, {"ids": ids})
    return {row.message_id_header: (row.message_id, row.room_id) for row in rows}


def _with_parent(
    draft: Draft, email: _Email, answered: dict[str, tuple[int, int]], mail_domain: str
) -> Draft:
    """The draft as a reply to the room message whose notification the email answers."""
    for mid in _our_ids(email.prepared.parsed, mail_domain):
        message_id, room_id = answered.get(mid, (None, None))
        if message_id is not None and room_id == draft.room_id:
            return replace(draft, parent_id=message_id)
    return draft


def _post(session: Session, drafts: list[tuple[_Email, Draft]], now: datetime) -> None:
    posted = post_messages(session, [draft for _, draft in drafts], now=now)
    for (email, _), result in zip(drafts, posted, strict=True):
        if isinstance(result, PostedMessage):
            email.decide(InboundOutcome.POSTED)
            email.message_id = result.id
        else:
            email.refuse(result)


def _record(session: Session, emails: list[_Email], now: datetime) -> None:
    """Keep every email with its outcome (EMAIL-RULES 1.5): one INSERT for the new ones."""
    connection = session.connection()
    new = [email for email in emails if email.record_id is None]
    if new:
        ids = connection.execute(_INSERT_RECORDS, [_record_row(e, now) for e in new]).scalars()
        for email, record_id in zip(new, ids, strict=True):
            email.record_id = record_id
    for email in emails:
        if email not in new:  # refused before: record what became of this try
            connection.execute(
                _UPDATE_RECORD, [{**_record_row(email, now), "record_id": email.record_id}]
            )


def _record_row(email: _Email, now: datetime) -> dict[str, object]:
    prepared, target = email.prepared, email.target
    raw, parsed, envelope = prepared.raw, prepared.parsed, prepared.envelope
    return {
        "dedupe_key": email.key,
        "received_at": now,
        "mail_from": envelope.mail_from[:320],
        "rcpt_to": envelope.recipient[:320],
        "message_id_header": parsed.message_id[:998] if parsed.message_id else None,
        "size": len(raw),
        "raw": raw[:RAW_KEEP_LIMIT],
        "raw_truncated": len(raw) > RAW_KEEP_LIMIT,
        "outcome": email.outcome,
        "reason": email.reason[:2000],
        "room_id": target.room_id if target else None,
        "user_id": target.user_id if target else None,
        "message_id": email.message_id,
    }
