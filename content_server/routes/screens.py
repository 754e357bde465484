"""``/api/screens/{id}``: a screen's manifest (for screens) and its settings (for admins)."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from content_cache.wire import ScreenSettings
from content_server import db
from content_server.context import ServerContext
from content_server.errors import ApiError, describe_errors
from content_server.items import check_screen_id, unknown_fields
from content_server.manifests import (
    build_manifest,
    etag_matches,
    render,
    screen_revision,
    stored_settings,
)

log = logging.getLogger("content_server")

# last_seen is written at most this often per screen, however fast it polls.
LAST_SEEN_RESOLUTION = timedelta(seconds=30)
# A comment line this often keeps proxies from closing an idle event stream, and lets a
# screen notice a dead connection (its read timeout is longer than this).
KEEPALIVE_SECONDS = 15.0


def build_router(ctx: ServerContext, require_admin: Callable[..., None]) -> APIRouter:
    """Routes for screens."""
    router = APIRouter(prefix="/api/screens/{screen_id}")

    # No authentication yet: screens fetch their manifest anonymously. Device credentials
    # (and signed manifests) come later; until then anyone who can reach the server can read
    # any screen's manifest, which holds nothing that is not shown in public anyway.
    @router.get("/manifest")
    def get_manifest(screen_id: str, request: Request) -> Response:
        """The screen's manifest with a strong ETag; ``If-None-Match`` gives a 304."""
        check_screen_id(screen_id)
        now = ctx.clock()
        with ctx.db.connect() as conn:
            rendered = render(build_manifest(conn, screen_id, now))
            _record_contact(conn, screen_id, now)
        headers = {"ETag": rendered.etag, "Cache-Control": "no-cache"}
        if etag_matches(request.headers.get("if-none-match"), rendered.etag):
            return Response(status_code=304, headers=headers)
        return Response(rendered.body, media_type="application/json", headers=headers)

    @router.get("/events")
    async def get_events(screen_id: str) -> StreamingResponse:
        """Server-sent events: ``event: revision`` with the screen's revision, at once on
        connecting (so a screen that reconnects after a restart catches up) and after every
        change to its manifest; a keep-alive comment every 15 s."""
        check_screen_id(screen_id)
        subscription = ctx.notifier.subscribe(screen_id)  # before reading: no change is missed

        async def stream() -> AsyncIterator[bytes]:
            try:
                revision: int | None = await run_in_threadpool(_revision, ctx, screen_id)
                yield _revision_event(revision)
                while not subscription.closed:
                    revision = await subscription.next_revision(KEEPALIVE_SECONDS)
                    if subscription.closed:
                        break
                    yield _revision_event(revision) if revision is not None else b": keep-alive\n\n"
            finally:
                ctx.notifier.unsubscribe(subscription)

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    @router.put("/settings", dependencies=[Depends(require_admin)])
    def put_settings(screen_id: str, changes: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        """Change some of the screen's settings; a field set to null returns to its default."""
        return update_settings(ctx, check_screen_id(screen_id), changes)

    return router


def update_settings(ctx: ServerContext, screen_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Merge ``changes`` into the screen's settings; returns the screen's new settings."""
    now = ctx.clock()
    with ctx.db.connect() as conn, db.write_transaction(conn):
        merged = {**stored_settings(conn, screen_id), **changes}
        merged = {key: value for key, value in merged.items() if value is not None}
        settings = _validate_settings(merged)
        explicit = settings.model_dump(mode="json", exclude_unset=True)
        seq = db.add_change(conn, "settings", f"screen:{screen_id}", screen_id, now)
        db.save_screen_settings(conn, screen_id, json.dumps(explicit, ensure_ascii=False), seq)
    log.info("changed settings of screen %s (revision %d)", screen_id, seq)
    ctx.notifier.notify_changed([f"screen:{screen_id}"], seq)
    return {"screen_id": screen_id, "revision": seq, "settings": settings.model_dump(mode="json")}


def _revision(ctx: ServerContext, screen_id: str) -> int:
    with ctx.db.connect() as conn:
        return screen_revision(conn, screen_id)


def _revision_event(revision: int | None) -> bytes:
    return f'event: revision\nid: {revision}\ndata: {{"revision": {revision}}}\n\n'.encode()


def _validate_settings(merged: dict[str, Any]) -> ScreenSettings:
    try:
        settings = ScreenSettings.model_validate(merged)
    except ValidationError as exc:
        raise ApiError(422, "invalid_settings", describe_errors(exc.errors())) from None
    unknown = list(unknown_fields(merged, settings.model_dump(mode="json", exclude_unset=True)))
    if unknown:
        raise ApiError(422, "unknown_field", f"未知的设置项：{'、'.join(unknown[:5])}")
    return settings


def _record_contact(conn: sqlite3.Connection, screen_id: str, now: datetime) -> None:
    try:
        db.touch_screen(conn, screen_id, now, unless_after=now - LAST_SEEN_RESOLUTION)
    except sqlite3.Error as exc:  # fleet status must never cost a screen its manifest
        log.warning("could not record contact of screen %s: %s", screen_id, exc)
