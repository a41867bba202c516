"""The room page: history, compose, reply, edit, delete, mark read and unread.

Owns the room page and its message routes. Every route is for signed-in active members: to
anyone else the room and its messages do not exist (404), so ids cannot be probed. Form posts
go back to the page with a flash message (a refused new message re-renders the page with
what was typed, so nothing is lost without JavaScript); script posts (Accept:
application/json) answer `{"ok": true, ...}` or `{"error": "..."}` with the HTTP status.
One partial, templates/web/room/_message.html, renders a message for the page and for the
JSON routes. Domain rules live in gateway.core (messages, reading); times come from
utc_now() and are shown in the viewer's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from gateway.core.contact_details import ContactDetailsNotAllowed
from gateway.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from gateway.core.messages import (
    EDIT_WINDOW,
    HistoryPage,
    NewFile,
    check_attachment_limits,
    delete_message,
    edit_message,
    format_size,
    get_member_room,
    get_room_message,
    is_editable,
    message_excerpt,
    post_message,
    room_history,
)
from gateway.core.reading import mark_read, mark_unread
from gateway.core.room_titles import room_title_for
from gateway.core.rooms import get_own_membership, list_active_members
from gateway.store.models import Membership, Message, Origin, RoomKind, User
from gateway.web.context import row_id
from gateway.web.files import (
    INLINE_IMAGE_SIGNATURES,
    base_content_type,
    clean_filename,
    guess_content_type,
)
from gateway.web.request_db import reading, writing
from gateway.web.room_admin import sidebar_context
from gateway.web.session_user import current_user, login_required, utc_now, web_context

rooms = Blueprint("rooms", __name__)

HISTORY_PAGE_SIZE = 50
KIND_LABELS = {
    RoomKind.DIRECT: "Direct message",
    RoomKind.GROUP: "Group",
    RoomKind.INTERVIEW: "Interview",
    RoomKind.CONTRACT: "Contract",
    RoomKind.TICKET: "Support ticket",
}

ViewResult = Response | str | tuple[Response | str, int]


# --- What templates get ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileView:
    id: int
    filename: str
    size_text: str
    is_image: bool

    @property
    def url(self) -> str:
        """The download route (files.download), written out: a page lists many files."""
        return f"/files/{self.id}"


@dataclass(frozen=True, slots=True)
class ParentView:
    id: int
    author_name: str
    excerpt: str


@dataclass(frozen=True, slots=True)
class MessageView:
    """One message as the viewer sees it (the partial room/_message.html renders it)."""

    id: int
    room_id: int
    author_id: int | None
    author_name: str
    created_iso: str
    body_html: str
    source: str  # only for the viewer's own editable messages, else ""
    excerpt: str
    edited: bool
    deleted: bool
    via_email: bool
    quoted_text: str | None
    parent: ParentView | None
    files: list[FileView]
    editable: bool
    own: bool
    unread: bool
    highlighted: bool


def _message_view(
    message: Message, viewer: User, now: datetime, *, last_read: int | None, highlight: int | None
) -> MessageView:
    editable = is_editable(message, viewer.id, now)
    parent = message.parent
    return MessageView(
        id=message.id,
        room_id=message.room_id,
        author_id=message.author_id,
        author_name=message.author.display_name if message.author else "System",
        created_iso=message.created_at.isoformat(),
        body_html=message.body_html,
        source=message.body_source if editable else "",
        excerpt=message_excerpt(message),
        edited=message.edited_at is not None and message.deleted_at is None,
        deleted=message.deleted_at is not None,
        via_email=message.origin is Origin.EMAIL,
        quoted_text=message.quoted_text if message.deleted_at is None else None,
        parent=None
        if parent is None
        else ParentView(
            parent.id,
            parent.author.display_name if parent.author else "System",
            message_excerpt(parent),
        ),
        files=[
            FileView(
                file.id,
                file.filename,
                format_size(file.size),
                base_content_type(file.content_type) in INLINE_IMAGE_SIGNATURES,
            )
            for file in message.attachments
        ],
        editable=editable,
        own=message.author_id == viewer.id,
        unread=message.author_id != viewer.id and (last_read is None or message.id > last_read),
        highlighted=message.id == highlight,
    )


def _render_message(view: MessageView) -> str:
    return render_template("room/_message.html", message=view).strip()


# --- The page -------------------------------------------------------------------------------


@rooms.get("/rooms/<int:room_id>")
@login_required
def room_page(room_id: int) -> ViewResult:
    return _page(
        room_id,
        around_id=request.args.get("around", type=row_id),
        before_id=request.args.get("before", type=row_id),
        reply_to=request.args.get("reply_to", type=row_id),
    )


def _page(
    room_id: int,
    *,
    around_id: int | None = None,
    before_id: int | None = None,
    reply_to: int | None = None,
    draft: str = "",
    status: int = 200,
) -> ViewResult:
    user, now = current_user(), utc_now()
    with reading() as db:
        try:
            membership = get_own_membership(db, room_id, user.id)
        except NotFound:
            abort(404)
        room, last_read = membership.room, membership.last_read_message_id
        title = room_title_for(room, user.id)
        page = _history(db, membership, around_id=around_id, before_id=before_id)
        views = [
            _message_view(m, user, now, last_read=last_read, highlight=around_id)
            for m in page.messages
        ]
        reply_parent = _reply_parent(db, room_id, user, now, reply_to)
        members = list_active_members(db, room_id)
        previous_room, next_room = _neighbour_rooms(db, user.id, room_id)
        sidebar = sidebar_context(db, membership, members, now)
    if views and (last_read is None or views[-1].id > last_read):
        # Opening the room reads what it shows (a write only when the mark moves).
        with writing() as db:
            mark_read(db, room_id, user.id, views[-1].id)
    settings = web_context().settings
    body = render_template(
        "room/page.html",
        active_tab="rooms",
        room={
            "id": room_id,
            "title": title,
            "kind": room.kind.value,
            "kind_label": KIND_LABELS[room.kind],
        },
        participants=[member.user.display_name for member in members],
        messages=views,
        has_older=page.has_older,
        has_newer=page.has_newer,
        reply_parent=reply_parent,
        draft=draft,
        viewer=user,
        enter_sends=user.enter_sends,
        previous_room_url=_room_url(previous_room),
        next_room_url=_room_url(next_room),
        max_files=settings.attachment_max_files,
        max_bytes=settings.attachment_max_bytes,
        max_size_text=format_size(settings.attachment_max_bytes),
        edit_minutes=int(EDIT_WINDOW.total_seconds() // 60),
        **sidebar,
    )
    return body, status


def _history(
    db: Session, membership: Membership, *, around_id: int | None, before_id: int | None
) -> HistoryPage:
    try:
        return room_history(
            db,
            membership.room_id,
            around_id=around_id,
            before_id=before_id,
            limit=HISTORY_PAGE_SIZE,
        )
    except NotFound:
        # A search result whose message is gone: the newest messages instead.
        return room_history(db, membership.room_id, limit=HISTORY_PAGE_SIZE)


def _last_read(db: Session, room_id: int, user_id: int) -> int | None:
    return db.scalar(
        select(Membership.last_read_message_id).where(
            Membership.room_id == room_id, Membership.user_id == user_id
        )
    )


def _reply_parent(
    db: Session, room_id: int, user: User, now: datetime, reply_to: int | None
) -> MessageView | None:
    if reply_to is None:
        return None
    try:
        parent = get_room_message(db, room_id, reply_to, user.id)
    except NotFound:
        return None
    return _message_view(parent, user, now, last_read=None, highlight=None)


def _neighbour_rooms(db: Session, user_id: int, room_id: int) -> tuple[int | None, int | None]:
    """The rooms before and after this one in the user's Recent order (latest message first),
    within the inbox shown (its account); hidden and archived rooms are skipped."""
    latest = (
        select(func.max(Message.id)).where(Message.room_id == Membership.room_id).scalar_subquery()
    )
    query = select(Membership.room_id).where(
        Membership.user_id == user_id,
        Membership.left_at.is_(None),
        or_(
            Membership.room_id == room_id,
            Membership.hidden.is_(False) & Membership.archived.is_(False),
        ),
    )
    account_id = g.signed_in.account_id if g.get("signed_in") else None
    if account_id is not None:
        query = query.where(or_(Membership.account_id == account_id, Membership.room_id == room_id))
    order = [func.coalesce(latest, 0).desc(), Membership.room_id.desc()]
    ids = list(db.scalars(query.order_by(*order)))
    if room_id not in ids:
        return None, None
    index = ids.index(room_id)
    return (ids[index - 1] if index > 0 else None, ids[index + 1] if index + 1 < len(ids) else None)


def _room_url(room_id: int | None) -> str:
    return url_for("rooms.room_page", room_id=room_id) if room_id is not None else ""


# --- Messages as JSON -----------------------------------------------------------------------


@rooms.get("/rooms/<int:room_id>/messages")
@login_required
def history_json(room_id: int) -> ViewResult:
    """`?after=<id>` (newer, for catching up) or `?before=<id>` (Load older)."""
    user, now = current_user(), utc_now()
    after_id = request.args.get("after", type=row_id)
    before_id = request.args.get("before", type=row_id)
    with reading() as db:
        try:
            membership = get_own_membership(db, room_id, user.id)
        except NotFound as error:
            return _json_error(error)
        page = room_history(
            db, membership.room_id, after_id=after_id, before_id=before_id, limit=HISTORY_PAGE_SIZE
        )
        last_read = membership.last_read_message_id
        views = [
            _message_view(m, user, now, last_read=last_read, highlight=None) for m in page.messages
        ]
    has_more = page.has_newer if after_id is not None else page.has_older
    return jsonify(
        messages=[{"id": view.id, "html": _render_message(view)} for view in views],
        has_more=has_more,
    )


@rooms.get("/rooms/<int:room_id>/messages/<int:message_id>")
@login_required
def message_json(room_id: int, message_id: int) -> ViewResult:
    """One message's current html (after an edit or delete seen live)."""
    user = current_user()
    with reading() as db:
        try:
            view = _one_message(db, room_id, message_id, user)
        except NotFound as error:
            return _json_error(error)
    return jsonify(id=view.id, html=_render_message(view))


