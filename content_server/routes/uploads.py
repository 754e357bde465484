"""``/api/uploads``: resumable uploads of large files in pieces (``content_server.resumable``).

    POST /api/uploads          start one (or resume the caller's unfinished one of the same file)
    GET  /api/uploads/{id}     where it stands: ``received`` is where to resume from
    PUT  /api/uploads/{id}     one piece, ``Content-Range: bytes FIRST-LAST/SIZE``; the last
                               piece makes the file an asset and the answer names it

An upload belongs to the account that started it; anyone else gets 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request
from starlette.responses import JSONResponse

from content_server.auth import Caller
from content_server.context import ServerContext
from content_server.errors import error_responses
from content_server.resumable import (
    StartRequest,
    UploadState,
    append_piece,
    remove_expired,
    start_upload,
    upload_status,
)

PIECE_BODY = {
    "required": True,
    "description": "这一段的字节（Content-Range 所说的范围）",
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}
RESUMED: dict[int | str, dict[str, Any]] = {
    200: {"model": UploadState, "description": "续传：同一文件（名称、大小、标识相同）的上传"}
}


def build_router(ctx: ServerContext) -> APIRouter:
    """The upload routes; uploads left without progress for a day are removed now."""
    remove_expired(ctx)
    router = APIRouter(prefix="/api/uploads")

    @router.post(
        "",
        status_code=201,
        response_model=UploadState,
        responses={**RESUMED, **error_responses(403, 413, 507)},
    )
    def start(request: Annotated[StartRequest, Body()], who: Caller) -> Any:
        """Start an upload of ``size`` bytes for ``purpose`` (``image``, ``video`` or ``any``,
        checked as ``POST /api/assets`` checks it once complete). With a ``fingerprint``, an
        unfinished upload of the same file by the same account is resumed (200)."""
        state, resumed = start_upload(ctx, who, request)
        if resumed:
            return JSONResponse(UploadState.model_validate(state).model_dump(mode="json"))
        return state

    @router.get("/{upload_id}", response_model=UploadState, responses=error_responses(404))
    def status(upload_id: str, who: Caller) -> Any:
        """How many bytes the server has (``received``): the next piece starts there."""
        return upload_status(ctx, who, upload_id)

    @router.put(
        "/{upload_id}",
        response_model=UploadState,
        responses=error_responses(400, 404, 409, 413, 422, 503, 507),
        openapi_extra={"requestBody": PIECE_BODY},
    )
    async def put_piece(
        upload_id: str,
        request: Request,
        who: Caller,
        content_range: Annotated[
            str | None, Header(description="bytes 起始-结束/总大小，例如 bytes 0-4194303/73400320")
        ] = None,
    ) -> Any:
        """Append one piece. Pieces go in order; one the server has already is answered
        without writing it again, one that leaves a gap is 409 ``upload_gap``. A dropped
        connection keeps the bytes that came: ask ``GET`` and go on from ``received``. The
        piece that completes the file answers with ``complete`` and the ``asset``."""
        return await append_piece(
            ctx,
            who,
            upload_id,
            content_range,
            request.headers.get("content-length"),
            request.stream(),
        )

    return router
