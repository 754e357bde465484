"""Review (审核): the node setting, the queue of held items, approval, rejection with a
comment, and resubmission. The JSON API and the console both call these, with the caller.

Scope: an item outside what the caller may view answers 404 ``item_not_found``, as
everywhere. Approving and rejecting need the ``review`` action (reviewer or administrator) on
the node whose review holds the item, or above it (403 ``forbidden`` otherwise); resubmitting
needs ``publish`` on the item's target (and on the new target, if it moves).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

from content_cache.wire import Meeting
from content_server import db
from content_server.audit.log import record
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.items import build_item, is_valid_id, target_label
from content_server.org import tree
from content_server.org.edit import check_target_node
from content_server.org.tree import Node, listeners_of
from content_server.review import store
from content_server.review.policy import gate
from content_server.review.record import item_text, node_id_of, record_publication
from content_server.review.store import APPROVED, PENDING, REJECTED, Review
from content_server.routes.items import asset_ref, stored_item
from content_server.scope import (
    Action,
    Principal,
    check_node,
    check_node_id,
    check_target,
    check_thing,
    forbidden,
    sees,
    target_node,
)
from content_server.timefmt import from_db
from content_server.videos import complete_video_payload

log = logging.getLogger("content_server.review")

COMMENT_CHARS = 500
# Fields of an item a resubmission may not change (the server sets them).
FIXED_FIELDS = frozenset({"id", "kind"})


def item_not_found(item_id: str) -> ApiError:
    return ApiError(404, "item_not_found", f"找不到内容 {item_id[:64]}")


def review_view(conn: sqlite3.Connection, node: Node) -> dict[str, Any]:
    """``{node_id, on, set_by, set_at, pending}`` of a node's review setting."""
    row = store.review_setting(conn, node.id)
    pending = conn.execute(
        "SELECT COUNT(*) FROM item_review r JOIN items ON items.id = r.item_id "
        "WHERE r.node_id = ? AND r.status = ? AND items.withdrawn_at IS NULL",
        (node.id, PENDING),
    ).fetchone()[0]
    return {
        "node_id": node.id,
        "on": row is not None,
        "set_by": str(row["set_by"]) if row is not None else None,
        "set_at": from_db(row["set_at"]).isoformat() if row is not None else None,
        "pending": int(pending),
    }


def get_setting(ctx: ServerContext, who: Principal, node_id: int) -> dict[str, Any]:
    """A node's review setting (viewers of the node)."""
    with ctx.db.connect() as conn, db.read_transaction(conn):
        node = check_node_id(conn, who, node_id, Action.VIEW)
        return review_view(conn, node)


def set_setting(ctx: ServerContext, who: Principal, node_id: int, on: bool) -> dict[str, Any]:
    """Turn "items from below need approval" on or off for a node (administrators of the node
    or above). Items already held stay held until reviewed."""
    now = ctx.clock()
    with ctx.db.connect() as conn, db.write_transaction(conn):
        node = check_node_id(conn, who, node_id, Action.ADMINISTER)
        changed = store.set_review(conn, node.id, on, who.name, now)
        if changed:
            action = "review_on" if on else "review_off"
            record(conn, who, action, node.id, at=now, target=node.name)
        view = review_view(conn, node)
    if changed:
        log.info("review of node %d turned %s by %s", node.id, "on" if on else "off", who.name)
    return {**view, "changed": changed}


def reviews(ctx: ServerContext, who: Principal) -> list[dict[str, Any]]:
    """The held items ``who`` may approve or reject, longest waiting first."""
    with ctx.db.connect() as conn, db.read_transaction(conn):
        rows = store.pending_items(conn)
        names = _NodeLabels(conn)
        shown = []
        for row in rows:
            node = tree.get_node(conn, int(row["review_node_id"]))
            if _may_review(who, node) and sees(who, target_node(conn, str(row["target"]))):
                shown.append(pending_view(row, names))
        return shown


