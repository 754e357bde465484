"""Rendering console pages: one Jinja2 environment with autoescaping, and the values every
page gets (who is logged in, the node they act for, the CSRF token, a one-line message)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from content_server.console import web
from content_server.console.sections import visible_sections
from content_server.context import ServerContext
from content_server.scope import Principal
from content_server.timefmt import CHINA_TZ

ENV = Environment(
    loader=PackageLoader("content_server.console", "templates"),
    autoescape=select_autoescape(["html"], default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def short_time(value: str | datetime | None) -> str:
    """``12月4日 18:30`` in China time, from an aware datetime or its ISO text."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(CHINA_TZ)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


ENV.filters["shorttime"] = short_time


def render(
    ctx: ServerContext,
    request: Request,
    template: str,
    *,
    who: Principal | None = None,
    acting: web.Acting | None = None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    """The page ``template`` as an HTML response, with the CSRF cookie set if it is new.

    Every page gets ``who``, ``acting``, ``choices`` (the nodes the person may act for),
    ``csrf``, ``message`` and ``error`` (a one-line note, from ``values`` or the ``msg``/``err``
    query parameters a redirect carried) and ``nav`` (the current section)."""
    values.setdefault("message", request.query_params.get("msg", "")[:200])
    values.setdefault("error", request.query_params.get("err", "")[:200])
    values.setdefault("nav", "")
    choices = web.acting_choices(ctx, who) if who is not None else []
    body = ENV.get_template(template).render(
        who=who,
        acting=acting,
        choices=choices,
        csrf=web.csrf_token(request),
        server_name=ctx.settings.public_url or "",
        request_path=request.url.path,
        sections=visible_sections(who),
        **values,
    )
    response = HTMLResponse(body, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'"
    )
    web.keep_csrf(ctx, request, response)
    return response