def _one_message(db: Session, room_id: int, message_id: int, user: User) -> MessageView:
    message = get_room_message(db, room_id, message_id, user.id)
    return _message_view(
        message, user, utc_now(), last_read=_last_read(db, room_id, user.id), highlight=None
    )


# --- Posting, editing, deleting ---------------------------------------------------------------


@rooms.post("/rooms/<int:room_id>/messages")
@login_required
def post_room_message(room_id: int) -> ViewResult:
    """Compose: `body` (Markdown), optional `parent_id`, files in `attachments`."""
    user, settings = current_user(), web_context().settings
    body = _form_text("body")
    parent_id = request.form.get("parent_id", type=row_id)
    uploads = [upload for upload in request.files.getlist("attachments") if upload.filename]
    try:
        # Counted before reading them: a request with too many files is refused unread.
        check_attachment_limits(
            len(uploads), 0, max_files=settings.attachment_max_files, max_bytes=None
        )
        new_files = [_new_file(upload) for upload in uploads]
        with writing() as db:
            get_member_room(db, room_id, user.id)
            posted = post_message(
                db,
                room_id,
                user.id,
                body,
                origin=Origin.WEB,
                now=utc_now(),
                parent_id=parent_id,
                files=new_files,
                max_files=settings.attachment_max_files,
                max_bytes=settings.attachment_max_bytes,
            )
            mark_read(db, room_id, user.id, posted.id)
    except DomainError as error:
        if _wants_json() or isinstance(error, NotFound):
            return _refusal(error, room_id)
        flash(str(error), "error")
        return _page(room_id, reply_to=parent_id, draft=body, status=_status_for(error))
    if _wants_json():
        with reading() as db:
            view = _one_message(db, room_id, posted.id, user)
        return jsonify(ok=True, id=posted.id, html=_render_message(view))
    return redirect(url_for("rooms.room_page", room_id=room_id, _anchor=f"m-{posted.id}"), 303)


