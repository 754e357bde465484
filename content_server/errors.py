"""Errors as the API returns them: ``{"detail": "<中文说明>", "code": "<english_code>"}``.

Every error response goes through :func:`error_response`, whatever raised it; no response
ever carries a traceback. Unexpected exceptions become a generic 500 and one log line.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from content_cache.wire import ITEM_KINDS

log = logging.getLogger("content_server")

NUMBER_TOO_LARGE = "数字太大：超出可以存储的范围（编号等整数最大 9223372036854775807）"
INTERNAL_ERROR = "服务器内部错误，请稍后重试；如果反复出现，请联系管理员查看服务器日志"

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求不正确"),
    404: ("not_found", "找不到该地址"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("too_large", "请求内容太大"),
}

# pydantic error type -> Chinese text; ``{name}`` is filled from the error's ``ctx``.
_VALIDATION_MESSAGES: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段",
    "string_type": "应为文本",
    "string_too_short": "太短（至少 {min_length} 个字符）",
    "string_too_long": "太长（最多 {max_length} 个字符）",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "必须小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "too_short": "条目太少（至少 {min_length} 个）",
    "too_long": "条目太多（最多 {max_length} 个）",
    "literal_error": "取值应为 {expected}",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "datetime_type": "不是有效的时间（例如 2026-12-01T08:00）",
    "datetime_parsing": "不是有效的时间（例如 2026-12-01T08:00）",
    "datetime_from_date_parsing": "不是有效的时间（例如 2026-12-01T08:00）",
    "timezone_aware": "需要带时区的时间",
    "date_type": "不是有效的日期（例如 2026-12-13）",
    "date_parsing": "不是有效的日期（例如 2026-12-13）",
    "date_from_datetime_parsing": "不是有效的日期（例如 2026-12-13）",
    "time_type": "不是有效的时刻（例如 08:00）",
    "time_parsing": "不是有效的时刻（例如 08:00）",
    "json_invalid": "请求体不是有效的 JSON",
    "union_tag_invalid": "类型 {tag} 不受支持（可选 {expected_tags}）",
}

# Messages of the wire models' own validators.
_VALUE_ERRORS: dict[str, str] = {
    "valid_until must be after valid_from": "结束时间 valid_until 必须晚于开始时间 valid_from",
}


class ErrorBody(BaseModel):
    """The body of every error response."""

    detail: str
    code: str


# The schema of ErrorBody in /api/openapi.json (content_server.api_schema puts it there; a
# ``model`` would be declared with the route's media type, text/html on a page's route).
ERROR_BODY_REF = "#/components/schemas/ErrorBody"
# What each error status means, for the OpenAPI schema (the body's ``code`` says exactly what).
_STATUS_TEXT = {
    400: "请求不正确（code 说明原因）",
    401: "令牌无效或缺失",
    403: "没有权限（code 说明原因）",
    404: "找不到，或不在您的管理范围内",
    409: "与当前状态冲突（code 说明原因）",
    410: "已撤销",
    413: "请求内容太大",
    422: "请求内容不合法（code 说明原因）",
    429: "尝试太频繁，请按 Retry-After 等待后再试",
    503: "暂时无法处理（code 说明原因）",
    507: "服务器磁盘空间不足",
}
_STATUS_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "等待的秒数", "schema": {"type": "integer"}}},
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error answers with the project's body (:class:`ErrorBody`),
    for a route's ``responses=`` or a router's (then every route of it has them).

    401 and 422 need no declaring: :mod:`content_server.api_schema` adds 401 to every route
    that takes a token and gives 422 (FastAPI's validation error) the project's body.
    """
    json = {"content": {"application/json": {"schema": {"$ref": ERROR_BODY_REF}}}}
    return {status: _error_response(status, json) for status in statuses}


