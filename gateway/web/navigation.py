"""What the page header shows a signed-in user: tab badges and their accounts.

Owns the template globals `nav_unread` (unread counts per Message Center tab),
`nav_accounts` (the account switcher with pending counts), `email_bouncing` (set when
email to the user's address bounces and notifications stopped: the banner says so) and
`nav_operator` (the user is an operator: the header links to the reported messages).
Counting is gateway.core.inbox's, bounce scores gateway.core.bounces'; this module only
reads who is signed in and calls them.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context

from gateway.core.bounces import find_address_health
from gateway.core.inbox import account_unread_counts, tab_unread_counts
from gateway.core.reports import Moderator
from gateway.web.context import web_context
from gateway.web.inbox import shown_account_id
from gateway.web.request_db import reading
from gateway.web.session_user import utc_now


def navigation_context() -> dict[str, Any]:
    """Template globals for the header (unread counts per tab, account switcher), counted
    once per request: a request may render many templates (each message fragment is one)."""
    if not has_request_context() or g.get("user") is None or g.get("signed_in") is None:
        return {}
    if "navigation" not in g:
        g.navigation = _count_for_header()
    navigation: dict[str, Any] = g.navigation
    return navigation


def _count_for_header() -> dict[str, Any]:
    user, account_id = g.user, shown_account_id()
    with reading() as session:
        unread = tab_unread_counts(session, user.id, account_id, now=utc_now())
        pending = account_unread_counts(session, user.id) if len(user.accounts) > 1 else {}
        health = find_address_health(session, user.email)
    accounts = [
        {
            "id": account.id,
            "kind": account.kind.value,
            "name": account.name,
            "unread": pending.get(account.id, 0),
            "current": account.id == account_id,
        }
        for account in sorted(user.accounts, key=lambda account: account.id)
    ]
    bouncing = None
    if health is not None and health.disabled_at is not None:
        bouncing = {
            "address": user.email,
            "status": health.last_status or "",
            "permanent": health.last_permanent,
        }
    operator = Moderator.of(user, web_context().settings.operators).operator
    return {
        "nav_unread": unread,
        "nav_accounts": accounts,
        "email_bouncing": bouncing,
        "nav_operator": operator,
    }
