"""Room files: the Files & links panel and downloads."""

from __future__ import annotations

from flask import Blueprint

files = Blueprint("files", __name__)
