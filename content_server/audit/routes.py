"""HTTP routes of the audit log, for administrators (entries about the subtrees they
administer). Nothing here, or anywhere, changes or deletes an entry.

GET /api/audit?node=&from=&until=&action=&before=&limit=   entries, newest first (JSON)
GET /api/audit.csv?node=&from=&until=&action=              the same as CSV (UTF-8 with BOM)
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from starlette.responses import Response

from content_server import db
from content_server.audit.export import audit_csv, parse_bound
from content_server.audit.log import ACTIONS, FLAGS, MAX_LIMIT
from content_server.audit.log import Query as AuditQuery
from content_server.audit.log import entries as read_entries
from content_server.auth import Caller
from content_server.context import ServerContext
from content_server.errors import ApiError, error_responses
from content_server.scope import Action, Principal, check_node_id, forbidden

PAGE_LIMIT = 5000
CSV_ROWS = MAX_LIMIT


def build_router(ctx: ServerContext) -> APIRouter:
    """Routes that read the audit log."""
    router = APIRouter(tags=["audit"])

    @router.get("/api/audit", responses=error_responses(401, 403, 404, 422))
    def get_audit(
        who: Caller,
        node: Annotated[int | None, Query(description="Only entries about this subtree.")] = None,
        since: Annotated[
            str | None, Query(alias="from", description="A date or date-time (naive: +08:00).")
        ] = None,
        until: Annotated[str | None, Query(description="A date (to its end) or date-time.")] = None,
        action: Annotated[str | None, Query(description="Only this action.")] = None,
        before: Annotated[int | None, Query(description="Entries older than this id.")] = None,
        limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 500,
    ) -> dict[str, Any]:
        """Entries about the subtrees the caller administers, newest first:
        ``{entries: [{id, at, who, who_label, action, action_label, node_id, node, target,
        detail, address, flag, flag_label}], actions, flags}``."""
        query = audit_query(ctx, who, node, since, until, action, before, limit)
        with ctx.db.connect() as conn, db.read_transaction(conn):
            found = read_entries(conn, who, query)
        return {"entries": found, "actions": ACTIONS, "flags": FLAGS}

    @router.get(
        "/api/audit.csv",
        responses={
            200: {"content": {"text/csv": {}}, "description": "CSV, UTF-8 with BOM"},
            **error_responses(401, 403, 404, 422),
        },
    )
    def get_audit_csv(
        who: Caller,
        node: Annotated[int | None, Query()] = None,
        since: Annotated[str | None, Query(alias="from")] = None,
        until: Annotated[str | None, Query()] = None,
        action: Annotated[str | None, Query()] = None,
    ) -> Response:
        """The same entries as a CSV file for Excel: 时间, 账号, 操作, 组织, 对象, 说明,
        来源地址, 标记 (at most 50,000 rows, newest first)."""
        query = audit_query(ctx, who, node, since, until, action, None, CSV_ROWS)
        return csv_response(ctx, who, query)

    return router


def audit_query(
    ctx: ServerContext,
    who: Principal,
    node: int | None,
    since: str | None,
    until: str | None,
    action: str | None,
    before: int | None,
    limit: int,
) -> AuditQuery:
    """Check the filters and the caller's right to read them.

    Raises:
        ApiError: 403 ``forbidden`` for a caller who administers nothing; 404
            ``node_not_found`` / 403 for a node outside what it administers; 422
            ``bad_time`` / ``bad_action``.
    """
    if not who.may_somewhere(Action.ADMINISTER):
        raise forbidden(Action.ADMINISTER)
    if action and action not in ACTIONS:
        raise ApiError(422, "bad_action", f"未知的操作类型：{action[:40]}")
    chosen = None
    if node is not None:
        with ctx.db.connect() as conn:
            chosen = check_node_id(conn, who, node, Action.ADMINISTER)
    return AuditQuery(
        node=chosen,
        since=parse_bound(since, end=False, name="from"),
        until=parse_bound(until, end=True, name="until"),
        action=action or None,
        before_id=before,
        limit=limit,
    )


def csv_response(ctx: ServerContext, who: Principal, query: AuditQuery) -> Response:
    """The entries of ``query`` as a CSV download (``审计日志.csv``)."""
    with ctx.db.connect() as conn, db.read_transaction(conn):
        found = read_entries(conn, who, query)
    name = quote("审计日志.csv")
    headers = {"Content-Disposition": f"attachment; filename=audit.csv; filename*=UTF-8''{name}"}
    return Response(audit_csv(found), media_type="text/csv; charset=utf-8", headers=headers)