def _form_text(name: str) -> str:
    """A textarea's value with the CRLF line ends form posts carry (HTML) turned into "\\n"."""
    return request.form.get(name, "").replace("\r\n", "\n").replace("\r", "\n")


def _new_file(upload: FileStorage) -> NewFile:
    filename = clean_filename(upload.filename or "")
    return NewFile(filename, guess_content_type(filename, upload.mimetype), upload.read())


@rooms.post("/rooms/<int:room_id>/messages/<int:message_id>/edit")
@login_required
def edit_room_message(room_id: int, message_id: int) -> ViewResult:
    user = current_user()
    try:
        with writing() as db:
            get_room_message(db, room_id, message_id, user.id)
            edit_message(db, message_id, user.id, _form_text("body"), now=utc_now())
    except DomainError as error:
        return _refusal(error, room_id, message_id)
    return _changed(room_id, message_id, "Message edited.")


@rooms.post("/rooms/<int:room_id>/messages/<int:message_id>/delete")
@login_required
def delete_room_message(room_id: int, message_id: int) -> ViewResult:
    user = current_user()
    try:
        with writing() as db:
            get_room_message(db, room_id, message_id, user.id)
            delete_message(db, message_id, user.id, now=utc_now())
    except DomainError as error:
        return _refusal(error, room_id, message_id)
    return _changed(room_id, message_id, "Message deleted.")


