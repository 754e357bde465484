"""Publishing from the phone (一键发布): a poster from the camera roll, a notice (or an urgent
insert), a holiday poster for a calendar day; each with the target picker, a display window,
a preview on both kinds of screen, and a confirmation page that says where it went.

Every form ends in ``publish(ctx, payload, principal=who)``, the function behind
``POST /api/items``, so the console can publish nothing the API would refuse; a photo goes
through the asset store as ``POST /api/assets`` does (EXIF orientation, size, HEIC). A refusal
comes back as the form again, values kept, with one Chinese line on top.

With JavaScript (``static/publish.js``) a chosen photo is uploaded at once
(``POST /console/publish/upload``) and shown in the preview as the server stored it, while the
rest of the form is filled in; without it the photo travels with the form.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import date, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from content_server import db
from content_server.console import web
from content_server.console.photo_form import FormGone, receive_photo_form
from content_server.console.publish_forms import (
    MOURNING_WARNING,
    PRIORITIES,
    SOLEMN_HINT,
    TOP_PRIORITY,
    WINDOWS,
    Holiday,
    Window,
    day_window,
    holiday_on,
    parse_day,
    priority_from_form,
    upcoming_holidays,
    window_from_form,
)
from content_server.console.screen_preview import (
    DEFAULT_THEME,
    SCREENS,
    SOLEMN_THEME,
    preview_css,
)
from content_server.console.sections import add_publish_link, add_section
from content_server.console.targets import describe_target, publish_targets
from content_server.console.templates import render
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.items import parse_target
from content_server.routes.assets import receive_upload, record_asset
from content_server.routes.items import item_status, publish
from content_server.scope import Action, Principal, check_target, check_thing, forbidden
from content_server.timefmt import CHINA_TZ

log = logging.getLogger("content_server.console")

PREFIX = "/console/publish"
TITLE_CHARS = 100
WEEKDAYS = "一二三四五六日"
KIND_LABELS = {"poster": "海报", "notice": "通知", "urgent": "紧急插播"}
AGAIN_LINKS = {
    "poster": {"href": f"{PREFIX}/poster", "label": "再发一张海报"},
    "holiday": {"href": f"{PREFIX}/holiday", "label": "再发一张节日海报"},
    "notice": {"href": f"{PREFIX}/notice", "label": "再发一条通知"},
}


def build_router(ctx: ServerContext) -> APIRouter:
    """The publishing pages under ``/console/publish``; none of them is in the API schema."""
    add_section("publish", f"{PREFIX}/poster", "发布", before="items")
    add_publish_link(f"{PREFIX}/poster", "发布海报")
    add_publish_link(f"{PREFIX}/notice", "发布通知")
    add_publish_link(f"{PREFIX}/holiday", "节日海报")
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    def page(
        request: Request,
        template: str,
        who: Principal,
        acting: web.Acting | None,
        form: dict[str, str],
        *,
        error: str = "",
        status_code: int = 200,
        **values: Any,
    ) -> Response:
        targets = publish_targets(ctx, who, acting)
        form.setdefault("to", targets[0].value if targets else "")
        return render(
            ctx,
            request,
            template,
            who=who,
            acting=acting,
            nav="publish",
            form=form,
            targets=targets,
            windows=WINDOWS,
            priorities=PRIORITIES,
            preview=_preview(
                ctx, acting, values.pop("theme", DEFAULT_THEME), values.pop("shown_on", None)
            ),
            error=error,
            status_code=status_code,
            **values,
        )

    # --- poster ------------------------------------------------------------------------------

    @router.get("/poster")
    def poster_page(request: Request) -> Response:
        who, acting = web.require_login(ctx, request)
        return page(request, "publish_poster.html", who, acting, _poster_defaults())

    @router.post("/poster")
    async def poster_form(request: Request) -> Response:
        who, acting = web.require_login(ctx, request)
        return await _receive_and_publish(request, who, acting, "poster")

    # --- holiday poster ----------------------------------------------------------------------

    @router.get("/holiday")
    def holiday_page(request: Request, day: str = "") -> Response:
        who, acting = web.require_login(ctx, request)
        form = _poster_defaults()
        form.update(day=day[:10], priority=str(TOP_PRIORITY))
        return holiday_form_page(request, who, acting, form)

    @router.post("/holiday")
    async def holiday_form(request: Request) -> Response:
        who, acting = web.require_login(ctx, request)
        return await _receive_and_publish(request, who, acting, "holiday")

    def holiday_form_page(
        request: Request,
        who: Principal,
        acting: web.Acting | None,
        form: dict[str, str],
        *,
        error: str = "",
        status_code: int = 200,
    ) -> Response:
        now = ctx.clock()
        picks = upcoming_holidays(now)
        if not form.get("day"):
            form["day"] = picks[0].day.isoformat()
        chosen = _holiday_of(form["day"])
        mood = chosen.mood if chosen else ""
        if not form.get("title") and chosen:
            form["title"] = chosen.name
        return page(
            request,
            "publish_holiday.html",
            who,
            acting,
            form,
            error=error,
            status_code=status_code,
            picks=picks,
            holiday=chosen,
            day_label=_day_label(form["day"]),
            warning=MOURNING_WARNING if mood == "mourning" else "",
            hint=SOLEMN_HINT if mood == "solemn" else "",
            theme=SOLEMN_THEME if mood == "mourning" else DEFAULT_THEME,
            shown_on=_date_of(form["day"]),
            today=now.astimezone(CHINA_TZ).date().isoformat(),
        )

    async def _receive_and_publish(
        request: Request, who: Principal, acting: web.Acting | None, kind: str
    ) -> Response:
        form: dict[str, str] = {}

        async def check(fields: dict[str, str]) -> None:
            form.update((key, value) for key, value in fields.items() if key != web.CSRF_FIELD)
            web.check_csrf(ctx, request, fields.get(web.CSRF_FIELD))
            await run_in_threadpool(check_publish_target, ctx, who, fields.get("to", ""))

        try:
            received = await receive_photo_form(ctx, request, check)
            if received.photo:
                form["image"] = received.photo
            payload = _poster_payload(form, ctx.clock(), holiday=kind == "holiday")
            answer = await run_in_threadpool(lambda: publish(ctx, payload, principal=who))
        except FormGone:
            return Response(status_code=400)
        except ApiError as exc:
            status = exc.status if exc.status in (403, 404) else 422
            if kind == "holiday":
                return holiday_form_page(
                    request, who, acting, form, error=_line(exc.detail), status_code=status
                )
            return page(
                request,
                "publish_poster.html",
                who,
                acting,
                form,
                error=_line(exc.detail),
                status_code=status,
            )
        log.info("console: %s published %s to %s", who.name, answer["id"], form.get("to"))
        return RedirectResponse(f"{PREFIX}/done/{answer['id']}?again={kind}", status_code=303)

    # --- the photo, uploaded by the page's script as soon as it is chosen --------------------

    @router.post("/upload", status_code=201)
    async def upload_photo(request: Request) -> dict[str, Any]:
        web.check_csrf(ctx, request, None)  # the X-CSRF-Token header
        who = web.current_principal(ctx, request)
        if who is None:
            raise ApiError(401, "login_required", "登录已过期，请刷新页面后重新登录")
        if not who.may_somewhere(Action.PUBLISH):
            raise forbidden(Action.PUBLISH)
        stored = await receive_upload(ctx, request, "image")
        answer = await run_in_threadpool(record_asset, ctx, stored)
        log.info("console: %s uploaded photo %s", who.name, str(answer["sha256"])[:12])
        return {**answer, "url": f"/assets/{answer['sha256']}"}

    # --- notice ------------------------------------------------------------------------------

    @router.get("/notice")
    def notice_page(request: Request) -> Response:
        who, acting = web.require_login(ctx, request)
        form = {"window": "always", "urgent": "", "title": "", "text": ""}
        return page(request, "publish_notice.html", who, acting, form)

    @router.post("/notice")
    def notice_form(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        to: Annotated[str, Form(max_length=200)] = "",
        title: Annotated[str, Form(max_length=500)] = "",
        text: Annotated[str, Form(max_length=20000)] = "",
        urgent: Annotated[str, Form(max_length=10)] = "",
        window: Annotated[str, Form(max_length=20)] = "always",
        start: Annotated[str, Form(max_length=40)] = "",
        end: Annotated[str, Form(max_length=40)] = "",
    ) -> Response:
        web.check_csrf(ctx, request, csrf)
        who, acting = web.require_login(ctx, request)
        form = {
            "to": to,
            "title": title,
            "text": text,
            "urgent": "1" if urgent else "",
            "window": window,
            "start": start,
            "end": end,
        }
        try:
            payload = _notice_payload(form, ctx.clock())
            answer = publish(ctx, payload, principal=who)
        except ApiError as exc:
            status = exc.status if exc.status in (403, 404) else 422
            return page(
                request,
                "publish_notice.html",
                who,
                acting,
                form,
                error=_line(exc.detail),
                status_code=status,
            )
        log.info("console: %s published %s to %s", who.name, answer["id"], to)
        return RedirectResponse(f"{PREFIX}/done/{answer['id']}?again=notice", status_code=303)

    # --- after publishing --------------------------------------------------------------------

    @router.get("/done/{item_id}")
    def done_page(request: Request, item_id: str, again: str = "poster") -> Response:
        who, acting = web.require_login(ctx, request)
        not_found = ApiError(404, "item_not_found", "找不到该内容")
        with ctx.db.connect() as conn, db.read_transaction(conn):
            row = db.get_item(conn, item_id[:64])
            try:
                if row is None:
                    raise not_found
                check_thing(conn, who, str(row["target"]), Action.VIEW, not_found)
            except ApiError as exc:
                return render(
                    ctx, request, "publish_done.html", who=who, acting=acting, nav="publish",
                    item=None, error=exc.detail, status_code=404,
                )  # fmt: skip
            where = describe_target(conn, str(row["target"]))
            # its status as the lists show it (the list's row carries what the status needs)
            recent = (each for each in db.list_items(conn) if each["id"] == row["id"])
            listed = next(recent, None) or cast(sqlite3.Row, {"review_status": None, **dict(row)})
            status = item_status(listed, ctx.clock())
        return render(
            ctx,
            request,
            "publish_done.html",
            who=who,
            acting=acting,
            nav="publish",
            item=row,
            kind=_kind_label(row),
            where=where,
            image=_poster_image(row),
            status=status,
            again=AGAIN_LINKS.get(again, AGAIN_LINKS["poster"]),
        )

    # --- the preview's numbers ---------------------------------------------------------------

    @router.get("/screens.css")
    def screens_css() -> Response:
        return Response(
            preview_css(),
            media_type="text/css; charset=utf-8",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    return router


def check_publish_target(ctx: ServerContext, who: Principal, value: str) -> None:
    """Refuse a target the person may not publish to, before a photo is stored: the check
    ``publish()`` makes again when the item is stored.

    Raises:
        ApiError: 422 ``bad_target``, 404 (out of view) or 403 ``forbidden``.
    """
    target = parse_target(value)
    with ctx.db.connect() as conn, db.read_transaction(conn):
        check_target(conn, who, target, Action.PUBLISH)


def _poster_defaults() -> dict[str, str]:
    return {"title": "", "window": "always", "priority": "0", "image": "", "start": "", "end": ""}


def _poster_payload(form: dict[str, str], now: datetime, *, holiday: bool) -> dict[str, Any]:
    """The item of a poster form (a holiday poster: its day, not a window).

    Raises:
        ApiError: 422 with one sentence (no photo, bad window, a past day ...).
    """
    image = form.get("image", "")
    if not image:
        raise ApiError(422, "missing_photo", "请先选择一张照片")
    title = form.get("title", "").strip()[:TITLE_CHARS]
    payload: dict[str, Any] = {
        "kind": "poster",
        "to": form.get("to", ""),
        "image": {"sha256": image},
        "priority": priority_from_form(form.get("priority", "0")),
    }
    if holiday:
        day = parse_day(form.get("day", ""), now)
        every_year = bool(form.get("every_year"))
        window = day_window(day, every_year)
        chosen = holiday_on(day)
        title = title or (chosen.name if chosen else f"{day.month}月{day.day}日海报")
        if every_year:
            payload["show_on"] = [f"{day:%m-%d}"]
        if chosen is not None and chosen.mood == "festive":
            payload["festive"] = True
    else:
        window = window_from_form(
            form.get("window", ""), form.get("start", ""), form.get("end", ""), now
        )
        title = title or _default_title("海报", now)
    payload["title"] = title
    payload.update(window.fields())
    return payload


def _notice_payload(form: dict[str, str], now: datetime) -> dict[str, Any]:
    """The item of a notice form.

    Raises:
        ApiError: 422 (no text, an urgent insert without an end ...).
    """
    text = form["text"].strip()
    if not text:
        raise ApiError(422, "missing_text", "请填写通知内容")
    window: Window = window_from_form(form["window"], form["start"], form["end"], now)
    urgent = bool(form["urgent"])
    if urgent and window.valid_until is None:
        raise ApiError(
            422,
            "urgent_needs_end",
            "紧急插播会占据整个屏幕，请选择结束时间（例如“1 小时”或“今天”）",
        )
    payload: dict[str, Any] = {
        "kind": "notice",
        "to": form["to"],
        "title": form["title"].strip(),
        "text": text,
        "urgent": urgent,
    }
    payload.update(window.fields())
    return payload


def _preview(
    ctx: ServerContext, acting: web.Acting | None, theme: str, day: date | None
) -> dict[str, Any]:
    """What the drawn screens show besides the item: the header's name, date (``day``, the
    day it will show, or today) and clock."""
    now = ctx.clock().astimezone(CHINA_TZ)
    shown = day or now.date()
    return {
        "screens": SCREENS,
        "theme": theme,
        "org": acting.node.name if acting else "党建宣传屏",
        "date": f"{shown.year}年{shown.month}月{shown.day}日 星期{WEEKDAYS[shown.weekday()]}",
        "clock": f"{now:%H:%M}",
    }


def _default_title(what: str, now: datetime) -> str:
    local = now.astimezone(CHINA_TZ)
    return f"{what} {local.month}月{local.day}日 {local:%H:%M}"


def _date_of(day: str) -> date | None:
    try:
        return date.fromisoformat(day)
    except ValueError:
        return None


def _holiday_of(day: str) -> Holiday | None:
    value = _date_of(day)
    return holiday_on(value) if value else None


def _day_label(day: str) -> str:
    value = _date_of(day)
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日 星期{WEEKDAYS[value.weekday()]}"


def _poster_image(row: Any) -> str:
    """The sha256 of a poster's image ('' for other kinds)."""
    if row["kind"] != "poster":
        return ""
    return str(json.loads(str(row["body"])).get("image", {}).get("sha256", ""))


def _kind_label(row: Any) -> str:
    if row["kind"] == "notice" and json.loads(str(row["body"])).get("urgent"):
        return KIND_LABELS["urgent"]
    return KIND_LABELS.get(str(row["kind"]), str(row["kind"]))


def _line(detail: str) -> str:
    """The Chinese part of an API message (``中文 (english)`` -> ``中文``), one line."""
    head, sep, _ = detail.partition(" (")
    chinese = sep and any("\u4e00" <= ch <= "\u9fff" for ch in head)
    return (head if chinese else detail).splitlines()[0] if detail else ""
