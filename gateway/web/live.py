"""Live updates: the event stream open pages listen to, and presence."""

from __future__ import annotations

from flask import Blueprint

live = Blueprint("live", __name__)
