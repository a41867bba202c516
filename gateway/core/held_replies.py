"""Telling a member that a reply in their name was held, not posted.

Owns the notice the intake leaves when it holds a reply because the trusted receiving MTA
could not confirm the sender (EMAIL-RULES 1.6, DMARC): an Account Alert to the member the
reply address names, saying in which room and why, that nothing was posted, and that an
operator can release it if it really was theirs. Account Alerts reach the member by email
through the notification engine (gateway.core.notifications) and cannot be switched off
entirely (a member may still choose the web inbox only); the notice is not marked financial,
the only "critical" kind there is, because it is not a payment notice.

Forged mail must not become a way to flood a member: at most one notice per member per
NOTICE_INTERVAL, however many replies are held (the later ones are still recorded, each with
its reason, for the operator). Deactivated members get none.

Functions flush; the caller commits. Must not import any adapter library.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.alerts import create_alert
from gateway.store.models import Alert, AlertCategory, Room, User

NOTICE_TITLE = "A reply sent in your name was held, not posted"
NOTICE_INTERVAL = timedelta(days=1)
# A room title goes into the Markdown body only when nothing in it is inline Markdown syntax
# (emphasis, code, links, HTML, emoji shortcodes): a title is the room owner's words.
_MARKDOWN_INLINE_RE = re.compile(r"[*_`\[\]()<>!\\~:|#&]")
MAX_TITLE_IN_BODY = 120


def note_held_replies(
    session: Session, held: Sequence[tuple[int, int, str]], *, now: datetime
) -> None:
    """Tell each member with a held reply (user_id, room_id, reason), at most once per
    NOTICE_INTERVAL, by an Account Alert."""
    by_user: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for user_id, room_id, reason in held:
        by_user[user_id].append((room_id, reason))
    due = _active(session, by_user) - _noticed_since(session, by_user, now - NOTICE_INTERVAL)
    titles = _room_titles(session, {room_id for user_id in due for room_id, _ in by_user[user_id]})
    for user_id in sorted(due):
        room_id, reason = by_user[user_id][0]
        create_alert(
            session,
            user_id,
            category=AlertCategory.ALERT,
            title=NOTICE_TITLE,
            body=_notice_body(titles.get(room_id), reason, len(by_user[user_id])),
            link=f"/rooms/{room_id}",
            now=now,
        )


def _notice_body(room_title: str | None, reason: str, count: int) -> str:
    where = f'the room "{room_title}"' if room_title else "one of your rooms"
    more = f" ({count} such emails in this batch)" if count > 1 else ""
    return (
        f"An email sent in your name to {where} was held and not posted{more}. The mail "
        f"system that received it could not confirm it came from your address: {reason}.\n\n"
        "If you sent it, an operator can release it and it will be posted. If you did not, "
        "someone may be trying to post as you; nothing was posted. You get at most one of "
        "these notices a day."
    )


def _active(session: Session, user_ids: Collection[int]) -> set[int]:
    return set(
        session.scalars(
            select(User.id).where(User.id.in_(list(user_ids)), User.deactivated_at.is_(None))
        )
    )


def _noticed_since(session: Session, user_ids: Collection[int], since: datetime) -> set[int]:
    """Members who already got a held-reply notice since `since` (by the alerts' user index)."""
    if not user_ids:
        return set()
    return set(
        session.scalars(
            select(Alert.user_id).where(
                Alert.user_id.in_(list(user_ids)),
                Alert.category == AlertCategory.ALERT,
                Alert.title == NOTICE_TITLE,
                Alert.created_at > since,
            )
        )
    )


def _room_titles(session: Session, room_ids: Collection[int]) -> dict[int, str]:
    if not room_ids:
        return {}
    rows = session.execute(select(Room.id, Room.title).where(Room.id.in_(list(room_ids))))
    return {
        room_id: title
        for room_id, title in rows
        if len(title) <= MAX_TITLE_IN_BODY and not _MARKDOWN_INLINE_RE.search(title)
    }
