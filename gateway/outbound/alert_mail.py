"""Alert mail: the email copy of an Account Alert or an Update.

Owns how a system notification reads by email: From the site, the alert's title as subject,
its body (Markdown rendered and sanitized when the alert was created) and link, and a deep
link to the alert in the Message Center, which opening marks read. Alert emails are
automatic mail (EMAIL-RULES section 3: Auto-Submitted, Precedence bulk) and carry a
one-click unsubscribe scoped to their category (RFC 8058), except financial Account Alerts:
critical mail that cannot be switched off, so it offers none.

May import gateway.core and gateway.store; must not import Flask, aiosmtpd or smtplib.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup

from gateway.core.alerts import TAB_NAMES
from gateway.core.notifications import ALERT_CATEGORIES
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.unsubscribe import category_unsubscribe_token
from gateway.outbound.composition import (
    ComposedEmail,
    compose_site_email,
    one_line,
    unsubscribe_link,
)
from gateway.settings import Settings
from gateway.store.models import Alert, AlertCategory

ALERT_TEMPLATES = "email/alert"
CATEGORY_HEADERS = {AlertCategory.ALERT: "account-alert", AlertCategory.UPDATE: "update"}


def compose_alert(
    alert: Alert, *, settings: Settings, keys: ReplyKeys, now: datetime
) -> ComposedEmail:
    """The email copy of `alert` for its user.

    Raises ValueError when the user's address cannot be written in a 7-bit header (an
    internationalized local part, RFC 6531, which this composer does not send).
    """
    context = _alert_context(alert, settings, keys)
    return compose_site_email(
        alert.user,
        ALERT_TEMPLATES,
        context,
        category=CATEGORY_HEADERS[alert.category],
        settings=settings,
        now=now,
        bulk=True,
        unsubscribe_url=context["unsubscribe_url"],
    )


def _alert_context(alert: Alert, settings: Settings, keys: ReplyKeys) -> dict[str, Any]:
    """One context for subject, text and HTML, so the three parts never disagree."""
    link = alert.link
    if link is not None and link.startswith("/"):
        link = f"{settings.base_url}{link}"
    unsubscribe_url = ""
    if not alert.financial:
        token = category_unsubscribe_token(alert.user_id, ALERT_CATEGORIES[alert.category], keys)
        unsubscribe_url = unsubscribe_link(settings, token)
    return {
        "site_name": one_line(settings.site_name),
        "recipient_name": one_line(alert.user.display_name),
        "title": one_line(alert.title),
        "tab_name": TAB_NAMES[alert.category],
        "is_update": alert.category is AlertCategory.UPDATE,
        "body_text": alert.body_source.strip(),
        # body_html was sanitized by core.rendering when the alert was created: trusted here.
        "body_html": Markup(alert.body_html),
        "link_url": link or "",
        "alert_url": f"{settings.base_url}/alerts/{alert.id}",
        "financial": alert.financial,
        "unsubscribe_url": unsubscribe_url,
    }