def pending_view(row: sqlite3.Row, names: _NodeLabels) -> dict[str, Any]:
    """A held item as a reviewer sees it: what it is, who sent it where, and its content."""
    body = json.loads(row["body"])
    target = str(row["target"])
    return {
        "id": row["id"],
        "kind": row["kind"],
        "title": row["title"],
        "to": target_label(target),
        "to_label": names.target(target),
        "review_node_id": row["review_node_id"],
        "review_node": names.node(int(row["review_node_id"])),
        "submitted_by": row["submitted_by"],
        "submitted_at": from_db(row["submitted_at"]).isoformat(),
        "valid_from": from_db(row["valid_from"]).isoformat() if row["valid_from"] else None,
        "valid_until": from_db(row["valid_until"]).isoformat() if row["valid_until"] else None,
        "last_comment": row["comment"],
        "item": body,
    }


def approve(ctx: ServerContext, who: Principal, item_id: str) -> dict[str, Any]:
    """Approve a held item: it reaches its screens at once (they are told).

    Raises:
        ApiError: 404 ``item_not_found``; 403 ``forbidden``; 409 ``not_pending``.
    """
    now = ctx.clock()
    with ctx.db.connect() as conn, db.write_transaction(conn):
        row, review = _held(conn, who, item_id)
        target = str(row["target"])
        seq = db.add_change(conn, "approve", target, item_id, now)
        store.mark_changed(conn, item_id, seq)
        store.decide(conn, item_id, APPROVED, who.name, "", now)
        text = item_text(str(row["kind"]), str(row["title"]), target)
        detail = f"{text}，提交人 {review.submitted_by}"
        node_id = node_id_of(conn, target)
        record(conn, who, "approve", node_id, at=now, target=item_id, detail=detail)
        listeners = listeners_of(conn, target)
    log.info("%s approved %s (revision %d)", who.name, item_id, seq)
    ctx.notifier.notify_changed(listeners, seq)
    return {"id": item_id, "review": APPROVED, "revision": seq}


def reject(ctx: ServerContext, who: Principal, item_id: str, comment: str) -> dict[str, Any]:
    """Send a held item back to its publisher with ``comment`` (required, ≤ 500 characters).

    Raises:
        ApiError: 422 ``comment_required`` / ``comment_too_long``; 404 ``item_not_found``;
            403 ``forbidden``; 409 ``not_pending``.
    """
    comment = comment.strip()
    if not comment:
        raise ApiError(422, "comment_required", "请写明退回意见，发布人据此修改")
    if len(comment) > COMMENT_CHARS:
        raise ApiError(422, "comment_too_long", f"退回意见太长（最多 {COMMENT_CHARS} 个字）")
    now = ctx.clock()
    with ctx.db.connect() as conn, db.write_transaction(conn):
        row, _ = _held(conn, who, item_id)
        store.decide(conn, item_id, REJECTED, who.name, comment, now)
        node_id = node_id_of(conn, str(row["target"]))
        record(conn, who, "reject", node_id, at=now, target=item_id, detail=comment)
    log.info("%s rejected %s", who.name, item_id)
    return {"id": item_id, "review": REJECTED, "comment": comment}


