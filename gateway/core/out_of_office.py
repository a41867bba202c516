"""Out of office: answering direct messages to a user who is away (RFC 3834, RFC 5230).

Owns who is answered and how often (EMAIL-RULES section 4):
- Only direct messages are answered: a direct room is mail "addressed directly to the user".
  Room traffic in group rooms is list mail: no answer, the room shows "away until" instead.
- A person's message only: system notes are never answered, and automated mail (bounces,
  auto-replies, list mail) never becomes a message in the first place (gateway.inbound).
- Once per sender per out-of-office period, and again only after RESPONSE_INTERVAL (RFC 5230
  section 4.1, ":days", default 7). A new period, or an edited message, starts afresh
  (users.ooo_set_at, set by gateway.core.preferences.set_out_of_office).
- The answer is a note in the conversation, which the sender sees in the room; when the
  message came by email, the sender is also owed an auto-reply email (outbound composes it,
  RFC 3834: Auto-Submitted: auto-replied, null envelope sender), unless their email asked
  for none (X-Auto-Response-Suppress, read by gateway.inbound). At most
  DAILY_REPLIES_PER_ADDRESS auto-reply emails go to one address a day, whoever is away:
  a responder that marks nothing cannot keep two systems replying to each other.

Functions flush; the caller commits. Must not import any adapter library.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from gateway.core.preferences import user_zone
from gateway.core.presence import away_until
from gateway.core.rendering import render_markdown
from gateway.store.models import (
    AutoResponse,
    AutoResponseState,
    Message,
    Origin,
    RoomKind,
    User,
)

RESPONSE_INTERVAL = timedelta(days=7)
DAILY_REPLIES_PER_ADDRESS = 5


def answer_out_of_office(
    session: Session,
    posted: Sequence[tuple[int, int, int | None, bool]],
    members: Mapping[int, Sequence[int]],
    kinds: Mapping[int, RoomKind],
    *,
    now: datetime,
) -> int:
    """For each (message id, room id, author id, answer by email) just posted in a direct
    room, the answers of its members (`members`: room id -> the members whose out-of-office
    reply is on) who are away now; how many were given. "Answer by email": the message came
    by email and its sender did not ask for no auto-reply."""
    given = 0
    for message_id, room_id, author_id, by_email in posted:
        if kinds.get(room_id) is not RoomKind.DIRECT or author_id is None:
            continue
        for user_id in members.get(room_id, ()):
            if user_id != author_id and _answer(
                session, user_id, author_id, room_id, message_id, by_email, now
            ):
                given += 1
    return given


def _answer(
    session: Session,
    user_id: int,
    sender_id: int,
    room_id: int,
    message_id: int,
    by_email: bool,
    now: datetime,
) -> bool:
    away, sender = session.get(User, user_id), session.get(User, sender_id)
    if away is None or sender is None or not away.ooo_message:
        return False
    until = away_until(away, now=now)
    if until is None or _answered_lately(session, away, sender_id, now):
        return False
    session.add(
        AutoResponse(
            user_id=user_id,
            sender_id=sender_id,
            sender_address=sender.email,
            room_id=room_id,
            message_id=message_id,
            ooo_set_at=away.ooo_set_at,
            state=_state(session, by_email, sender.email, now),
            created_at=now,
        )
    )
    _post_note(session, room_id, away, until, now)
    session.flush()
    return True


def _answered_lately(session: Session, away: User, sender_id: int, now: datetime) -> bool:
    """Answered in this period (same ooo_set_at) within RESPONSE_INTERVAL."""
    period = (
        AutoResponse.ooo_set_at.is_(None)
        if away.ooo_set_at is None
        else AutoResponse.ooo_set_at == away.ooo_set_at
    )
    found = session.scalar(
        select(AutoResponse.id)
        .where(
            AutoResponse.user_id == away.id,
            AutoResponse.sender_id == sender_id,
            AutoResponse.created_at > now - RESPONSE_INTERVAL,
            period,
        )
        .limit(1)
    )
    return found is not None


def _state(session: Session, by_email: bool, address: str, now: datetime) -> AutoResponseState:
    if not by_email:
        return AutoResponseState.NOTE
    emailed_today = session.scalar(
        select(func.count())
        .select_from(AutoResponse)
        .where(
            AutoResponse.sender_address == address,
            AutoResponse.created_at > now - timedelta(days=1),
            AutoResponse.state.in_([AutoResponseState.PENDING, AutoResponseState.QUEUED]),
        )
    )
    if (emailed_today or 0) >= DAILY_REPLIES_PER_ADDRESS:
        return AutoResponseState.CAPPED
    return AutoResponseState.PENDING


def away_until_text(away: User, until: datetime) -> str:
    """ "Mon 30 Nov 2026, 09:00 (UTC)" in the away user's own zone; "further notice" for an
    open-ended absence (presence.away_until's datetime.max)."""
    if until.year >= 9999:
        return "further notice"
    local = until.astimezone(user_zone(away))
    return f"{local:%a} {local.day} {local:%b} {local.year}, {local:%H:%M} ({local.tzname()})"


def out_of_office_note(away: User, until: datetime) -> str:
    """The note's Markdown: who is away, until when (in their own zone), and their message."""
    when = away_until_text(away, until)
    quoted = "\n".join(
        f"> {line}" if line else ">" for line in (away.ooo_message or "").splitlines()
    )
    return f"**{away.display_name} is out of office** until {when}.\n\n{quoted}"


_INSERT_NOTE = insert(Message)


def _post_note(session: Session, room_id: int, away: User, until: datetime, now: datetime) -> None:
    """The note as a system message in the room: nobody is notified of it (the sender sees
    it in the room, or gets the auto-reply email), and it is never answered itself."""
    source = out_of_office_note(away, until)
    session.connection().execute(
        _INSERT_NOTE,
        {
            "room_id": room_id,
            "author_id": None,
            "origin": Origin.SYSTEM,
            "body_source": source,
            "body_html": render_markdown(source),
            "created_at": now,
        },
    )
