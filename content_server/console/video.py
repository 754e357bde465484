"""Publishing a video course from the phone (发布视频课程), and the resumable upload it uses.

The page's script (``static/video.js``) sends the chosen file in pieces of 4 MiB through
``/console/uploads``: the console's doors to ``content_server.resumable``, the service behind
``/api/uploads``, opened by the console's session cookie and its CSRF header (the JSON API
never takes the cookie). A dropped connection is retried with backoff from where the server
says it is; after a reload the page names the unfinished upload and continues once the same
file is chosen again (the server resumes an upload of the same name, size and modification
time).

Publishing (``POST /console/video``) names the finished upload; the item's id is made from the
upload's id (``content_server.publish_once``), so 发布 pressed twice, or again after a lost
answer, makes one item. Everything else is ``publish(ctx, payload, principal=who)``, as
``POST /api/items``.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response

from content_server.console import web
from content_server.console.guard import error_status, line, page_login, script_login
from content_server.console.publish import AGAIN_LINKS, KIND_LABELS
from content_server.console.publish_forms import WINDOWS, window_from_form
from content_server.console.sections import add_publish_link
from content_server.console.targets import publish_targets
from content_server.console.templates import render
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.publish_once import publish_once
from content_server.resumable import (
    StartRequest,
    UploadState,
    append_piece,
    finished_asset,
    start_upload,
    unfinished_uploads,
    upload_status,
)
from content_server.scope import Principal

log = logging.getLogger("content_server.console")

PREFIX = "/console"
CHUNK_BYTES = 4 * 1024 * 1024
TITLE_CHARS = 100
# The course library's categories (../shared/DOMAIN.md), as the touch screens group them.
CATEGORIES = ("时政热点", "权威政策解读", "党史故事", "国史讲堂", "青少年百集党史课")


def build_router(ctx: ServerContext) -> APIRouter:
    """The video page and the console's upload doors; none of them is in the API schema."""
    add_publish_link(f"{PREFIX}/video", "发布视频课程")
    KIND_LABELS.setdefault("video", "视频课程")  # the confirmation page's label
    AGAIN_LINKS.setdefault("video", {"href": f"{PREFIX}/video", "label": "再发一个视频课程"})
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    # --- the upload, piece by piece, for the page's script ----------------------------------

    @router.post("/uploads", status_code=201)
    def start(request: Request, body: Annotated[StartRequest, Body()]) -> Any:
        who = script_login(ctx, request, unsafe=True)
        state, resumed = start_upload(ctx, who, body)
        if resumed:
            return JSONResponse(UploadState.model_validate(state).model_dump(mode="json"))
        return state

    @router.get("/uploads/{upload_id}")
    def status(request: Request, upload_id: str) -> Any:
        return upload_status(ctx, script_login(ctx, request, unsafe=False), upload_id)

    @router.put("/uploads/{upload_id}")
    async def piece(request: Request, upload_id: str) -> Any:
        who = await run_in_threadpool(script_login, ctx, request, unsafe=True)
        headers = request.headers
        return await append_piece(
            ctx,
            who,
            upload_id,
            headers.get("content-range"),
            headers.get("content-length"),
            request.stream(),
        )

    # --- the page --------------------------------------------------------------------------

    def page(
        request: Request,
        who: Principal,
        acting: web.Acting | None,
        form: dict[str, str],
        *,
        error: str = "",
        status_code: int = 200,
    ) -> Response:
        targets = publish_targets(ctx, who, acting)
        form.setdefault("to", targets[0].value if targets else "")
        upload = _upload_of(ctx, who, form.get("upload", ""))
        return render(
            ctx,
            request,
            "video.html",
            who=who,
            acting=acting,
            nav="publish",
            form=form,
            targets=targets,
            windows=WINDOWS,
            categories=CATEGORIES,
            upload=upload,
            unfinished=[] if upload else unfinished_uploads(ctx, who, "video"),
            chunk_bytes=CHUNK_BYTES,
            max_bytes=ctx.settings.max_upload_bytes,
            error=error,
            status_code=status_code,
        )

    @router.get("/video")
    def video_page(request: Request) -> Response:
        who, acting = page_login(ctx, request)
        form = {"category": CATEGORIES[0], "window": "always", "title": "", "upload": ""}
        return page(request, who, acting, form)

    @router.post("/video")
    def video_form(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        upload: Annotated[str, Form(max_length=100)] = "",
        cover: Annotated[str, Form(max_length=100)] = "",
        category: Annotated[str, Form(max_length=100)] = "",
        title: Annotated[str, Form(max_length=500)] = "",
        rotation: Annotated[str, Form(max_length=10)] = "",
        to: Annotated[str, Form(max_length=200)] = "",
        window: Annotated[str, Form(max_length=20)] = "always",
        start: Annotated[str, Form(max_length=40)] = "",
        end: Annotated[str, Form(max_length=40)] = "",
    ) -> Response:
        web.check_csrf(ctx, request, csrf)
        who, acting = page_login(ctx, request)
        form = {
            "upload": upload,
            "cover": cover,
            "category": category,
            "title": title,
            "rotation": "1" if rotation else "",
            "to": to,
            "window": window,
            "start": start,
            "end": end,
        }
        try:
            payload = _video_payload(ctx, who, form)
            answer = publish_once(ctx, payload, upload, who)
        except ApiError as exc:
            error = line(exc.detail)
            return page(request, who, acting, form, error=error, status_code=error_status(exc))
        log.info("console: %s published video %s to %s", who.name, answer["id"], to)
        return RedirectResponse(f"{PREFIX}/publish/done/{answer['id']}?again=video", 303)

    return router


def _video_payload(ctx: ServerContext, who: Principal, form: dict[str, str]) -> dict[str, Any]:
    """The item of a video form.

    Raises:
        ApiError: 422 (no video, upload unfinished, no title, bad category or window), 404
            (an upload that is not the person's).
    """
    if not form["upload"]:
        raise ApiError(422, "missing_video", "请先选择视频文件，等它上传完成")
    sha256 = finished_asset(ctx, who, form["upload"])
    title = form["title"].strip()[:TITLE_CHARS]
    if not title:
        raise ApiError(422, "missing_title", "请填写课程标题（会显示在屏幕的课程列表里）")
    if form["category"] not in CATEGORIES:
        raise ApiError(422, "bad_category", "请选择课程分类")
    payload: dict[str, Any] = {
        "kind": "video",
        "to": form["to"],
        "title": title,
        "category": form["category"],
        "video": {"sha256": sha256},
        "rotation": bool(form["rotation"]),
    }
    if form["cover"]:
        payload["cover"] = {"sha256": form["cover"]}
    window = window_from_form(form["window"], form["start"], form["end"], ctx.clock())
    payload.update(window.fields())
    return payload


def _upload_of(ctx: ServerContext, who: Principal, upload_id: str) -> dict[str, Any] | None:
    """The state of the form's upload, for a page shown again (None: none, or not theirs)."""
    if not upload_id:
        return None
    try:
        return upload_status(ctx, who, upload_id)
    except ApiError:
        return None
