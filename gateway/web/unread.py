"""The live unread counts: GET /unread, which gateway/static/unread.js polls while a page is
visible, to keep the header badges, the tab title and the Messages list current.

Owns this one route. It answers JSON for the signed-in user (401 JSON when no one is
signed in, so a script can stop asking): the header badges as the page header counts them
(gateway.core.inbox.tab_unread_counts), the other accounts' pending counts for the account
switcher, and the fingerprint of the shown account's room lists
(gateway.core.inbox_changes), which a Messages page compares with its own to know when to
re-fetch its list (GET /rooms/list, gateway.web.inbox). Three cheap queries; nothing is
cached on the way (`Cache-Control: no-store`): a stale count is the bug this fixes.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify

from gateway.core.inbox import account_unread_counts, tab_unread_counts
from gateway.core.inbox_changes import room_list_fingerprint
from gateway.web.inbox import shown_account_id
from gateway.web.request_db import reading
from gateway.web.session_user import current_user, utc_now

unread = Blueprint("unread", __name__)


@unread.get("/unread")
def counts() -> Response:
    if g.get("user") is None:
        return _no_store(jsonify(error="sign in to see unread counts"), 401)
    user, account_id = current_user(), shown_account_id()
    with reading() as session:
        badges = tab_unread_counts(session, user.id, account_id, now=utc_now())
        pending = account_unread_counts(session, user.id) if len(user.accounts) > 1 else {}
        fingerprint = room_list_fingerprint(session, user.id, account_id)
    return _no_store(
        jsonify(
            badges=badges,
            accounts={str(account): count for account, count in pending.items()},
            rooms_fingerprint=fingerprint,
        )
    )


def _no_store(response: Response, status: int = 200) -> Response:
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
