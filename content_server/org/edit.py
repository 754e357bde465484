"""Changes to the organisation tree, each checked and recorded as one change (``changes``).

Every function runs in one write transaction, so its checks and its change see the same tree
(SQLite serialises writers; so would ``SELECT ... FOR UPDATE`` on PostgreSQL), and tells the
notifier after the commit. What changes a screen's manifest (a move, an assignment) takes a
new revision for exactly the screens whose ancestry changed; a new node, a rename or a removal
changes no manifest (names are not in manifests) and is recorded for the audit trail only.
"""

from __future__ import annotations

import logging
import sqlite3
import unicodedata
from dataclasses import dataclass

from content_server import db
from content_server.audit.log import record
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.items import check_screen_id
from content_server.org import tree
from content_server.org.tree import KINDS, NAME_CHARS, ROOT_ID, Node
from content_server.scope import SUPERUSER, Principal
from content_server.timefmt import to_db

log = logging.getLogger("content_server")

SHOWN = 3  # names listed in a refusal before "等"
LEVELS_TEXT = "党委、党工委 → 院系党组织 → 党总支 → 党支部 → 党小组"


@dataclass(frozen=True)
class Edited:
    """The outcome of a change: the node as it is now, and the change's number (None when
    nothing changed)."""

    node: Node
    revision: int | None


def add_node(
    ctx: ServerContext, parent_id: int, kind: str, name: str, *, who: Principal = SUPERUSER
) -> Edited:
    """Make a node ``kind``/``name`` under ``parent_id`` (``who`` is recorded in the audit log).

    Raises:
        ApiError: 404 ``node_not_found`` (parent), 422 ``bad_kind``/``bad_name``, 409
            ``name_taken`` or ``kind_not_allowed``.
    """
    kind, name = check_kind(kind), check_name(name)
    now = ctx.clock()
    with ctx.db.connect() as conn, db.write_transaction(conn):
        parent = require_node(conn, parent_id)
        _check_nesting(parent, kind)
        _check_name_free(conn, parent, name)
        node = tree.insert_node(conn, parent, kind, name, to_db(now))
        seq = db.add_change(conn, "org_add", node.target, f"{kind} {name}", now)
        record(
            conn, who, "org_add", node.id, at=now, target=name, detail=f"{kind}，上级 {parent.name}"
        )
    log.info(
        "organisation %d %s %s added under %d (change %d)", node.id, kind, name, parent.id, seq
    )
    return Edited(node, seq)


def change_node(
    ctx: ServerContext,
    node_id: int,
    *,
    name: str | None = None,
    kind: str | None = None,
    parent_id: int | None = None,
    who: Principal = SUPERUSER,
) -> Edited:
    """Rename a node, change its kind and/or move it (with its subtree) under ``parent_id``
    (``who`` is recorded in the audit log).

    A move gives every screen of the subtree a new revision (its ancestry, and so its
    manifest, changed) and tells them. Setting what is set already is no change.

    Raises:
        ApiError: 404 ``node_not_found``, 422 ``bad_kind``/``bad_name``, 409 ``root_node``
            (moving the root), ``move_into_own_subtree``, ``name_taken`` or
            ``kind_not_allowed``.
    """
    name = check_name(name) if name is not None else None
    kind = check_kind(kind) if kind is not None else None
    now = ctx.clock()
    listeners: list[str] = []
    with ctx.db.connect() as conn, db.write_transaction(conn):
        node = require_node(conn, node_id)
        new_name, new_kind = name or node.name, kind or node.kind
        parent = _new_parent(conn, node, parent_id)
        if (new_name, new_kind, parent.id if parent else None) == (
            node.name,
            node.kind,
            node.parent_id,
        ):
            return Edited(node, None)
        if parent is not None:
            _check_nesting(parent, new_kind)
            if new_name != node.name or parent.id != node.parent_id:
                _check_name_free(conn, parent, new_name)
        for child in tree.children(conn, node.id):
            if not tree.kind_allowed(new_kind, child.kind):
                raise ApiError(
                    409,
                    "kind_not_allowed",
                    f"「{node.name}」下有{child.kind}「{child.name}」，不能改为{new_kind}"
                    f"（层级：{LEVELS_TEXT}）",
                )
        moved = parent is not None and parent.id != node.parent_id
        action = "org_move" if moved else "org_rename"
        seq = db.add_change(conn, action, node.target, f"{new_kind} {new_name}", now)
        record(
            conn,
            who,
            action,
            node.id,
            at=now,
            target=node.name,
            detail=_change_text(node, new_kind, new_name, parent),
        )
        tree.update_node(conn, node.id, new_kind, new_name)
        if moved:
            assert parent is not None
            tree.move_subtree(conn, node, parent, seq)
            listeners = tree.listeners_of(conn, node.target)
        edited = tree.get_node(conn, node.id)
        assert edited is not None
    if moved:
        log.info("organisation %d moved under %d (revision %d)", node.id, edited.parent_id, seq)
        ctx.notifier.notify_changed(listeners, seq)
    else:
        log.info("organisation %d is now %s %s (change %d)", node.id, new_kind, new_name, seq)
    return Edited(edited, seq)


