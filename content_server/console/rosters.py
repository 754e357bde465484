"""Rosters (党员名单) in the console: the organisations below the acting node with their
member counts; one organisation's roster; importing its CSV file (as
``PUT /api/branches/{branch}/roster``: ``parse_roster`` and ``replace_roster``, the whole
roster replaced); adding, changing or removing one member (``roster_edit.py``).

A roster belongs to an organisation node; scope is ``resolve_branch`` of the sign-in package
with ``node:<id>``: viewers of the node or an ancestor read it, publishers change it. Only
whether a phone is known is shown, never its digits (they are a member's second factor).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from content_server import db
from content_server.console import web
from content_server.console.guard import line, page_login
from content_server.console.roster_edit import (
    add_member,
    checked_member_no,
    checked_name,
    checked_phone,
    remove_member,
    update_member,
)
from content_server.console.templates import render
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.org import tree
from content_server.scope import Action, Principal
from content_server.signin.branches import Branch, resolve_branch
from content_server.signin.roster import (
    Member,
    RosterCsvError,
    RosterRef,
    branch_members,
    count_members,
    parse_roster,
    replace_roster,
)
from content_server.signin.routes import MAX_ROSTER_BYTES

log = logging.getLogger("content_server.console")

PREFIX = "/console/rosters"


@dataclass(frozen=True)
class RosterChoice:
    """An organisation whose roster the person may use: ``node:<id>``, its name, its depth
    below the acting node and its member count."""

    value: str
    node_id: int
    name: str
    depth: int
    members: int

    @property
    def label(self) -> str:
        count = f"{self.members} 人" if self.members else "暂无名单"
        return f"{self.name}（{count}）"


def roster_choices(
    ctx: ServerContext, who: Principal, acting: web.Acting | None, action: Action
) -> list[RosterChoice]:
    """The acting node and the nodes below it where the person may ``action``, parents first."""
    if acting is None:
        return []
    with ctx.db.connect() as conn, db.read_transaction(conn):
        nodes = [node for node in tree.subtree(conn, acting.node) if who.may(action, node)]
        return [
            RosterChoice(
                f"node:{node.id}",
                node.id,
                node.name,
                node.depth - acting.node.depth,
                count_members(conn, RosterRef(node.id)),
            )
            for node in nodes
        ]


def build_router(ctx: ServerContext) -> APIRouter:
    """The roster pages under ``/console/rosters``; none of them is in the API schema."""
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    def branch(who: Principal, node_id: int, action: Action) -> Branch:
        with ctx.db.connect() as conn, db.read_transaction(conn):
            return resolve_branch(conn, who, f"node:{node_id}", action)

    def back(node_id: int, *, msg: str = "", err: str = "") -> Response:
        from urllib.parse import urlencode

        query = urlencode({"msg": msg} if msg else {"err": err})
        return RedirectResponse(f"{PREFIX}/{node_id}?{query}", status_code=303)

    @router.get("")
    def rosters_page(request: Request) -> Response:
        who, acting = page_login(ctx, request)
        choices = roster_choices(ctx, who, acting, Action.VIEW)
        return render(
            ctx, request, "rosters.html", who=who, acting=acting, nav="signin", rosters=choices
        )

    @router.get("/{node_id}")
    def roster_page(request: Request, node_id: int) -> Response:
        who, acting = page_login(ctx, request)
        try:
            named = branch(who, node_id, Action.VIEW)
        except ApiError as exc:
            return render(
                ctx, request, "roster.html", who=who, acting=acting, nav="signin",
                branch=None, error=line(exc.detail), status_code=404,
            )  # fmt: skip
        with ctx.db.connect() as conn:
            members = branch_members(conn, named.roster)
        editable = named.node is not None and who.may(Action.PUBLISH, named.node)
        return render(
            ctx,
            request,
            "roster.html",
            who=who,
            acting=acting,
            nav="signin",
            branch=named,
            node_id=node_id,
            members=members,
            editable=editable,
        )

    @router.post("/{node_id}/import")
    async def roster_import(request: Request, node_id: int) -> Response:
        who, _ = page_login(ctx, request)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_ROSTER_BYTES + 64 * 1024:
            return back(node_id, err=f"文件太大（上限 {MAX_ROSTER_BYTES // 1024**2} MB）")
        async with request.form(max_files=1, max_fields=5) as data:
            csrf = data.get(web.CSRF_FIELD)
            web.check_csrf(ctx, request, csrf if isinstance(csrf, str) else "")
            file = data.get("file")
            if not isinstance(file, UploadFile) or not file.filename:
                return back(node_id, err="请选择名单文件（CSV）")
            content = await file.read(MAX_ROSTER_BYTES + 1)
            filename = file.filename
        try:
            named = await run_in_threadpool(branch, who, node_id, Action.PUBLISH)
            if len(content) > MAX_ROSTER_BYTES:
                raise ApiError(413, "too_large", "文件太大（上限 4 MB）")
            text = await run_in_threadpool(_import, ctx, named, content, filename)
        except ApiError as exc:
            return back(node_id, err=line(exc.detail))
        log.info("console: %s imported the roster of node %d", who.name, node_id)
        return back(node_id, msg=text)

    @router.post("/{node_id}/members")
    def member_add(
        request: Request,
        node_id: int,
        csrf: Annotated[str, Form(max_length=200)] = "",
        name: Annotated[str, Form(max_length=200)] = "",
        member_no: Annotated[str, Form(max_length=200)] = "",
        phone: Annotated[str, Form(max_length=40)] = "",
    ) -> Response:
        web.check_csrf(ctx, request, csrf)
        who, _ = page_login(ctx, request)
        try:
            branch(who, node_id, Action.PUBLISH)
            member = Member(checked_name(name), checked_member_no(member_no), checked_phone(phone))
            with ctx.db.connect() as conn:
                add_member(conn, node_id, member, ctx.clock())
        except ApiError as exc:
            return back(node_id, err=line(exc.detail))
        log.info("console: %s added a member to node %d", who.name, node_id)
        return back(node_id, msg=f"已添加 {member.name}")

    @router.post("/{node_id}/members/{member_no}")
    def member_change(
        request: Request,
        node_id: int,
        member_no: str,
        csrf: Annotated[str, Form(max_length=200)] = "",
        name: Annotated[str, Form(max_length=200)] = "",
        phone: Annotated[str, Form(max_length=40)] = "",
    ) -> Response:
        web.check_csrf(ctx, request, csrf)
        who, _ = page_login(ctx, request)
        try:
            branch(who, node_id, Action.PUBLISH)
            new_name = checked_name(name)
            phone4 = checked_phone(phone) if phone.strip() else None
            with ctx.db.connect() as conn:
                update_member(conn, node_id, member_no[:100], new_name, phone4, ctx.clock())
        except ApiError as exc:
            return back(node_id, err=line(exc.detail))
        return back(node_id, msg=f"已保存 {new_name}")

    @router.post("/{node_id}/members/{member_no}/remove")
    def member_remove(
        request: Request,
        node_id: int,
        member_no: str,
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        web.check_csrf(ctx, request, csrf)
        who, _ = page_login(ctx, request)
        try:
            branch(who, node_id, Action.PUBLISH)
            with ctx.db.connect() as conn:
                name = remove_member(conn, node_id, member_no[:100], ctx.clock())
        except ApiError as exc:
            return back(node_id, err=line(exc.detail))
        log.info("console: %s removed a member from node %d", who.name, node_id)
        return back(node_id, msg=f"已从名单中移除 {name}")

    return router


def _import(ctx: ServerContext, named: Branch, content: bytes, filename: str) -> str:
    """Replace the roster with the file's; returns what changed, in a sentence."""
    try:
        roster = parse_roster(content, filename[:200])
    except RosterCsvError as exc:
        raise ApiError(422, exc.code, str(exc)) from None
    assert named.roster.node_id is not None
    with ctx.db.connect() as conn, db.write_transaction(conn):
        result = replace_roster(conn, named.roster.node_id, roster.members, ctx.clock())
    return (
        f"名单已导入：共 {result.members} 人（新增 {result.added}，更新 {result.updated}，"
        f"移除 {result.removed}）"
    )
