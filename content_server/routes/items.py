"""``/api/items``: publish, withdraw and list items, each within the caller's scope."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body

from content_cache.wire import AssetRef
from content_server import db
from content_server.audit.log import record
from content_server.auth import Caller
from content_server.context import ServerContext
from content_server.errors import ApiError, error_responses
from content_server.items import ItemDraft, build_item, is_valid_id, new_item_id, target_label
from content_server.org.edit import check_target_node
from content_server.org.tree import listeners_of
from content_server.review.policy import gate
from content_server.review.record import node_id_of, record_publication
from content_server.review.store import APPROVED, PENDING, REJECTED, hold
from content_server.scope import (
    SUPERUSER,
    Action,
    Principal,
    check_target,
    check_thing,
    visible_targets,
)
from content_server.timefmt import from_db
from content_server.videos import complete_video_payload

log = logging.getLogger("content_server")


def build_router(ctx: ServerContext) -> APIRouter:
    """Routes for items."""
    router = APIRouter(prefix="/api/items")

    @router.post("", status_code=201, responses=error_responses(403, 404, 422, 503))
    def publish_item(payload: Annotated[dict[str, Any], Body()], who: Caller) -> dict[str, Any]:
        """Publish an item: the wire item's fields plus ``to`` (``all``, ``node:<id>`` or a
        screen id); the caller must be a publisher of that target."""
        return publish(ctx, payload, principal=who)

    @router.delete("/{item_id}", responses=error_responses(403, 404))
    def withdraw_item(item_id: str, who: Caller) -> dict[str, Any]:
        """Withdraw an item from every screen it was published to (a publisher of its
        target; an item outside the caller's scope is 404, as if it did not exist)."""
        return withdraw(ctx, item_id, principal=who)

    @router.get("")
    def list_items(who: Caller) -> dict[str, Any]:
        """Items the caller may view, newest first, with their status at this moment."""
        now = ctx.clock()
        with ctx.db.connect() as conn, db.read_transaction(conn):
            rows = db.list_items(conn)
            shown = visible_targets(conn, who, (str(row["target"]) for row in rows))
        return {"items": [item_summary(row, now) for row in rows if row["target"] in shown]}

    return router


def publish(
    ctx: ServerContext,
    payload: dict[str, Any],
    *,
    item_id: str | None = None,
    also: Callable[[sqlite3.Connection, ItemDraft], None] | None = None,
    principal: Principal = SUPERUSER,
) -> dict[str, Any]:
    """Validate and store a new item; returns ``{"id", "revision"}``.

    Args:
        ctx: the server's context.
        payload: the wire item's fields plus ``to``.
        item_id: the id to use (default: a fresh one).
        also: called with the connection and the validated item inside the transaction that
            stores it (a meeting stores its sign-in row there), so both are stored or neither.
        principal: the caller; must be a publisher of the target.
    """
    now = ctx.clock()
    item_id = item_id or new_item_id(str(payload.get("kind")))
    with ctx.db.connect() as conn:
        if payload.get("kind") == "video":
            payload = complete_video_payload(conn, payload)
        draft = build_item(payload, item_id, lambda sha256: asset_ref(conn, sha256), now)
        with db.write_transaction(conn):
            check_target(conn, principal, draft.target, Action.PUBLISH)
            check_target_node(conn, draft.target)
            held = gate(conn, principal, draft.target, draft.item)
            seq = db.add_change(
                conn, "submit" if held.holds else "publish", draft.target, item_id, now
            )
            db.add_item(conn, stored_item(draft), seq, now)
            if held.node is not None:
                hold(conn, item_id, held.node.id, principal.name, now)
            if also is not None:
                also(conn, draft)
            record_publication(conn, principal, draft, held, now)
            listeners = [] if held.holds else listeners_of(conn, draft.target)
    if held.holds:
        log.info("submitted %s %s to %s for review", draft.item.kind, item_id, draft.target)
    else:
        log.info("published %s %s to %s (revision %d)", draft.item.kind, item_id, draft.target, seq)
        ctx.notifier.notify_changed(listeners, seq)
    return {"id": item_id, "revision": seq, "review": PENDING if held.holds else APPROVED}


def withdraw(ctx: ServerContext, item_id: str, principal: Principal = SUPERUSER) -> dict[str, Any]:
    """Withdraw an item; withdrawing it again is harmless. Returns ``{"id", "revision"}``."""
    not_found = ApiError(404, "item_not_found", f"找不到内容 {item_id[:64]}")
    if not is_valid_id(item_id):
        raise not_found
    now = ctx.clock()
    with ctx.db.connect() as conn, db.write_transaction(conn):
        row = db.get_item(conn, item_id)
        if row is None:
            raise not_found
        check_thing(conn, principal, str(row["target"]), Action.PUBLISH, not_found)
        if row["withdrawn_at"] is not None:
            return {"id": item_id, "revision": int(row["changed_seq"])}
        target = str(row["target"])
        seq = db.add_change(conn, "withdraw", target, item_id, now)
        db.withdraw_item(conn, item_id, seq, now)
        record(conn, principal, "withdraw", node_id_of(conn, target), at=now, target=item_id)
        listeners = listeners_of(conn, target)
    log.info("withdrew %s from %s (revision %d)", item_id, target, seq)
    ctx.notifier.notify_changed(listeners, seq)
    return {"id": item_id, "revision": seq}


def item_status(row: sqlite3.Row, now: datetime) -> str:
    """``withdrawn``, ``pending`` (waiting for review), ``rejected`` (sent back by a reviewer),
    ``ended``, ``scheduled`` (not started yet) or ``active``."""
    if row["withdrawn_at"] is not None:
        return "withdrawn"
    if row["review_status"] in (PENDING, REJECTED):
        return str(row["review_status"])
    if row["valid_until"] is not None and from_db(row["valid_until"]) <= now:
        return "ended"
    if row["valid_from"] is not None and from_db(row["valid_from"]) > now:
        return "scheduled"
    return "active"


def item_summary(row: sqlite3.Row, now: datetime) -> dict[str, Any]:
    def when(column: str) -> str | None:
        value = row[column]
        return from_db(value).isoformat() if value is not None else None

    return {
        "id": row["id"],
        "kind": row["kind"],
        "title": row["title"],
        "to": target_label(row["target"]),
        "priority": row["priority"],
        "valid_from": when("valid_from"),
        "valid_until": when("valid_until"),
        "created_at": when("created_at"),
        "withdrawn_at": when("withdrawn_at"),
        "revision": row["changed_seq"],
        "status": item_status(row, now),
        "review": row["review_status"] or APPROVED,
        "review_comment": row["review_comment"] or "",
    }


def asset_ref(conn: sqlite3.Connection, sha256: str) -> AssetRef | None:
    """The stored asset ``sha256`` as a wire reference, or None if unknown."""
    row = db.get_asset(conn, sha256)
    if row is None:
        return None
    return AssetRef(sha256=row.sha256, size=row.size, media_type=row.media_type)


def stored_item(draft: ItemDraft) -> db.NewItem:
    """A validated item as the row to store."""
    item = draft.item
    return db.NewItem(
        id=item.id,
        kind=item.kind,
        target=draft.target,
        title=item.title,
        priority=item.priority,
        valid_from=item.valid_from,
        valid_until=item.valid_until,
        body=item.model_dump_json(),
    )
