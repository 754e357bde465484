"""``/api/screens/{id}``: a screen's manifest and events (for the screen, with its token, or
the superuser), its token (administrators of its node) and its settings (viewers read,
publishers change); ``/api/screens/all/settings`` are the settings for every screen (roles on
the root), ``/api/org/nodes/{id}/settings`` those of a node (``routes/node_settings.py``).
The answers are :func:`~content_server.settings_view.settings_view`."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from content_cache.signature import SIGNATURE_HEADER
from content_cache.wire import Manifest
from content_server import db
from content_server.api_schema import event_stream_response, not_modified, response_headers
from content_server.audit.settings import record_settings
from content_server.auth import Caller, screen_guard, screen_token
from content_server.context import ServerContext
from content_server.errors import error_responses
from content_server.items import ALL_SCREENS, check_screen_id
from content_server.manifests import build_manifest, etag_matches, render, screen_revision
from content_server.org.tree import ROOT_ID, get_node, listeners_of
from content_server.scope import (
    SUPERUSER,
    Action,
    Principal,
    check_node,
    check_screen,
    forbidden,
)
from content_server.screen_settings import change_target, merge_changes, read_level, save_level
from content_server.settings_view import level_name, settings_view

log = logging.getLogger("content_server")

# last_seen is written at most this often per screen, however fast it polls.
LAST_SEEN_RESOLUTION = timedelta(seconds=30)
# A comment line this often keeps proxies from closing an idle event stream, and lets a
# screen notice a dead connection (its read timeout is longer than this).
KEEPALIVE_SECONDS = 15.0
_ETAG = {"ETag": "清单的强 ETag（请求时放进 If-None-Match）"}
_SIGNATURE = (
    "正文的 Ed25519 签名：逗号分隔的「密钥编号=base64 签名」，每个签名密钥一项"
    "（content_cache/signature.py）"
)
_REVISION = {
    "type": "object",
    "required": ["revision"],
    "properties": {"revision": {"type": "integer"}},
}


def build_router(ctx: ServerContext) -> APIRouter:
    """Routes for screens."""
    # Every route checks the screen id (400 bad_screen_id, reserved_screen_id).
    router = APIRouter(prefix="/api/screens/{screen_id}", responses=error_responses(400))
    # A manifest can carry meeting sign-in secrets: only the screen itself (its own token)
    # or an admin may read it, or its event stream.
    screen = [Depends(screen_guard(ctx.screen_key, ctx.settings.admin_token))]

    @router.get(
        "/manifest",
        dependencies=screen,
        responses={
            200: {
                "model": Manifest,
                "description": "清单（正文由 signing_keys 中的每个密钥签名）",
                "headers": response_headers({**_ETAG, SIGNATURE_HEADER: _SIGNATURE}),
            },
            304: not_modified(),
            **error_responses(403),
        },
    )
    def get_manifest(screen_id: str, request: Request) -> Response:
        """The screen's manifest with a strong ETag; ``If-None-Match`` gives a 304. The body
        is signed by every signing key it lists (``X-Manifest-Signature``)."""
        check_screen_id(screen_id)
        now = ctx.clock()
        keys = ctx.signing.current()  # once: the keys listed are the keys that sign
        with ctx.db.connect() as conn:
            rendered = render(build_manifest(conn, screen_id, now, keys.wire))
            _record_contact(conn, screen_id, now)
        headers = {"ETag": rendered.etag, "Cache-Control": "no-cache"}
        if etag_matches(request.headers.get("if-none-match"), rendered.etag):
            return Response(status_code=304, headers=headers)
        signature = ctx.signing.signature_header(keys, rendered.body, rendered.digest)
        if signature:
            headers[SIGNATURE_HEADER] = signature
        return Response(rendered.body, media_type="application/json", headers=headers)

    @router.get(
        "/events",
        dependencies=screen,
        response_class=Response,
        responses={
            200: event_stream_response(
                "本屏的修订号：连上时一次，之后每次变化一次", _REVISION, "revision"
            ),
            **error_responses(403),
        },
    )
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

    @router.get("/token", responses=error_responses(403, 404))
    def get_token(screen_id: str, who: Caller) -> dict[str, str]:
        """The screen's token (for its ``screen_token`` setting) and the config line to paste;
        for administrators of the screen's node."""
        check_screen_id(screen_id)
        check_level(ctx, who, screen_id, Action.ADMINISTER)
        token = screen_token(ctx.screen_key, screen_id)
        return {"screen_id": screen_id, "token": token, "config": f'screen_token = "{token}"'}

    # The settings routes take ``all`` for the settings of every screen.
    @router.get("/settings", responses=error_responses(403, 404))
    def get_settings(screen_id: str, who: Caller) -> dict[str, Any]:
        """The settings of a screen (effective, its own, those for all screens), or of ``all``."""
        level = check_screen_id(screen_id, allow_all=True)
        check_level(ctx, who, level, Action.VIEW)
        with ctx.db.connect() as conn, db.read_transaction(conn):
            return settings_view(conn, level)

    @router.put("/settings", responses=error_responses(403, 404, 422))
    def put_settings(
        screen_id: str, changes: Annotated[dict[str, Any], Body()], who: Caller
    ) -> dict[str, Any]:
        """Change some settings of a screen or of ``all`` (emergency stops included); a field
        set to null is removed from that level (it follows the level below again)."""
        level = check_screen_id(screen_id, allow_all=True)
        check_level(ctx, who, level, Action.PUBLISH)
        return update_settings(ctx, level, changes, who=who)

    return router


