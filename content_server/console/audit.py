"""The console's audit log page (日志), for administrators: what was done in the acting node's
subtree, by whom, when and from where, with filters and the CSV download for Excel. It reads
through the same query and scope check as ``GET /api/audit``; nothing here writes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from content_server import db
from content_server.audit.log import ACTIONS
from content_server.audit.log import entries as read_entries
from content_server.audit.routes import audit_query, csv_response
from content_server.console import web
from content_server.console.sections import add_section
from content_server.console.templates import render
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.scope import Action
from content_server.timefmt import CHINA_TZ

PREFIX = "/console"
PAGE_ROWS = 100


def build_router(ctx: ServerContext) -> APIRouter:
    """The audit log pages under ``/console``; none of them is part of the API schema."""
    add_section("audit", f"{PREFIX}/audit", "日志", needs=Action.ADMINISTER)
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    @router.get("/audit")
    def audit_page(
        request: Request,
        action: str = "",
        since: str = "",
        until: str = "",
        before: int | None = None,
    ) -> Response:
        who, acting = web.require_login(ctx, request)
        filters = {"action": action[:40], "since": since[:40], "until": until[:40]}
        node = _node_of(acting)
        found: list[dict[str, Any]] = []
        error = ""
        try:
            query = audit_query(ctx, who, node, since, until, action, before, PAGE_ROWS + 1)
            with ctx.db.connect() as conn, db.read_transaction(conn):
                found = read_entries(conn, who, query)
        except ApiError as exc:
            error = exc.detail
        more = len(found) > PAGE_ROWS
        found = found[:PAGE_ROWS]
        shown = {key: value for key, value in filters.items() if value}
        return render(
            ctx,
            request,
            "audit.html",
            who=who,
            acting=acting,
            nav="audit",
            entries=found,
            actions=ACTIONS,
            filters=filters,
            csv_url=f"{PREFIX}/audit.csv?{urlencode(shown)}",
            older_url=(
                f"{PREFIX}/audit?{urlencode({**shown, 'before': found[-1]['id']})}" if more else ""
            ),
            scope_label=acting.path_label if node is not None and acting else "您管理的全部组织",
            today=_today(ctx),
            error=error,
            status_code=403 if error and not who.may_somewhere(Action.ADMINISTER) else 200,
        )

    @router.get("/audit.csv")
    def audit_csv_download(
        request: Request, action: str = "", since: str = "", until: str = ""
    ) -> Response:
        who, acting = web.require_login(ctx, request)
        try:
            query = audit_query(ctx, who, _node_of(acting), since, until, action, None, 50_000)
        except ApiError as exc:
            return RedirectResponse(f"{PREFIX}/audit?{urlencode({'err': exc.detail})}", 303)
        return csv_response(ctx, who, query)

    return router


def _node_of(acting: web.Acting | None) -> int | None:
    """The acting node when the person administers it (entries about its subtree), else
    None (every subtree the person administers)."""
    if acting is not None and acting.may(Action.ADMINISTER):
        return acting.node.id
    return None


def _today(ctx: ServerContext) -> dict[str, str]:
    local = ctx.clock().astimezone(CHINA_TZ).date()
    return {"today": local.isoformat(), "week": (local - timedelta(days=6)).isoformat()}
