"""Whether the sender of a reply may post as the member its reply address names.

Owns the sender rules of EMAIL-RULES 1.6: From names exactly one mailbox, in one From field,
and it is the member the reply address names. Two From fields, several mailboxes in one, or
group syntax are refused whoever else they name: which of them a mail client shows as the
author is the client's choice, so none of them is trusted. A Sender field changes nothing
(RFC 5322 section 3.6.2: Sender names who transmitted the message, not who wrote it; it is
required when From has several mailboxes precisely because From then names several authors).
Pure: no database.

Must not import aiosmtpd, aioimaplib, Flask or smtplib.
"""

from __future__ import annotations

from gateway.core.errors import InvalidInput, NotAllowed
from gateway.core.reply_addresses import ReplyTarget
from gateway.inbound.parsing import ParsedEmail

ONE_AUTHOR = "a reply must name exactly one person in From, the one this reply address was sent to"


def check_sender(parsed: ParsedEmail, target: ReplyTarget) -> None:
    """Raise unless From names exactly one mailbox, the member the reply address names."""
    if parsed.from_groups:
        raise NotAllowed(f"your email's From is a group (name: ...;); {ONE_AUTHOR}")
    if parsed.from_mailboxes > 1:
        raise NotAllowed(f"your email names {parsed.from_mailboxes} senders in From; {ONE_AUTHOR}")
    if parsed.from_address is None:
        raise InvalidInput("your email has no valid From address")
    if parsed.from_address != target.user_email:
        raise NotAllowed(
            f"this reply address belongs to another person; {parsed.from_address} may not post "
            "with it (answer from the address the notification was sent to)"
        )
