"""The envelope of a message found in a mailbox: who it was for, and its envelope sender.

Owns the rule that stands in for SMTP's RCPT TO and MAIL FROM when mail is read from a
mailbox, where there is no envelope. The recipient is one of our addresses (reply, system
or support) named by the headers the delivering MTA writes (Delivered-To, then
X-Original-To: the address it delivered to), else every one the To and Cc fields name, one
delivery each, as an SMTP transaction naming them all would give. The same message received
over SMTP is thereby keyed to the same recipient, so intake stores it once (Message-ID +
recipient).
Mail naming none of ours keeps its first recipient, for intake to refuse and record. The
envelope sender is the Return-Path the final MTA wrote (RFC 5321 section 4.4), "" for `<>`.

Only the header block is read, through the intake's own linear parser: pure, no database.
Must not import aioimaplib or sqlalchemy.
"""

from __future__ import annotations

from gateway.core.reply_addresses import verify_reply_local_part
from gateway.inbound.mailboxes import read_mailbox_list
from gateway.inbound.parsing import header_text, parse_email
from gateway.inbound.preparation import Envelope, IntakeConfig, is_system_address
from gateway.inbound.support_routing import is_support_recipient

# A header block this long is not one a mail client wrote; only its start is read.
MAX_HEADER_BYTES = 256 * 1024


def mailbox_envelopes(raw: bytes, config: IntakeConfig) -> list[Envelope]:
    """One envelope per delivery of `raw`, as SMTP would have received it (at least one)."""
    parsed = parse_email(_header_block(raw))
    sender = _envelope_sender(header_text(parsed.headers, "return-path"), parsed.from_address)
    delivered = [a for a in parsed.delivered_to if _is_ours(a, config)]
    if delivered:
        return [Envelope(sender, delivered[0])]
    named = [a for a in dict.fromkeys((*parsed.to, *parsed.cc)) if _is_ours(a, config)]
    if named:
        return [Envelope(sender, address) for address in named]
    fallback = (*parsed.delivered_to, *parsed.to, *parsed.cc)
    return [Envelope(sender, fallback[0] if fallback else "")]


def _header_block(raw: bytes) -> bytes:
    head = raw[:MAX_HEADER_BYTES]
    ends = [end for end in (head.find(b"\r\n\r\n"), head.find(b"\n\n")) if end >= 0]
    return head[: min(ends)] + b"\r\n\r\n" if ends else head + b"\r\n\r\n"


def _is_ours(address: str, config: IntakeConfig) -> bool:
    if is_support_recipient(address, config):
        return True
    local_part, _, domain = address.rpartition("@")
    if domain != config.mail_domain.lower():
        return False
    return is_system_address(address, config.mail_domain) or (
        verify_reply_local_part(local_part, config.keys) is not None
    )


def _envelope_sender(return_path: str, from_address: str | None) -> str:
    """The Return-Path's address ("" for the null sender); without one, the From address."""
    if not return_path:
        return from_address or ""
    if return_path.strip().strip("<>").strip() == "":
        return ""
    found = read_mailbox_list([return_path]).mailboxes
    return (found[0].address or "") if found else ""
