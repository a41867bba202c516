"""MIME parsing of one received raw message.

Owns turning the bytes a receiver (SMTP now, IMAP later) got into a `ParsedEmail`: addresses,
subject and message ids from the headers (RFC 5322, RFC 2047), the best text/plain and
text/html body parts, and the attachments. `parse_email` never raises on any byte string:
broken MIME is recorded by name in `ParsedEmail.defects` and whatever is readable is kept.

Every reader here is linear on any input and bounded per message, none of them the standard
library's: the MIME tree is read by gateway.inbound.mime_tree (at most MAX_PARTS parts, nesting
deeper than MAX_DEPTH not entered), parameters by gateway.inbound.mime_params, encoded-words
and charsets by gateway.inbound.encoded_text, and address fields by gateway.inbound.mailboxes:
From in full (`from_mailboxes` counts every mailbox of every From field, which the sender check
needs to be exactly one); To, Cc and Delivered-To/X-Original-To each up to
MAX_ADDRESS_LIST_CHARS characters, keeping at most MAX_LISTED_ADDRESSES addresses. Message-ID
lists keep at most MAX_REPLY_TO_IDS (In-Reply-To) and MAX_REFERENCES ids (References: its
first and last, as RFC 5322 section 3.6.4 lets a client trim them).

Outlook's TNEF container (winmail.dat) is opened by gateway.inbound.tnef: its files become
the message's attachments (named and limited as any other), its body the message's body
when the MIME parts carry none. The container itself is kept as a file only when nothing
in it could be read, so nothing is lost.

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

from gateway.inbound.attachment_names import (
    MAX_FILENAME_CHARS,
    content_type_for,
    made_up_name,
    sanitize_filename,
)
from gateway.inbound.body_text import (
    TEXT_HTML,
    TEXT_PLAIN,
    decode_text_part,
    payload_bytes,
    raw_payload,
    transfer_decoded,
)
from gateway.inbound.encoded_text import UTF_8, decode_rfc2047, header_value_text
from gateway.inbound.mailboxes import read_mailbox_list
from gateway.inbound.mime_params import param_value
from gateway.inbound.mime_tree import PartHeaders, ReceivedPart, read_message
from gateway.inbound.tnef import TnefContent, is_tnef, read_tnef

log = logging.getLogger(__name__)

# Recipient fields: a real list of a few hundred addresses fits in far less.
MAX_ADDRESS_LIST_CHARS = 65_536
MAX_LISTED_ADDRESSES = 500
MAX_REPLY_TO_IDS = 10  # In-Reply-To names one message (RFC 5322 section 3.6.4); a few are kept
MAX_REFERENCES = 100
FIRST_REFERENCES = 10  # kept from the start of a longer References (the thread's root)

# Parts that are machinery, not files a person attached: signatures of multipart/signed
# (RFC 1847, RFC 3156, RFC 8551), the control part of PGP/MIME encryption, and the
# machine-readable parts of delivery and disposition reports (RFC 3464, RFC 8098), which
# classification reads from `ParsedEmail.headers` itself.
IGNORED_PART_TYPES = frozenset(
    {
        "application/pgp-signature",
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "application/pgp-encrypted",
        "message/delivery-status",
        "message/global-delivery-status",
        "message/disposition-notification",
        "message/global-disposition-notification",
        "text/rfc822-headers",
        "text/global-headers",
    }
)

_MSG_ID_RE = re.compile(r"<([^<>]*+)>")
_ID_TOKEN_SPLIT_RE = re.compile(r"[\s,]+")
_ANGLES = frozenset("<>")  # never inside an id (RFC 5322 section 3.6.4)
# What a display name or subject never carries onward (EMAIL-RULES section 3): controls
# (C0, DEL, C1) and the line and paragraph separators, written as spaces.
_NOT_ONE_LINE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str  # sanitized; made up ("image-1.png", "forwarded.eml") for unnamed parts
    content_type: str  # lowercased "type/subtype"
    data: bytes
    inline: bool  # Content-Disposition inline, or has a Content-ID
    content_id: str | None  # without <>


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    from_address: str | None  # the first From mailbox's addr-spec, lowercased; None if none
    from_name: str  # its decoded display name, "" if none
    # Mailboxes across ALL From fields (group members included) and "name: ...;" groups: the
    # sender check needs exactly one mailbox, however the others are dressed up.
    from_mailboxes: int
    from_groups: int
    to: tuple[str, ...]  # at most MAX_LISTED_ADDRESSES each, lowercased, in order
    cc: tuple[str, ...]
    delivered_to: tuple[str, ...]  # Delivered-To and X-Original-To values
    subject: str  # RFC 2047 decoded, whitespace collapsed
    message_id: str | None  # without <>; None if absent or empty
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]  # in order
    text: str | None  # first non-attachment text/plain part with readable text, "\n" endings
    html: str | None  # first non-attachment text/html part with any text
    attachments: tuple[Attachment, ...]
    headers: Message  # the message tree (compat32 API, gateway.inbound.mime_tree)
    defects: tuple[str, ...]  # names of the MIME defects found (informational)


@dataclass(slots=True)
class _Body:
    text: str | None = None
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    unnamed: dict[str, int] = field(default_factory=dict)  # made-up names given, per kind
    # The body a TNEF container carried: used when no MIME part is a body.
    tnef_text: str | None = None
    tnef_html: str | None = None


# Headers `parse_email` reads, collected in one pass over the header list.
_WANTED_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "delivered-to",
        "x-original-to",
        "subject",
        "message-id",
        "in-reply-to",
        "references",
    }
)


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one raw message. Never raises; broken parts are skipped and named in `defects`."""
    msg, defects = _read_tree(raw)
    fields = _collect_headers(msg)
    from_list = read_mailbox_list(fields.get("from", []))
    first = from_list.mailboxes[0] if from_list.mailboxes else from_list.first_named
    body = _read_body(msg, defects)
    return ParsedEmail(
        from_address=first.address if first else None,
        from_name=_collapse_whitespace(decode_rfc2047(first.name)) if first else "",
        from_mailboxes=from_list.count,
        from_groups=from_list.groups,
        to=_address_list(fields.get("to", [])),
        cc=_address_list(fields.get("cc", [])),
        delivered_to=_address_list(
            fields.get("delivered-to", []) + fields.get("x-original-to", [])
        ),
        subject=_collapse_whitespace(decode_rfc2047(_first(fields, "subject"))),
        message_id=_message_id(_first(fields, "message-id")),
        in_reply_to=_msg_ids(" ".join(fields.get("in-reply-to", [])))[:MAX_REPLY_TO_IDS],
        references=_first_and_last(_msg_ids(" ".join(fields.get("references", [])))),
        text=body.text,
        html=body.html,
        attachments=tuple(body.attachments),
        headers=msg,
        defects=tuple(dict.fromkeys(defects)),
    )


