"""Which roster a request names, and who may see a meeting: the scope rules of sign-in.

A roster belongs to an organisation node. Requests name it ``node:<id>`` or by the node's name
(``第一党支部``), as ``kiosk publish`` and older clients do. A name is looked up among the nodes
the caller may view, so a name that other branches also use never leaks them: one such node is
the roster's; none answers 404 ``branch_not_found``, exactly as for a branch out of scope; two
or more answer 422 ``ambiguous_branch`` naming them by id. Publishers (and administrators) of
the node or an ancestor import rosters and make meetings for it; viewers read.

A roster kept from before schema version 7 under a branch name no node had
(:mod:`content_server.signin.upgrade`) is named by that name and read by the superuser only.

A meeting may be viewed (with its attendance) by whoever may view its target (the screens it
is shown on) or the node whose roster signs in: a branch's viewer reads the attendance of its
own branch's meeting even when the committee published it to all screens.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from content_server.errors import ApiError
from content_server.org import tree
from content_server.org.tree import Node, is_node_target, target_node_id
from content_server.scope import Action, Principal, check_node, sees, target_node
from content_server.signin.roster import RosterRef, legacy_roster_exists
from content_server.signin.roster import check_branch as branch_problem

SHOWN = 3  # nodes named in an ambiguous_branch refusal


@dataclass(frozen=True)
class Branch:
    """A roster a request named: its key, the name to show, and its node (None: a roster kept
    from before version 7 under its old name)."""

    roster: RosterRef
    name: str
    node: Node | None


def branch_not_found(text: str) -> ApiError:
    """404 for a name or ``node:<id>`` that names no roster the caller may see."""
    return ApiError(
        404,
        "branch_not_found",
        f"找不到支部「{text[:64]}」（或不在您的管理范围内）；名单属于组织树中的组织，"
        "可写组织名称或 node:编号（kiosk admin org list 查看）",
    )


def resolve_branch(
    conn: sqlite3.Connection,
    principal: Principal,
    text: str,
    action: Action,
    *,
    legacy: bool = False,
) -> Branch:
    """The roster ``text`` names (``node:<id>`` or a node's name), checked for ``action``;
    with ``legacy``, a roster kept under an old branch name too (superuser only).

    Raises:
        ApiError: 422 ``bad_branch`` or ``ambiguous_branch``, 404 ``branch_not_found``,
            403 ``forbidden``.
    """
    problem = branch_problem(text)
    if problem:
        raise ApiError(422, "bad_branch", problem)
    missing = branch_not_found(text)
    if is_node_target(text):
        node_id = target_node_id(text)
        node = tree.get_node(conn, node_id) if node_id is not None else None
        node = check_node(principal, node, action, missing)
        return Branch(RosterRef(node.id), node.name, node)
    named = [node for node in _nodes_named(conn, text) if sees(principal, node)]
    if len(named) > 1:
        raise _ambiguous(conn, principal, text, named)
    if named:
        node = check_node(principal, named[0], action, missing)
        return Branch(RosterRef(node.id), node.name, node)
    if legacy and principal.superuser and legacy_roster_exists(conn, text):
        return Branch(RosterRef(None, text), text, None)
    raise missing


def meeting_nodes(conn: sqlite3.Connection, target: str, node_id: int | None) -> list[Node]:
    """The nodes through which a meeting may be seen: its target's and its roster's."""
    nodes = [target_node(conn, target)]
    if node_id is not None:
        nodes.append(tree.get_node(conn, node_id))
    return [node for node in nodes if node is not None]


def sees_meeting(
    conn: sqlite3.Connection, principal: Principal, target: str, node_id: int | None
) -> bool:
    """May the caller view a meeting with this target and roster node?"""
    if principal.superuser:
        return True
    return any(sees(principal, node) for node in meeting_nodes(conn, target, node_id))


def _nodes_named(conn: sqlite3.Connection, name: str) -> list[Node]:
    rows = conn.execute("SELECT id FROM org_nodes WHERE name = ? ORDER BY id", (name,)).fetchall()
    nodes = [tree.get_node(conn, int(row[0])) for row in rows]
    return [node for node in nodes if node is not None]


def _ambiguous(
    conn: sqlite3.Connection, principal: Principal, text: str, nodes: list[Node]
) -> ApiError:
    def path(node: Node) -> str:
        above = [tree.get_node(conn, node_id) for node_id in node.ancestry]
        return "/".join(each.name for each in above if each is not None and sees(principal, each))

    listed = "；".join(f"编号 {node.id}：{path(node)}" for node in nodes[:SHOWN])
    return ApiError(
        422,
        "ambiguous_branch",
        f"名为「{text[:64]}」的组织有 {len(nodes)} 个（{listed}），请用 node:编号 指明",
    )
