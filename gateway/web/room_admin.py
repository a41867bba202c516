"""Room membership and personal views: members, leave, favorite, hide, archive, notepad,
block, report, and starting new conversations (inviting, roles, removing and handing over:
gateway.web.room_members).

Owns these routes and `sidebar_context`, which the room page spreads into its template
context (`**sidebar_context(room_id, user_id)`) for templates/web/room/_sidebar.html. Every
route is for signed-in members only: a room, message or user the viewer has no business with
answers 404, so ids cannot be probed. Form posts change one thing in one transaction, then
go back to the room page, opened at the section (or message) acted on, with a flash message;
a refusal flashes the reason and changes nothing. Domain rules live in gateway.core (rooms,
blocks, reports, notepads).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased
from werkzeug.wrappers import Response

from gateway.core.blocks import block_user, find_block, list_blocked, unblock_user
from gateway.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from gateway.core.membership_changes import removal_refusal
from gateway.core.notepads import MAX_NOTEPAD_LENGTH, notepad_html, save_notepad
from gateway.core.presence import away_until, online_user_ids
from gateway.core.reports import MAX_NOTE_LENGTH, REASON_LABELS, report_message
from gateway.core.room_starts import DailyLimitReached, start_direct_conversation, start_group_room
from gateway.core.room_titles import room_title_for
from gateway.core.rooms import (
    ARCHIVABLE_KINDS,
    HIDEABLE_KINDS,
    MANAGER_ROLES,
    find_membership,
    get_own_membership,
    leave_refusal,
    leave_room,
    set_archived,
    set_favorite,
    set_hidden,
)
from gateway.store.models import (
    Account,
    AccountKind,
    Membership,
    Message,
    Report,
    Role,
    Room,
    RoomKind,
    User,
)
from gateway.web.request_db import reading, writing
from gateway.web.session_user import current_user, login_required, utc_now, web_context

room_admin = Blueprint("room_admin", __name__)

ROLE_CHOICES = (Role.ADMIN, Role.MEMBER)
# Addresses in the "new room" form: one per line, or separated by commas or semicolons.
_ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")
# The new-conversation form names people by address: an unknown one is a bad field (422),
# not a missing page; running into the daily limit is "too many requests".
_NEW_ROOM_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (DailyLimitReached, 429),
    (NotAllowed, 403),
    (NotFound, 422),
    (InvalidInput, 400),
)


# --- the side panel ------------------------------------------------------------------------


def sidebar_context(
    db: Session, viewer: Membership, members: Sequence[Membership], now: datetime
) -> dict[str, object]:
    """What the room page's side panel (templates/web/room/_sidebar.html) needs, as `sidebar`.

    `viewer` is the viewer's active membership (gateway.core.rooms.get_own_membership) and
    `members` the room's active memberships with their users (list_active_members), which
    the page has loaded already for its header.
    """
    room, user_id = viewer.room, viewer.user_id
    online = online_user_ids(db, [m.user_id for m in members], now=now)
    blocked = {user.id for user in list_blocked(db, user_id)}
    refusal = leave_refusal(db, viewer, members)
    can = {
        "invite": viewer.role in MANAGER_ROLES and room.kind != RoomKind.DIRECT,
        "invite_admins": viewer.role == Role.OWNER,
        "change_roles": viewer.role == Role.OWNER and room.kind != RoomKind.DIRECT,
        "transfer": viewer.role == Role.OWNER and room.kind != RoomKind.DIRECT,
        "favorite": True,
        "hide": room.kind in HIDEABLE_KINDS,
        "archive": room.kind in ARCHIVABLE_KINDS,
        "leave": refusal is None,
    }
    rows = [_member_row(m, viewer, can, online, blocked, now) for m in members]
    sidebar = {
        "room": {"id": room.id, "title": room.title, "kind": room.kind.value},
        "viewer_id": user_id,
        "viewer_role": viewer.role.value,
        "members": rows,
        "favorite": viewer.favorite,
        "hidden": viewer.hidden,
        "archived": viewer.archived,
        # Which of the viewer's accounts lists the room (the "Show in account" form).
        "account_id": viewer.account_id,
        "email_muted": viewer.email_muted,
        "notepad_text": viewer.notepad or "",
        "notepad_html": notepad_html(viewer.notepad),
        "notepad_max": MAX_NOTEPAD_LENGTH,
        "can": can,
        "leave_refusal": refusal,
        "role_choices": [role.value for role in ROLE_CHOICES],
    }
    return {"sidebar": sidebar}


def _member_row(
    member: Membership,
    viewer: Membership,
    can: dict[str, bool],
    online: set[int],
    blocked: set[int],
    now: datetime,
) -> dict[str, object]:
    user = member.user
    is_viewer = member.user_id == viewer.user_id
    away = away_until(user, now=now)
    return {
        "user_id": user.id,
        "name": user.display_name,
        "role": member.role.value,
        "is_viewer": is_viewer,
        "online": user.id in online,
        "away": away is not None,
        "away_until_iso": away.isoformat() if away is not None and away.year < 9999 else "",
        "blocked": user.id in blocked,
        "can_change_role": can["change_roles"] and member.role != Role.OWNER and not is_viewer,
        "can_remove": removal_refusal(viewer.room, viewer, member) is None,
        "can_receive_ownership": can["transfer"] and member.role != Role.OWNER,
        "can_block": not is_viewer,
    }


# --- membership and the member's own view ----------------------------------------------------


@room_admin.post("/rooms/<int:room_id>/leave")
@login_required
def leave(room_id: int) -> Response:
    user = current_user()
    try:
        with writing() as db:
            _membership_or_404(db, room_id, user.id)
            title = room_title_for(leave_room(db, room_id, user.id, now=utc_now()).room, user.id)
    except DomainError as error:
        flash(str(error), "error")
        return _back_to_room(room_id, LEAVE_SECTION)
    flash(f"You left {title}.", "success")
    return redirect(url_for("inbox.rooms"), 303)


@room_admin.post("/rooms/<int:room_id>/favorite")
@login_required
def favorite(room_id: int) -> Response:
    value = request.form.get("value", "")

    def action(db: Session, user: User) -> str:
        on = set_favorite(db, room_id, user.id, _on_off(value)).favorite
        return "Added to your favorites." if on else "Removed from your favorites."

    return member_action(room_id, action, VIEW_SECTION)


@room_admin.post("/rooms/<int:room_id>/hide")
@login_required
def hide(room_id: int) -> Response:
    value = request.form.get("value", "")

    def action(db: Session, user: User) -> str:
        hidden = set_hidden(db, room_id, user.id, _on_off(value)).hidden
        return "Hidden from your list." if hidden else "Shown in your list again."

    return member_action(room_id, action, VIEW_SECTION)


@room_admin.post("/rooms/<int:room_id>/archive")
@login_required
def archive(room_id: int) -> Response:
    value = request.form.get("value", "")

    def action(db: Session, user: User) -> str:
        archived = set_archived(db, room_id, user.id, _on_off(value)).archived
        return "Room archived." if archived else "Room moved back from the archive."

    return member_action(room_id, action, VIEW_SECTION)


@room_admin.post("/rooms/<int:room_id>/notepad")
@login_required
def notepad(room_id: int) -> Response:
    text = request.form.get("notepad", "")

    def action(db: Session, user: User) -> str:
        save_notepad(db, room_id, user.id, text, now=utc_now())
        return "Notepad saved."

    return member_action(room_id, action, NOTEPAD_SECTION)


def member_action(
    room_id: int, action: Callable[[Session, User], str], section: str = ""
) -> Response:
    """Run one change as a member of the room (404 otherwise); flash the outcome; back to
    the room page at `section`."""
    user = current_user()
    try:
        with writing() as db:
            _membership_or_404(db, room_id, user.id)
            done = action(db, user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(done, "success")
    return _back_to_room(room_id, section)


def _on_off(value: str) -> bool:
    if value not in ("on", "off"):
        raise InvalidInput("Choose on or off.")
    return value == "on"


# --- blocking --------------------------------------------------------------------------------


@room_admin.post("/users/<int:user_id>/block")
@login_required
def block(user_id: int) -> Response:
    viewer = current_user()
    try:
        with writing() as db:
            if not _share_a_room(db, viewer.id, user_id):
                abort(404)
            block_user(db, viewer.id, user_id, now=utc_now())
            name = _display_name(db, user_id)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(
            f"You blocked {name}. You both stay in the group rooms you share; "
            "direct messages between you stop.",
            "success",
        )
    return _back_to_origin(MEMBERS_SECTION)


@room_admin.post("/users/<int:user_id>/unblock")
@login_required
def unblock(user_id: int) -> Response:
    viewer = current_user()
    with writing() as db:
        blocked = find_block(db, viewer.id, user_id) is not None
        if not blocked and not _share_a_room(db, viewer.id, user_id):
            abort(404)
        unblock_user(db, viewer.id, user_id)
        name = _display_name(db, user_id)
    flash(f"You unblocked {name}.", "success")
    return _back_to_origin(MEMBERS_SECTION)


def _share_a_room(db: Session, a: int, b: int) -> bool:
    """Whether both users are active members of one room (only then can one block the other
    from here: a stranger's user id reveals nothing)."""
    first, second = aliased(Membership), aliased(Membership)
    query = (
        select(first.id)
        .join(second, and_(second.room_id == first.room_id, second.user_id == b))
        .where(first.user_id == a, first.left_at.is_(None), second.left_at.is_(None))
    )
    return a != b and bool(db.scalar(select(exists(query))))


def _display_name(db: Session, user_id: int) -> str:
    user = db.get(User, user_id)
    return user.display_name if user is not None else "them"


def _back_to_origin(section: str = "") -> Response:
    """Back to the room the form was in, at `section` (when the viewer is in it), else the
    rooms list."""
    room_id = request.form.get("room_id", "")
    if room_id.isdigit():
        with reading() as db:
            membership = find_membership(db, int(room_id), current_user().id)
            if membership is not None and membership.left_at is None:
                return _back_to_room(int(room_id), section)
    return redirect(url_for("inbox.rooms"), 303)


# --- reporting -------------------------------------------------------------------------------


@room_admin.route("/rooms/<int:room_id>/messages/<int:message_id>/report", methods=["GET", "POST"])
@login_required
def report(room_id: int, message_id: int) -> Response | tuple[str, int]:
    viewer = current_user()
    if request.method == "GET":
        return _report_page(room_id, message_id, error=None, status=200)
    reason, note = request.form.get("reason", ""), request.form.get("note", "")
    try:
        with writing() as db:
            _message_or_404(db, room_id, message_id, viewer.id)
            report_message(db, message_id, viewer.id, reason, note, now=utc_now())
    except DomainError as error:
        status = 403 if isinstance(error, NotAllowed) else 400
        return _report_page(room_id, message_id, error=str(error), status=status)
    flash("Thank you. The message was reported to our team.", "success")
    return _back_to_room(room_id, f"m-{message_id}")


def _report_page(
    room_id: int, message_id: int, *, error: str | None, status: int
) -> tuple[str, int]:
    viewer_id = current_user().id
    with reading() as db:
        message = _message_or_404(db, room_id, message_id, viewer_id)
        earlier = db.scalar(
            select(Report).where(Report.reporter_id == viewer_id, Report.message_id == message_id)
        )
        page = render_template(
            "room/report.html",
            room=message.room,
            room_title=room_title_for(message.room, viewer_id),
            message=message,
            author_name=message.author.display_name if message.author else "System",
            own_message=message.author_id == viewer_id,
            reasons=[(reason.value, label) for reason, label in REASON_LABELS.items()],
            chosen=request.form.get("reason") or (earlier.reason.value if earlier else ""),
            note=request.form.get("note", earlier.note if earlier else ""),
            note_max=MAX_NOTE_LENGTH,
            already_reported=earlier is not None,
            error=error,
        )
    if message.author_id == viewer_id and status == 200:
        status = 403
    return page, status


def _message_or_404(db: Session, room_id: int, message_id: int, viewer_id: int) -> Message:
    _membership_or_404(db, room_id, viewer_id)
    message = db.get(Message, message_id)
    if message is None or message.room_id != room_id or message.deleted_at is not None:
        abort(404)
    return message


# --- starting conversations ------------------------------------------------------------------


@room_admin.get("/rooms/new")
@login_required
def new_room_page() -> str:
    return render_template("room/new.html", form={}, error=None, error_kind=None)


@room_admin.post("/rooms/new")
@login_required
def new_room() -> Response | tuple[str, int]:
    kind = request.form.get("kind", "")
    try:
        with writing() as db:
            room = _start(db, kind)
            room_id, title = room.id, room_title_for(room, current_user().id)
    except DomainError as error:
        status = next((code for cls, code in _NEW_ROOM_STATUS if isinstance(error, cls)), 400)
        page = render_template(
            "room/new.html",
            form=request.form,
            error=str(error),
            error_kind=kind,
            daily_limit=error if isinstance(error, DailyLimitReached) else None,
        )
        return page, status
    flash(f"{title} is ready.", "success")
    return _back_to_room(room_id)


def _start(db: Session, kind: str) -> Room:
    user = current_user()
    limit = web_context().settings.daily_conversation_limit
    account_kind = _inbox_account_kind(db, user.id)
    if kind == "direct":
        return start_direct_conversation(
            db,
            user.id,
            request.form.get("email", ""),
            now=utc_now(),
            daily_limit=limit,
            account_kind=account_kind,
        )
    if kind == "group":
        return start_group_room(
            db,
            user.id,
            request.form.get("title", ""),
            _ADDRESS_SEPARATORS.split(request.form.get("members", "")),
            now=utc_now(),
            daily_limit=limit,
            account_kind=account_kind,
        )
    raise InvalidInput("Choose a direct conversation or a group room.")


def _inbox_account_kind(db: Session, user_id: int) -> AccountKind | None:
    """The kind of the account whose inbox is shown: a new room belongs there."""
    account_id = g.signed_in.account_id if g.get("signed_in") else None
    account = db.get(Account, account_id) if account_id is not None else None
    return account.kind if account is not None and account.user_id == user_id else None


# --- shared ----------------------------------------------------------------------------------


def _membership_or_404(db: Session, room_id: int, user_id: int) -> Membership:
    try:
        return get_own_membership(db, room_id, user_id)
    except NotFound:
        abort(404)


# Where the room page opens after a side-panel form: at the panel section acted on (ids of
# the section headings in templates/web/room/_sidebar.html), not at the newest message,
# so the person sees the result where they acted (room.js scrolls only without a fragment).
MEMBERS_SECTION = "sidebar-members-heading"
VIEW_SECTION = "sidebar-view-heading"
NOTEPAD_SECTION = "sidebar-notepad-heading"
LEAVE_SECTION = "sidebar-leave-heading"


def _back_to_room(room_id: int, section: str = "") -> Response:
    """303 to the room page, opened at the element with id `section` when one is given."""
    return redirect(url_for("rooms.room_page", room_id=room_id, _anchor=section or None), 303)
