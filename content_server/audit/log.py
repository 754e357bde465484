"""Recording to the audit log and reading it back.

:func:`record` is called *inside* the write transaction of the change it records (so a change
and its record are committed together or not at all) with who did it, what, to which node, and
from which address. Nothing in the code updates or deletes a row (a test greps for it), and the
table's triggers refuse it (``content_server.audit.schema``).

Reading (:func:`entries`) is for administrators: an entry is shown to an administrator of the
node it concerns or of any node above it, by the node's place when it was recorded.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request

from content_server.org import tree
from content_server.org.tree import ROOT_ID, Node
from content_server.scope import Action, Principal, path_filter
from content_server.timefmt import CHINA_TZ, from_db, to_db

# action -> its label in the console and the CSV file.
ACTIONS: dict[str, str] = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "publish": "发布",
    "submit": "提交审核",
    "withdraw": "撤下",
    "approve": "审核通过",
    "reject": "退回",
    "resubmit": "重新提交",
    "review_on": "开启审核",
    "review_off": "关闭审核",
    "emergency_stop": "紧急停播",
    "emergency_resume": "恢复播出",
    "settings": "修改屏幕设置",
    "screen_enroll": "登记屏幕",
    "screen_revoke": "撤销屏幕",
    "screen_assign": "调整屏幕归属",
    "account_create": "新建账号",
    "password_set": "重设密码",
    "password_change": "修改本人密码",
    "grant": "授予角色",
    "grant_revoke": "收回角色",
    "token_create": "新建 API 令牌",
    "token_revoke": "撤销 API 令牌",
    "org_add": "新建组织",
    "org_rename": "修改组织",
    "org_move": "移动组织",
    "org_remove": "删除组织",
}
FLAGS: dict[str, str] = {
    "bypassed_review": "紧急插播，未经审核",
    "emergency": "紧急操作",
}
# item kind -> its name in entries' details.
KIND_LABELS: dict[str, str] = {
    "poster": "海报",
    "video": "视频课程",
    "honor_roll": "光荣榜",
    "notice": "通知",
    "meeting": "会议签到",
}
SUPERUSER_LABEL = "超级管理员（管理员令牌）"
DETAIL_CHARS = 500
MAX_LIMIT = 50_000


@dataclass(frozen=True)
class Query:
    """Which entries to read.

    Attributes:
        node: only entries about this node's subtree (None: every subtree the caller
            administers).
        since: entries at or after this instant.
        until: entries before this instant.
        action: only this action.
        before_id: only entries older than this one (for paging; newest first).
        limit: at most this many.
    """

    node: Node | None = None
    since: datetime | None = None
    until: datetime | None = None
    action: str | None = None
    before_id: int | None = None
    limit: int = 500


def client_address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy, uvicorn's
    ``forwarded_allow_ips`` makes it the original client's)."""
    return request.client.host if request.client else "-"


def home_node_id(conn: sqlite3.Connection, who: Principal) -> int | None:
    """The node a person's account was made under (None for the superuser: the root)."""
    if who.account_id is None:
        return None
    row = conn.execute("SELECT home_node_id FROM accounts WHERE id = ?", (who.account_id,))
    found = row.fetchone()
    return int(found[0]) if found else None


