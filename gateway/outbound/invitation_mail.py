"""The invitation email: a person newly invited to a room by address hears of it.

Owns the invitation's headers and context. Unlike the account emails it is about a room:
Reply-To is the invitee's own reply address for the room (so answering the invitation posts
in the room) and References start at the room's thread root (so later room emails thread
under it). It carries a one-time sign-in link that opens the room (gateway.core.signin), and
the plain room address for later. No unsubscribe: it is one email, sent because a person
added them. Runs in the caller's transaction and only flushes. Logs name users and outbox
ids, never links or tokens.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from gateway.core.reply_addresses import ReplyKeys, reply_address
from gateway.core.signin import LINK_LIFETIME, issue_sign_in_token
from gateway.outbound.composition import (
    NOTIFICATIONS_LOCAL_PART,
    ComposedEmail,
    automation_headers,
    new_message_id,
    one_line,
    render_email_template,
    rendered_body,
    room_url,
    thread_root_id,
)
from gateway.outbound.email_bytes import BodyEncoder, address_line, date_line, header_line
from gateway.outbound.outbox import queue_email
from gateway.settings import Settings
from gateway.store.models import Membership, OutboxEmail, User

logger = logging.getLogger(__name__)

INVITATION_KIND = "invitation"
INVITATION_CATEGORY = "invitation"
INVITATION_TEMPLATES = "email/invitation"


def queue_invitation_email(
    session: Session,
    membership: Membership,
    inviter: User,
    settings: Settings,
    keys: ReplyKeys,
    *,
    now: datetime,
) -> OutboxEmail | None:
    """Queue the invitation to `membership`'s member; the outbox row, flushed. None when the
    address cannot be written in a 7-bit header (RFC 6531): every retry would fail."""
    user, room = membership.user, membership.room
    context = _invitation_context(session, membership, inviter, settings, now)
    root = thread_root_id(room, settings.mail_domain)
    try:
        lines = [
            address_line(
                "From",
                one_line(f"{inviter.display_name} via {settings.site_name}"),
                f"{NOTIFICATIONS_LOCAL_PART}@{settings.mail_domain}",
            ),
            address_line("To", one_line(user.display_name), user.email),
            address_line(
                "Reply-To",
                one_line(room.title),
                reply_address(membership, keys, settings.mail_domain),
            ),
        ]
    except ValueError:
        logger.warning("invitation for user %s not queued: address cannot be written", user.id)
        return None
    message_id = new_message_id(settings.mail_domain)
    subject = one_line(render_email_template(INVITATION_TEMPLATES, "subject.txt", context))
    lines += [
        header_line("Subject", subject),
        date_line(now),
        header_line("Message-ID", f"<{message_id}>"),
        header_line("References", f"<{root}>"),
        automation_headers(settings, INVITATION_CATEGORY),
        rendered_body(INVITATION_TEMPLATES, context, BodyEncoder()),
    ]
    composed = ComposedEmail(message_id=message_id, recipient=user.email, raw=b"".join(lines))
    email = queue_email(
        session, INVITATION_KIND, composed, settings, now=now, user_id=user.id, room_id=room.id
    )
    logger.info("invitation for user %s to room %s queued as outbox %s", user.id, room.id, email.id)
    return email


def _invitation_context(
    session: Session, membership: Membership, inviter: User, settings: Settings, now: datetime
) -> dict[str, Any]:
    """One context for subject, text and HTML, so the three parts never disagree."""
    user, room = membership.user, membership.room
    url = room_url(room, settings)
    return {
        "site_name": one_line(settings.site_name),
        "recipient_name": one_line(user.display_name),
        "recipient_email": user.email,
        "inviter_name": one_line(inviter.display_name),
        "room_title": one_line(room.title),
        "room_url": url,
        "link_url": _sign_in_link(session, user, f"/rooms/{room.id}", settings, now) or url,
        "expires_minutes": int(LINK_LIFETIME.total_seconds() // 60),
    }


def _sign_in_link(
    session: Session, user: User, path: str, settings: Settings, now: datetime
) -> str | None:
    """A one-time sign-in link that lands on `path`; None if the address had its links."""
    issued = issue_sign_in_token(session, user.email, now)
    if issued is None:
        return None
    _user, token = issued
    return f"{settings.base_url}/sign-in/link/{token}?{urlencode({'next': path})}"
