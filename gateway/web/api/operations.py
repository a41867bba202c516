"""The JSON API's operations: how each one is declared, checked and carried out.

Owns the request cycle every operation shares, in order: the bearer API key, path ids,
the query string and the JSON body validated against the operation's models
(gateway.web.api.schemas), the unit of work (a read session for GET, one write transaction
otherwise), Idempotency-Key on POST (gateway.core.idempotency), and errors as JSON
(gateway.web.api.errors). An operation is declared once, with `operation(...)`; the same
declaration routes requests and writes the OpenAPI document (gateway.web.api.openapi).
Handlers stay thin: call core, turn what it returns into a response model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, request
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from gateway.core.api_keys import find_api_key, needs_use_noted, note_api_key_used
from gateway.core.errors import DomainError
from gateway.core.idempotency import (
    MAX_KEY_LENGTH,
    KeptResponse,
    find_kept_response,
    keep_response,
    request_fingerprint,
)
from gateway.web.api.errors import ApiError, error_response, from_domain, from_validation
from gateway.web.context import web_context
from gateway.web.request_db import reading, writing

PREFIX = "/api/v1"
api = Blueprint("api", __name__, url_prefix=PREFIX)
BEARER = re.compile(r"Bearer +(\S+)\s*", re.IGNORECASE)
# Printable ASCII, as Stripe and the IETF draft (httpapi-idempotency-key-header) expect.
IDEMPOTENCY_KEY = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}")
REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler gets: the unit of work, the time, and the checked request."""

    db: Session
    now: datetime
    params: dict[str, int]
    body: Any = None
    query: Any = None


@dataclass(frozen=True, slots=True)
class Answer:
    """A handler's response when it is not the operation's usual status."""

    status: int
    model: BaseModel | None


Handler = Callable[[Call], BaseModel | Answer | None]


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str  # as OpenAPI writes it: /users/{user_id}
    handler: Handler
    summary: str
    tag: str
    status: int
    response: type[BaseModel] | None
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    errors: tuple[int, ...]
    also: dict[int, str] = field(default_factory=dict)  # further success statuses
    # Operations that take ids from this one's response: operationId -> {parameter: where}.
    links: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.handler.__name__


OPERATIONS: list[Operation] = []


def operation(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    status: int = 200,
    response: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    also: dict[int, str] | None = None,
    links: dict[str, dict[str, str]] | None = None,
) -> Callable[[Handler], Handler]:
    """Declare an operation: route it, and list it in the OpenAPI document."""

    def register(handler: Handler) -> Handler:
        declared = Operation(
            method,
            path,
            handler,
            summary,
            tag,
            status,
            response,
            body,
            query,
            errors,
            also or {},
            links or {},
        )
        OPERATIONS.append(declared)
        api.add_url_rule(
            re.sub(r"\{(\w+)\}", r"<int:\1>", path),
            endpoint=handler.__name__,
            view_func=lambda **params: _carry_out(declared, params),
            methods=[method],
        )
        return handler

    return register


def _carry_out(declared: Operation, params: dict[str, int]) -> Response:
    try:
        api_key_id = _authenticate()
        body = _body(declared)
        query = _validated(declared.query, request.args.to_dict(), "query")
        if declared.method == "GET":
            with reading() as db:
                return _respond(declared, declared.handler(_call(db, params, body, query)))
        return _write(declared, api_key_id, params, body, query)
    except ApiError as error:
        return error_response(error)
    except DomainError as error:
        return error_response(from_domain(error))


def _authenticate() -> int:
    """The API key's id, or 401 (RFC 6750: the challenge says which scheme)."""
    match = BEARER.fullmatch(request.headers.get("Authorization", ""))
    with reading() as db:
        key = find_api_key(db, match.group(1)) if match else None
    if key is None:
        raise ApiError(
            401,
            "unauthorized",
            "Send a valid API key: Authorization: Bearer <key> "
            "(make one with `gateway api-key create NAME`).",
            # RFC 6750 section 3: a 401 names the scheme it wants.
            headers={"WWW-Authenticate": 'Bearer realm="gateway"'},
        )
    now = web_context().clock()
    if needs_use_noted(key, now):
        with writing() as db:
            note_api_key_used(db, key.id, now=now)
    return key.id


def _body(declared: Operation) -> BaseModel | None:
    if declared.body is None:
        return None
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        return declared.body.model_validate_json(request.get_data() or b"{}")
    except ValidationError as error:
        raise from_validation(error, "body") from None


def _validated(model: type[BaseModel] | None, data: dict[str, str], where: str) -> Any:
    if model is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise from_validation(error, where) from None


def _call(db: Session, params: dict[str, int], body: Any, query: Any) -> Call:
    return Call(db, web_context().clock(), params, body, query)


def _write(
    declared: Operation, api_key_id: int, params: dict[str, int], body: Any, query: Any
) -> Response:
    """One transaction: the effect, and under an Idempotency-Key the response kept with it."""
    key = _idempotency_key(declared)
    fingerprint = request_fingerprint(request.method, request.full_path, request.get_data())
    try:
        with writing() as db:
            call = _call(db, params, body, query)
            if key is not None:
                kept = find_kept_response(db, api_key_id, key, fingerprint, now=call.now)
                if kept is not None:
                    return _replay(kept)
            response = _respond(declared, declared.handler(call))
            if key is not None and response.status_code < 300:
                kept = KeptResponse(response.status_code, response.get_data(as_text=True))
                keep_response(db, api_key_id, key, fingerprint, kept, now=call.now)
            return response
    except IntegrityError:
        # A concurrent copy of this request (same key) committed first: answer as it did.
        if key is not None:
            with writing() as db:
                kept = find_kept_response(
                    db, api_key_id, key, fingerprint, now=web_context().clock()
                )
            if kept is not None:
                return _replay(kept)
        raise ApiError(
            409, "conflict", "The request clashed with a change made at the same moment; retry."
        ) from None


def _idempotency_key(declared: Operation) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None or declared.method != "POST":
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError(
            422,
            "invalid_idempotency_key",
            f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable ASCII characters "
            "(a UUID is a good choice).",
        )
    return key


def _respond(declared: Operation, result: BaseModel | Answer | None) -> Response:
    if isinstance(result, Answer):
        status, model = result.status, result.model
    else:
        status, model = declared.status, result
    if model is None:
        return current_app.response_class(status=status)
    return current_app.response_class(
        model.model_dump_json(), status=status, mimetype="application/json"
    )


def _replay(kept: KeptResponse) -> Response:
    return current_app.response_class(
        kept.body,
        status=kept.status,
        mimetype="application/json",
        headers={REPLAYED_HEADER: "true"},
    )


# Werkzeug's refusals (unknown path, wrong method, 413, a failure) in the API's own words.
HTTP_ERROR_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    500: "internal_error",
}
HTTP_ERROR_MESSAGES = {
    404: "No such API path or id: see /api/v1/openapi.json for the paths there are.",
    405: "This path does not accept that method: see /api/v1/openapi.json.",
    500: "The gateway failed; the request had no effect. Retry later.",
}


def api_http_error(error: HTTPException) -> Response:
    """An HTTP error raised anywhere under /api/v1 as the API's JSON error (the app's error
    handler calls this for API paths)."""
    status = error.code or 500
    message = HTTP_ERROR_MESSAGES.get(status, error.description or error.name)
    allowed = getattr(error, "valid_methods", None)
    headers = {"Allow": ", ".join(allowed)} if status == 405 and allowed else None
    return error_response(
        ApiError(status, HTTP_ERROR_CODES.get(status, "http_error"), message, headers=headers)
    )


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")