def record(
    conn: sqlite3.Connection,
    who: Principal | str,
    action: str,
    node_id: int | None,
    *,
    at: datetime,
    target: str = "",
    detail: str = "",
    address: str | None = None,
    flag: str = "",
) -> None:
    """Append an entry; call it inside the write transaction of the change it records.

    Args:
        conn: the connection, in the change's write transaction.
        who: the caller (its name, account and address are recorded), or a name (a failed
            login's typed name).
        action: one of :data:`ACTIONS`.
        node_id: the node the action concerns (the root when None or gone).
        at: when.
        target: what was acted on (an item id, an account's name, a screen id...).
        detail: a short description (cut to 500 characters).
        address: the client address; by default the caller's.
        flag: one of :data:`FLAGS`, or empty.
    """
    assert action in ACTIONS, action
    assert not flag or flag in FLAGS, flag
    node = tree.get_node(conn, node_id) if node_id is not None else None
    if node is None:
        node = tree.get_node(conn, ROOT_ID)
        node_id = node_id if node_id is not None else ROOT_ID
    name, account_id = (who.name, who.account_id) if isinstance(who, Principal) else (who, None)
    if address is None:
        address = who.address if isinstance(who, Principal) else "-"
    conn.execute(
        "INSERT INTO audit_log (at, who, account_id, action, node_id, node_path, target, "
        "detail, address, flag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            to_db(at),
            name[:200],
            account_id,
            action,
            node_id,
            node.path if node is not None else f"/{ROOT_ID}/",
            target[:200],
            detail[:DETAIL_CHARS],
            address[:100],
            flag,
        ),
    )


def entries(conn: sqlite3.Connection, who: Principal, query: Query) -> list[dict[str, Any]]:
    """The entries ``who`` may read (about subtrees it administers) that match ``query``,
    newest first, as the API shows them."""
    condition, params = path_filter(who, Action.ADMINISTER, "node_path")
    conditions = [condition]
    if query.node is not None:
        conditions.append("node_path >= ? AND node_path < ?")
        params += [query.node.path, query.node.path[:-1] + "0"]
    if query.since is not None:
        conditions.append("at >= ?")
        params.append(to_db(query.since))
    if query.until is not None:
        conditions.append("at < ?")
        params.append(to_db(query.until))
    if query.action:
        conditions.append("action = ?")
        params.append(query.action)
    if query.before_id is not None:
        conditions.append("id < ?")
        params.append(str(query.before_id))
    limit = max(1, min(query.limit, MAX_LIMIT))
    rows = conn.execute(
        "SELECT id, at, who, account_id, action, node_id, node_path, target, detail, address, "
        f"flag FROM audit_log WHERE {' AND '.join(conditions)} ORDER BY id DESC LIMIT ?",
        (*params, limit),
    ).fetchall()
    names = _NodeNames(conn)
    return [_entry(row, names) for row in rows]


def who_label(name: str, account_id: int | None, action: str) -> str:
    """An entry's account as a person reads it: the superuser is named as such."""
    if account_id is None and name == "superuser" and action != "login_failed":
        return SUPERUSER_LABEL
    return name


def local_time(at: datetime) -> str:
    """``2026-06-01 12:00:05`` in China time."""
    return at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _entry(row: sqlite3.Row, names: _NodeNames) -> dict[str, Any]:
    action = str(row["action"])
    node_id = row["node_id"]
    return {
        "id": row["id"],
        "at": from_db(row["at"]).isoformat(),
        "who": row["who"],
        "who_label": who_label(str(row["who"]), row["account_id"], action),
        "action": action,
        "action_label": ACTIONS.get(action, action),
        "node_id": node_id,
        "node": names.label(int(node_id) if node_id is not None else ROOT_ID),
        "target": row["target"],
        "detail": row["detail"],
        "address": row["address"],
        "flag": row["flag"],
        "flag_label": FLAGS.get(str(row["flag"]), ""),
    }


class _NodeNames:
    """Node path labels (``机关党委/第一党支部``), each looked up once per read."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._cache: dict[int, str] = {}

    def label(self, node_id: int) -> str:
        if node_id not in self._cache:
            self._cache[node_id] = self._lookup(node_id)
        return self._cache[node_id]

    def _lookup(self, node_id: int) -> str:
        node = tree.get_node(self._conn, node_id)
        if node is None:
            return f"（已删除的组织 {node_id}）"
        names = []
        for each in node.ancestry:
            ancestor = tree.get_node(self._conn, each)
            names.append(ancestor.name if ancestor else str(each))
        return "/".join(names)