def header_text(msg: Message, name: str) -> str:
    """The first `name` header, unfolded and RFC 2047 decoded; "" if absent. Never raises."""
    try:
        key = name.lower()
        for field_name, value in msg.raw_items():
            if field_name.lower() == key:
                return decode_rfc2047(header_value_text(value)).strip()
    except Exception:  # a header value no decoder expected must not fail the caller
        return ""
    return ""


# --- headers -------------------------------------------------------------------------------


def _read_tree(raw: bytes) -> tuple[ReceivedPart, list[str]]:
    try:
        return read_message(raw)
    except Exception:  # a bug in the reader must not lose the message: keep it, say why
        return ReceivedPart(), ["ParseError"]


def _collect_headers(msg: Message) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        key = name.lower()
        if key in _WANTED_HEADERS:
            found.setdefault(key, []).append(header_value_text(value))
    return found


def _first(fields: dict[str, list[str]], name: str) -> str:
    values = fields.get(name)
    return values[0] if values else ""


def _collapse_whitespace(text: str) -> str:
    """`text` on one line: controls and line breaks as spaces, runs of spaces as one."""
    return " ".join(_NOT_ONE_LINE_RE.sub(" ", text).split())


def _address_list(values: list[str]) -> tuple[str, ...]:
    """The addresses of recipient fields, lowercased, each once, in order.

    Read by the same linear reader as From (addresses are split before RFC 2047 decoding:
    a decoded display name may hold the commas and angle brackets that separate them, RFC 2047
    section 5 rule 3), within MAX_ADDRESS_LIST_CHARS characters and MAX_LISTED_ADDRESSES.
    """
    found = read_mailbox_list(values, MAX_ADDRESS_LIST_CHARS).mailboxes
    addresses = dict.fromkeys(mailbox.address for mailbox in found if mailbox.address)
    return tuple(addresses)[:MAX_LISTED_ADDRESSES]


def _message_id(value: str) -> str | None:
    ids = _msg_ids(value)
    if ids:
        return ids[0]
    token = value.strip().strip("<>").strip()
    return token.split()[0] if token else None


def _msg_ids(value: str) -> tuple[str, ...]:
    """Message ids in order, without <> (RFC 5322 section 3.6.4), duplicates dropped.

    Clients that forget the brackets are tolerated: then every token holding an "@" counts,
    which skips the "Your message of ..." prose some old clients put in In-Reply-To.
    """
    ids = ["".join(found.split()) for found in _MSG_ID_RE.findall(value)]
    if not any(ids):
        tokens = (token.strip("<>") for token in _ID_TOKEN_SPLIT_RE.split(value))
        ids = [token for token in tokens if "@" in token and not _ANGLES.intersection(token)]
    return tuple(dict.fromkeys(mid for mid in ids if mid))


def _first_and_last(ids: tuple[str, ...]) -> tuple[str, ...]:
    if len(ids) <= MAX_REFERENCES:
        return ids
    return ids[:FIRST_REFERENCES] + ids[len(ids) - (MAX_REFERENCES - FIRST_REFERENCES) :]


# --- body ----------------------------------------------------------------------------------