def check_level(ctx: ServerContext, who: Principal, level: str, action: Action) -> None:
    """The scope check of a settings level: ``all`` is the root (403 without a role there),
    a screen its node (404 ``screen_not_found`` outside what the caller may view)."""
    if who.superuser:
        return
    with ctx.db.connect() as conn, db.read_transaction(conn):
        if level == ALL_SCREENS:
            check_node(who, get_node(conn, ROOT_ID), action, forbidden(action))
        else:
            check_screen(conn, who, level, action)


def update_settings(
    ctx: ServerContext, level: str, changes: dict[str, Any], *, who: Principal = SUPERUSER
) -> dict[str, Any]:
    """Merge ``changes`` into the settings of ``level`` (``all``, ``node:<id>`` or a screen id);
    ``who`` is recorded in the audit log. Exactly the screens of the level are told
    (:func:`~content_server.org.tree.listeners_of`).

    Setting what is already set is no change: no new revision, no notification.

    Returns:
        :func:`settings_view` of the level, plus ``changed``.
    """
    now = ctx.clock()
    target = change_target(level)
    with ctx.db.connect() as conn, db.write_transaction(conn):
        stored = read_level(conn, level)
        fields = merge_changes(stored.fields, changes)
        seq = None
        if fields != stored.fields:
            seq = db.add_change(conn, "settings", target, level, now)
            save_level(conn, level, fields, seq)
            record_settings(conn, who, level, stored.fields, fields, now)
        view = settings_view(conn, level)
        listeners = listeners_of(conn, target)
    if seq is not None:
        log.info("changed settings of %s (revision %d)", level_name(level), seq)
        ctx.notifier.notify_changed(listeners, seq)
    return {**view, "changed": seq is not None}


def _revision(ctx: ServerContext, screen_id: str) -> int:
    with ctx.db.connect() as conn:
        return screen_revision(conn, screen_id)


def _revision_event(revision: int | None) -> bytes:
    return f'event: revision\nid: {revision}\ndata: {{"revision": {revision}}}\n\n'.encode()


def _record_contact(conn: sqlite3.Connection, screen_id: str, now: datetime) -> None:
    try:
        db.touch_screen(conn, screen_id, now, unless_after=now - LAST_SEEN_RESOLUTION)
    except sqlite3.Error as exc:  # fleet status must never cost a screen its manifest
        log.warning("could not record contact of screen %s: %s", screen_id, exc)
