"""The platform JSON API at /api/v1: host platforms manage users, accounts and rooms, post
messages and send Account Alerts and Updates, authenticated by bearer API keys.

Owns the `api` blueprint and its OpenAPI document route; the operations live in
gateway.web.api.{users,rooms,alerts,reports}, declared through gateway.web.api.operations.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version

from flask import Response, jsonify

from gateway.web.api import alerts, reports, rooms, users
from gateway.web.api.openapi import openapi_document
from gateway.web.api.operations import api, api_http_error, is_api_request

__all__ = ["alerts", "api", "api_http_error", "is_api_request", "reports", "rooms", "users"]


@api.get("/openapi.json")
def openapi_json() -> Response:
    """The document needs no key: it describes the API, it does not open it."""
    return jsonify(openapi_document(_release()))


@cache
def _release() -> str:
    """The installed package's version (read from its metadata once per process)."""
    try:
        return version("gateway")
    except PackageNotFoundError:
        return "0"