def _changed(room_id: int, message_id: int, done: str) -> ViewResult:
    if _wants_json():
        with reading() as db:
            view = _one_message(db, room_id, message_id, current_user())
        return jsonify(ok=True, id=view.id, html=_render_message(view))
    flash(done, "success")
    return redirect(url_for("rooms.room_page", room_id=room_id, _anchor=f"m-{message_id}"), 303)


# --- Read state -------------------------------------------------------------------------------


@rooms.post("/rooms/<int:room_id>/read")
@login_required
def read_room(room_id: int) -> ViewResult:
    """Everything up to `message_id` is read (the mark only moves forward)."""
    message_id = request.form.get("message_id", type=row_id)
    try:
        if message_id is None:
            raise InvalidInput("say which message was read (message_id)")
        with writing() as db:
            last_read = mark_read(db, room_id, current_user().id, message_id)
    except DomainError as error:
        return _refusal(error, room_id)
    if _wants_json():
        return jsonify(ok=True, last_read_message_id=last_read)
    return redirect(url_for("rooms.room_page", room_id=room_id), 303)


@rooms.post("/rooms/<int:room_id>/messages/<int:message_id>/unread")
@login_required
def unread_from_here(room_id: int, message_id: int) -> ViewResult:
    """Mark the room unread from this message on, then back to the inbox."""
    try:
        with writing() as db:
            last_read = mark_unread(db, room_id, current_user().id, message_id)
    except DomainError as error:
        return _refusal(error, room_id, message_id)
    inbox_url = url_for("inbox.rooms")
    if _wants_json():
        return jsonify(ok=True, last_read_message_id=last_read, redirect=inbox_url)
    flash("Marked as unread.", "success")
    return redirect(inbox_url, 303)


@rooms.errorhandler(413)
def files_too_large(error: Exception) -> ViewResult:
    """The upload went past even the request size cap: say what the limit is."""
    settings = web_context().settings
    refusal = InvalidInput(
        f"The files of one message can total at most {format_size(settings.attachment_max_bytes)}."
    )
    room_id = (request.view_args or {}).get("room_id")
    if _wants_json() or room_id is None:
        return jsonify(error=str(refusal)), 413
    flash(str(refusal), "error")
    return redirect(url_for("rooms.room_page", room_id=room_id), 303)


# --- Refusals -------------------------------------------------------------------------------


def _wants_json() -> bool:
    """A script asked (Accept: application/json); browsers and */* get pages."""
    accept = request.accept_mimetypes
    return accept["application/json"] > accept["text/html"]


def _status_for(error: DomainError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, ContactDetailsNotAllowed | InvalidInput):
        return 422  # the text or files need changing: the request itself was understood
    if isinstance(error, NotAllowed):
        return 403
    return 400


def _json_error(error: DomainError) -> tuple[Response, int]:
    return jsonify(error=str(error)), _status_for(error)


def _refusal(error: DomainError, room_id: int, message_id: int | None = None) -> ViewResult:
    """JSON with the status for scripts; a flash and back to the page for forms (404 as is)."""
    if _wants_json():
        return _json_error(error)
    if isinstance(error, NotFound):
        abort(404)
    flash(str(error), "error")
    anchor = f"m-{message_id}" if message_id is not None else None
    return redirect(url_for("rooms.room_page", room_id=room_id, _anchor=anchor), 303)
