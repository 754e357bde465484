"""The console's emergency stop page (紧急停播) for the acting node: one big button stops every
screen of the node's subtree, one resumes them, each after a confirmation.

A stop is the node's level of screen settings (``emergency_stop`` on ``node:<id>``, or on
``all`` for the root), set through ``routes.screens.update_settings``, the function behind
``PUT /api/screens/.../settings``, so it is recorded in the audit log (flag ``emergency``) and
every screen below is told at once. Publishers and administrators of the node may stop it.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from content_server import db
from content_server.console import web
from content_server.console.sections import add_section
from content_server.console.templates import render
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.org import tree
from content_server.org.tree import ROOT_ID, ROOT_TARGET, Node
from content_server.routes.screens import update_settings
from content_server.scope import Action, check_node_id
from content_server.screen_settings import STOP_FIELD, read_level

log = logging.getLogger("content_server.console")

PREFIX = "/console"


def build_router(ctx: ServerContext) -> APIRouter:
    """The emergency stop page under ``/console``; not part of the API schema."""
    add_section("stop", f"{PREFIX}/stop", "紧急停播", needs=Action.PUBLISH)
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    @router.get("/stop")
    def stop_page(request: Request) -> Response:
        who, acting = web.require_login(ctx, request)
        state = None
        if acting is not None and acting.may(Action.PUBLISH):
            with ctx.db.connect() as conn, db.read_transaction(conn):
                state = stop_state(conn, acting.node)
        return render(ctx, request, "stop.html", who=who, acting=acting, nav="stop", state=state)

    @router.post("/stop")
    def stop_form(
        request: Request,
        stop: Annotated[str, Form(max_length=10)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        web.check_csrf(ctx, request, csrf)
        who, acting = web.require_login(ctx, request)
        if acting is None:
            return _back(err="您没有任何组织的角色")
        try:
            with ctx.db.connect() as conn:
                node = check_node_id(conn, who, acting.node.id, Action.PUBLISH)
            level = level_of(node)
            answer = update_settings(
                ctx, level, {STOP_FIELD: True if stop == "1" else None}, who=who
            )
        except ApiError as exc:
            return _back(err=exc.detail)
        log.info("console: %s %s %s", who.name, "stopped" if stop == "1" else "resumed", level)
        if stop == "1":
            note = "已紧急停播：屏幕将在几秒内停止播放" if answer["changed"] else "此前已在停播中"
        else:
            note = "已恢复播出" if answer["changed"] else "没有处于停播，没有变化"
        return _back(msg=note)

    return router


def level_of(node: Node) -> str:
    """The settings level of a node: ``all`` for the root, ``node:<id>`` below it."""
    return ROOT_TARGET if node.id == ROOT_ID else node.target


def stop_state(conn: sqlite3.Connection, node: Node) -> dict[str, Any]:
    """``{stopped, above, screens}``: whether the node's own level is stopped, the name of a
    node above it whose stop covers it too ('' if none), how many screens it reaches."""
    stopped = bool(read_level(conn, level_of(node)).fields.get(STOP_FIELD))
    above = ""
    for ancestor_id in node.ancestry[:-1]:
        ancestor = tree.get_node(conn, ancestor_id)
        if ancestor is not None and read_level(conn, level_of(ancestor)).fields.get(STOP_FIELD):
            above = ancestor.name
    counts = tree.screen_counts(conn)
    screens = sum(count for node_id, count in counts.items() if _within(conn, node_id, node))
    return {"stopped": stopped, "above": above, "screens": screens}


def _within(conn: sqlite3.Connection, node_id: int, top: Node) -> bool:
    node = tree.get_node(conn, node_id)
    return node is not None and node.path.startswith(top.path)


def _back(**note: str) -> RedirectResponse:
    query = urlencode({("msg" if k == "msg" else "err"): v for k, v in note.items() if v})
    return RedirectResponse(f"{PREFIX}/stop?{query}", status_code=303)
