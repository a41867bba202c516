"""Notepads: each member's private notes on a room, and how they are shown to that member.

Owns the notepad rules: one notepad per member and room (the `memberships.notepad` column),
seen only by that member, at most MAX_NOTEPAD_LENGTH characters of Markdown. Display goes
through gateway.core.rendering.render_notes: the message dialect and sanitizer, plus headings.
Must not import any adapter library.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.core.errors import InvalidInput
from gateway.core.rendering import render_notes
from gateway.core.rooms import get_own_membership
from gateway.store.models import Membership

MAX_NOTEPAD_LENGTH = 20_000


def save_notepad(
    session: Session, room_id: int, user_id: int, text: str, *, now: datetime
) -> Membership:
    """Replace the member's notepad for this room; an empty text clears it.

    `now` is taken like every core write takes it; the notepad keeps no timestamp yet.
    """
    membership = get_own_membership(session, room_id, user_id)
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    if len(text) > MAX_NOTEPAD_LENGTH:
        raise InvalidInput(
            f"A notepad holds at most {MAX_NOTEPAD_LENGTH:,} characters; this one has "
            f"{len(text):,}."
        )
    membership.notepad = text or None
    session.flush()
    return membership


def notepad_html(text: str | None) -> str:
    """The notepad as a sanitized HTML fragment ("" when empty)."""
    return render_notes(text or "")
