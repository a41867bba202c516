"""How the JSON API says no: one error shape, stable codes, and the HTTP status of each.

Owns the mapping from domain errors and request problems to `{"error": {"code", "message",
"details"}}`. Codes are part of the API: clients branch on them, so they never change
meaning; messages are for people and may be reworded.
"""

from __future__ import annotations

from flask import Response, current_app
from pydantic import ValidationError

from gateway.core.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from gateway.core.idempotency import IdempotencyKeyReused
from gateway.web.api.schemas import ErrorBody, ErrorDetail, ErrorResponse

# Each status the API answers with, and what it means (the OpenAPI document lists them).
ERROR_STATUSES = {
    400: "The body is not JSON.",
    401: "No valid API key.",
    403: "Not allowed.",
    404: "No such thing.",
    405: "Not a method this path accepts.",
    409: "Conflicts with what exists.",
    413: "The body is too large.",
    415: "The body must be application/json.",
    422: "The request is invalid.",
    500: "The gateway failed; the request had no effect.",
}


class ApiError(Exception):
    """A refusal the API itself makes (before or around the domain)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[ErrorDetail] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


def error_response(error: ApiError) -> Response:
    body = ErrorResponse(
        error=ErrorBody(code=error.code, message=error.message, details=error.details)
    )
    return current_app.response_class(
        body.model_dump_json(),
        status=error.status,
        mimetype="application/json",
        headers=error.headers,
    )


def from_domain(error: DomainError) -> ApiError:
    """The API's answer to a domain refusal (most specific class first)."""
    if isinstance(error, IdempotencyKeyReused):
        return ApiError(422, "idempotency_key_reused", str(error))
    if isinstance(error, Conflict):
        return ApiError(409, "conflict", str(error))
    if isinstance(error, NotFound):
        return ApiError(404, "not_found", str(error))
    if isinstance(error, NotAllowed):
        return ApiError(403, "not_allowed", str(error))
    if isinstance(error, InvalidInput):
        return ApiError(422, "invalid_input", str(error))
    return ApiError(422, "refused", str(error))


def from_validation(error: ValidationError, where: str) -> ApiError:
    """422 with each problem and where it is ("body.members.0.user_id", "query.limit")."""
    if any(problem["type"] == "json_invalid" for problem in error.errors()):
        return ApiError(400, "bad_json", "The body is not valid JSON.")
    details = [
        ErrorDetail(
            field=".".join([where, *(str(part) for part in problem["loc"])]),
            message=problem["msg"],
        )
        for problem in error.errors(include_url=False)
    ]
    summary = "; ".join(f"{d.field}: {d.message}" for d in details[:3])
    return ApiError(422, "invalid_request", f"The request is invalid: {summary}", details)
