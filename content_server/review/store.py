"""Queries of the review tables (``content_server.review.schema``) and the item updates that
review makes (an approval makes the item a change screens see; a resubmission rewrites it)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from content_server import db
from content_server.timefmt import from_db, to_db

PENDING = "pending"
REJECTED = "rejected"
APPROVED = "approved"


@dataclass(frozen=True)
class Review:
    """An item's review state."""

    item_id: str
    status: str
    node_id: int
    submitted_by: str
    submitted_at: datetime
    reviewed_by: str
    reviewed_at: datetime | None
    comment: str


def reviewing(conn: sqlite3.Connection, node_ids: Iterable[int]) -> set[int]:
    """The nodes among ``node_ids`` whose items from below need approval."""
    ids = list(node_ids)
    if not ids:
        return set()
    marks = ", ".join("?" * len(ids))
    rows = conn.execute(f"SELECT node_id FROM review_nodes WHERE node_id IN ({marks})", ids)
    return {int(row[0]) for row in rows.fetchall()}


def review_setting(conn: sqlite3.Connection, node_id: int) -> sqlite3.Row | None:
    """The node's review row (``set_by``, ``set_at``), or None when review is off."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT node_id, set_by, set_at FROM review_nodes WHERE node_id = ?", (node_id,)
    ).fetchone()
    return row


def set_review(conn: sqlite3.Connection, node_id: int, on: bool, who: str, at: datetime) -> bool:
    """Turn the node's review on or off; True if that changed anything."""
    if on:
        cursor = conn.execute(
            "INSERT INTO review_nodes (node_id, set_by, set_at) VALUES (?, ?, ?) "
            "ON CONFLICT (node_id) DO NOTHING",
            (node_id, who, to_db(at)),
        )
    else:
        cursor = conn.execute("DELETE FROM review_nodes WHERE node_id = ?", (node_id,))
    return cursor.rowcount > 0


def get_review(conn: sqlite3.Connection, item_id: str) -> Review | None:
    """The item's review state, or None for an item that needed no review."""
    row = conn.execute("SELECT * FROM item_review WHERE item_id = ?", (item_id,)).fetchone()
    return _review(row) if row is not None else None


def hold(
    conn: sqlite3.Connection, item_id: str, node_id: int, submitted_by: str, at: datetime
) -> None:
    """Put the item up for review by ``node_id`` (a new submission or a resubmission)."""
    conn.execute(
        "INSERT INTO item_review (item_id, status, node_id, submitted_by, submitted_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (item_id) DO UPDATE SET status = excluded.status, "
        "node_id = excluded.node_id, submitted_by = excluded.submitted_by, "
        "submitted_at = excluded.submitted_at",
        (item_id, PENDING, node_id, submitted_by, to_db(at)),
    )


def decide(
    conn: sqlite3.Connection, item_id: str, status: str, reviewer: str, comment: str, at: datetime
) -> None:
    """Record a reviewer's decision (``approved`` or ``rejected``) on a held item."""
    conn.execute(
        "UPDATE item_review SET status = ?, reviewed_by = ?, reviewed_at = ?, comment = ? "
        "WHERE item_id = ?",
        (status, reviewer, to_db(at), comment, item_id),
    )


def release(conn: sqlite3.Connection, item_id: str) -> None:
    """A resubmitted item that needs no review any more: approved as it stands."""
    conn.execute("UPDATE item_review SET status = ? WHERE item_id = ?", (APPROVED, item_id))


def mark_changed(conn: sqlite3.Connection, item_id: str, seq: int) -> None:
    """The item became visible to its screens with change ``seq`` (its approval)."""
    conn.execute("UPDATE items SET changed_seq = ? WHERE id = ?", (seq, item_id))


def rewrite_item(conn: sqlite3.Connection, item: db.NewItem, seq: int) -> None:
    """Replace a held item's content and target with its resubmitted version."""
    conn.execute(
        "UPDATE items SET kind = ?, target = ?, title = ?, priority = ?, valid_from = ?, "
        "valid_until = ?, body = ?, changed_seq = ? WHERE id = ?",
        (
            item.kind,
            item.target,
            item.title,
            item.priority,
            to_db(item.valid_from) if item.valid_from else None,
            to_db(item.valid_until) if item.valid_until else None,
            item.body,
            seq,
            item.id,
        ),
    )


def listed_item(conn: sqlite3.Connection, item_id: str) -> sqlite3.Row:
    """One item with the columns of ``db.list_items`` (it must exist)."""
    row: sqlite3.Row = conn.execute(
        "SELECT items.id, kind, target, title, priority, valid_from, valid_until, created_at, "
        "changed_seq, withdrawn_at, r.status AS review_status, r.comment AS review_comment "
        "FROM items LEFT JOIN item_review r ON r.item_id = items.id WHERE items.id = ?",
        (item_id,),
    ).fetchone()
    return row


def pending_items(conn: sqlite3.Connection, limit: int = 500) -> list[sqlite3.Row]:
    """Items waiting for review that are not withdrawn, longest waiting first: the item's
    columns plus the review's (``review_node_id``, ``submitted_by``, ``submitted_at``,
    ``comment``)."""
    return conn.execute(
        "SELECT items.*, r.node_id AS review_node_id, r.submitted_by, r.submitted_at, "
        "r.comment FROM item_review r JOIN items ON items.id = r.item_id "
        "WHERE r.status = ? AND items.withdrawn_at IS NULL ORDER BY r.submitted_at LIMIT ?",
        (PENDING, limit),
    ).fetchall()


def _review(row: sqlite3.Row) -> Review:
    return Review(
        item_id=str(row["item_id"]),
        status=str(row["status"]),
        node_id=int(row["node_id"]),
        submitted_by=str(row["submitted_by"]),
        submitted_at=from_db(row["submitted_at"]),
        reviewed_by=str(row["reviewed_by"]),
        reviewed_at=from_db(row["reviewed_at"]) if row["reviewed_at"] else None,
        comment=str(row["comment"]),
    )
