"""How responses travel: compressed when the browser asks, static files cached for a year
under a content-fingerprinted URL.

Owns two things a browser notices only as speed:
- Compression (flask-compress): pages, JSON, CSS and JS go brotli or gzip when the request's
  Accept-Encoding allows it, with `Vary: Accept-Encoding` so a shared cache keeps each form
  apart. A streamed response is never compressed: the live updates (text/event-stream,
  gateway.web.live) must reach the browser event by event, not when a compressor's buffer
  fills, and files sent from disk go as they are.
- Fingerprints: url_for("static", filename=...) adds `v=<hash of the file's content>`, and a
  request that carries the file's current hash is answered `Cache-Control: public,
  max-age=31536000, immutable` (the URL changes whenever the file does, so it never needs
  revalidating). The plain URL, or an outdated hash, still gets the file, cached briefly.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from flask_compress import Compress

FINGERPRINT = "v"
FINGERPRINT_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
# The plain URL (a bookmark, an old page): fresh for five minutes, then revalidated.
SHORT = "public, max-age=300"


def compress_responses(app: Flask) -> None:
    """Compress what the browser accepts compressed (never a streamed response)."""
    app.config.update(
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_STREAMS=False,
    )
    Compress(app)


def fingerprint_static_files(app: Flask) -> None:
    """url_for("static", ...) carries a content hash; hashed requests are cached for good."""
    folder = Path(app.static_folder or "").resolve()

    def add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint != "static" or FINGERPRINT in values:
            return
        # A page names the same few files from many templates: look each up once a request.
        known: dict[str, str | None] = g.setdefault("static_fingerprints", {})
        filename = str(values.get("filename", ""))
        if filename not in known:
            known[filename] = _fingerprint_of(folder, filename)
        fingerprint = known[filename]
        if fingerprint is not None:
            values[FINGERPRINT] = fingerprint

    app.url_defaults(add_fingerprint)
    app.after_request(_static_caching(folder))


def _static_caching(folder: Path) -> Callable[[Response], Response]:
    def set_cache_control(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        asked = request.args.get(FINGERPRINT)
        current = _fingerprint_of(folder, (request.view_args or {}).get("filename", ""))
        response.headers["Cache-Control"] = IMMUTABLE if asked and asked == current else SHORT
        return response

    return set_cache_control


def _fingerprint_of(folder: Path, filename: str) -> str | None:
    """The file's content hash, or None when there is no such file in the (resolved) folder."""
    path = (folder / filename).resolve()
    if not path.is_relative_to(folder):
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    # Keyed by size and modification time: an edited file (in development) gets a new hash.
    return _content_hash(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=256)
def _content_hash(path: str, size: int, mtime_ns: int) -> str | None:
    try:
        with open(path, "rb") as file:
            digest = hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None
    return digest[:FINGERPRINT_LENGTH]
