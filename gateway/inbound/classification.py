"""Automated-mail and bounce detection for one parsed inbound email.

Owns the answer to three questions the intake asks before posting anything (EMAIL-RULES
section 2): is this a bounce, for which address, and which original does it quote
(`detect_bounce`); is this mail automated, so it is never posted as a person's words nor
answered (`detect_automated`); did a person's sender ask responders for no out-of-office reply
(`asks_for_no_out_of_office`). All are pure functions of a `ParsedEmail` (and the SMTP
envelope sender).

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.message import Message

from gateway.inbound.parsing import ParsedEmail, header_text
from gateway.inbound.quoted_original import original_message_ids

DEFAULT_LOOP_HEADER = "X-Gateway-Loop"
MAX_REPORT_PARTS = 50  # parts looked at when searching a report for its delivery-status part
BOUNCE_TEXT_SCAN_CHARS = 20_000  # how much of a non-standard bounce is searched for details

# RFC 3834 section 5: any Auto-Submitted value other than "no" marks automated mail.
AUTO_SUBMITTED_PERSON = "no"
# Precedence is not standardized (RFC 2076 section 3.9 records it); these values are what
# list managers, bulk senders and vacation programs set.
AUTOMATED_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply", "auto-reply"})
# RFC 2369 section 3 and RFC 2919: any of these means mail sent through a list manager. A
# person's reply relayed by a mailing list is therefore "automated" too; the reason says
# "list header: ..." so a caller can tell it from an auto-responder.
LIST_HEADERS = (
    "List-Id",
    "List-Unsubscribe",
    "List-Post",
    "List-Help",
    "List-Subscribe",
    "List-Owner",
    "List-Archive",
)
# Non-standard auto-responder markers. X-Auto-Response-Suppress is deliberately absent:
# Outlook and Exchange put it on ordinary person-written mail to ask OTHERS not to auto-reply,
# so alone it says nothing about the sender (EMAIL-RULES section 2).
AUTORESPONDER_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponse")
# Senders that are mail systems rather than people (RFC 5321 section 4.5.1 postmaster; the
# MAILER-DAEMON of sendmail and Postfix; "bounce(s)" envelope and return addresses).
SYSTEM_LOCAL_PARTS = {
    "mailer-daemon": "mailer-daemon",
    "postmaster": "postmaster",
    "bounce": "bounce",
    "bounces": "bounce",
}
BOUNCE_SENDER_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster"})

# "noreply", "no-reply", "do_not_reply"... alone or as a word of the local part
# ("notifications-noreply", "no-reply-aws"), so real names like "noreplyjohn" do not match.
_NOREPLY_RE = re.compile(r"(?:^|[-_.+])(?:no[-_.]?reply|do[-_.]?not[-_.]?reply)(?:$|[-_.+])")
# Localized auto-reply subject prefixes (Outlook/Exchange, Lotus Notes, Gmail-style and our own
# "Auto:"). Matched only at the very start of the subject and only when followed by a colon (any
# width), a closing bracket or the end of the subject: "Out of office next week" and "Absence
# of evidence" are a person's subjects. "Re: Out of office" is a person answering an
# auto-reply, so reply prefixes are deliberately not stripped first.
AUTO_REPLY_SUBJECT_PREFIXES = (
    "Out of Office AutoReply",
    "Out of Office",
    "Automatic reply",
    "Auto-Reply",
    "Autoreply",
    "Auto Reply",
    "Auto",
    "Abwesenheitsnotiz",
    "Automatische Antwort",
    "Réponse automatique",
    "Reponse automatique",
    "Absence",
    "Respuesta automática",
    "Respuesta automatica",
    "Fuera de la oficina",
    "Risposta automatica",
    "Automatisch antwoord",
    "Afwezig",
    "Resposta automática",
    "Resposta automatica",
    "Autosvar",
    "Automatisk svar",
    "Automaattinen vastaus",
    "Odpowiedź automatyczna",
    "Automatická odpověď",
    "Otomatik yanıt",
    "Автоматический ответ",
    "Автоответ",
    "自动回复",
    "自動回覆",
    "自動返信",
    "自動応答",
    "자동 회신",
)
_AUTO_REPLY_SUBJECT_RE = re.compile(
    r"[\[(]?\s*("
    + "|".join(re.escape(p) for p in sorted(AUTO_REPLY_SUBJECT_PREFIXES, key=len, reverse=True))
    + r")\s*(?:[:：\])]|$)",
    re.IGNORECASE,
)
# Subjects mail systems give non-standard bounces (Postfix, Exim, sendmail, qmail, Gmail,
# Exchange and its translations, Lotus Notes).
_DELAY_SUBJECT_RE = re.compile(
    r"\s*(?:delayed mail|delivery delayed|delivery status notification \(delay\)"
    r"|warning: could not send message|mail delivery delayed)",
    re.IGNORECASE,
)
_FAILURE_SUBJECT_RE = re.compile(
    r"\s*(?:undelivered mail|undeliverable|delivery status notification \(failure\)"
    r"|mail delivery failed|delivery failure|returned mail|failure notice|delivery has failed"
    r"|mail delivery failure|unzustellbar|nicht zustellbar|non remis|no se puede entregar"
    r"|non recapitabile|onbestelbaar)",
    re.IGNORECASE,
)
# RFC 3463 enhanced status code; class 2 success, 4 persistent transient, 5 permanent failure.
_STATUS_RE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_REPLY_RE = re.compile(r"\b([45])\d\d\b")
_ADDRESS_IN_TEXT_RE = re.compile(
    r"[A-Za-z0-9._%+=\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})+"
)
_COMMENT_RE = re.compile(r"\([^()]*\)")

DELIVERY_STATUS_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
# RFC 3464 section 2.3.3 Action values that report a failure (delivered, relayed and expanded
# are success notices, not bounces).
ACTION_FAILED = "failed"
ACTION_DELAYED = "delayed"


@dataclass(frozen=True, slots=True)
class Automated:
    reason: str  # short machine-readable reason, e.g. "auto-submitted: auto-replied"


@dataclass(frozen=True, slots=True)
class Bounce:
    recipient: str | None  # the address that failed, lowercased
    status: str | None  # RFC 3463 enhanced status code, e.g. "5.1.1"
    permanent: bool  # class 5 -> True; class 4 -> False; unknown -> True when it failed
    # Message-IDs (without <>) of the original message the report quotes: what proves it
    # answers our mail when it did not come to our VERP address (gateway.inbound.quoted_original).
    original_message_ids: tuple[str, ...] = ()


# [MS-OXCMAIL] section 2.1.3.2.20: values of X-Auto-Response-Suppress that ask responders not
# to send an out-of-office reply ("OOF") or any automatic reply ("All"). Outlook puts them on
# ordinary replies, so such mail is still a person's message and posted; only the email
# answer is left out.
SUPPRESS_OUT_OF_OFFICE = frozenset({"all", "oof"})


# --- automated mail ------------------------------------------------------------------------


def detect_automated(
    parsed: ParsedEmail, mail_from: str, loop_header: str = DEFAULT_LOOP_HEADER
) -> Automated | None:
    """Why this mail is automated (EMAIL-RULES section 2), or None for person-written mail.

    Checks run in a fixed order, strongest evidence first, and the first match is returned:
    our loop header, null envelope sender, multipart/report, X-Failed-Recipients,
    Auto-Submitted, system or noreply sender (From, then envelope), Precedence/X-Precedence,
    X-Autoreply family, list headers, auto-reply subject.
    """
    headers = parsed.headers
    # Header names once, lowercased: compat32's `name in msg` lowercases every name per test.
    names = frozenset(name.lower() for name in headers)  # iterating a Message gives names
    checks: tuple[Callable[[], str | None], ...] = (
        lambda: "loop header" if loop_header.lower() in names else None,
        lambda: "null sender" if _is_null_sender(headers, names, mail_from) else None,
        lambda: "multipart/report" if headers.get_content_type() == "multipart/report" else None,
        lambda: "x-failed-recipients" if "x-failed-recipients" in names else None,
        lambda: _auto_submitted_reason(headers, names),
        lambda: _sender_reason(parsed, mail_from),
        lambda: _precedence_reason(headers, names),
        lambda: _autoresponder_reason(names),
        lambda: _list_reason(names),
        lambda: _subject_reason(parsed.subject),
    )
    for check in checks:
        reason = check()
        if reason is not None:
            return Automated(reason)
    return None


def _is_null_sender(msg: Message, names: frozenset[str], mail_from: str) -> bool:
    # RFC 5321 section 4.5.5: notifications are sent with the null reverse-path. Mail fetched
    # rather than received (IMAP) carries it as "Return-Path: <>" instead of an envelope.
    if not mail_from.strip().strip("<>").strip():
        return True
    return "return-path" in names and not header_text(msg, "Return-Path").strip("<> \t")


def _auto_submitted_reason(msg: Message, names: frozenset[str]) -> str | None:
    if "auto-submitted" not in names:
        return None
    value = _keyword(header_text(msg, "Auto-Submitted"))
    if value == AUTO_SUBMITTED_PERSON:
        return None
    return f"auto-submitted: {value or 'empty'}"


def _keyword(value: str) -> str:
    """The first token of a structured header, lowercased: parameters after ";" and
    (comments) dropped (RFC 3834 section 5 allows both)."""
    value = _COMMENT_RE.sub(" ", value.partition(";")[0])
    words = value.split()
    return words[0].lower() if words else ""


def _sender_reason(parsed: ParsedEmail, mail_from: str) -> str | None:
    from_kind = _system_sender_kind(_from_local_part(parsed))
    if from_kind is not None:
        return f"sender: {from_kind}"
    envelope_kind = _system_sender_kind(_local_part(mail_from))
    if envelope_kind is not None:
        return f"envelope sender: {envelope_kind}"
    return None


def _system_sender_kind(local_part: str) -> str | None:
    if local_part in SYSTEM_LOCAL_PARTS:
        return SYSTEM_LOCAL_PARTS[local_part]
    if _NOREPLY_RE.search(local_part):
        return "noreply"
    return None


def _from_local_part(parsed: ParsedEmail) -> str:
    if parsed.from_address is not None:
        return _local_part(parsed.from_address)
    # "From: MAILER-DAEMON (Mail Delivery System)" has no domain, so parsing left no address.
    raw = header_text(parsed.headers, "From")
    return _local_part(_COMMENT_RE.sub(" ", raw).strip().strip("<>"))


def _local_part(address: str) -> str:
    address = address.strip().strip("<>").strip().lower()
    local_part = address.rpartition("@")[0] if "@" in address else address
    return local_part.strip('"')


def _precedence_reason(msg: Message, names: frozenset[str]) -> str | None:
    for name in ("Precedence", "X-Precedence"):
        if name.lower() not in names:
            continue
        value = _keyword(header_text(msg, name))
        if value in AUTOMATED_PRECEDENCE:
            return f"{name.lower()}: {value}"
    return None


def _autoresponder_reason(names: frozenset[str]) -> str | None:
    for name in AUTORESPONDER_HEADERS:
        if name.lower() in names:
            return name.lower()
    return None


def _list_reason(names: frozenset[str]) -> str | None:
    for name in LIST_HEADERS:
        if name.lower() in names:
            return f"list header: {name}"
    return None


def _subject_reason(subject: str) -> str | None:
    match = _AUTO_REPLY_SUBJECT_RE.match(unicodedata.normalize("NFC", subject))
    return f"subject: {match.group(1).lower()}" if match else None


# --- bounces -------------------------------------------------------------------------------


def asks_for_no_out_of_office(parsed: ParsedEmail) -> bool:
    """Whether the sender asked not to get out-of-office replies ("DR, OOF", "All"...)."""
    values = ",".join(
        str(value) for value in parsed.headers.get_all("X-Auto-Response-Suppress", [])
    )
    return any(token.strip().lower() in SUPPRESS_OUT_OF_OFFICE for token in values.split(","))


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
    # walk() recurses, but stopping after MAX_REPORT_PARTS parts also bounds its depth.
    for index, part in enumerate(msg.walk()):
        if index >= MAX_REPORT_PARTS:
            break
        if part.get_content_type() in DELIVERY_STATUS_TYPES:
            return part
    return None


def _recipient_blocks(report: Message) -> list[Message]:
    """The per-recipient field groups (RFC 3464 section 2.3): compat32 parses each blank-line
    separated group of a delivery-status body into its own Message."""
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
    action = _keyword(header_text(block, "Action"))
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
    if _is_null_sender(parsed.headers, names, mail_from):
        return True
    return _from_local_part(parsed) in BOUNCE_SENDER_LOCAL_PARTS


def _failed_recipients(msg: Message) -> list[str]:
    """Addresses in X-Failed-Recipients (Exim), lowercased."""
    value = header_text(msg, "X-Failed-Recipients")
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
