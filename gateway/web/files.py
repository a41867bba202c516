"""Room files: the Files & links panel and downloads.

Owns how a stored file leaves the server. Files are whatever members uploaded, so a download
must never become a page of our site: every response is `Content-Disposition: attachment`
(RFC 6266, with an RFC 5987 `filename*` for names beyond ASCII), `X-Content-Type-Options:
nosniff` and a sandboxing Content-Security-Policy; HTML, SVG and other types a browser would
run are served as application/octet-stream. The one exception is `?inline=1` for PNG, JPEG,
GIF and WebP images whose bytes really are that format, so the room page can show previews.
A file, like its room, exists only for the room's active members (404 for anyone else).
Domain queries live in gateway.core.messages; this module holds no domain rules.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from urllib.parse import quote

from flask import Blueprint, abort, render_template, request
from werkzeug.wrappers import Response

from gateway.core.errors import NotFound
from gateway.core.messages import (
    format_size,
    get_attachment_for_member,
    get_member_room,
    list_room_files,
    list_room_links,
)
from gateway.core.room_titles import room_title_for
from gateway.web.request_db import reading
from gateway.web.session_user import current_user, login_required

files = Blueprint("files", __name__)

# Image types shown inline, each with the signatures its bytes must start with.
INLINE_IMAGE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),  # ...followed by "WEBP" at offset 8, checked below
}
# Types passed through as stored (always as an attachment); anything else is served as
# application/octet-stream, so a browser never renders a file (text/html, image/svg+xml...).
PASSTHROUGH_TYPES = frozenset(
    {
        *INLINE_IMAGE_SIGNATURES,
        "application/pdf",
        "application/zip",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.ms-excel",
        "text/plain",
        "text/csv",
        "audio/mpeg",
        "video/mp4",
    }
)
FILE_CSP = "sandbox; default-src 'none'"
MAX_FILENAME_LENGTH = 255
# Controls (C0, DEL, C1), zero-width and bidi marks, the line and paragraph separators.
_UNSAFE_IN_NAME = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_UNSAFE_IN_ASCII_NAME = re.compile(r"[^A-Za-z0-9._ ()\[\]+-]")


@files.get("/rooms/<int:room_id>/files")
@login_required
def room_files(room_id: int) -> str:
    """The Files & links panel: every file and web link of the room, searchable."""
    user = current_user()
    query = request.args.get("q", "")[:200]
    with reading() as db:
        try:
            room = get_member_room(db, room_id, user.id)
            found_files = list_room_files(db, room_id, user.id, query=query)
            links = list_room_links(db, room_id, user.id, query=query)
        except NotFound:
            abort(404)
        title = room_title_for(room, user.id)
    return render_template(
        "room/files.html",
        active_tab="rooms",
        room_id=room_id,
        room_title=title,
        query=query,
        files=[
            {
                "id": file.id,
                "message_id": file.message_id,
                "filename": file.filename,
                "size_text": format_size(file.size),
                "is_image": base_content_type(file.content_type) in INLINE_IMAGE_SIGNATURES,
                "uploader_name": file.uploader_name or "Someone",
                "created_iso": file.created_at.isoformat(),
            }
            for file in found_files
        ],
        links=links,
    )


@files.get("/files/<int:attachment_id>")
@login_required
def download(attachment_id: int) -> Response:
    """The file's bytes, as an attachment (or an inline preview of a real image)."""
    user = current_user()
    with reading() as db:
        try:
            attachment = get_attachment_for_member(db, attachment_id, user.id)
        except NotFound:
            abort(404)
        data, filename = attachment.data, attachment.filename
        content_type = base_content_type(attachment.content_type)
    inline = request.args.get("inline") == "1" and is_inline_image(content_type, data)
    served = content_type if content_type in PASSTHROUGH_TYPES else "application/octet-stream"
    response = Response(data, mimetype=served)
    response.headers["Content-Disposition"] = content_disposition(filename, inline=inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    # Members only: a shared cache must never keep it.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def base_content_type(content_type: str) -> str:
    """ "Image/PNG; name=x" -> "image/png"."""
    return content_type.split(";", 1)[0].strip().lower()


def is_inline_image(content_type: str, data: bytes) -> bool:
    """A PNG, JPEG, GIF or WebP whose bytes start as that format says they must."""
    signatures = INLINE_IMAGE_SIGNATURES.get(content_type)
    if signatures is None or not data.startswith(signatures):
        return False
    return content_type != "image/webp" or data[8:12] == b"WEBP"


def clean_filename(filename: str) -> str:
    """An uploaded file's name without directories, control or direction-changing characters."""
    name = re.split(r"[/\\]", filename)[-1]
    name = _UNSAFE_IN_NAME.sub("", unicodedata.normalize("NFC", name)).strip(" .")
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        keep = suffix[:20] if dot and stem else ""
        name = name[: MAX_FILENAME_LENGTH - len(keep) - 1] + ("." + keep if keep else "")
    return name or "file"


def guess_content_type(filename: str, declared: str | None) -> str:
    """The type a browser declared for an upload, or one guessed from its name."""
    content_type = base_content_type(declared or "")
    if not content_type or content_type == "application/octet-stream":
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return content_type[:127]


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """RFC 6266 header value: an ASCII `filename` for old clients, `filename*` (RFC 5987)
    carrying the real name in UTF-8."""
    name = clean_filename(filename)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = _UNSAFE_IN_ASCII_NAME.sub("_", ascii_name).strip(" .") or "download"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
