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
from typing import Any

from sqlalchemy.orm import Session

from gateway.core.signin import LINK_LIFETIME
from gateway.outbound.composition import compose_site_email
from gateway.outbound.outbox import queue_email
from gateway.outbound.sender_names import one_line
from gateway.settings import Settings
from gateway.store.models import OutboxEmail, User

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
    try:
        composed = compose_site_email(
            user,
            SIGN_IN_LINK_TEMPLATES,
            context,
            category=SIGN_IN_LINK_CATEGORY,
            settings=settings,
            now=now,
        )
    except ValueError:
        logger.warning("sign-in email for user %s not queued: address cannot be written", user.id)
        return None
    email = queue_email(session, SIGN_IN_LINK_KIND, composed, settings, now=now, user_id=user.id)
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
