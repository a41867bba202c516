"""Account emails: the sign-in link, composed and put in the outbox.

Owns the headers and context of emails about a person's own account (not a room's): no
Reply-To into a room, no list headers, no unsubscribe (the person asked for this email).
Shares composition's template environment, Message-ID format and 7-bit wire policy. Runs in
the caller's transaction and only flushes; delivery picks the row up like any other. Logs
name users and outbox ids, never links or tokens.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from sqlalchemy.orm import Session

from gateway.core.signin import LINK_LIFETIME
from gateway.outbound.composition import (
    BODY_TRANSFER_ENCODING,
    EMAIL_POLICY,
    NOTIFICATIONS_LOCAL_PART,
    new_message_id,
    one_line,
    render_email_template,
    set_automation_headers,
)
from gateway.settings import Settings
from gateway.store.models import OutboxEmail, OutboxState, User

logger = logging.getLogger(__name__)

SIGN_IN_LINK_KIND = "sign_in_link"
SIGN_IN_LINK_CATEGORY = "sign-in-link"
SIGN_IN_LINK_TEMPLATES = "email/sign_in_link"


def queue_sign_in_email(
    session: Session, user: User, link_url: str, settings: Settings, now: datetime
) -> OutboxEmail | None:
    """Queue the email carrying `link_url` to `user`; the outbox row, flushed.

    None (nothing queued) when the address cannot be written in a 7-bit header (an
    internationalized local part, RFC 6531): the same address would fail every retry.
    """
    context = _sign_in_context(user, link_url, settings)
    message_id = new_message_id(settings.mail_domain)
    try:
        raw = _compose(user, context, message_id, settings, now)
    except ValueError:
        logger.warning("sign-in email for user %s not queued: address cannot be written", user.id)
        return None
    email = OutboxEmail(
        kind=SIGN_IN_LINK_KIND,
        created_at=now,
        user_id=user.id,
        envelope_from=settings.notifications_from,
        recipient=user.email,
        message_id_header=message_id,
        raw=raw,
        state=OutboxState.QUEUED,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(email)
    session.flush()
    logger.info("sign-in email for user %s queued as outbox %s", user.id, email.id)
    return email


def _sign_in_context(user: User, link_url: str, settings: Settings) -> dict[str, Any]:
    """One context for subject, text and HTML, so the three parts never disagree."""
    return {
        "site_name": one_line(settings.site_name),
        "recipient_name": one_line(user.display_name),
        "recipient_email": user.email,
        "link_url": link_url,
        "expires_minutes": int(LINK_LIFETIME.total_seconds() // 60),
    }


def _compose(
    user: User, context: dict[str, Any], message_id: str, settings: Settings, now: datetime
) -> bytes:
    email = EmailMessage(policy=EMAIL_POLICY)
    email["From"] = Address(
        display_name=context["site_name"],
        addr_spec=f"{NOTIFICATIONS_LOCAL_PART}@{settings.mail_domain}",
    )
    email["To"] = Address(display_name=context["recipient_name"], addr_spec=user.email)
    email["Subject"] = one_line(_render("subject.txt", context))
    email["Date"] = format_datetime(now)
    email["Message-ID"] = f"<{message_id}>"
    set_automation_headers(email, settings, SIGN_IN_LINK_CATEGORY)
    email.set_content(_render("body.txt", context), cte=BODY_TRANSFER_ENCODING)
    email.add_alternative(_render("body.html", context), subtype="html", cte=BODY_TRANSFER_ENCODING)
    return bytes(email)


def _render(name: str, context: dict[str, Any]) -> str:
    return render_email_template(SIGN_IN_LINK_TEMPLATES, name, context)