def remove_node(ctx: ServerContext, node_id: int, *, who: Principal = SUPERUSER) -> int:
    """Remove a node that holds nothing; returns the change's number (``who`` is recorded in
    the audit log).

    Raises:
        ApiError: 404 ``node_not_found``, 409 ``root_node`` or ``node_not_empty`` (one line
            saying what is still there: child nodes, screens, roster members, live content).
    """
    now = ctx.clock()
    with ctx.db.connect() as conn, db.write_transaction(conn):
        node = require_node(conn, node_id)
        if node.id == ROOT_ID:
            raise ApiError(409, "root_node", f"「{node.name}」是最上级组织，不能删除")
        still = what_is_in(conn, node, to_db(now))
        if still:
            raise ApiError(
                409,
                "node_not_empty",
                f"不能删除「{node.name}」：还有{'、'.join(still)}；请先移走或撤回",
            )
        seq = db.add_change(conn, "org_remove", node.target, f"{node.kind} {node.name}", now)
        record(conn, who, "org_remove", node.id, at=now, target=node.name, detail=node.kind)
        tree.delete_node(conn, node)
    log.info("organisation %d %s removed (change %d)", node.id, node.name, seq)
    return seq


def assign_screen(
    ctx: ServerContext, screen_id: str, node_id: int, *, who: Principal = SUPERUSER
) -> tuple[Node, int | None]:
    """Make a screen belong to a node; returns the node and the change's number (None if the
    screen was there already). The screen's revision changes and it is told; ``who`` is
    recorded in the audit log.

    Raises:
        ApiError: 400 ``bad_screen_id``/``reserved_screen_id``, 404 ``node_not_found``.
    """
    check_screen_id(screen_id)
    now = ctx.clock()
    target = f"screen:{screen_id}"
    with ctx.db.connect() as conn, db.write_transaction(conn):
        node = require_node(conn, node_id)
        if tree.placement(conn, screen_id).node.id == node.id:
            return node, None
        seq = db.add_change(conn, "screen_assign", target, node.target, now)
        record(conn, who, "screen_assign", node.id, at=now, target=screen_id, detail=node.name)
        tree.assign_screen(conn, screen_id, node, seq)
    log.info("screen %s now belongs to organisation %d (revision %d)", screen_id, node.id, seq)
    ctx.notifier.notify_changed([target], seq)
    return node, seq


def _change_text(node: Node, kind: str, name: str, parent: Node | None) -> str:
    """``第一党支部 → 一支部；党支部 → 党总支；移到 机关党委 之下`` (what changed)."""
    parts = [f"{node.name} → {name}"] if name != node.name else []
    parts += [f"{node.kind} → {kind}"] if kind != node.kind else []
    if parent is not None and parent.id != node.parent_id:
        parts.append(f"移到 {parent.name} 之下")
    return "；".join(parts)


