"""Which rooms are in front of their viewers now: the views of open, visible room pages.

A view belongs to one live room page (its event stream). It begins when the stream opens,
is renewed by the stream under a short lease (VIEW_LEASE) while it stays open, and ends when
the page says it is going (left, closed or hidden), when the stream drops, or, if the web
process died, when the lease runs out. Notifications skip a member whose room is in front of
them; nothing else a browser does (loading the inbox, Settings, another page) makes a room
look open. Must not import Flask.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from gateway.store.models import RoomView

# A stream renews its view every few seconds (the live poller's view_seconds); a view not
# renewed for this long belongs to a page that is gone.
VIEW_LEASE = timedelta(seconds=10)
# What a page may call itself: it makes the key at random when it loads.
PAGE_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def read_page_key(value: str | None) -> str | None:
    """A page's key as sent by the page, or None when it sent none or nonsense."""
    return value if value is not None and PAGE_KEY.fullmatch(value) else None


def open_room_view(
    session: Session,
    *,
    web_session_id: int,
    user_id: int,
    room_id: int,
    page_key: str | None,
    now: datetime,
) -> int:
    """Begin the view of a page whose stream just opened; a page that reconnects replaces
    its own earlier view. Returns the view's id."""
    if page_key is not None:
        _delete_page_views(session, web_session_id, page_key)
    view = RoomView(
        web_session_id=web_session_id,
        user_id=user_id,
        room_id=room_id,
        page_key=page_key,
        expires_at=now + VIEW_LEASE,
    )
    session.add(view)
    session.flush()
    return view.id


def renew_room_views(session: Session, view_ids: Collection[int], *, now: datetime) -> None:
    """The streams of these views are still open: extend their leases. A view that ended
    meanwhile (its page said it left) stays ended."""
    if view_ids:
        session.execute(
            update(RoomView)
            .where(RoomView.id.in_(list(view_ids)))
            .values(expires_at=now + VIEW_LEASE)
        )


def end_room_view(session: Session, view_id: int) -> None:
    """The view's stream closed."""
    session.execute(delete(RoomView).where(RoomView.id == view_id))


def end_page_view(session: Session, *, web_session_id: int, room_id: int, page_key: str) -> int:
    """The page said it is going (left, closed or hidden): its view ends now, before its
    stream is noticed to be gone. Only that browser's own page; how many views ended."""
    return (
        session.execute(
            delete(RoomView).where(
                RoomView.web_session_id == web_session_id,
                RoomView.room_id == room_id,
                RoomView.page_key == page_key,
            )
        ).rowcount
        or 0
    )


def list_viewing(
    session: Session, room_ids: Collection[int], user_ids: Collection[int], *, now: datetime
) -> set[tuple[int, int]]:
    """(room id, user id) pairs whose room is open in front of the user now. Invisible
    users count too: Invisible hides them from others, not from the room in front of them."""
    if not room_ids or not user_ids:
        return set()
    rows = session.execute(
        select(RoomView.room_id, RoomView.user_id)
        .where(
            RoomView.room_id.in_(list(room_ids)),
            RoomView.user_id.in_(list(user_ids)),
            RoomView.expires_at > now,
        )
        .distinct()
    )
    return {(room_id, user_id) for room_id, user_id in rows}


def prune_room_views(session: Session, *, now: datetime) -> int:
    """Delete views whose lease ran out (their process died); how many."""
    return session.execute(delete(RoomView).where(RoomView.expires_at <= now)).rowcount or 0


def _delete_page_views(session: Session, web_session_id: int, page_key: str) -> None:
    session.execute(
        delete(RoomView).where(
            RoomView.web_session_id == web_session_id, RoomView.page_key == page_key
        )
    )
