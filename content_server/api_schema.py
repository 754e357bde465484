"""The API's OpenAPI schema (``/api/openapi.json``), finished in one place so it tells the
truth about every route.

FastAPI builds the schema from the routes and their ``responses=`` declarations
(:func:`content_server.errors.error_responses`); :func:`install` then fixes, for every
operation, what FastAPI cannot know:

- a route that takes a token (``Caller`` or ``screen_guard``: an ``Authorization`` header
  parameter) instead gets the bearer security scheme and its 401 answer;
- a 422 has the project's body (:class:`~content_server.errors.ErrorBody`), not FastAPI's
  ``HTTPValidationError``, whose shape the server never sends; an operation with nothing to
  validate (no parameters, no body) does not declare 422 at all.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from content_server.errors import ErrorBody, error_responses

BEARER = "bearer"
ERROR_BODY_REF = "#/components/schemas/ErrorBody"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": (
        "The admin token (superuser), a session token from POST /api/login or a personal API "
        "token; a screen's own routes take that screen's credential"
    ),
}


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and ``/api/openapi.json``) return the finished schema."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = finish(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def finish(schema: dict[str, Any]) -> dict[str, Any]:
    """Apply the fixes described in the module docstring to a schema FastAPI built."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    error_body = error_responses(401, 422)
    for path_item in schema.get("paths", {}).values():
        for method in _METHODS:
            operation = path_item.get(method)
            if operation is not None:
                _finish_operation(operation, error_body)
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    schemas.setdefault("ErrorBody", ErrorBody.model_json_schema())
    components.setdefault("securitySchemes", {})[BEARER] = _SECURITY_SCHEME
    return schema


def _finish_operation(operation: dict[str, Any], declared: dict[int | str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    parameters = operation.get("parameters", [])
    token = [p for p in parameters if p.get("in") == "header" and _is_authorization(p)]
    if token:
        parameters = [p for p in parameters if p not in token]
        operation["security"] = [{BEARER: []}]
        responses.setdefault("401", _as_json(declared[401]))
    if parameters:
        operation["parameters"] = parameters
    else:
        operation.pop("parameters", None)
    if parameters or "requestBody" in operation:
        if _is_fastapi_validation(responses.get("422")):
            responses["422"] = _as_json(declared[422])
    else:
        responses.pop("422", None)


def _is_authorization(parameter: dict[str, Any]) -> bool:
    return str(parameter.get("name", "")).lower() == "authorization"


def _is_fastapi_validation(response: dict[str, Any] | None) -> bool:
    if response is None:
        return True
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", "")).endswith("/HTTPValidationError")


def _as_json(declared: dict[str, Any]) -> dict[str, Any]:
    """A ``responses=`` entry with ``model`` as the schema's JSON response object."""
    answer = {key: value for key, value in declared.items() if key != "model"}
    answer["content"] = {"application/json": {"schema": {"$ref": ERROR_BODY_REF}}}
    return answer
