"""Automated-mail detection for one parsed inbound email.

Owns two questions the intake asks before posting anything (EMAIL-RULES section 2): is this
mail automated, so it is never posted as a person's words nor answered (`detect_automated`);
did a person's sender ask responders for no out-of-office reply (`asks_for_no_out_of_office`).
Both are pure functions of a `ParsedEmail` (and the SMTP envelope sender). Bounces are read by
gateway.inbound.bounce_reports, which shares the sender tests here.

Every pattern is anchored at the start of what it reads or stops at the first character that
cannot belong to it, so each runs in one pass over a header value of any length.

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

from gateway.inbound.parsing import ParsedEmail, header_text

DEFAULT_LOOP_HEADER = "X-Gateway-Loop"

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
_COMMENT_RE = re.compile(r"\([^()]*+\)")


@dataclass(frozen=True, slots=True)
class Automated:
    reason: str  # short machine-readable reason, e.g. "auto-submitted: auto-replied"


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
        lambda: "null sender" if is_null_sender(headers, names, mail_from) else None,
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


def is_null_sender(msg: Message, names: frozenset[str], mail_from: str) -> bool:
    """Whether the mail came from the null reverse-path (`names`: its header names, lowercased)."""
    # RFC 5321 section 4.5.5: notifications are sent with the null reverse-path. Mail fetched
    # rather than received (IMAP) carries it as "Return-Path: <>" instead of an envelope.
    if not mail_from.strip().strip("<>").strip():
        return True
    return "return-path" in names and not header_text(msg, "Return-Path").strip("<> \t")


def _auto_submitted_reason(msg: Message, names: frozenset[str]) -> str | None:
    if "auto-submitted" not in names:
        return None
    value = keyword(header_text(msg, "Auto-Submitted"))
    if value == AUTO_SUBMITTED_PERSON:
        return None
    return f"auto-submitted: {value or 'empty'}"


def keyword(value: str) -> str:
    """The first token of a structured header, lowercased: parameters after ";" and
    (comments) dropped (RFC 3834 section 5 allows both)."""
    value = _COMMENT_RE.sub(" ", value.partition(";")[0])
    words = value.split()
    return words[0].lower() if words else ""


def _sender_reason(parsed: ParsedEmail, mail_from: str) -> str | None:
    from_kind = _system_sender_kind(from_local_part(parsed))
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


def from_local_part(parsed: ParsedEmail) -> str:
    """The local part of the From address, lowercased ("mailer-daemon"); "" if none."""
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
        value = keyword(header_text(msg, name))
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


def asks_for_no_out_of_office(parsed: ParsedEmail) -> bool:
    """Whether the sender asked not to get out-of-office replies ("DR, OOF", "All"...)."""
    values = ",".join(
        str(value) for value in parsed.headers.get_all("X-Auto-Response-Suppress", [])
    )
    return any(token.strip().lower() in SUPPRESS_OUT_OF_OFFICE for token in values.split(","))


__all__ = [
    "AUTO_REPLY_SUBJECT_PREFIXES",
    "Automated",
    "asks_for_no_out_of_office",
    "detect_automated",
    "from_local_part",
    "is_null_sender",
    "keyword",
]
