"""The intake pipeline: what becomes of received emails, whatever carried them.

Every transport (the SMTP listener, later the IMAP poller) runs each delivery through two
steps. gateway.inbound.preparation is everything that needs no database: parse, dedupe key,
classify (bounce? auto-reply?), extract the reply text and files. `accept_emails` then, in
the caller's transaction (the caller commits), dedupes, routes each email to a room member by
its reply address, checks the sender, posts (or holds, when the trusted MTA in front says the
mail failed DMARC), and records every email with its outcome. It runs stage
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

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.orm import Session

from gateway.core.errors import DomainError, InvalidInput
from gateway.core.held_replies import note_held_replies
from gateway.core.messages import Draft, PostedMessage, post_messages
from gateway.core.reply_addresses import ReplyTarget, resolve_reply_addresses
from gateway.core.sent_mail import AnsweredMail, list_answered_mail
from gateway.inbound.bounce_scoring import score_bounces
from gateway.inbound.classification import asks_for_no_out_of_office
from gateway.inbound.own_quote import cut_quote_of_sent
from gateway.inbound.parsing import ParsedEmail
from gateway.inbound.preparation import (
    NO_REPLY_TEXT,
    IntakeConfig,
    PreparedEmail,
    is_system_address,
)
from gateway.inbound.sender_check import check_sender
from gateway.inbound.support_routing import (
    after_ticket_posts,
    is_support_recipient,
    route_ticket_emails,
    support_of,
)
from gateway.store.models import InboundEmail, InboundOutcome, Origin, OutboxEmail

log = logging.getLogger(__name__)

RAW_KEEP_LIMIT = 1024 * 1024  # bytes of each inbound message kept for the operator


# Statements built once at import: they run for every batch of received emails.
_EARLIER_DELIVERIES = select(
    InboundEmail.id,
    InboundEmail.dedupe_key,
    InboundEmail.content_hash,
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
# Outcomes a later delivery of the same message is processed again for: the sender may be
# let in since, or the reading that failed may work after an upgrade.
_PROCESSED_AGAIN = frozenset({InboundOutcome.REJECTED, InboundOutcome.FAILED})
REUSED_ID_NOTE = "its Message-ID was used before by another message, so it was taken as new"


@dataclass(frozen=True, slots=True)
class IntakeResult:
    outcome: InboundOutcome
    reason: str
    inbound_id: int
    message_id: int | None = None
    error: DomainError | None = None
    duplicate: bool = False
    note: str = ""  # said to the sender besides the outcome (a reused Message-ID)


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
    _route_tickets(session, fresh, config, now)
    _score_bounces(session, fresh, config, now)
    drafts = _draft_replies(session, fresh, config)
    _post(session, drafts, now)
    posted = [(e.prepared, e.target) for e in fresh if e.outcome is InboundOutcome.POSTED]
    after_ticket_posts(session, posted, support_of(config), now=now)
    _record(session, fresh, now)
    held = [e for e in fresh if e.outcome is InboundOutcome.HELD and e.target is not None]
    if held:
        note_held_replies(
            session, [(e.target.user_id, e.target.room_id, e.reason) for e in held], now=now
        )
    return [email.result() for email in emails]


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
    key: str = ""  # the dedupe key it is recorded under
    note: str = ""

    def __post_init__(self) -> None:
        self.key = self.prepared.key

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
                note=first.note,
            )
        assert self.record_id is not None
        return IntakeResult(
            self.outcome, self.reason, self.record_id, self.message_id, self.error, note=self.note
        )


def _skip_duplicates(session: Session, emails: list[_Email]) -> list[_Email]:
    """The emails not seen before; the rest answer as they did the first time.

    A retry after a lost 250, or the same mail by two routes, is stored once (EMAIL-RULES
    1.4): same Message-ID, recipient and body. A reused Message-ID with another body is a
    message of its own, recorded under a key that adds its body. A delivery that was refused
    or could not be read is processed again: the sender may be let in since, or an upgrade
    may read it. An operator's replay updates the record it replays.
    """
    keys = {email.key for email in emails} | {_reused_id_key(email) for email in emails}
    rows = session.connection().execute(_EARLIER_DELIVERIES, {"keys": list(keys)})
    earlier = {row.dedupe_key: row for row in rows}
    fresh: dict[str, _Email] = {}
    for email in emails:
        if email.prepared.replay_of is not None:
            email.record_id = email.prepared.replay_of
            fresh[f"replay {email.record_id}"] = email
            continue
        row = _earlier_row(email, earlier)
        if email.key in fresh:
            email.duplicate_of = fresh[email.key]
        elif row is not None and row.outcome not in _PROCESSED_AGAIN:
            email.earlier = IntakeResult(
                row.outcome, row.reason, row.id, row.message_id, duplicate=True
            )
        else:
            email.record_id = row.id if row is not None else None
            fresh[email.key] = email
    return list(fresh.values())


def _earlier_row(email: _Email, earlier: dict[str, Row]) -> Row | None:
    """The record of an earlier delivery of this same message; under a reused Message-ID
    with another body, the email takes the key that adds its body."""
    row = earlier.get(email.key)
    if row is None or row.content_hash in (None, email.prepared.content_hash):
        return row
    email.key = _reused_id_key(email)
    email.note = REUSED_ID_NOTE
    return earlier.get(email.key)


def _reused_id_key(email: _Email) -> str:
    identity = f"{email.prepared.key} {email.prepared.content_hash}"
    return hashlib.sha256(identity.encode()).hexdigest()


def _score_bounces(
    session: Session, emails: list[_Email], config: IntakeConfig, now: datetime
) -> None:
    """Score the bounce reports that prove they answer our mail; each record says why or why
    not (anyone can send a report naming anyone: EMAIL-RULES section 2)."""
    bounces = [e for e in emails if e.prepared.bounce and e.outcome is InboundOutcome.BOUNCE]
    reports = [(e.prepared.envelope.recipient, b) for e in bounces if (b := e.prepared.bounce)]
    verdicts = score_bounces(session, reports, config.keys, now)
    for email, verdict in zip(bounces, verdicts, strict=True):
        email.reason = f"{email.reason}; {verdict.reason}"


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
        and not is_support_recipient(e.prepared.envelope.recipient, config)
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


def _route_tickets(
    session: Session, emails: list[_Email], config: IntakeConfig, now: datetime
) -> None:
    """Mail to a support address or into a ticket (gateway.inbound.support_routing)."""
    routes = route_ticket_emails(
        session, [(e.prepared, e.target) for e in emails], support_of(config), now=now
    )
    for email, route in zip(emails, routes, strict=True):
        if route is None or email.decided:
            continue
        if route.refusal is not None:
            email.refuse(route.refusal)
        elif route.kept is not None:
            email.decide(InboundOutcome.REJECTED, route.kept)
        else:
            email.target = route.target


def _draft_replies(
    session: Session, emails: list[_Email], config: IntakeConfig
) -> list[tuple[_Email, Draft]]:
    """A draft message for each email still open; refusals for the ones that cannot post,
    and a hold for the ones the trusted MTA in front found failing DMARC."""
    drafts = []
    for email in emails:
        if email.decided or email.target is None:
            continue
        try:
            draft = _draft(email.prepared, email.target)
        except DomainError as refusal:
            email.refuse(refusal)
            continue
        if email.prepared.held_because is not None:
            email.decide(InboundOutcome.HELD, email.prepared.held_because)
        else:
            drafts.append((email, draft))
    drafts = _without_own_quotes(session, drafts, config.mail_domain)
    parents = _messages_answered(session, [email for email, _ in drafts], config.mail_domain)
    return [
        (email, _with_parent(draft, email, parents, config.mail_domain)) for email, draft in drafts
    ]


def _draft(prepared: PreparedEmail, target: ReplyTarget) -> Draft:
    assert prepared.parsed is not None  # unreadable mail is kept as failed, never drafted
    check_sender(prepared.parsed, target)
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


def _without_own_quotes(
    session: Session, drafts: list[tuple[_Email, Draft]], mail_domain: str
) -> list[tuple[_Email, Draft]]:
    """Drafts without our own notification quoted back (gateway.inbound.own_quote): only we
    know its words, so a quote whose attribution no rule reads is still cut. A reply that
    was nothing but our quote is refused as one without text."""
    answered = [
        AnsweredMail(
            draft.room_id, draft.author_id, tuple(_our_ids(e.prepared.parsed, mail_domain))
        )
        for e, draft in drafts
    ]
    trimmed = []
    for (email, draft), raws in zip(drafts, list_answered_mail(session, answered), strict=True):
        reply = email.prepared.reply
        cut = cut_quote_of_sent(reply, email.prepared.reply_source, raws)
        if cut.text == reply.text:
            trimmed.append((email, draft))
        elif not cut.text and not draft.files:
            email.refuse(InvalidInput(NO_REPLY_TEXT))
        else:
            trimmed.append((email, replace(draft, source=cut.text, quoted_text=cut.elided)))
    return trimmed


def _our_ids(parsed: ParsedEmail | None, mail_domain: str) -> list[str]:
    """Our Message-IDs this email answers, the one it answers directly first."""
    if parsed is None:
        return []
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
    ids = list(
        {
            mid
            for e in emails
            if e.prepared.parsed
            for mid in _our_ids(e.prepared.parsed, mail_domain)
        }
    )
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
            fallback = email.prepared.reply.html_fallback
            email.decide(InboundOutcome.POSTED, fallback and f"HTML read as plain text: {fallback}")
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
        if email not in new:  # refused before, or replayed: record what became of this try
            values = _record_row(email, now)
            del values["dedupe_key"], values["received_at"]
            connection.execute(_UPDATE_RECORD, [{**values, "record_id": email.record_id}])


def _record_row(email: _Email, now: datetime) -> dict[str, object]:
    prepared, target = email.prepared, email.target
    raw, parsed, envelope = prepared.raw, prepared.parsed, prepared.envelope
    return {
        "dedupe_key": email.key,
        "received_at": now,
        "mail_from": envelope.mail_from[:320],
        "rcpt_to": envelope.recipient[:320],
        "message_id_header": parsed.message_id[:998] if parsed and parsed.message_id else None,
        "content_hash": prepared.content_hash or None,
        "size": len(raw),
        "raw": raw[:RAW_KEEP_LIMIT],
        "raw_truncated": len(raw) > RAW_KEEP_LIMIT,
        "outcome": email.outcome,
        "reason": email.reason[:2000],
        "room_id": target.room_id if target else None,
        "user_id": target.user_id if target else None,
        "message_id": email.message_id,
    }
