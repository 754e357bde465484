"""The audit entries of publishing: a publication, a submission for review, or an urgent
notice that went out past review (flag ``bypassed_review``)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from content_server.audit.log import KIND_LABELS, record
from content_server.items import ItemDraft
from content_server.org.tree import ROOT_ID
from content_server.review.policy import Gate
from content_server.scope import Principal, target_node


def node_id_of(conn: sqlite3.Connection, target: str) -> int:
    """The node a stored target concerns (a screen's: its node; a node that is gone: root)."""
    node = target_node(conn, target)
    return node.id if node is not None else ROOT_ID


def item_text(kind: str, title: str, target: str) -> str:
    """``通知「周五学习」`` (and the screen, for an item sent to one screen)."""
    text = f"{KIND_LABELS.get(kind, kind)}「{title}」"
    if target.startswith("screen:"):
        text += f"，发往屏幕 {target.removeprefix('screen:')}"
    return text


def record_publication(
    conn: sqlite3.Connection, who: Principal, draft: ItemDraft, held: Gate, at: datetime
) -> None:
    """Record publishing ``draft`` (in its transaction)."""
    item = draft.item
    action = "submit" if held.holds else "publish"
    flag = "bypassed_review" if held.bypassed else ""
    detail = item_text(item.kind, item.title or _first_line(item), draft.target)
    node_id = node_id_of(conn, draft.target)
    record(conn, who, action, node_id, at=at, target=item.id, detail=detail, flag=flag)


def _first_line(item: object) -> str:
    text = str(getattr(item, "text", "") or "")
    return text.strip().splitlines()[0][:40] if text.strip() else ""