def resubmit(
    ctx: ServerContext, who: Principal, item_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Resubmit a held or rejected item with ``changes`` (any of the item's fields, and
    ``to``): it waits for review again (or goes out at once when its new target needs none).

    Raises:
        ApiError: 404 ``item_not_found``; 403 ``forbidden``; 409 ``not_resubmittable``;
            422 as for publishing (``invalid_item``, ``unknown_field``, ``bad_target``...)
            and ``meeting_not_editable``.
    """
    not_found = item_not_found(item_id)
    if not is_valid_id(item_id):
        raise not_found
    now = ctx.clock()
    with ctx.db.connect() as conn:
        with db.read_transaction(conn):
            row = db.get_item(conn, item_id)
            if row is None:
                raise not_found
            check_thing(conn, who, str(row["target"]), Action.PUBLISH, not_found)
            _check_resubmittable(row, store.get_review(conn, item_id))
        payload = _payload(row, changes)
        if payload.get("kind") == "video":
            payload = complete_video_payload(conn, payload)
        draft = build_item(payload, item_id, lambda sha: asset_ref(conn, sha), now)
        with db.write_transaction(conn):
            again = db.get_item(conn, item_id)
            if again is None or again["changed_seq"] != row["changed_seq"]:
                raise ApiError(409, "changed_meanwhile", "该内容刚被他人修改或处理，请刷新后再试")
            _check_resubmittable(again, store.get_review(conn, item_id))
            check_target(conn, who, draft.target, Action.PUBLISH)
            check_target_node(conn, draft.target)
            held = gate(conn, who, draft.target, draft.item)
            seq = db.add_change(conn, "resubmit", draft.target, item_id, now)
            store.rewrite_item(conn, stored_item(draft), seq)
            if held.node is not None:
                store.hold(conn, item_id, held.node.id, who.name, now)
            else:
                store.release(conn, item_id)
                record_publication(conn, who, draft, held, now)
            node_id = node_id_of(conn, draft.target)
            record(conn, who, "resubmit", node_id, at=now, target=item_id, detail=_keys(changes))
            listeners = [] if held.holds else listeners_of(conn, draft.target)
    if listeners:
        ctx.notifier.notify_changed(listeners, seq)
    log.info("%s resubmitted %s (%s)", who.name, item_id, "held" if held.holds else "released")
    status = PENDING if held.holds else APPROVED
    return {"id": item_id, "review": status, "revision": seq}


def _held(conn: sqlite3.Connection, who: Principal, item_id: str) -> tuple[sqlite3.Row, Review]:
    """The item and its review, if it is held and ``who`` may review it."""
    not_found = item_not_found(item_id)
    if not is_valid_id(item_id):
        raise not_found
    row = db.get_item(conn, item_id)
    if row is None:
        raise not_found
    check_thing(conn, who, str(row["target"]), Action.VIEW, not_found)
    review = store.get_review(conn, item_id)
    if review is None or review.status != PENDING or row["withdrawn_at"] is not None:
        raise ApiError(409, "not_pending", "该内容不在待审核状态（可能已被他人审核、退回或撤下）")
    check_node(who, tree.get_node(conn, review.node_id), Action.REVIEW, forbidden(Action.REVIEW))
    return row, review


def _check_resubmittable(row: sqlite3.Row, review: Review | None) -> None:
    if row["withdrawn_at"] is not None:
        raise ApiError(409, "not_resubmittable", "该内容已撤下，不能重新提交：请重新发布")
    if review is None or review.status == APPROVED:
        raise ApiError(
            409,
            "not_resubmittable",
            "该内容已通过审核（或无需审核），不能重新提交：如需修改，请撤下后重新发布",
        )


def _payload(row: sqlite3.Row, changes: dict[str, Any]) -> dict[str, Any]:
    """The stored item with ``changes`` applied, as a publishing payload."""
    fixed = sorted(FIXED_FIELDS & changes.keys())
    if fixed:
        raise ApiError(422, "unknown_field", f"不能修改字段：{'、'.join(fixed)}")
    body = json.loads(row["body"])
    if body.get("kind") == Meeting.model_fields["kind"].default and changes:
        raise ApiError(
            422,
            "meeting_not_editable",
            "会议签到不能在此修改：请撤下后重新发布会议（签到二维码随会议一起生成）",
        )
    payload = {key: value for key, value in body.items() if key != "id"}
    payload.update(changes)
    payload.setdefault("to", target_label(str(row["target"])))
    return payload


def _keys(changes: dict[str, Any]) -> str:
    return "修改：" + "、".join(sorted(changes)) if changes else "未修改内容"


def _may_review(who: Principal, node: Node | None) -> bool:
    return node is not None and who.may(Action.REVIEW, node)


class _NodeLabels:
    """Readable names of nodes and targets, each looked up once."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._nodes: dict[int, str] = {}

    def node(self, node_id: int) -> str:
        if node_id not in self._nodes:
            node = tree.get_node(self._conn, node_id)
            self._nodes[node_id] = node.name if node is not None else f"组织 {node_id}"
        return self._nodes[node_id]

    def target(self, target: str) -> str:
        if target.startswith("screen:"):
            return f"屏幕 {target.removeprefix('screen:')}"
        node_id = tree.target_node_id(target)
        return self.node(node_id) if node_id is not None else target
