"""What intake would decide for one email sent to one reply address, without doing it.

Runs the whole pipeline the SMTP listener runs (reading, routing by the reply address, the
sender check, the room's rules, posting) in one transaction that is then rolled back, and
says what the sender would have been answered. Nothing is stored, posted or queued. For
`gateway inspect-email --rcpt`: an operator sees in one place why a reply came out as it did.
Must not import Flask.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.inbound.intake import accept_emails
from gateway.inbound.preparation import Envelope, IntakeConfig, prepare_email
from gateway.inbound.smtp import reply_for_results
from gateway.store.database import Database
from gateway.store.models import InboundOutcome


def decide_without_posting(
    database: Database, raw: bytes, envelope: Envelope, config: IntakeConfig, *, now: datetime
) -> dict[str, Any]:
    """The outcome, reason and SMTP reply intake would give `raw` for `envelope`."""
    prepared = prepare_email(raw, envelope, config)
    with database.session() as session, session.begin():
        try:
            [result] = accept_emails(session, [prepared], config, now=now)
        finally:
            session.rollback()
    return {
        "recipient": envelope.recipient,
        "mail_from": envelope.mail_from,
        "posted": result.outcome is InboundOutcome.POSTED,
        "outcome": result.outcome.value,
        "reason": result.reason,
        "smtp_reply": reply_for_results([result]),
    }
