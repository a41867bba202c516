"""The names attachments get: a sender's filename made safe, or one made up.

Owns ``sanitize_filename`` (the last path component of a received name, without control
or bidi characters, at most MAX_FILENAME_CHARS characters, no leading dots) and
``made_up_name`` ("image-1.png", "forwarded.eml", "attachment-2.pdf") for parts that name
none. Used for MIME parts and for the files inside a TNEF container alike.

Stdlib only: must not import flask, aiosmtpd, sqlalchemy, gateway.store or gateway.core.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "MADE_UP_EXTENSIONS",
    "MAX_FILENAME_CHARS",
    "content_type_for",
    "made_up_name",
    "sanitize_filename",
]

MAX_FILENAME_CHARS = 200
MAX_EXTENSION_CHARS = 16  # a longer "extension" is just part of a long name

# Extensions for made-up names of unnamed parts; mimetypes is avoided because its answers
# depend on the host's /etc/mime.types (image/jpeg -> ".jpe" on some).
MADE_UP_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/pjpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/bmp": ".bmp",
    "image/tiff": ".tif",
    "image/heic": ".heic",
    "image/heif": ".heif",
    "image/svg+xml": ".svg",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "text/csv": ".csv",
}
_TYPES_BY_EXTENSION = {
    extension: content_type for content_type, extension in reversed(MADE_UP_EXTENSIONS.items())
}
# Path separators are handled apart; these are control characters (C0, C1), the line and
# paragraph separators, and the bidi overrides that make "gpj.exe" display as "exe.jpg".
_FILENAME_DROP_RE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def sanitize_filename(name: str) -> str:
    """The last path component, without control or bidi characters, at most 200 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", _FILENAME_DROP_RE.sub("", name))
    name = name.strip().lstrip(".").strip()  # no hidden files, no ".."
    if len(name) <= MAX_FILENAME_CHARS:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and 0 < len(extension) <= MAX_EXTENSION_CHARS:
        return stem[: MAX_FILENAME_CHARS - len(extension) - 1].rstrip() + "." + extension
    return name[:MAX_FILENAME_CHARS].rstrip()


def content_type_for(filename: str) -> str:
    """The type of a file by its extension, for containers that name none (TNEF);
    application/octet-stream when the extension is not one of MADE_UP_EXTENSIONS."""
    extension = "." + filename.rpartition(".")[2].lower() if "." in filename else ""
    return _TYPES_BY_EXTENSION.get(extension, "application/octet-stream")


def made_up_name(content_type: str, given: dict[str, int]) -> str:
    if content_type.startswith("message/"):
        kind, extension = "forwarded", ".eml"
    elif content_type.startswith("image/"):
        kind, extension = "image", _image_extension(content_type)
    else:
        kind, extension = "attachment", MADE_UP_EXTENSIONS.get(content_type, ".bin")
    count = given[kind] = given.get(kind, 0) + 1
    if kind == "forwarded" and count == 1:
        return "forwarded.eml"
    return f"{kind}-{count}{extension}"


def _image_extension(content_type: str) -> str:
    if content_type in MADE_UP_EXTENSIONS:
        return MADE_UP_EXTENSIONS[content_type]
    subtype = content_type.partition("/")[2]  # image/avif -> ".avif"
    return "." + subtype if subtype.isalnum() and len(subtype) <= MAX_EXTENSION_CHARS else ".bin"
