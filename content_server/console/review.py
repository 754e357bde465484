"""The console's review pages (审核): the queue of items waiting for the person's approval, with
approve and reject-with-comment; the publisher's form to fix a sent-back item and resubmit it;
the acting node's "items from below need approval" switch.

Every form calls ``content_server.review.service``, the functions behind the JSON API, with
the person as caller, so the console can do nothing the API refuses.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from content_server import db
from content_server.console import web
from content_server.console.photo_form import FormGone, receive_photo_form
from content_server.console.sections import add_section
from content_server.console.templates import render
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.review import service, store
from content_server.review.store import APPROVED, PENDING
from content_server.routes.items import item_summary
from content_server.scope import Action, Principal, check_thing
from content_server.timefmt import CHINA_TZ, parse_local_datetime

log = logging.getLogger("content_server.console")

PREFIX = "/console"
KIND_LABELS = {
    "poster": "海报",
    "video": "视频课程",
    "honor_roll": "光荣榜",
    "notice": "通知",
    "meeting": "会议签到",
}
EDITABLE_TEXT = ("title", "text")


def build_router(ctx: ServerContext) -> APIRouter:
    """The review pages under ``/console``; none of them is part of the API schema."""
    add_section("review", f"{PREFIX}/review", "审核", before="items", needs=Action.REVIEW)
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    @router.get("/review")
    def review_page(request: Request) -> Response:
        who, acting = web.require_login(ctx, request)
        queue = service.reviews(ctx, who)
        setting = None
        if acting is not None and acting.may(Action.ADMINISTER):
            setting = service.get_setting(ctx, who, acting.node.id)
        return render(
            ctx,
            request,
            "review.html",
            who=who,
            acting=acting,
            nav="review",
            queue=[_card(each) for each in queue],
            setting=setting,
            kinds=KIND_LABELS,
        )

    @router.post("/review/{item_id}/approve")
    def approve(
        request: Request, item_id: str, csrf: Annotated[str, Form(max_length=200)] = ""
    ) -> Response:
        web.check_csrf(ctx, request, csrf)
        who, _ = web.require_login(ctx, request)
        try:
            service.approve(ctx, who, item_id)
        except ApiError as exc:
            return _back(f"{PREFIX}/review", err=_line(exc.detail))
        log.info("console: %s approved %s", who.name, item_id)
        return _back(f"{PREFIX}/review", msg="已通过，屏幕将在几秒内开始播放")

    @router.post("/review/{item_id}/reject")
    def reject(
        request: Request,
        item_id: str,
        comment: Annotated[str, Form(max_length=2000)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        web.check_csrf(ctx, request, csrf)
        who, _ = web.require_login(ctx, request)
        try:
            service.reject(ctx, who, item_id, comment)
        except ApiError as exc:
            return _back(f"{PREFIX}/review", err=_line(exc.detail))
        log.info("console: %s rejected %s", who.name, item_id)
        return _back(f"{PREFIX}/review", msg="已退回，发布人会在“已退回”里看到您的意见")

    @router.post("/review/setting")
    def set_review(
        request: Request,
        on: Annotated[str, Form(max_length=10)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        web.check_csrf(ctx, request, csrf)
        who, acting = web.require_login(ctx, request)
        if acting is None:
            return _back(f"{PREFIX}/review", err="您没有任何组织的角色")
        try:
            service.set_setting(ctx, who, acting.node.id, on == "1")
        except ApiError as exc:
            return _back(f"{PREFIX}/review", err=_line(exc.detail))
        note = "已开启：下级发布的内容需经审核才会播出" if on == "1" else "已关闭审核"
        return _back(f"{PREFIX}/review", msg=note)

    @router.get("/items/{item_id}/resubmit")
    def resubmit_page(request: Request, item_id: str) -> Response:
        who, acting = web.require_login(ctx, request)
        try:
            item = _own_item(ctx, who, item_id)
        except ApiError as exc:
            return _back(f"{PREFIX}/items?status=rejected", err=_line(exc.detail))
        return _resubmit_form(request, who, acting, item, _form_of(item))

    @router.post("/items/{item_id}/resubmit")
    async def resubmit(request: Request, item_id: str) -> Response:
        who, acting = web.require_login(ctx, request)
        form: dict[str, str] = {}

        async def check(fields: dict[str, str]) -> None:
            form.update((key, value) for key, value in fields.items() if key != web.CSRF_FIELD)
            web.check_csrf(ctx, request, fields.get(web.CSRF_FIELD))

        try:
            item = await run_in_threadpool(_own_item, ctx, who, item_id)
        except ApiError as exc:
            return _back(f"{PREFIX}/items?status=rejected", err=_line(exc.detail))
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            web.check_csrf(ctx, request, None)  # not this page's form: the header, or refused
        try:
            received = await receive_photo_form(ctx, request, check)
            changes = _changes(item, form, received.photo)
            answer = await run_in_threadpool(service.resubmit, ctx, who, item_id, changes)
        except FormGone:
            return Response(status_code=400)
        except ApiError as exc:
            if exc.status == 404:
                return _back(f"{PREFIX}/items?status=rejected", err=_line(exc.detail))
            item = await run_in_threadpool(_own_item, ctx, who, item_id)
            shown = {**_form_of(item), **form}
            return _resubmit_form(
                request, who, acting, item, shown, error=_line(exc.detail), status_code=422
            )
        log.info("console: %s resubmitted %s", who.name, item_id)
        if answer["review"] == APPROVED:
            return _back(f"{PREFIX}/items", msg="已重新提交，无需审核，屏幕将在几秒内开始播放")
        return _back(f"{PREFIX}/items?status={PENDING}", msg="已重新提交，等待审核")

    def _resubmit_form(
        request: Request,
        who: Principal,
        acting: web.Acting | None,
        item: dict[str, Any],
        form: dict[str, str],
        **values: Any,
    ) -> Response:
        return render(
            ctx,
            request,
            "resubmit.html",
            who=who,
            acting=acting,
            nav="items",
            item=item,
            form=form,
            kinds=KIND_LABELS,
            **values,
        )

    return router


def _own_item(ctx: ServerContext, who: Principal, item_id: str) -> dict[str, Any]:
    """The item as the resubmit form shows it: its summary, its content (``body``) and its
    review; 404 ``item_not_found`` outside what ``who`` may publish to."""
    not_found = service.item_not_found(item_id)
    with ctx.db.connect() as conn, db.read_transaction(conn):
        row = db.get_item(conn, item_id)
        if row is None:
            raise not_found
        check_thing(conn, who, str(row["target"]), Action.PUBLISH, not_found)
        summary = item_summary(store.listed_item(conn, item_id), ctx.clock())
        return {**summary, "body": json.loads(row["body"])}


def _form_of(item: dict[str, Any]) -> dict[str, str]:
    body = item["body"]
    return {
        "title": str(body.get("title") or ""),
        "text": str(body.get("text") or ""),
        "valid_from": _local_input(body.get("valid_from")),
        "valid_until": _local_input(body.get("valid_until")),
    }


def _changes(item: dict[str, Any], form: dict[str, str], photo: str) -> dict[str, Any]:
    """What the form changes of the item (only fields it differs in)."""
    body = item["body"]
    was = _form_of(item)
    changes: dict[str, Any] = {}
    for field in EDITABLE_TEXT:
        if field in form and field in body and form[field].strip() != was[field]:
            changes[field] = form[field].strip()
    if "title" in form and "title" not in body and form["title"].strip():
        changes["title"] = form["title"].strip()
    for field in ("valid_from", "valid_until"):
        if field in form and form[field] != was[field]:
            changes[field] = _parse_input(form[field], field)
    if photo and body.get("kind") == "poster":
        changes["image"] = {"sha256": photo}
    return changes


def _local_input(value: Any) -> str:
    """An ISO date-time as a ``datetime-local`` value in China time ('' for none)."""
    if not value:
        return ""
    return datetime.fromisoformat(str(value)).astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M")


def _parse_input(text: str, field: str) -> str | None:
    if not text.strip():
        return None
    try:
        return parse_local_datetime(text).isoformat()
    except ValueError:
        label = "开始时间" if field == "valid_from" else "结束时间"
        raise ApiError(422, "bad_window", f"{label}不是有效的时间") from None


def _card(entry: dict[str, Any]) -> dict[str, Any]:
    """A held item as the review page draws it: its picture, its text, its people."""
    item = entry["item"]
    image = (item.get("image") or item.get("cover") or {}).get("sha256", "")
    entries = item.get("entries") or []
    if not image and entries:
        image = next((e["photo"]["sha256"] for e in entries if e.get("photo")), "")
    names = "、".join(str(e.get("name", "")) for e in entries[:8])
    if len(entries) > 8:
        names += f" 等 {len(entries)} 人"
    return {
        **entry,
        "image": image,
        "text": item.get("text", ""),
        "urgent": bool(item.get("urgent")),
        "names": names,
        "meeting": _meeting_line(item) if item.get("kind") == "meeting" else "",
    }


def _meeting_line(item: dict[str, Any]) -> str:
    start = datetime.fromisoformat(item["start"]).astimezone(CHINA_TZ)
    when = f"{start.month}月{start.day}日 {start:%H:%M}"
    return " · ".join(part for part in (item.get("meeting_type"), when, item.get("place")) if part)


def _line(detail: str) -> str:
    """The Chinese part of an API message (``中文 (english)`` -> ``中文``)."""
    head, sep, _ = detail.partition(" (")
    return head if sep and any("\u4e00" <= ch <= "\u9fff" for ch in head) else detail


def _back(url: str, **note: str) -> RedirectResponse:
    query = urlencode({("msg" if k == "msg" else "err"): v for k, v in note.items() if v})
    return RedirectResponse(f"{url}{'&' if '?' in url else '?'}{query}", status_code=303)
