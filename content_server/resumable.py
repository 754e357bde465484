"""Resumable uploads: a large file (a video course from a phone on a shaky network) sent in
pieces, so a dropped connection costs at most the piece on its way, never the upload.

The protocol (``content_server/routes/uploads.py`` for API clients, ``/console/uploads`` for
the console's script; both call these functions):

1. :func:`start_upload`: the client says what it will send (size, purpose, file name and a
   fingerprint of its own, such as the file's modification time) and gets an upload id. An
   unfinished upload of the same account with the same purpose, name, size and (non-empty)
   fingerprint is resumed instead of started again, so a page reloaded mid-upload continues
   from where the server is once the same file is chosen again.
2. :func:`append_piece`: one piece, ``Content-Range: bytes FIRST-LAST/SIZE``. Pieces go in
   order. The server keeps every byte that arrived, even of a piece cut short, and answers
   how many it has (``received``). A piece it has already (a retry after a lost answer) is
   answered as if it were new and not written twice; one that overlaps what it has is
   written from ``received`` on; one that would leave a gap is refused (409 ``upload_gap``)
   and nothing is written.
3. The piece that completes the file makes it an asset, with the checks of a whole upload
   (``AssetStore.commit_file``: an image decoded, a video probed, hashed), and the answer
   names the asset. Asking again (the answer was lost) gives the same asset, or the same
   refusal.
4. :func:`upload_status`: how many bytes the server has, i.e. where a client resumes.

An upload belongs to the account that started it: any other caller (the admin token too) gets
the 404 of an unknown id. An upload without progress for a day is removed, bytes and all: at
start (:func:`remove_expired`, called when the routes are built) and whenever one is started.

One request at a time per upload: a piece being written holds an exclusive ``flock`` on the
staged file (across server processes too). Another request for the same upload meanwhile (a
client that gave up waiting and retried while the server still reads the first) gets 409
``upload_busy`` and tries again a little later.

Publishing from an upload is idempotent (``content_server.publish_once``, keyed by the
upload's id): pressing 发布 twice, or again after a lost answer, gives the one item.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import re
import secrets
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from content_server import db
from content_server.assets import AssetRejected, UploadTooLarge, format_size, is_disk_full
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.routes.assets import record_asset
from content_server.scope import Action, Principal, forbidden
from content_server.timefmt import from_db, to_db
from content_server.video_probe import ProbeUnavailable
from content_server.videos import get_facts, probe_unavailable

log = logging.getLogger("content_server.uploads")

UPLOAD_TTL = timedelta(days=1)
PART_PREFIX = "resumable-"
ID_BYTES = 16  # secrets.token_urlsafe: 22 characters
HASH_BLOCK = 1024 * 1024
DISK_RESERVE_BYTES = 64 * 1024 * 1024
MAX_TEXT_CHARS = 200
_ID_RE = re.compile(r"[A-Za-z0-9_-]{22}")
_RANGE_RE = re.compile(r"bytes (\d{1,19})-(\d{1,19})/(\d{1,19})")


class StartRequest(BaseModel):
    """What a client sends to start (or resume) an upload."""

    model_config = ConfigDict(extra="forbid")

    size: Annotated[int, Field(ge=1, description="文件的字节数")]
    purpose: Literal["image", "video", "any"] = "video"
    filename: Annotated[str, Field(max_length=MAX_TEXT_CHARS)] = ""
    fingerprint: Annotated[
        str,
        Field(
            max_length=MAX_TEXT_CHARS,
            description="客户端对文件的标识（如修改时间）；名称、大小和它都相同的未完成上传会被续传",
        ),
    ] = ""


class UploadedAsset(BaseModel):
    """The asset a finished upload became (as ``POST /api/assets`` answers)."""

    sha256: str
    size: int
    media_type: str
    video: dict[str, Any] | None = None


class UploadState(BaseModel):
    """Where an upload stands."""

    id: str
    purpose: str
    filename: str
    size: int
    received: Annotated[int, Field(description="服务器已收到的字节数：从这里续传")]
    complete: Annotated[bool, Field(description="已收齐并成为素材（见 asset）")]
    asset: UploadedAsset | None = None
    error: Annotated[str | None, Field(description="收齐后被拒绝的原因（中文）")] = None
    expires_at: Annotated[datetime, Field(description="此时仍无进展则删除")]


@dataclass(frozen=True)
class Upload:
    """A row of ``resumable_uploads``."""

    id: str
    account_id: int | None
    owner: str
    purpose: str
    filename: str
    size: int
    fingerprint: str
    touched_at: datetime
    sha256: str | None
    error_code: str | None
    error_detail: str | None


@dataclass(frozen=True)
class Piece:
    """A ``Content-Range``: bytes ``first`` to ``last`` (inclusive) of ``total``."""

    first: int
    last: int
    total: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1


def not_found(upload_id: str) -> ApiError:
    return ApiError(
        404,
        "upload_not_found",
        f"找不到上传 {upload_id[:40]}（或已超过一天没有进展被清理），请重新选择文件上传",
    )


# --- starting, asking, listing --------------------------------------------------------------


def start_upload(
    ctx: ServerContext, who: Principal, request: StartRequest
) -> tuple[dict[str, Any], bool]:
    """Start an upload, or resume the caller's unfinished one of the same file.

    Returns:
        The upload's state (:class:`UploadState` as a dict) and whether it was resumed.

    Raises:
        ApiError: 403 for a caller who may publish nowhere, 413 beyond the upload limit,
            507 when the disk cannot hold it.
    """
    if not who.may_somewhere(Action.PUBLISH):
        raise forbidden(Action.PUBLISH)
    limit = ctx.settings.max_upload_bytes
    if request.size > limit:
        raise ApiError(413, "too_large", f"文件太大（上限 {format_size(limit)}）")
    remove_expired(ctx)
    now = ctx.clock()
    with ctx.db.connect() as conn, db.write_transaction(conn):
        upload = _same_file(conn, who, request, now)
        resumed = upload is not None
        if upload is None:
            upload = _insert(conn, who, request, now)
        else:
            _touch(conn, upload.id, now)
    path = part_path(ctx, upload.id)
    path.touch()
    _check_room(ctx, request.size - path.stat().st_size)
    log.info(
        "upload %s %s by %s: %s, %d bytes (%s)",
        upload.id,
        "resumed" if resumed else "started",
        who.name,
        upload.purpose,
        upload.size,
        upload.filename[:60],
    )
    return _answer(ctx, upload, path.stat().st_size), resumed


def upload_status(ctx: ServerContext, who: Principal, upload_id: str) -> dict[str, Any]:
    """The caller's upload as :class:`UploadState` (a dict).

    Raises:
        ApiError: 404 ``upload_not_found`` (unknown, another account's, or expired).
    """
    upload = owned_upload(ctx, who, upload_id)
    return _answer(ctx, upload, _received(ctx, upload))


def unfinished_uploads(ctx: ServerContext, who: Principal, purpose: str) -> list[dict[str, Any]]:
    """The caller's unfinished uploads of ``purpose``, the latest first (for a page that asks
    to choose the same file again)."""
    cutoff = ctx.clock() - UPLOAD_TTL
    with ctx.db.connect() as conn:
        rows = conn.execute(
            "SELECT * FROM resumable_uploads WHERE account_id IS ? AND purpose = ? "
            "AND sha256 IS NULL AND error_code IS NULL AND touched_at >= ? "
            "ORDER BY touched_at DESC LIMIT 5",
            (who.account_id, purpose, to_db(cutoff)),
        ).fetchall()
    uploads = [_row(row) for row in rows]
    return [_answer(ctx, upload, _received(ctx, upload)) for upload in uploads]


def owned_upload(ctx: ServerContext, who: Principal, upload_id: str) -> Upload:
    """The upload ``upload_id`` if the caller started it and it has not expired.

    Raises:
        ApiError: 404 ``upload_not_found`` otherwise (the same answer for every case).
    """
    if not _ID_RE.fullmatch(upload_id):
        raise not_found(upload_id)
    with ctx.db.connect() as conn:
        row = conn.execute("SELECT * FROM resumable_uploads WHERE id = ?", (upload_id,)).fetchone()
    upload = _row(row) if row else None
    if (
        upload is None
        or upload.account_id != who.account_id
        or upload.touched_at < ctx.clock() - UPLOAD_TTL
    ):
        raise not_found(upload_id)
    return upload


def finished_asset(ctx: ServerContext, who: Principal, upload_id: str) -> str:
    """The sha256 of the asset the caller's finished upload became.

    Raises:
        ApiError: 404 as :func:`owned_upload`; 422 ``upload_unfinished`` while bytes are
            missing, or the refusal of the finished file.
    """
    upload = owned_upload(ctx, who, upload_id)
    if upload.error_code:
        raise ApiError(422, upload.error_code, upload.error_detail or "文件被拒绝")
    if upload.sha256 is None:
        raise ApiError(422, "upload_unfinished", "文件还没有上传完，请等上传完成后再发布")
    return upload.sha256


# --- pieces ---------------------------------------------------------------------------------


def parse_content_range(value: str | None) -> Piece:
    """``bytes FIRST-LAST/TOTAL`` -> :class:`Piece`.

    Raises:
        ApiError: 400 ``bad_range`` when missing or malformed.
    """
    match = _RANGE_RE.fullmatch((value or "").strip())
    if match is None:
        raise ApiError(
            400, "bad_range", "缺少或看不懂 Content-Range（应为 bytes 起始-结束/总大小）"
        )
    first, last, total = (int(part) for part in match.groups())
    if first > last or last >= total:
        raise ApiError(400, "bad_range", f"Content-Range 不正确：bytes {first}-{last}/{total}")
    return Piece(first, last, total)


async def append_piece(
    ctx: ServerContext,
    who: Principal,
    upload_id: str,
    content_range: str | None,
    content_length: str | None,
    body: AsyncIterator[bytes],
) -> dict[str, Any]:
    """Write one piece of the caller's upload; the last one finishes it.

    Returns:
        The upload's state after the piece (:class:`UploadState` as a dict).

    Raises:
        ApiError: 404 (not the caller's), 400 ``bad_range``, 422 ``upload_size_mismatch``,
            409 ``upload_gap`` / ``upload_busy``, 400 ``upload_incomplete`` (the connection
            dropped: the bytes that came are kept), and the refusals of a finished file
            (422, 503, 507).
    """
    upload = await run_in_threadpool(owned_upload, ctx, who, upload_id)
    piece = parse_content_range(content_range)
    _check_piece(upload, piece, content_length)
    if upload.sha256 is not None or upload.error_code:
        return await run_in_threadpool(_final_answer, ctx, upload)
    path = part_path(ctx, upload.id)
    with _locked(path) as file:
        received = os.fstat(file.fileno()).st_size
        if piece.first > received:
            raise ApiError(
                409,
                "upload_gap",
                f"缺少前面的部分：服务器已收到 {received} 字节，请从第 {received} 字节续传",
                headers={"Upload-Offset": str(received)},
            )
        if piece.last >= received:
            received = await _write_piece(ctx, upload, file, piece, received, body)
        await run_in_threadpool(_touch_now, ctx, upload.id)
        if received < upload.size:
            return _answer(ctx, upload, received)
        return await run_in_threadpool(_finish, ctx, upload, path)


def _check_piece(upload: Upload, piece: Piece, content_length: str | None) -> None:
    if piece.total != upload.size:
        raise ApiError(
            422,
            "upload_size_mismatch",
            f"文件大小与开始上传时不同（{piece.total} 字节，开始时是 {upload.size} 字节）："
            "请重新选择文件上传",
        )
    if content_length is not None and content_length.strip() != str(piece.length):
        raise ApiError(
            400, "bad_range", "Content-Length 与 Content-Range 不一致（这一段的字节数不对）"
        )


async def _write_piece(
    ctx: ServerContext,
    upload: Upload,
    file: BinaryIO,
    piece: Piece,
    received: int,
    body: AsyncIterator[bytes],
) -> int:
    """Append the bytes of ``piece`` from ``received`` on; returns the bytes the server has.
    A dropped connection keeps what came (the client resumes from there)."""
    skip = received - piece.first  # the start of the piece the server has already
    room = piece.last + 1 - received
    cut = False
    try:
        with _disk_errors():
            async for chunk in body:
                if skip:
                    chunk, skip = chunk[skip:], max(0, skip - len(chunk))
                chunk = chunk[:room]
                if chunk:
                    await run_in_threadpool(file.write, chunk)
                    room -= len(chunk)
                    received += len(chunk)
                if room == 0:
                    break
    except ClientDisconnect:
        cut = True
    finally:
        with _disk_errors():
            await run_in_threadpool(_sync, file)
    if cut:
        await run_in_threadpool(_touch_now, ctx, upload.id)
        log.info(
            "upload %s: connection dropped at %d of %d bytes", upload.id, received, upload.size
        )
        raise ApiError(400, "upload_incomplete", "连接中断：已收到的部分已保存，请续传")
    return received


def _finish(ctx: ServerContext, upload: Upload, path: Path) -> dict[str, Any]:
    """Make the complete file an asset (the checks of a whole upload), or record why not."""
    sha256 = _hash_file(path)
    try:
        with _asset_errors():
            stored = ctx.assets.commit_file(
                path, upload.size, sha256, upload.purpose, upload.filename
            )
    except ApiError as exc:
        if exc.status in (413, 422):  # the file itself is refused: so will every retry be
            _record_refusal(ctx, upload, exc)
            path.unlink(missing_ok=True)
        raise
    answer = record_asset(ctx, stored)
    with ctx.db.connect() as conn, db.write_transaction(conn):
        conn.execute(
            "UPDATE resumable_uploads SET sha256 = ?, media_type = ?, touched_at = ? WHERE id = ?",
            (stored.sha256, stored.media_type, to_db(ctx.clock()), upload.id),
        )
    path.unlink(missing_ok=True)
    log.info("upload %s finished: asset %s", upload.id, stored.sha256[:12])
    finished = _replace_finished(upload, stored.sha256)
    return {**_answer(ctx, finished, upload.size), "asset": answer}


def _final_answer(ctx: ServerContext, upload: Upload) -> dict[str, Any]:
    """A piece of an upload that is finished already: its asset, or its refusal again."""
    if upload.error_code:
        raise ApiError(422, upload.error_code, upload.error_detail or "文件被拒绝")
    return _answer(ctx, upload, upload.size)


def _record_refusal(ctx: ServerContext, upload: Upload, exc: ApiError) -> None:
    with ctx.db.connect() as conn, db.write_transaction(conn):
        conn.execute(
            "UPDATE resumable_uploads SET error_code = ?, error_detail = ?, touched_at = ? "
            "WHERE id = ?",
            (exc.code, exc.detail, to_db(ctx.clock()), upload.id),
        )
    log.info("upload %s refused: %s", upload.id, exc.code)


# --- expiry ---------------------------------------------------------------------------------


def remove_expired(ctx: ServerContext) -> int:
    """Delete uploads without progress for a day, and staged files no upload owns; returns
    how many uploads were removed."""
    cutoff = to_db(ctx.clock() - UPLOAD_TTL)
    with ctx.db.connect() as conn, db.write_transaction(conn):
        expired = [
            str(row[0])
            for row in conn.execute(
                "SELECT id FROM resumable_uploads WHERE touched_at < ?", (cutoff,)
            )
        ]
        conn.execute("DELETE FROM resumable_uploads WHERE touched_at < ?", (cutoff,))
    for upload_id in expired:
        part_path(ctx, upload_id).unlink(missing_ok=True)
    orphans = _remove_orphans(ctx)
    if expired or orphans:
        log.info("removed %d expired uploads and %d stray files", len(expired), orphans)
    return len(expired)


def _remove_orphans(ctx: ServerContext) -> int:
    removed = 0
    with ctx.db.connect() as conn:
        for path in ctx.assets.tmp_dir.glob(f"{PART_PREFIX}*.part"):
            upload_id = path.name.removeprefix(PART_PREFIX).removesuffix(".part")
            known = conn.execute(
                "SELECT sha256 IS NULL AND error_code IS NULL FROM resumable_uploads WHERE id = ?",
                (upload_id,),
            ).fetchone()
            if known is None or not known[0]:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


# --- helpers --------------------------------------------------------------------------------


def part_path(ctx: ServerContext, upload_id: str) -> Path:
    """Where the bytes of an unfinished upload are staged."""
    return ctx.assets.tmp_dir / f"{PART_PREFIX}{upload_id}.part"


def _same_file(
    conn: sqlite3.Connection, who: Principal, request: StartRequest, now: datetime
) -> Upload | None:
    if not request.fingerprint:
        return None
    row = conn.execute(
        "SELECT * FROM resumable_uploads WHERE account_id IS ? AND purpose = ? AND size = ? "
        "AND filename = ? AND fingerprint = ? AND sha256 IS NULL AND error_code IS NULL "
        "AND touched_at >= ? ORDER BY touched_at DESC LIMIT 1",
        (
            who.account_id,
            request.purpose,
            request.size,
            request.filename,
            request.fingerprint,
            to_db(now - UPLOAD_TTL),
        ),
    ).fetchone()
    return _row(row) if row else None


def _insert(
    conn: sqlite3.Connection, who: Principal, request: StartRequest, now: datetime
) -> Upload:
    upload_id = secrets.token_urlsafe(ID_BYTES)
    conn.execute(
        "INSERT INTO resumable_uploads (id, account_id, owner, purpose, filename, size, "
        "fingerprint, created_at, touched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            upload_id,
            who.account_id,
            who.name,
            request.purpose,
            request.filename,
            request.size,
            request.fingerprint,
            to_db(now),
            to_db(now),
        ),
    )
    row = conn.execute("SELECT * FROM resumable_uploads WHERE id = ?", (upload_id,)).fetchone()
    return _row(row)


def _touch(conn: sqlite3.Connection, upload_id: str, now: datetime) -> None:
    conn.execute(
        "UPDATE resumable_uploads SET touched_at = ? WHERE id = ?", (to_db(now), upload_id)
    )


def _touch_now(ctx: ServerContext, upload_id: str) -> None:
    with ctx.db.connect() as conn, db.write_transaction(conn):
        _touch(conn, upload_id, ctx.clock())


def _row(row: sqlite3.Row) -> Upload:
    return Upload(
        id=str(row["id"]),
        account_id=None if row["account_id"] is None else int(row["account_id"]),
        owner=str(row["owner"]),
        purpose=str(row["purpose"]),
        filename=str(row["filename"]),
        size=int(row["size"]),
        fingerprint=str(row["fingerprint"]),
        touched_at=from_db(row["touched_at"]),
        sha256=row["sha256"],
        error_code=row["error_code"],
        error_detail=row["error_detail"],
    )


def _replace_finished(upload: Upload, sha256: str) -> Upload:
    return Upload(**{**upload.__dict__, "sha256": sha256})


def _received(ctx: ServerContext, upload: Upload) -> int:
    if upload.sha256 is not None or upload.error_code:
        return upload.size
    try:
        return part_path(ctx, upload.id).stat().st_size
    except FileNotFoundError:
        return 0


def _answer(ctx: ServerContext, upload: Upload, received: int) -> dict[str, Any]:
    asset = None
    if upload.sha256 is not None:
        with ctx.db.connect() as conn:
            row = db.get_asset(conn, upload.sha256)
            facts = get_facts(conn, upload.sha256)
        if row is not None:
            asset = {"sha256": row.sha256, "size": row.size, "media_type": row.media_type}
            if facts is not None:
                asset["video"] = facts.as_dict()
    return {
        "id": upload.id,
        "purpose": upload.purpose,
        "filename": upload.filename,
        "size": upload.size,
        "received": received,
        "complete": asset is not None,
        "asset": asset,
        "error": upload.error_detail,
        "expires_at": (ctx.clock() + UPLOAD_TTL).isoformat(),
    }


def _check_room(ctx: ServerContext, missing: int) -> None:
    free = shutil.disk_usage(ctx.assets.tmp_dir).free
    if missing > free - DISK_RESERVE_BYTES:
        log.error("no room for an upload of %d bytes (%d free)", missing, free)
        raise ApiError(507, "disk_full", "服务器磁盘空间不足，放不下这个文件，请联系管理员")


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _sync(file: BinaryIO) -> None:
    file.flush()
    os.fsync(file.fileno())


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[BinaryIO]:
    """The staged file, open for appending, under an exclusive lock held until exit."""
    file = path.open("ab")
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        file.close()
        raise ApiError(
            409,
            "upload_busy",
            "这个文件的上一段还在传输中，请稍后重试",
            headers={"Retry-After": "2"},
        ) from None
    try:
        yield file
    finally:
        file.close()  # releases the lock


@contextlib.contextmanager
def _disk_errors() -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if is_disk_full(exc):
            log.error("upload failed: disk full")
            raise ApiError(507, "disk_full", "服务器磁盘空间不足，请联系管理员") from None
        raise


@contextlib.contextmanager
def _asset_errors() -> Iterator[None]:
    try:
        with _disk_errors():
            yield
    except UploadTooLarge as exc:
        raise ApiError(413, exc.code, exc.detail) from None
    except AssetRejected as exc:
        raise ApiError(422, exc.code, exc.detail) from None
    except ProbeUnavailable as exc:
        log.error("cannot probe videos: %s", exc)
        raise probe_unavailable(exc) from None
