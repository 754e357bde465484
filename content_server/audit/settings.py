"""The audit entry of a change to a level of screen settings (``routes/screens.py``): an
emergency stop or resume is recorded as such (flag ``emergency``), any other change as
``settings`` naming the fields."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from content_server.audit.log import record
from content_server.org import tree
from content_server.org.tree import ROOT_ID, ROOT_TARGET
from content_server.scope import Principal

STOP_FIELD = "emergency_stop"


def level_node_id(conn: sqlite3.Connection, level: str) -> int:
    """The node a settings level concerns: the root for ``all``, the node of ``node:<id>``,
    a screen's node for a screen id."""
    if level == ROOT_TARGET:
        return ROOT_ID
    node_id = tree.target_node_id(level)
    if node_id is not None:
        return node_id
    return tree.placement(conn, level).node.id


def level_label(level: str) -> str:
    """A settings level as an entry's target: 全部屏幕 (all), 本组织全部屏幕 (a node's level;
    the entry's node says which), 屏幕 <id>."""
    if level == ROOT_TARGET:
        return "全部屏幕"
    if tree.target_node_id(level) is not None:
        return "本组织全部屏幕"
    return f"屏幕 {level}"


def record_settings(
    conn: sqlite3.Connection,
    who: Principal,
    level: str,
    before: dict[str, Any],
    after: dict[str, Any],
    at: datetime,
) -> None:
    """Record a change of ``level``'s own settings from ``before`` to ``after`` (call it only
    when they differ, in the change's transaction)."""
    node_id = level_node_id(conn, level)
    target = level_label(level)
    stop_before, stop_after = bool(before.get(STOP_FIELD)), bool(after.get(STOP_FIELD))
    if stop_before != stop_after:
        action = "emergency_stop" if stop_after else "emergency_resume"
        record(conn, who, action, node_id, at=at, target=target, flag="emergency")
    fields = sorted(
        name
        for name in before.keys() | after.keys()
        if name != STOP_FIELD and before.get(name) != after.get(name)
    )
    if fields:
        record(conn, who, "settings", node_id, at=at, target=target, detail="、".join(fields))
