"""Publishing an honor roll (光荣榜) from the phone: people added one by one (name, title, a
one-line citation, a photo from the camera roll), put in order or removed before publishing;
or read from the CSV file of ``kiosk publish honor-roll`` (``content_server.honor_csv``) with
its photos chosen alongside, into the same list to check before publishing.

The page's script (``static/honor.js``) adds, moves and removes entries and uploads each photo
as it is chosen (``POST /console/publish/upload``, the asset store's checks: EXIF turned
upright, HEIC refused in a sentence). Publishing is ``publish(ctx, payload, principal=who)``
with the item's id made from a key the page carries (``content_server.publish_once``), so a
second tap makes no second roll.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from content_server.assets import AssetRejected, check_image
from content_server.console import web
from content_server.console.guard import error_status, line, page_login
from content_server.console.publish import AGAIN_LINKS, KIND_LABELS
from content_server.console.publish_forms import WINDOWS, window_from_form
from content_server.console.sections import add_publish_link
from content_server.console.targets import publish_targets
from content_server.console.templates import render
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.honor_csv import MAX_CHARS, HonorCsvError, HonorTable, read_honor_csv
from content_server.publish_once import new_key, publish_once
from content_server.routes.assets import record_asset
from content_server.scope import Principal

log = logging.getLogger("content_server.console")

PREFIX = "/console/honor"
DEFAULT_TITLE = "光荣榜"
TITLE_CHARS = 100
MAX_ENTRIES = 200  # on one page of a phone; a longer roll comes from the CSV via the CLI
MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_IMPORT_FILES = 201  # the CSV and its photos
FIELDS = ("name", "entry_title", "citation", "photo")
FORM_FIELDS = ("key", "roll_title", "to", "window", "start", "end")
TITLES = ("优秀共产党员", "优秀党务工作者", "先进党支部", "党员先锋岗", "优秀党员志愿者")


@dataclass(frozen=True)
class Entry:
    """One person of the roll as the form carries it (``photo``: a sha256 or '')."""

    name: str = ""
    title: str = ""
    citation: str = ""
    photo: str = ""

    @property
    def empty(self) -> bool:
        return not (self.name or self.title or self.citation or self.photo)


def build_router(ctx: ServerContext) -> APIRouter:
    """The honor-roll pages under ``/console/honor``; none of them is in the API schema."""
    add_publish_link(PREFIX, "光荣榜")
    KIND_LABELS.setdefault("honor_roll", "光荣榜")  # the confirmation page's label
    AGAIN_LINKS.setdefault("honor", {"href": PREFIX, "label": "再发一个光荣榜"})
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    def page(
        request: Request,
        who: Principal,
        acting: web.Acting | None,
        form: dict[str, str],
        entries: list[Entry],
        *,
        error: str = "",
        message: str = "",
        status_code: int = 200,
    ) -> Response:
        targets = publish_targets(ctx, who, acting)
        form.setdefault("to", targets[0].value if targets else "")
        form.setdefault("key", new_key())
        return render(
            ctx,
            request,
            "honor.html",
            who=who,
            acting=acting,
            nav="publish",
            form=form,
            entries=entries or [Entry()],
            targets=targets,
            windows=WINDOWS,
            titles=TITLES,
            limits=MAX_CHARS,
            error=error,
            message=message,
            status_code=status_code,
        )

    @router.get("")
    def honor_page(request: Request) -> Response:
        who, acting = page_login(ctx, request)
        return page(request, who, acting, {"roll_title": DEFAULT_TITLE, "window": "always"}, [])

    @router.post("")
    async def honor_form(request: Request) -> Response:
        who, acting = page_login(ctx, request)
        data = await request.form(max_files=0, max_fields=6 * MAX_ENTRIES + 20)
        web.check_csrf(ctx, request, _text(data, web.CSRF_FIELD))
        form = {key: _text(data, key) for key in FORM_FIELDS}
        form["window"] = form["window"] or "always"
        try:
            entries = _entries(data)
            payload = _payload(ctx, form, entries)
            answer = await run_in_threadpool(publish_once, ctx, payload, form["key"], who)
        except ApiError as exc:
            error = line(exc.detail)
            entries = [each for each in _entries(data, strict=False) if not each.empty]
            return page(
                request, who, acting, form, entries, error=error, status_code=error_status(exc)
            )
        log.info("console: %s published honor roll %s to %s", who.name, answer["id"], form["to"])
        return RedirectResponse(f"/console/publish/done/{answer['id']}?again=honor", 303)

    @router.post("/import")
    async def import_csv(request: Request) -> Response:
        who, acting = page_login(ctx, request)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_IMPORT_BYTES:
            form = {"roll_title": DEFAULT_TITLE, "window": "always"}
            too_big = f"表格和照片一共太大（上限 {MAX_IMPORT_BYTES // 1024**2} MB），请分几次导入"
            return page(request, who, acting, form, [], error=too_big, status_code=413)
        async with request.form(max_files=MAX_IMPORT_FILES, max_fields=20) as data:
            web.check_csrf(ctx, request, _text(data, web.CSRF_FIELD))
            form = {"roll_title": _text(data, "roll_title") or DEFAULT_TITLE, "window": "always"}
            try:
                entries = await _imported(ctx, data)
            except ApiError as exc:
                error = line(exc.detail)
                return page(request, who, acting, form, [], error=error, status_code=422)
        log.info("console: %s imported %d honor entries", who.name, len(entries))
        note = f"已从表格读取 {len(entries)} 人，请检查顺序和内容后点“发布”"
        return page(request, who, acting, form, entries, message=note)

    return router


def _text(data: FormData, key: str) -> str:
    value = data.get(key)
    return value.strip()[:2000] if isinstance(value, str) else ""


def _entries(data: FormData, *, strict: bool = True) -> list[Entry]:
    """The entries of the form, in the order shown; cards left wholly empty are dropped.

    Raises:
        ApiError: 422 when the form's lists do not line up (a page from another version) or
            there are too many.
    """
    columns = [[str(each).strip() for each in data.getlist(field)] for field in FIELDS]
    if strict and len({len(column) for column in columns}) != 1:
        raise ApiError(422, "bad_form", "表单不完整，请刷新页面后重试")
    rows = zip(*columns, strict=False)
    entries = [Entry(*row) for row in rows]
    if strict and len(entries) > MAX_ENTRIES:
        raise ApiError(422, "too_many_entries", f"一次最多 {MAX_ENTRIES} 人，请分成几个光荣榜")
    return [each for each in entries if not each.empty]


def _payload(ctx: ServerContext, form: dict[str, str], entries: list[Entry]) -> dict[str, Any]:
    """The item of an honor-roll form.

    Raises:
        ApiError: 422 (nobody, a person without a name, a text too long, a bad window).
    """
    if not entries:
        raise ApiError(422, "missing_entries", "请至少添加一人（姓名必填）")
    for number, entry in enumerate(entries, start=1):
        if not entry.name:
            raise ApiError(422, "missing_name", f"第 {number} 位缺少姓名")
        for field, value, label in (
            ("name", entry.name, "姓名"),
            ("title", entry.title, "称号"),
            ("citation", entry.citation, "事迹"),
        ):
            if len(value) > MAX_CHARS[field]:
                raise ApiError(
                    422, "too_long", f"第 {number} 位的{label}太长（最多 {MAX_CHARS[field]} 字）"
                )
    payload: dict[str, Any] = {
        "kind": "honor_roll",
        "to": form["to"],
        "title": (form["roll_title"] or DEFAULT_TITLE)[:TITLE_CHARS],
        "entries": [
            {
                "name": entry.name,
                "title": entry.title,
                "citation": entry.citation,
                **({"photo": {"sha256": entry.photo}} if entry.photo else {}),
            }
            for entry in entries
        ],
    }
    window = window_from_form(form["window"], form["start"], form["end"], ctx.clock())
    payload.update(window.fields())
    return payload


# --- the CSV file and its photos ---------------------------------------------------------------


async def _imported(ctx: ServerContext, data: FormData) -> list[Entry]:
    """The entries of the form's CSV file with their photos stored in the asset store.

    Raises:
        ApiError: 422 with the file's problems (rows named), or a photo's refusal.
    """
    csv = data.get("csv")
    if not isinstance(csv, UploadFile) or not csv.filename:
        raise ApiError(422, "missing_csv", "请选择光荣榜表格（CSV 文件）")
    photos = [each for each in data.getlist("photos") if isinstance(each, UploadFile)]
    with tempfile.TemporaryDirectory(prefix="honor-", dir=ctx.assets.tmp_dir) as folder:
        base = Path(folder)
        csv_path = base / "roll.csv"
        csv_path.write_bytes(await csv.read())
        by_name: dict[str, Path] = {}
        for photo in photos:
            name = _basename(photo.filename or "")
            if name and name.casefold() not in by_name:
                path = base / f"photo-{len(by_name)}"
                path.write_bytes(await photo.read())
                by_name[name.casefold()] = path
        return await run_in_threadpool(_read_and_store, ctx, csv_path, by_name, base)


def _read_and_store(
    ctx: ServerContext, csv_path: Path, photos: dict[str, Path], base: Path
) -> list[Entry]:
    def locate(text: str) -> Path:
        # Only the photos chosen with the file: a cell never names a file of the server.
        return photos.get(_basename(text).casefold(), base / "missing" / _basename(text))

    try:
        table = read_honor_csv(csv_path, lambda path: _photo_problem(ctx, path), locate=locate)
    except HonorCsvError as exc:
        message = str(exc).replace("roll.csv", "表格")
        if "不存在" in message:
            message += "（请在“照片”里同时选择表格中写到的所有照片）"
        raise ApiError(422, exc.code, message) from None
    stored = _store_photos(ctx, table)
    return [
        Entry(row.name, row.title, row.citation, stored.get(row.photo, "") if row.photo else "")
        for row in table.rows
    ]


def _store_photos(ctx: ServerContext, table: HonorTable) -> dict[Path, str]:
    stored: dict[Path, str] = {}
    for path, row in table.photos().items():
        try:
            with ctx.assets.staging() as staged:
                staged.write(path.read_bytes())
                asset = ctx.assets.commit(staged, "image", path.name)
        except AssetRejected as exc:
            raise ApiError(422, exc.code, f"第 {row.row} 行的照片：{exc.detail}") from None
        stored[path] = str(record_asset(ctx, asset)["sha256"])
    return stored


def _photo_problem(ctx: ServerContext, path: Path) -> str | None:
    try:
        check_image(path, ctx.settings.max_image_pixels)
    except AssetRejected as exc:
        if exc.code == "not_an_image":
            return "不是可识别的图片（支持 JPEG、PNG、WebP）"
        return exc.detail
    return None


def _basename(text: str) -> str:
    return text.replace("\\", "/").rsplit("/", 1)[-1].strip()
