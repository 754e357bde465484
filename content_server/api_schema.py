"""The API's OpenAPI schema (``/api/openapi.json``), finished in one place so it tells the
truth about every route.

FastAPI builds the schema from the routes and their ``responses=`` declarations
(:func:`content_server.errors.error_responses`); :func:`install` then fixes, for every
operation, what FastAPI cannot know:

- a route that takes a token (``Caller`` or ``screen_guard``: an ``Authorization`` header
  parameter) instead gets the bearer security scheme and its 401 answer;
- a 422 has the project's body (:class:`~content_server.errors.ErrorBody`), not FastAPI's
  ``HTTPValidationError``, whose shape the server never sends; an operation with nothing to
  validate (no parameters, no body) does not declare 422 at all;
- a route with a request body declares 400, FastAPI's answer to a body it cannot read.

Non-JSON answers (files, pages, CSV, event streams) are declared at their routes with
:func:`content_response` and ``response_class=Response``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from content_server.errors import ErrorBody, error_responses

BEARER = "bearer"
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


def content_response(
    description: str, *media_types: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A ``responses=`` entry for a body that is not JSON (a file, a page, CSV, an event
    stream), with the headers it always carries (name -> description). Use it with
    ``response_class=Response`` on the route, or FastAPI adds application/json as well."""
    answer: dict[str, Any] = {
        "description": description,
        "content": {media_type: {"schema": _body_schema(media_type)} for media_type in media_types},
    }
    if headers:
        answer["headers"] = response_headers(headers)
    return answer


def response_headers(headers: dict[str, str]) -> dict[str, Any]:
    """Headers an answer always carries (name -> description), as OpenAPI header objects."""
    return {
        name: {"description": text, "required": True, "schema": {"type": "string"}}
        for name, text in headers.items()
    }


def event_stream_response(
    description: str, data: dict[str, Any], event: str | None = None
) -> dict[str, Any]:
    """A ``responses=`` entry for server-sent events whose ``data`` is JSON matching ``data``
    (each event described by ``itemSchema``; keep-alive comments are no events)."""
    properties: dict[str, Any] = {
        "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data},
        "id": {"type": "string"},
    }
    required = ["data"]
    if event is not None:
        properties["event"] = {"const": event}
        required.append("event")
    item = {"type": "object", "required": required, "properties": properties}
    return {"description": description, "content": {"text/event-stream": {"itemSchema": item}}}


def not_modified(
    description: str = "未改变（If-None-Match 与 ETag 相同），没有正文",
) -> dict[str, Any]:
    """A 304 answer to ``If-None-Match``: no body, the ETag again."""
    answer = content_response(description, headers={"ETag": "内容的强 ETag"})
    del answer["content"]
    return answer


def _body_schema(media_type: str) -> dict[str, Any]:
    if media_type.startswith("text/"):
        return {"type": "string"}
    return {"type": "string", "format": "binary"}


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
    declared = {int(status): each for status, each in error_responses(400, 401, 422).items()}
    for path_item in schema.get("paths", {}).values():
        for method in _METHODS:
            operation = path_item.get(method)
            if operation is not None:
                _finish_operation(operation, declared)
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    schemas.setdefault("ErrorBody", ErrorBody.model_json_schema())
    components.setdefault("securitySchemes", {})[BEARER] = _SECURITY_SCHEME
    return schema


def _finish_operation(operation: dict[str, Any], declared: dict[int, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    parameters = operation.get("parameters", [])
    token = [p for p in parameters if p.get("in") == "header" and _is_authorization(p)]
    if token:
        parameters = [p for p in parameters if p not in token]
        operation["security"] = [{BEARER: []}]
        responses.setdefault("401", declared[401])
    if parameters:
        operation["parameters"] = parameters
    else:
        operation.pop("parameters", None)
    if parameters or "requestBody" in operation:
        if _is_fastapi_validation(responses.get("422")):
            responses["422"] = declared[422]
    else:
        responses.pop("422", None)
    if "requestBody" in operation:  # FastAPI answers 400 to a body it cannot read
        responses.setdefault("400", declared[400])


def _is_authorization(parameter: dict[str, Any]) -> bool:
    return str(parameter.get("name", "")).lower() == "authorization"


def _is_fastapi_validation(response: dict[str, Any] | None) -> bool:
    if response is None:
        return True
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", "")).endswith("/HTTPValidationError")
