"""Where a person may publish: the target picker's tree, and what a target reaches.

The picker offers the node the person acts for, every node below it and the single screens
below it, as an indented tree with screen counts, limited to the nodes the person may PUBLISH
to (``content_server.scope``). It only offers: the value a form sends back (``node:<id>`` or a
screen id) is checked again by ``publish()`` like any API call, so a hand-edited value is
refused there.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from content_server import db
from content_server.console.web import Acting
from content_server.context import ServerContext
from content_server.org import tree
from content_server.org.tree import ROOT_TARGET, Node
from content_server.scope import Action, Principal, target_node

# Beyond this many screens in the subtree the picker lists nodes only (a county's thousands of
# screens are not a list to scroll on a phone; a single screen is then reached from its branch).
MAX_LISTED_SCREENS = 200


@dataclass(frozen=True)
class TargetChoice:
    """One line of the picker.

    Attributes:
        value: what the form sends: ``node:<id>`` or a screen id.
        name: the node's name, or the screen's id.
        depth: indentation below the acting node (0 for the acting node itself).
        screens: screens it reaches (a node: its whole subtree; a screen: 1).
        is_screen: a single screen rather than a node.
    """

    value: str
    name: str
    depth: int
    screens: int
    is_screen: bool = False

    @property
    def label(self) -> str:
        """``第一党支部（2 块屏幕）`` or ``屏幕 lobby-1``."""
        if self.is_screen:
            return f"屏幕 {self.name}"
        return (
            f"{self.name}（{self.screens} 块屏幕）" if self.screens else f"{self.name}（暂无屏幕）"
        )


def publish_targets(
    ctx: ServerContext, who: Principal, acting: Acting | None
) -> list[TargetChoice]:
    """The picker's lines for ``who`` acting for ``acting``: its node and subtree, parents
    before children and each node's own screens right under it; empty when the person may
    not publish there."""
    if acting is None:
        return []
    with ctx.db.connect() as conn, db.read_transaction(conn):
        nodes = [node for node in tree.subtree(conn, acting.node) if who.may(Action.PUBLISH, node)]
        if not nodes:
            return []
        screens = _screens_by_node(conn, acting.node)
    totals = _subtree_totals(nodes, screens)
    listed = sum(len(ids) for ids in screens.values()) <= MAX_LISTED_SCREENS
    top = acting.node.depth
    choices: list[TargetChoice] = []
    for node in nodes:
        depth = node.depth - top
        choices.append(TargetChoice(f"node:{node.id}", node.name, depth, totals[node.id]))
        if listed:
            for screen_id in screens.get(node.id, []):
                choices.append(TargetChoice(screen_id, screen_id, depth + 1, 1, is_screen=True))
    return choices


@dataclass(frozen=True)
class TargetSummary:
    """What a stored target reaches, for the confirmation page."""

    label: str  # 第一党支部 / 屏幕 lobby-1
    screens: int


def describe_target(conn: sqlite3.Connection, target: str) -> TargetSummary:
    """The name and screen count of a stored target (``all``, ``node:<id>``, ``screen:<id>``)."""
    if target.startswith("screen:"):
        return TargetSummary(f"屏幕 {target.removeprefix('screen:')}", 1)
    node = target_node(conn, target)
    if node is None:
        return TargetSummary("（已删除的组织）", 0)
    label = node.name if target != ROOT_TARGET else f"{node.name}（全部屏幕）"
    return TargetSummary(label, len(tree.subtree_screens(conn, node)))


def _screens_by_node(conn: sqlite3.Connection, top: Node) -> dict[int, list[str]]:
    """node id -> the ids of its own screens, for every node of ``top``'s subtree."""
    rows = conn.execute(
        "SELECT s.id, s.node_id FROM screens s JOIN org_nodes n ON n.id = s.node_id "
        "WHERE n.path >= ? AND n.path < ? ORDER BY s.id",
        (top.path, top.path[:-1] + "0"),
    ).fetchall()
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(int(row[1]), []).append(str(row[0]))
    return found


def _subtree_totals(nodes: list[Node], screens: dict[int, list[str]]) -> dict[int, int]:
    """node id -> screens in its subtree (the nodes come parents first)."""
    totals = {node.id: len(screens.get(node.id, [])) for node in nodes}
    for node in reversed(nodes):
        if node.parent_id in totals:
            totals[node.parent_id] += totals[node.id]
    return totals
