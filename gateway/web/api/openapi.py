"""The OpenAPI 3.1 document of the JSON API, generated from the declared operations.

Owns turning each `operation(...)` declaration (gateway.web.api.operations) and its pydantic
models (gateway.web.api.schemas) into paths, parameters and components. Nothing here is
written by hand per endpoint: the document says what the code validates, because it is read
off the same declarations. OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what
pydantic emits, so the models' schemas go in as they are.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from gateway.core.idempotency import MAX_KEY_LENGTH
from gateway.store.models import MAX_ROW_ID
from gateway.web.api.errors import ERROR_STATUSES
from gateway.web.api.operations import OPERATIONS, Operation
from gateway.web.api.schemas import ErrorResponse

REF = "#/components/schemas/{model}"
# Statuses any operation may answer, whatever it does.
COMMON_ERRORS = (401, 500)
BODY_ERRORS = (400, 413, 415, 422)
DESCRIPTION = """\
Host platforms manage users, accounts and rooms, post messages and send Account Alerts and
Updates. Authenticate with `Authorization: Bearer <key>` (an operator makes keys with
`gateway api-key create NAME`). Every error is JSON: `{"error": {"code", "message",
"details"}}`; `code` is stable. A POST sent with an `Idempotency-Key` header (1 to 255
printable ASCII characters) has its effect once: repeating it within 24 hours returns the
first response again, marked `Idempotent-Replayed: true`; the same key with a different
request is refused (422, `idempotency_key_reused`).
"""


@cache
def openapi_document(version: str) -> dict[str, Any]:
    """The document (built once per process: the operations are fixed at import)."""
    components = _component_schemas()
    paths: dict[str, dict[str, Any]] = {}
    for declared in OPERATIONS:
        paths.setdefault(declared.path, {})[declared.method.lower()] = _operation(
            declared, components
        )
    return {
        "openapi": "3.1.0",
        "info": {"title": "gateway platform API", "version": version, "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearerAuth": []}],
    }


def _component_schemas() -> dict[str, Any]:
    models: list[tuple[type[BaseModel], Any]] = [(ErrorResponse, "serialization")]
    for declared in OPERATIONS:
        if declared.body is not None:
            models.append((declared.body, "validation"))
        if declared.response is not None:
            models.append((declared.response, "serialization"))
    unique = list(dict.fromkeys(models))
    _, schema = models_json_schema(unique, ref_template=REF)
    return dict(schema.get("$defs", {}))


def _operation(declared: Operation, components: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operationId": declared.name,
        "summary": declared.summary,
        "tags": [declared.tag],
        "parameters": _path_parameters(declared) + _query_parameters(declared, components),
        "responses": _responses(declared),
    }
    if declared.method == "POST":
        spec["parameters"].append(_idempotency_parameter())
    if declared.body is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(declared.body)}},
        }
    return spec


def _path_parameters(declared: Operation) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in declared.path.split("/") if part.startswith("{")]
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID},
        }
        for name in names
    ]


def _query_parameters(declared: Operation, components: dict[str, Any]) -> list[dict[str, Any]]:
    if declared.query is None:
        return []
    schema = declared.query.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": _without_null(prop),
        }
        for name, prop in schema["properties"].items()
    ]


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or has a value: JSON null has no spelling in a URL."""
    options = [option for option in schema.get("anyOf", ()) if option.get("type") != "null"]
    if len(options) != 1:
        return schema
    kept = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**kept, **options[0]}


def _idempotency_parameter() -> dict[str, Any]:
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Carry out this POST once; repeats get the first response again.",
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_KEY_LENGTH,
            "pattern": "^[\\x21-\\x7e]+$",
        },
    }


def _responses(declared: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    successes = {declared.status: declared.summary, **declared.also}
    for status, description in successes.items():
        responses[str(status)] = {"description": description}
        if declared.links and status == declared.status:
            responses[str(status)]["links"] = {
                target: {"operationId": target, "parameters": parameters}
                for target, parameters in declared.links.items()
            }
        if declared.response is not None and status != 204:
            responses[str(status)]["content"] = {
                "application/json": {"schema": _ref(declared.response)}
            }
    errors = set(declared.errors) | set(COMMON_ERRORS)
    if declared.body is not None:
        errors |= set(BODY_ERRORS)
    if declared.method == "POST":
        errors.add(422)  # a malformed or reused Idempotency-Key
    if declared.query is not None:
        errors.add(422)
    if "{" in declared.path:
        errors.add(404)
    for status in sorted(errors):
        responses[str(status)] = {
            "description": ERROR_STATUSES[status],
            "content": {"application/json": {"schema": _ref(ErrorResponse)}},
        }
    return responses


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}
