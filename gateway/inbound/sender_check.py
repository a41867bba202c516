"""Whether the sender of a reply may post as the member its reply address names.

Owns the sender rules of EMAIL-RULES 1.6: the From address must be the member the reply
address names. Pure: no database.

Must not import aiosmtpd, aioimaplib, Flask or smtplib.
"""

from __future__ import annotations

from gateway.core.errors import InvalidInput, NotAllowed
from gateway.core.reply_addresses import ReplyTarget
from gateway.inbound.parsing import ParsedEmail


def check_sender(parsed: ParsedEmail, target: ReplyTarget) -> None:
    """Raise unless the From address is the member the reply address names."""
    if parsed.from_address is None:
        raise InvalidInput("your email has no valid From address")
    if parsed.from_address != target.user_email:
        raise NotAllowed(
            f"this reply address belongs to another person; {parsed.from_address} may not post "
            "with it (answer from the address the notification was sent to)"
        )
