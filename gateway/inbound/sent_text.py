"""Our own emails as a reply may quote them: the text part, and the names an attribution
line may show for our From (the display name, its author and room parts, our address).

Owns reading the bytes we sent (from the outbox) for ``gateway.inbound.own_quote``. These
are our own bytes, composed by ``gateway.outbound``: the stdlib parser is trusted with them.

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes
from email.errors import MessageError
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr

# A name shorter than this is too common to count as our sender's name in an attribution.
MIN_NAME_CHARS = 3
_ELLIPSIS = "\u2026"


@dataclass(frozen=True, slots=True)
class SentText:
    """One email of ours as a reply may quote it: its text part, and the names the client's
    attribution line may show for it (the From display name and its parts, our address)."""

    text: str
    names: tuple[str, ...] = ()


def sent_text_of(raw: bytes) -> SentText | None:
    """Our email's text part and From names, read from the bytes we sent; None without a
    text part."""
    message = message_from_bytes(raw)
    text = _first_plain_text(message)
    if text is None:
        return None
    try:
        sender = str(make_header(decode_header(str(message.get("From", "")))))
    except (ValueError, LookupError, UnicodeError, MessageError):
        sender = ""
    display, address = parseaddr(sender)
    return SentText(text, _names(display, address))


def _first_plain_text(message: Message) -> str | None:
    for part in message.walk():
        if part.get_content_type() != "text/plain" or part.get_filename():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            charset = part.get_content_charset() or "utf-8"
            try:
                return payload.decode(charset, "replace")
            except LookupError:
                return payload.decode("utf-8", "replace")
    return None


def _names(display: str, address: str) -> tuple[str, ...]:
    """What an attribution may show of our From: the display name, its author and room
    parts ("Alice Archer via Project X", a shortened title without its ellipsis), the
    address."""
    display = " ".join(display.split())
    author, via, room = display.rpartition(" via ")
    candidates = [display, address]
    if via:
        candidates += [author, room.rstrip(_ELLIPSIS).strip()]
    return tuple(dict.fromkeys(c for c in candidates if len(c) >= MIN_NAME_CHARS))