def page_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error answers that are HTML pages for people (the phone
    sign-in pages), not :class:`ErrorBody`."""
    html = {"content": {"text/html": {"schema": {"type": "string"}}}}
    return {status: _error_response(status, html) for status in statuses}


def _error_response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    response = {**body, "description": _STATUS_TEXT.get(status, "错误（code 说明原因）")}
    if status in _STATUS_HEADERS:
        response["headers"] = _STATUS_HEADERS[status]
    return response


class ApiError(Exception):
    """An error the client should see, with its HTTP status, code and Chinese message."""

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}


def error_response(exc: BaseException, request: Request | None = None) -> JSONResponse:
    """Map any exception to the JSON error response the API returns for it."""
    if isinstance(exc, ApiError):
        return _json(exc.status, exc.code, exc.detail, exc.headers)
    if isinstance(exc, RequestValidationError):
        return _json(422, "invalid_request", describe_errors(exc.errors(), skip_prefix=True))
    if isinstance(exc, ValidationError):
        return _json(422, "invalid", describe_errors(exc.errors()))
    if isinstance(exc, OverflowError) and "SQLite INTEGER" in str(exc):
        # An integer no row can have (an id such as 2**64): the request's fault, like any
        # other value out of range, on whichever route it reached the database.
        return _json(422, "number_too_large", NUMBER_TOO_LARGE)
    if isinstance(exc, StarletteHTTPException):
        code, detail = _HTTP_ERRORS.get(exc.status_code, ("http_error", "请求错误"))
        headers = dict(exc.headers or {})
        if exc.status_code == 405 and request is not None:
            headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
        return _json(exc.status_code, code, detail, headers)
    where = f"{request.method} {request.url.path}" if request is not None else "request"
    log.error("unexpected error in %s: %s: %s", where, type(exc).__name__, exc)
    log.debug("traceback of the unexpected error", exc_info=exc)
    return _json(500, "internal_error", INTERNAL_ERROR)


def allowed_methods(request: Request) -> str:
    """Every method the request's path answers to, for a 405's ``Allow`` (Starlette names only
    those of the first route with that path, and GET and POST are often two routes)."""
    routes = getattr(request.scope.get("app"), "routes", [])
    methods = []
    for method in _METHODS:
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] is Match.FULL for route in routes):
            methods.append(method)
    return ", ".join(methods)


async def handle_exception(request: Request, exc: Exception) -> Response:
    """Exception handler for FastAPI: delegates to :func:`error_response`."""
    return error_response(exc, request)


def describe_errors(errors: Sequence[Any], *, skip_prefix: bool = False) -> str:
    """pydantic errors as one Chinese line naming the first bad field.

    Args:
        errors: ``ValidationError.errors()`` or ``RequestValidationError.errors()``.
        skip_prefix: drop the first location part (FastAPI's ``body``/``query``/``path``).
    """
    if not errors:
        return "请求内容不合法"
    first = errors[0]
    loc = list(first.get("loc", ()))
    if skip_prefix and loc and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:]
    where = format_location(loc)
    message = _message(first)
    text = f"字段 {where}：{message}" if where else message
    if len(errors) > 1:
        text += f"（另有 {len(errors) - 1} 处错误）"
    return text


def format_location(loc: Sequence[Any]) -> str:
    """``("entries", 0, "photo")`` -> ``entries[0].photo``; union tags are skipped."""
    text = ""
    for index, part in enumerate(loc):
        if isinstance(part, int):
            text += f"[{part}]"
        elif index == 0 and part in ITEM_KINDS:
            continue  # the discriminated union's tag, not a field
        else:
            text += f".{part}" if text else str(part)
    return text


def _message(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "value_error":
        raw = str(error.get("msg", "")).removeprefix("Value error, ")
        return _VALUE_ERRORS.get(raw, raw)
    template = _VALIDATION_MESSAGES.get(kind)
    if template is None:
        return str(error.get("msg", "不合法"))
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return template.split("（")[0]


def _json(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code}, status_code=status, headers=headers)


class CatchAllMiddleware:
    """Turns any exception that escaped the handlers into the generic 500 JSON error.

    Starlette's own ``ServerErrorMiddleware`` re-raises after answering, which makes uvicorn
    log a full traceback; this middleware is the loop boundary that stops it, so an
    unexpected error costs exactly one log line.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - the boundary: nothing may escape as a traceback
            response = error_response(exc, Request(scope))
            if not started:
                await response(scope, receive, send)
