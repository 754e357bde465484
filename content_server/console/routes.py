"""The console's pages: logging in and out, one's password, the home page, what is live.

A page that needs a login answers a person without a session with a redirect to the login
page (and back afterwards); a form whose CSRF token is wrong answers 403 with a page saying to
reload. Refusals from the functions the pages call (scope, validation) come back as one
Chinese line at the top of the page, never as a traceback.
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from content_server import db
from content_server.accounts import store
from content_server.accounts.passwords import hash_password, password_problem, verify_password
from content_server.accounts.routes import log_in
from content_server.audit.log import home_node_id, record
from content_server.console import web
from content_server.console.sections import PUBLISH_LINKS
from content_server.console.templates import render
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.routes.items import item_summary, withdraw
from content_server.scope import Principal, visible_targets

log = logging.getLogger("content_server.console")

PREFIX = "/console"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
KIND_LABELS = {
    "poster": "海报",
    "video": "视频课程",
    "honor_roll": "光荣榜",
    "notice": "通知",
    "meeting": "会议签到",
}
STATUS_TABS = (
    ("active", "正在播放"),
    ("scheduled", "待播"),
    ("pending", "待审核"),
    ("rejected", "已退回"),
    ("ended", "已到期"),
    ("withdrawn", "已撤下"),
)


def build_router(ctx: ServerContext) -> APIRouter:
    """The console's pages under ``/console``; none of them is part of the API schema."""
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    def checked_form(request: Request, csrf: str | None) -> None:
        web.check_csrf(ctx, request, csrf)

    @router.get("")
    def console_root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=303)

    @router.get("/static/{name}")
    def static(name: str) -> Response:
        suffix = name[name.rfind(".") :] if "." in name else ""
        folder = resources.files("content_server.console").joinpath("static")
        if suffix not in STATIC_TYPES or "/" in name or name.startswith("."):
            return _not_found()
        source = folder.joinpath(name)
        if not source.is_file():
            return _not_found()
        headers = {"Cache-Control": "public, max-age=3600"}
        return Response(source.read_bytes(), media_type=STATIC_TYPES[suffix], headers=headers)

    @router.get("/login")
    def login_page(request: Request, next: str = "") -> Response:
        if web.current_principal(ctx, request) is not None:
            return RedirectResponse(_safe_next(next), status_code=303)
        return render(ctx, request, "login.html", next=_safe_next(next), name="")

    @router.post("/login")
    def login(
        request: Request,
        name: Annotated[str, Form(max_length=200)] = "",
        password: Annotated[str, Form(max_length=1000)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
        next: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        checked_form(request, csrf)
        if not name.strip() or not password:
            error = "请输入账号和密码"
            return render(ctx, request, "login.html", next=next, name=name, error=error)
        try:
            session = log_in(ctx, name.strip(), password, _address(request))
        except ApiError as exc:
            error = chinese(exc.detail)
            status = exc.status
            return render(
                ctx, request, "login.html", next=next, name=name, error=error, status_code=status
            )
        response = RedirectResponse(_safe_next(next), status_code=303)
        web.set_session(ctx, request, response, session["token"])
        return response

    @router.post("/logout")
    def logout(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
        checked_form(request, csrf)
        who = web.current_principal(ctx, request)
        if who is not None and who.session_id is not None:
            with ctx.db.connect() as conn, db.write_transaction(conn):
                store.end_session(conn, who.session_id)
                record(conn, who, "logout", home_node_id(conn, who), at=ctx.clock())
            log.info("console logout: %s", who.name)
        response = RedirectResponse(f"{PREFIX}/login?msg={quote('已退出登录')}", status_code=303)
        web.clear_session(response)
        return response

    @router.post("/acting")
    def choose_node(
        request: Request,
        node: Annotated[int, Form()],
        csrf: Annotated[str, Form(max_length=200)] = "",
        back: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        checked_form(request, csrf)
        who, _ = web.require_login(ctx, request)
        if not any(choice.node.id == node for choice in web.acting_choices(ctx, who)):
            return back_to(back, err="您在该组织没有角色")
        response = RedirectResponse(_safe_next(back), status_code=303)
        response.set_cookie(
            web.NODE_COOKIE,
            str(node),
            path=PREFIX,
            httponly=True,
            samesite="lax",
            secure=web.is_https(ctx, request),
        )
        return response

    @router.get("/")
    def home(request: Request) -> Response:
        who, acting = web.require_login(ctx, request)
        counts = _status_counts(ctx, who)
        return render(
            ctx,
            request,
            "home.html",
            who=who,
            acting=acting,
            nav="home",
            counts=counts,
            tabs=STATUS_TABS,
            publish_links=PUBLISH_LINKS,
        )

    @router.get("/password")
    def password_page(request: Request) -> Response:
        who, acting = web.require_login(ctx, request)
        return render(ctx, request, "password.html", who=who, acting=acting, nav="password")

    @router.post("/password")
    def change_password(
        request: Request,
        current: Annotated[str, Form(max_length=1000)] = "",
        new: Annotated[str, Form(max_length=1000)] = "",
        again: Annotated[str, Form(max_length=1000)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        checked_form(request, csrf)
        who, acting = web.require_login(ctx, request)

        def page(error: str, status: int) -> Response:
            return render(
                ctx,
                request,
                "password.html",
                who=who,
                acting=acting,
                nav="password",
                error=error,
                status_code=status,
            )

        if who.account_id is None:
            return page("管理员令牌不是个人账号", 403)
        if new != again:
            return page("两次输入的新密码不一致", 422)
        problem = password_problem(new)
        if problem:
            return page(problem, 422)
        with ctx.db.connect() as conn:
            account = store.account_by_id(conn, who.account_id)
            if account is None or not verify_password(account.password_hash, current):
                return page("当前密码不正确", 403)
            new_hash = hash_password(new)
            with db.write_transaction(conn):
                store.set_password(conn, who.account_id, new_hash, ctx.clock())
                ended = store.end_sessions(conn, who.account_id, except_id=who.session_id)
                record(conn, who, "password_change", account.home_node_id, at=ctx.clock())
        log.info("console: %s changed its password; %d other sessions ended", who.name, ended)
        return back_to(f"{PREFIX}/", msg="密码已修改，其他设备上的登录已退出")

    @router.get("/items")
    def items_page(request: Request, status: str = "active") -> Response:
        who, acting = web.require_login(ctx, request)
        if status not in dict(STATUS_TABS):
            status = "active"
        rows = _visible_items(ctx, who)
        shown = [row for row in rows if row["status"] == status]
        return render(
            ctx,
            request,
            "items.html",
            who=who,
            acting=acting,
            nav="items",
            tabs=STATUS_TABS,
            status=status,
            items=shown,
            counts=_count(rows),
            kinds=KIND_LABELS,
        )

    @router.post("/items/{item_id}/withdraw")
    def withdraw_page(
        request: Request, item_id: str, csrf: Annotated[str, Form(max_length=200)] = ""
    ) -> Response:
        checked_form(request, csrf)
        who, _ = web.require_login(ctx, request)
        try:
            withdraw(ctx, item_id, principal=who)
        except ApiError as exc:
            return back_to(f"{PREFIX}/items", err=chinese(exc.detail))
        log.info("console: %s withdrew %s", who.name, item_id)
        return back_to(f"{PREFIX}/items", msg="已撤下，屏幕将在几秒内不再播放")

    return router


def _status_counts(ctx: ServerContext, who: Principal) -> dict[str, int]:
    return _count(_visible_items(ctx, who))


def _count(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = {status: 0 for status, _ in STATUS_TABS}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


def _visible_items(ctx: ServerContext, who: Principal) -> list[dict[str, Any]]:
    now = ctx.clock()
    with ctx.db.connect() as conn, db.read_transaction(conn):
        rows = db.list_items(conn)
        shown = visible_targets(conn, who, (str(row["target"]) for row in rows))
        return [item_summary(row, now) for row in rows if row["target"] in shown]


def _address(request: Request) -> str:
    return request.client.host if request.client else "-"


def chinese(detail: str) -> str:
    """The Chinese part of an API message (``中文 (english)`` -> ``中文``)."""
    head, sep, _ = detail.partition(" (")
    return head if sep and any("\u4e00" <= ch <= "\u9fff" for ch in head) else detail


def _safe_next(next_url: str) -> str:
    """Only a path inside the console: never another site (an open redirect)."""
    if next_url.startswith(f"{PREFIX}/") and not next_url.startswith("//"):
        return next_url
    return f"{PREFIX}/"


def back_to(url: str, **note: str) -> RedirectResponse:
    query = urlencode({("msg" if k == "msg" else "err"): v for k, v in note.items() if v})
    target = _safe_next(url)
    return RedirectResponse(f"{target}{'&' if '?' in target else '?'}{query}", status_code=303)


def _not_found() -> Response:
    return Response("找不到该文件", status_code=404, media_type="text/plain; charset=utf-8")
