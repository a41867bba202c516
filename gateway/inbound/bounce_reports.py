"""Reading a bounce: which address failed, how, and which original it returns.

Owns the answer to the intake's bounce question (EMAIL-RULES section 2): is this mail a delivery
failure report, for which address, permanent or temporary, and which of our Message-IDs does it
quote (`detect_bounce`). A standard report (RFC 3464 multipart/report with a delivery-status
part) is read from its per-recipient field groups; a mail system's non-standard bounce (Exim,
qmail, old sendmail, Exchange's translations) from its sender, subject, X-Failed-Recipients
and text. Whether a bounce counts against the address is gateway.inbound.bounce_scoring's
question. A pure function of a `ParsedEmail` and the SMTP envelope sender.

Bounded on any input: at most MAX_REPORT_PARTS parts are searched for the report, the message
tree holds at most MAX_PARTS field groups (gateway.inbound.mime_tree), X-Failed-Recipients is
read up to FAILED_RECIPIENTS_SCAN_CHARS and the text up to BOUNCE_TEXT_SCAN_CHARS, and the
patterns are possessive, so none retries a run of characters it has already read.

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from email.message import Message

from gateway.inbound.classification import from_local_part, is_null_sender, keyword
from gateway.inbound.mime_tree import DELIVERY_STATUS_TYPES
from gateway.inbound.parsing import ParsedEmail, header_text
from gateway.inbound.quoted_original import MAX_REPORT_PARTS, original_message_ids

BOUNCE_TEXT_SCAN_CHARS = 20_000  # how much of a non-standard bounce is searched for details
FAILED_RECIPIENTS_SCAN_CHARS = 4096  # of X-Failed-Recipients: dozens of addresses
BOUNCE_SENDER_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster"})
# RFC 3464 section 2.3.3 Action values that report a failure (delivered, relayed and expanded
# are success notices, not bounces).
ACTION_FAILED = "failed"
ACTION_DELAYED = "delayed"

# Subjects mail systems give non-standard bounces (Postfix, Exim, sendmail, qmail, Gmail,
# Exchange and its translations, Lotus Notes).
_DELAY_SUBJECT_RE = re.compile(
    r"\s*+(?:delayed mail|delivery delayed|delivery status notification \(delay\)"
    r"|warning: could not send message|mail delivery delayed)",
    re.IGNORECASE,
)
_FAILURE_SUBJECT_RE = re.compile(
    r"\s*+(?:undelivered mail|undeliverable|delivery status notification \(failure\)"
    r"|mail delivery failed|delivery failure|returned mail|failure notice|delivery has failed"
    r"|mail delivery failure|unzustellbar|nicht zustellbar|non remis|no se puede entregar"
    r"|non recapitabile|onbestelbaar)",
    re.IGNORECASE,
)
# RFC 3463 enhanced status code; class 2 success, 4 persistent transient, 5 permanent failure.
_STATUS_RE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_REPLY_RE = re.compile(r"\b([45])\d\d\b")
# Possessive: the local part cannot hold the "@" and a label cannot hold the ".", so giving
# characters back could never make a match, only cost a retry per character.
_ADDRESS_IN_TEXT_RE = re.compile(
    r"[A-Za-z0-9._%+=\-]{1,64}+@[A-Za-z0-9\-]{1,63}+(?:\.[A-Za-z0-9\-]{1,63}+)++"
)


@dataclass(frozen=True, slots=True)
class Bounce:
    recipient: str | None  # the address that failed, lowercased
    status: str | None  # RFC 3463 enhanced status code, e.g. "5.1.1"
    permanent: bool  # class 5 -> True; class 4 -> False; unknown -> True when it failed
    # Message-IDs (without <>) of the original message the report quotes: what proves it
    # answers our mail when it did not come to our VERP address (gateway.inbound.quoted_original).
    original_message_ids: tuple[str, ...] = ()


def detect_bounce(parsed: ParsedEmail, mail_from: str) -> Bounce | None:
    """The failed delivery this mail reports, or None if it is not a bounce.

    A standard report (RFC 3464 multipart/report; report-type=delivery-status) is read from its
    per-recipient fields; a success report is not a bounce. Otherwise a mail system's
    non-standard bounce is recognized by its sender (null, MAILER-DAEMON, postmaster) together
    with X-Failed-Recipients or a bounce subject. An out-of-office is never a bounce. A bounce
    carries the Message-IDs of the original message it quotes, if it quotes one.
    """
    bounce = _reported_failure(parsed, mail_from)
    if bounce is None:
        return None
    return replace(bounce, original_message_ids=original_message_ids(parsed))


def _reported_failure(parsed: ParsedEmail, mail_from: str) -> Bounce | None:
    report = _delivery_status_part(parsed.headers)
    if report is not None:
        blocks = _recipient_blocks(report)
        if blocks:
            return _bounce_from_blocks(blocks)
    if not _from_mail_system(parsed, mail_from):
        return None
    failed = _failed_recipients(parsed.headers)
    delayed = _DELAY_SUBJECT_RE.match(parsed.subject) is not None
    failure_subject = delayed or _FAILURE_SUBJECT_RE.match(parsed.subject) is not None
    if not (failed or failure_subject or report is not None):
        return None
    return _bounce_from_text(parsed, failed, delayed, mail_from)


def _delivery_status_part(msg: Message) -> Message | None:
    """The message/delivery-status part of a delivery report (RFC 3464 section 2, RFC 6522).

    The report-type parameter is not required: the part itself is the evidence, and a
    disposition notification (RFC 8098) has none.
    """
    if msg.get_content_type() != "multipart/report":
        return None
    # walk() recurses, but the tree is at most MAX_DEPTH deep and stopping after
    # MAX_REPORT_PARTS parts bounds the rest.
    for index, part in enumerate(msg.walk()):
        if index >= MAX_REPORT_PARTS:
            break
        if part.get_content_type() in DELIVERY_STATUS_TYPES:
            return part
    return None


def _recipient_blocks(report: Message) -> list[Message]:
    """The per-recipient field groups (RFC 3464 section 2.3): each blank-line separated group
    of a delivery-status body is read into its own Message."""
    payload = report.get_payload()
    if not isinstance(payload, list):
        return []
    return [
        block
        for block in payload
        if isinstance(block, Message)
        and any(name in block for name in ("Final-Recipient", "Original-Recipient", "Action"))
    ]


def _bounce_from_blocks(blocks: list[Message]) -> Bounce | None:
    """The first permanent failure, else the first temporary one; None for a success report."""
    bounces = [bounce for bounce in map(_bounce_from_block, blocks) if bounce is not None]
    permanent = [bounce for bounce in bounces if bounce.permanent]
    if permanent:
        return permanent[0]
    return bounces[0] if bounces else None


def _bounce_from_block(block: Message) -> Bounce | None:
    action = keyword(header_text(block, "Action"))
    status = _status_code(header_text(block, "Status")) or _status_code(
        header_text(block, "Diagnostic-Code")
    )
    status_class = status[0] if status else _smtp_reply_class(header_text(block, "Diagnostic-Code"))
    if action == ACTION_FAILED:
        permanent = status_class != "4"  # RFC 3464 section 2.3.3: failed, unknown class
    elif action == ACTION_DELAYED:
        permanent = False
    elif not action and status_class in ("4", "5"):
        permanent = status_class == "5"
    else:
        return None  # delivered, relayed, expanded: a success notice
    recipient = _report_address(header_text(block, "Final-Recipient")) or _report_address(
        header_text(block, "Original-Recipient")
    )
    return Bounce(recipient=recipient, status=status, permanent=permanent)


def _report_address(value: str) -> str | None:
    """The address of an RFC 3464 recipient field: "rfc822; user@example.com"."""
    _, semicolon, address = value.partition(";")
    address = (address if semicolon else value).strip().strip("<>").strip().lower()
    return address or None


def _status_code(text: str) -> str | None:
    match = _STATUS_RE.search(text)
    return match.group(0) if match else None


def _smtp_reply_class(text: str) -> str | None:
    match = _SMTP_REPLY_RE.search(text)
    return match.group(1) if match else None


def _from_mail_system(parsed: ParsedEmail, mail_from: str) -> bool:
    names = frozenset(name.lower() for name in parsed.headers)
    if is_null_sender(parsed.headers, names, mail_from):
        return True
    return from_local_part(parsed) in BOUNCE_SENDER_LOCAL_PARTS


def _failed_recipients(msg: Message) -> list[str]:
    """Addresses in X-Failed-Recipients (Exim), lowercased."""
    value = header_text(msg, "X-Failed-Recipients")[:FAILED_RECIPIENTS_SCAN_CHARS]
    return [match.group(0).lower() for match in _ADDRESS_IN_TEXT_RE.finditer(value)]


def _bounce_from_text(
    parsed: ParsedEmail, failed: list[str], delayed: bool, mail_from: str
) -> Bounce:
    """Best effort for a bounce without a delivery-status report: its human-readable text."""
    text = (parsed.text or parsed.html or "")[:BOUNCE_TEXT_SCAN_CHARS]
    recipient = failed[0] if failed else _first_foreign_address(parsed, text, mail_from)
    status = _status_code(text)
    # The status class decides when the text has one; else the subject says "delayed" or not.
    permanent = status[0] == "5" if status is not None else not delayed
    return Bounce(recipient=recipient, status=status, permanent=permanent)


def _first_foreign_address(parsed: ParsedEmail, text: str, mail_from: str) -> str | None:
    """The first address in the text that is not the bounce's own sender or recipient."""
    own = {parsed.from_address, *parsed.to, *parsed.delivered_to, mail_from.strip("<>").lower()}
    for match in _ADDRESS_IN_TEXT_RE.finditer(text):
        address = match.group(0).lower().strip(".")
        if address not in own:
            return address
    return None


__all__ = ["Bounce", "detect_bounce"]