def what_is_in(conn: sqlite3.Connection, node: Node, now_db: str) -> list[str]:
    """What keeps a node from being removed, one phrase each (empty: nothing); its roster's
    members count (a roster belongs to its node, ``members.node_id``)."""
    found = []
    kids = tree.children(conn, node.id)
    if kids:
        found.append(f"下级组织 {len(kids)} 个（{_some([k.name for k in kids])}）")
    screens = [
        str(row[0])
        for row in conn.execute(
            "SELECT id FROM screens WHERE node_id = ? ORDER BY id", (node.id,)
        ).fetchall()
    ]
    if screens:
        found.append(f"屏幕 {len(screens)} 块（{_some(screens)}）")
    people = [
        str(row[0])
        for row in conn.execute(
            "SELECT DISTINCT a.name FROM accounts a LEFT JOIN role_grants g "
            "ON g.account_id = a.id AND g.node_id = ? "
            "WHERE a.home_node_id = ? OR g.node_id IS NOT NULL ORDER BY a.name",
            (node.id, node.id),
        ).fetchall()
    ]
    if people:
        found.append(f"账号或角色 {len(people)} 个（{_some(people)}）")
    members = conn.execute("SELECT COUNT(*) FROM members WHERE node_id = ?", (node.id,))
    count = int(members.fetchone()[0])
    if count:
        found.append(f"名单中的党员 {count} 名")
    titles = [
        str(row[0])
        for row in conn.execute(
            "SELECT title FROM items WHERE target = ? AND withdrawn_at IS NULL "
            "AND (valid_until IS NULL OR valid_until > ?) ORDER BY created_seq",
            (node.target, now_db),
        ).fetchall()
    ]
    if titles:
        found.append(f"正在发布的内容 {len(titles)} 条（{_some([f'「{t}」' for t in titles])}）")
    return found


def require_node(conn: sqlite3.Connection, node_id: int) -> Node:
    """The node, or 404 ``node_not_found``."""
    node = tree.get_node(conn, node_id)
    if node is None:
        raise ApiError(404, "node_not_found", f"找不到编号为 {node_id} 的组织")
    return node


def check_target_node(conn: sqlite3.Connection, target: str) -> None:
    """For a ``node:<id>`` target: the node must exist (422 ``unknown_node``)."""
    node_id = tree.target_node_id(target)
    if node_id is not None and tree.get_node(conn, node_id) is None:
        raise ApiError(
            422,
            "unknown_node",
            f"找不到编号为 {node_id} 的组织（kiosk admin org list 查看组织及编号）",
        )


def check_kind(kind: str) -> str:
    """``kind`` if it is one of ``KINDS``, else 422 ``bad_kind``."""
    if kind not in KINDS:
        raise ApiError(422, "bad_kind", f"组织类型应为 {'、'.join(KINDS)} 之一：{kind[:20]!r}")
    return kind


def check_name(name: str) -> str:
    """The name trimmed, if it is 1 to ``NAME_CHARS`` printable characters; else 422
    ``bad_name``."""
    name = name.strip()
    if not name:
        raise ApiError(422, "bad_name", "组织名称不能为空")
    if len(name) > NAME_CHARS:
        raise ApiError(422, "bad_name", f"组织名称太长（最多 {NAME_CHARS} 个字）")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ApiError(422, "bad_name", "组织名称不能含换行或控制字符")
    return name


def _new_parent(conn: sqlite3.Connection, node: Node, parent_id: int | None) -> Node | None:
    """The parent the node will have: None for the root, which stays where it is."""
    if parent_id is None:
        return tree.get_node(conn, node.parent_id) if node.parent_id is not None else None
    if node.id == ROOT_ID:
        raise ApiError(409, "root_node", f"「{node.name}」是最上级组织，不能移动")
    parent = require_node(conn, parent_id)
    if parent.within(node):
        where = "它自己" if parent.id == node.id else f"它自己的下级「{parent.name}」"
        raise ApiError(409, "move_into_own_subtree", f"不能把「{node.name}」移到{where}之下")
    return parent


def _check_nesting(parent: Node, kind: str) -> None:
    if not tree.kind_allowed(parent.kind, kind):
        raise ApiError(
            409,
            "kind_not_allowed",
            f"{parent.kind}「{parent.name}」下不能设立{kind}（层级：{LEVELS_TEXT}）",
        )


def _check_name_free(conn: sqlite3.Connection, parent: Node, name: str) -> None:
    same = tree.child_named(conn, parent.id, name)
    if same is not None:
        raise ApiError(
            409,
            "name_taken",
            f"「{parent.name}」下已有名为「{name}」的组织（编号 {same.id}）",
        )


def _some(names: list[str]) -> str:
    shown = "、".join(names[:SHOWN])
    return shown + (" 等" if len(names) > SHOWN else "")
