"""``POST /api/assets`` (upload) and ``GET /assets/{sha256}`` (download, immutable)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.responses import FileResponse, Response

from content_server import db
from content_server.api_schema import content_response, not_modified
from content_server.assets import (
    PURPOSES,
    SHA256_RE,
    AssetRejected,
    StoredAsset,
    UploadTooLarge,
    format_size,
    is_disk_full,
)
from content_server.auth import Caller
from content_server.context import ServerContext
from content_server.errors import ApiError, error_responses
from content_server.manifests import etag_matches
from content_server.scope import Action, forbidden
from content_server.uploads import MultipartReceiver, UploadFormError, boundary_of
from content_server.video_probe import ProbeUnavailable
from content_server.videos import probe_unavailable, save_facts

log = logging.getLogger("content_server")

IMMUTABLE = "public, max-age=31536000, immutable"
MULTIPART_SLACK_BYTES = 1024 * 1024  # form framing on top of the file itself
# An asset is served with the media type it was stored with (any, for purpose=any).
_FILE_TYPES = ("image/*", "video/*", "*/*")
_RANGE_ERROR = content_response("Range 请求头不正确（纯文本）", "text/plain")
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "purpose": {"type": "string", "enum": list(PURPOSES)},
                },
            }
        }
    },
}
ASSET_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: content_response("素材文件", *_FILE_TYPES, headers={"ETag": "素材的 sha256"}),
    206: content_response(
        "Range 请求的部分", *_FILE_TYPES, "multipart/byteranges", headers={"ETag": "素材的 sha256"}
    ),
    304: not_modified(),
    400: _RANGE_ERROR,
    **error_responses(404),
    416: {**_RANGE_ERROR, "description": "Range 超出文件大小（纯文本，Content-Range 给出大小）"},
}


def build_router(ctx: ServerContext) -> APIRouter:
    """Routes for uploading and serving assets."""
    router = APIRouter()

    @router.post(
        "/api/assets",
        status_code=201,
        responses=error_responses(400, 403, 413, 422, 503, 507),
        openapi_extra={"requestBody": UPLOAD_BODY},
    )
    async def upload_asset(request: Request, who: Caller, purpose: str = "image") -> dict[str, Any]:
        """Upload one file (multipart field ``file``); ``purpose`` is ``image``, ``video``
        (probed: the answer has ``video`` with length and codecs) or ``any``. Any publisher
        may upload: an asset belongs to no node and reaches screens only through an item."""
        if not who.may_somewhere(Action.PUBLISH):
            raise forbidden(Action.PUBLISH)
        stored = await receive_upload(ctx, request, purpose)
        return await run_in_threadpool(record_asset, ctx, stored)

    # GET and HEAD as two routes: one route with both methods gives both operations the same
    # OpenAPI operation id, and FastAPI then warns on every /api/openapi.json.
    @router.head(
        "/assets/{sha256}",
        operation_id="head_asset",
        response_class=Response,
        responses=ASSET_RESPONSES,
    )
    @router.get(
        "/assets/{sha256}",
        operation_id="get_asset",
        response_class=Response,
        responses=ASSET_RESPONSES,
    )
    def get_asset(sha256: str, request: Request) -> Response:
        """An asset by its sha256: immutable, cacheable for a year, Range requests allowed."""
        media_type = _stored_media_type(ctx, sha256)
        headers = {"Cache-Control": IMMUTABLE, "ETag": f'"{sha256}"'}
        if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
            return Response(status_code=304, headers=headers)
        return FileResponse(ctx.assets.path_for(sha256), media_type=media_type, headers=headers)

    return router


async def receive_upload(ctx: ServerContext, request: Request, purpose: str) -> StoredAsset:
    """Stream the request's ``file`` part into the store and check it.

    Raises:
        ApiError: 400 for a malformed or interrupted upload, 413 when too large, 422 when
            the file is empty, not an image or not a playable video, 503 when videos cannot
            be probed, 507 when the disk is full.
    """
    _check_purpose(purpose)
    _check_declared_length(request, ctx.settings.max_upload_bytes)
    with as_api_errors(), ctx.assets.staging() as staged:
        receiver = MultipartReceiver(boundary_of(request.headers.get("content-type")), staged.write)
        try:
            async for chunk in request.stream():
                await run_in_threadpool(receiver.feed, chunk)
        except ClientDisconnect:
            log.info("upload interrupted by the client after %d bytes", staged.size)
            raise ApiError(
                400, "upload_incomplete", "上传没有完成（连接中断），请重新上传"
            ) from None
        receiver.finish()
        purpose = _check_purpose(receiver.fields.get("purpose", purpose))
        return await run_in_threadpool(ctx.assets.commit, staged, purpose, receiver.filename)


def record_asset(ctx: ServerContext, stored: StoredAsset) -> dict[str, Any]:
    """Add the stored file to the asset table; returns the API's answer."""
    asset = db.AssetRow(stored.sha256, stored.size, stored.media_type)
    with ctx.db.connect() as conn, db.write_transaction(conn):
        row = db.add_asset(conn, asset, ctx.clock())
        if stored.video is not None:
            save_facts(conn, stored.sha256, stored.video, ctx.clock())
    answer: dict[str, Any] = {
        "sha256": row.sha256,
        "size": row.size,
        "media_type": row.media_type,
    }
    if stored.video is not None:
        answer["video"] = stored.video.as_dict()
    return answer


def _stored_media_type(ctx: ServerContext, sha256: str) -> str:
    not_found = ApiError(404, "asset_not_found", "找不到该素材")
    if not SHA256_RE.fullmatch(sha256):
        raise not_found  # never let such a value near the filesystem
    with ctx.db.connect() as conn:
        row = db.get_asset(conn, sha256)
    if row is None:
        raise not_found
    if not ctx.assets.path_for(sha256).is_file():
        log.error("asset %s is in the database but its file is missing", sha256[:12])
        raise not_found
    return row.media_type


def _check_purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ApiError(
            422,
            "bad_purpose",
            "参数 purpose 只能是 image（图片）、video（视频）或 any（其他文件）",
        )
    return purpose


def _check_declared_length(request: Request, max_bytes: int) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + MULTIPART_SLACK_BYTES:
        raise ApiError(413, "too_large", f"文件太大（上限 {format_size(max_bytes)}）")


@contextlib.contextmanager
def as_api_errors() -> Iterator[None]:
    try:
        yield
    except UploadTooLarge as exc:
        raise ApiError(413, exc.code, exc.detail) from None
    except AssetRejected as exc:
        raise ApiError(422, exc.code, exc.detail) from None
    except UploadFormError as exc:
        raise ApiError(400, exc.code, exc.detail) from None
    except ProbeUnavailable as exc:
        log.error("cannot probe videos: %s", exc)
        raise probe_unavailable(exc) from None
    except OSError as exc:
        if is_disk_full(exc):
            log.error("upload failed: disk full")
            raise ApiError(507, "disk_full", "服务器磁盘空间不足，请联系管理员") from None
        raise
