"""How a room is titled to the person looking at it.

Owns the one rule every view follows (inbox lists, room page, search, emails, digests): a
direct room is titled with the other person's name, so Alice sees "Bob" and Bob sees
"Alice"; any other room shows its stored title to everyone. The stored title of a direct
room ("Alice and Bob") is what someone who is in neither seat sees (the platform API).

Names that are not fit for a title (stored before names were checked, holding a control
character or line break) give way to the local part of the address, so a title never
carries a line break into a header or a page.

Must not import Flask or any other adapter library.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.errors import UnsafeText
from gateway.core.text_fields import single_line_text
from gateway.store.models import Membership, Room, RoomKind, User


def title_name(user: User) -> str:
    """The user's name as a title shows it: their display name, or the address's local
    part when the stored name holds what no title may."""
    try:
        name = " ".join(single_line_text("name", user.display_name).split())
    except UnsafeText:
        name = ""
    return name or user.email.partition("@")[0]


def room_title_for(room: Room, viewer_id: int) -> str:
    """The room's title as `viewer_id` sees it (the room's memberships are read, loaded
    through the room's session when need be)."""
    if room.kind != RoomKind.DIRECT:
        return room.title
    other = _other_member(room.memberships, viewer_id)
    return title_name(other.user) if other is not None else room.title


def room_titles_for(
    session: Session, rooms: Iterable[tuple[int, RoomKind, str]], viewer_id: int
) -> dict[int, str]:
    """Titles as `viewer_id` sees them for many rooms (room id, kind, stored title) at once:
    one query for the direct rooms' other members, none when there are no direct rooms."""
    rows = list(rooms)
    titles = {room_id: title for room_id, _kind, title in rows}
    direct = [room_id for room_id, kind, _title in rows if kind == RoomKind.DIRECT]
    if not direct:
        return titles
    others = session.execute(
        select(Membership.room_id, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.room_id.in_(direct), Membership.user_id != viewer_id)
        .order_by(Membership.room_id, Membership.id)
    ).all()
    viewer_rooms = set(
        session.scalars(
            select(Membership.room_id).where(
                Membership.room_id.in_(direct), Membership.user_id == viewer_id
            )
        )
    )
    named: set[int] = set()
    for room_id, user in others:
        if room_id in viewer_rooms and room_id not in named:
            titles[room_id] = title_name(user)
            named.add(room_id)
    return titles


def _other_member(memberships: Iterable[Membership], viewer_id: int) -> Membership | None:
    """The other seat of a direct room the viewer sits in (left or not: a direct room keeps
    its two people), or None when the viewer is not one of them."""
    ordered = sorted(memberships, key=lambda m: m.id)
    if not any(m.user_id == viewer_id for m in ordered):
        return None
    return next((m for m in ordered if m.user_id != viewer_id), None)
