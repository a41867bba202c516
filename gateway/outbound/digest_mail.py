"""Digest mail: one email gathering a user's unread items for an hourly, daily or weekly digest.

Owns how a digest reads: its subject counts what is waiting, the body lists it by room and by
category (gateway.core.digests.group_items), each group linking to the page that shows it
(opening it marks its items read), with "+N more" where a group is long. Digests are
automatic mail (EMAIL-RULES section 3: Auto-Submitted, Precedence bulk) with a one-click
unsubscribe (RFC 8058) from digests of this frequency.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.core.digests import DigestContent
from gateway.core.preferences import user_zone
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.unsubscribe import digest_unsubscribe_token
from gateway.outbound.composition import (
    ComposedEmail,
    compose_site_email,
    one_line,
    unsubscribe_link,
)
from gateway.outbound.email_bytes import BodyEncoder
from gateway.settings import Settings
from gateway.store.models import NotifyFrequency, User

DIGEST_TEMPLATES = "email/digest"
DIGEST_CATEGORY = "digest"
FREQUENCY_WORDS = {
    NotifyFrequency.HOURLY: "hourly",
    NotifyFrequency.DAILY: "daily",
    NotifyFrequency.WEEKLY: "weekly",
}


def compose_digest(
    user: User,
    content: DigestContent,
    frequency: NotifyFrequency,
    *,
    settings: Settings,
    keys: ReplyKeys,
    now: datetime,
    encoder: BodyEncoder | None = None,
) -> ComposedEmail:
    """The digest email for `user` (`encoder`: shared by a batch of digests, see
    compose_site_email). Raises ValueError when their address cannot be written in a 7-bit
    header (an internationalized local part, RFC 6531)."""
    context = _digest_context(user, content, frequency, settings, keys)
    return compose_site_email(
        user,
        DIGEST_TEMPLATES,
        context,
        category=DIGEST_CATEGORY,
        settings=settings,
        now=now,
        bulk=True,
        unsubscribe_url=context["unsubscribe_url"],
        encoder=encoder,
    )


def _digest_context(
    user: User,
    content: DigestContent,
    frequency: NotifyFrequency,
    settings: Settings,
    keys: ReplyKeys,
) -> dict[str, Any]:
    """One context for subject, text and HTML, so the three parts never disagree."""
    zone = user_zone(user)
    groups = [
        {
            "title": one_line(group.title),
            "url": f"{settings.base_url}{group.path}",
            "count": group.count,
            "more": group.more,
            "lines": [
                {
                    "author": one_line(line.author),
                    "text": one_line(line.text),
                    "time": _time_text(line.created_at.astimezone(zone)),
                }
                for line in group.lines
            ],
        }
        for group in content.groups
    ]
    token = digest_unsubscribe_token(user.id, frequency, keys)
    return {
        "site_name": one_line(settings.site_name),
        "recipient_name": one_line(user.display_name),
        "frequency": FREQUENCY_WORDS[frequency],
        "total": content.total,
        "groups": groups,
        "more_groups": content.more_groups,
        "more_items": content.more_items,
        "inbox_url": f"{settings.base_url}/rooms",
        "settings_url": f"{settings.base_url}/settings",
        "unsubscribe_url": unsubscribe_link(settings, token),
    }


def _time_text(local: datetime) -> str:
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"