def _read_body(msg: ReceivedPart, defects: list[str]) -> _Body:
    body = _Body()
    for part in _leaf_parts(msg):
        try:
            _take_leaf(part, part.mime, body, defects)
        except Exception:  # one undecodable part must not lose the rest of the message
            defects.append("PartDecodeError")
    if body.text is None and body.html is None:
        body.text, body.html = body.tnef_text, body.tnef_html
    return body


def _leaf_parts(msg: ReceivedPart) -> Iterator[ReceivedPart]:
    """Leaf parts in document order, without recursion (the tree is already bounded).
    message/* parts are leaves: their messages are attachments."""
    stack = [msg]
    while stack:
        part = stack.pop()
        payload = raw_payload(part)
        if isinstance(payload, list) and part.get_content_maintype() == "multipart":
            stack.extend(child for child in reversed(payload) if isinstance(child, ReceivedPart))
        else:
            yield part


def _take_leaf(part: ReceivedPart, headers: PartHeaders, body: _Body, defects: list[str]) -> None:
    content_type, disposition = headers.content_type, headers.disposition
    filename = _filename(headers)
    # RFC 2183: a text part with a filename or "attachment" disposition is a file, not the body.
    if content_type in (TEXT_PLAIN, TEXT_HTML) and not filename and disposition != "attachment":
        _take_body_text(part, headers, body, defects)
        return
    if content_type in IGNORED_PART_TYPES:
        return
    named = bool(filename) or disposition == "attachment"
    if not (named or content_type.startswith(("image/", "message/"))):
        defects.append("UnnamedPartIgnored")  # e.g. text/calendar alternatives, stray blobs
        return
    data: bytes | None
    if content_type.startswith("message/"):
        data = _message_bytes(part, headers.encoding)
    else:
        data = payload_bytes(part, headers.encoding)
    if not data or not data.strip():
        return
    if is_tnef(content_type, filename) and _take_tnef(data, body, defects):
        return
    body.attachments.append(
        Attachment(
            filename=sanitize_filename(filename) or made_up_name(content_type, body.unnamed),
            content_type=content_type,
            data=data,
            inline=disposition == "inline" or headers.content_id is not None,
            content_id=headers.content_id,
        )
    )


def _take_body_text(part: Message, headers: PartHeaders, body: _Body, defects: list[str]) -> None:
    if headers.content_type == TEXT_PLAIN and body.text is None:
        body.text = decode_text_part(part, headers, defects)
    elif headers.content_type == TEXT_HTML and body.html is None:
        body.html = decode_text_part(part, headers, defects)


def _take_tnef(data: bytes, body: _Body, defects: list[str]) -> bool:
    """Take what a TNEF container holds; False (keep the container) if nothing was read."""
    content: TnefContent = read_tnef(data)
    if content.problems:
        defects.append("TnefDefect")
        log.info("winmail.dat partly unreadable: %s", "; ".join(content.problems[:3]))
    if not content.decoded:
        log.info("winmail.dat kept as a file: nothing in it could be read")
        return False
    if content.text and content.text.strip() and body.tnef_text is None:
        text = content.text.replace("\r\n", "\n").replace("\r", "\n")
        body.tnef_text = text.replace("\x00", "")
    if content.html and content.html.strip() and body.tnef_html is None:
        body.tnef_html = content.html
    for file in content.files:
        filename = sanitize_filename(file.filename)
        content_type = file.content_type or content_type_for(filename)
        body.attachments.append(
            Attachment(
                filename=filename or made_up_name(content_type, body.unnamed),
                content_type=content_type,
                data=file.data,
                inline=file.content_id is not None,
                content_id=file.content_id,
            )
        )
    return True


# --- attachments ---------------------------------------------------------------------------


def _filename(headers: PartHeaders) -> str:
    """The decoded filename, or "": Content-Disposition filename (RFC 2183), else the older
    Content-Type name; RFC 2231 encoded, or RFC 2047 encoded as Outlook and Gmail send it.

    compat32's get_filename() is not used: it turns raw 8-bit names into U+FFFD.
    """
    name = param_value(headers.disposition_params, "filename") or param_value(
        headers.type_params, "name"
    )
    return decode_rfc2047(name).strip() if name else ""


def _message_bytes(part: ReceivedPart, encoding: str) -> bytes:
    """An embedded message (message/rfc822) as received, b"" if it is empty."""
    payload = raw_payload(part)
    if not isinstance(payload, list):
        return payload_bytes(part, encoding) or b""
    inner = next((child for child in payload if isinstance(child, Message)), None)
    if inner is None or _is_empty_message(inner):
        return b""
    # RFC 2046 section 5.2.1 allows only 7bit/8bit/binary here, but some clients encode anyway.
    return transfer_decoded(part, part.raw_body().encode(UTF_8, "surrogateescape"), encoding)


def _is_empty_message(msg: Message) -> bool:
    payload = raw_payload(msg)
    return not msg.keys() and isinstance(payload, str) and not payload.strip()


__all__ = ["MAX_FILENAME_CHARS", "Attachment", "ParsedEmail", "header_text", "parse_email"]
