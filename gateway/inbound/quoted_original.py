"""The Message-IDs of the original message a bounce quotes.

Owns finding which of our emails a bounce is about, when it did not come to our signed VERP
address: the Message-ID of the returned message, read from the report's message/rfc822 or
message/global part (RFC 3464 section 2, RFC 6533), from its text/rfc822-headers part
(RFC 6522 section 3) or message/global-headers part, or, for bounces that are not reports
(Exim, qmail, old sendmail), from the original header lines quoted in the text. Whether an id
is really ours, sent to the address the report names, is gateway.inbound.bounce_scoring's
question: anyone can write any id, but only who received our email knows it.

Hostile reports can be huge: at most MAX_REPORT_PARTS parts are looked at (never entering the
quoted message's own parts), MAX_QUOTED_FIELDS header fields of a quoted message,
QUOTED_TEXT_SCAN_CHARS characters of quoted text, and at most MAX_ORIGINAL_IDS ids are kept.
Every pattern is anchored at line starts and cannot backtrack.

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from email.message import Message

from gateway.inbound.parsing import ParsedEmail

MAX_ORIGINAL_IDS = 5
MAX_REPORT_PARTS = 50
MAX_QUOTED_FIELDS = 200
QUOTED_TEXT_SCAN_CHARS = 32_000
MAX_ID_CHARS = 255  # our Message-IDs are far shorter; the outbox column holds 255
MAX_VALUE_CHARS = 1000  # of one Message-ID field value: an id and some folding

QUOTED_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
QUOTED_HEADER_TYPES = frozenset(
    {"text/rfc822-headers", "message/global-headers", "text/global-headers"}
)

# A Message-ID header line, indented or ">"-quoted as some bounces quote it, with at most one
# folded continuation line (RFC 5322 section 2.2.3).
_MESSAGE_ID_LINE_RE = re.compile(
    r"^[ \t>]*Message-ID[ \t]*:(?P<value>[^\r\n]*(?:\r?\n[ \t]+[^\r\n]*)?)",
    re.IGNORECASE | re.MULTILINE,
)
_ANGLE_ID_RE = re.compile(rf"<[ \t\r\n]*([^<>\s]{{1,{MAX_ID_CHARS}}})[ \t\r\n]*>")
_NOT_BASE64_RE = re.compile(r"[^A-Za-z0-9+/]")


def original_message_ids(parsed: ParsedEmail) -> tuple[str, ...]:
    """The Message-IDs (without <>) of the message this bounce returns, first found first."""
    found: dict[str, None] = {}
    for part in _report_parts(parsed.headers):
        content_type = part.get_content_type()
        if content_type in QUOTED_MESSAGE_TYPES:
            _add(found, _ids_of_quoted_message(part))
        elif content_type in QUOTED_HEADER_TYPES:
            _add(found, ids_in_header_text(_leaf_text(part)))
        if len(found) >= MAX_ORIGINAL_IDS:
            break
    if not found:  # not a report: the original's headers may be quoted in the text
        _add(found, ids_in_header_text((parsed.text or "")[:QUOTED_TEXT_SCAN_CHARS]))
    return tuple(found)[:MAX_ORIGINAL_IDS]


def ids_in_header_text(text: str) -> list[str]:
    """Message-IDs of the Message-ID header lines in quoted header text (the first
    QUOTED_TEXT_SCAN_CHARS characters of it)."""
    ids: list[str] = []
    for match in _MESSAGE_ID_LINE_RE.finditer(text[:QUOTED_TEXT_SCAN_CHARS]):
        ids.extend(_ids_in_value(match.group("value")))
        if len(ids) >= MAX_ORIGINAL_IDS:
            break
    return ids


def _add(found: dict[str, None], ids: list[str]) -> None:
    for message_id in ids:
        if len(found) >= MAX_ORIGINAL_IDS:
            return
        found.setdefault(message_id)


def _report_parts(msg: Message) -> Iterator[Message]:
    """The parts of the bounce in document order, at most MAX_REPORT_PARTS, without recursion
    and without entering a quoted message's own parts."""
    stack = [msg]
    seen = 0
    while stack and seen < MAX_REPORT_PARTS:
        part = stack.pop()
        seen += 1
        yield part
        payload = part.get_payload()
        if part.get_content_maintype() == "multipart" and isinstance(payload, list):
            stack.extend(reversed([child for child in payload if isinstance(child, Message)]))


def _ids_of_quoted_message(part: Message) -> list[str]:
    payload = part.get_payload()
    if not isinstance(payload, list):  # not parsed as a message (e.g. encoded): read as text
        return ids_in_header_text(_leaf_text(part))
    inner = next((child for child in payload if isinstance(child, Message)), None)
    if inner is None:
        return []
    ids: list[str] = []
    for index, (name, value) in enumerate(inner.raw_items()):
        if index >= MAX_QUOTED_FIELDS or len(ids) >= MAX_ORIGINAL_IDS:
            break
        if name.strip().lower() == "message-id":
            ids.extend(_ids_in_value(str(value)))
    return ids


def _leaf_text(part: Message) -> str:
    """The start of a leaf part's text, its transfer encoding undone (bounded before decoding)."""
    payload = part.get_payload()
    if not isinstance(payload, str):
        return ""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    text = payload[: QUOTED_TEXT_SCAN_CHARS * 2]
    try:
        if encoding == "base64":
            digits = _NOT_BASE64_RE.sub("", text)
            return binascii.a2b_base64(digits[: len(digits) // 4 * 4]).decode("utf-8", "replace")
        if encoding == "quoted-printable":
            return binascii.a2b_qp(text.encode("utf-8", "surrogateescape")).decode(
                "utf-8", "replace"
            )
    except (binascii.Error, ValueError):
        return ""
    return text


def _ids_in_value(value: str) -> list[str]:
    """The ids of one Message-ID field value: in angle brackets, or a bare id@domain token."""
    value = value[:MAX_VALUE_CHARS]
    ids = _ANGLE_ID_RE.findall(value)
    if not ids:  # clients that forget the brackets
        ids = [word for word in value.split() if "@" in word and len(word) <= MAX_ID_CHARS][:1]
    return ids[:MAX_ORIGINAL_IDS]
