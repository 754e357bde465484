"""The web console (发布后台) at ``/console/``: server-rendered pages for the people who publish,
review and administer, from a phone first and an office PC second.

- ``web.py``: who is logged in (a session cookie), the node a person acts for, CSRF checks.
- ``templates.py``: the Jinja2 environment (autoescaping on) and the page renderer.
- ``routes.py``: the pages. Each page calls the same functions the JSON API calls, with the
  same scope checks (``content_server.scope``), so the console can do nothing the API refuses.

Nothing is loaded from outside the server: the CSS and the little JavaScript are in
``static/`` and served by the console itself.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from starlette.responses import RedirectResponse, Response

from content_server.console import (
    audit,
    honor,
    meetings,
    publish,
    republish,
    review,
    rosters,
    routes,
    stop,
    video,
    web,
)
from content_server.console.templates import render
from content_server.context import ServerContext

log = logging.getLogger("content_server.console")


def install(app: FastAPI, ctx: ServerContext) -> None:
    """Add the console's pages to ``app``, with its two answers that are pages, not JSON: a
    redirect to the login page, and a refused form."""
    app.include_router(routes.build_router(ctx))
    app.include_router(publish.build_router(ctx))
    app.include_router(review.build_router(ctx))
    app.include_router(stop.build_router(ctx))
    app.include_router(audit.build_router(ctx))
    app.include_router(video.build_router(ctx))
    app.include_router(honor.build_router(ctx))
    app.include_router(meetings.build_router(ctx))
    app.include_router(rosters.build_router(ctx))
    app.include_router(republish.build_router(ctx))

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, web.LoginRequired)
        return RedirectResponse(exc.url, status_code=303)

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        client = request.client.host if request.client else "-"
        log.warning("console form refused from %s: %s", client, exc)
        return render(ctx, request, "refused.html", status_code=403)

    app.add_exception_handler(web.LoginRequired, login_required)
    app.add_exception_handler(web.CsrfRefused, csrf_refused)
