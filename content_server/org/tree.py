"""The organisation tree: nodes (党委 → 党总支 → 党支部 → 党小组, any depth) and where screens sit.

Representation: a materialised path. Each node row keeps ``path``, the ids from the root down
to itself (``/1/4/9/``), besides its ``parent_id``. Chosen over the alternatives because the
questions asked most are answered without a query or with one indexed one:

- the ancestors of a node (every manifest build, and later every scope check) are the path
  itself: :func:`path_ids`, no query;
- "is X in the subtree of Y" is a string prefix test on X's path (:meth:`Node.within`);
- the nodes of a subtree are one range scan of the unique index on ``path``
  (``path >= '/1/4/' AND path < '/1/40'``: ids are digits and ``/`` sorts just before ``0``);
- a move rewrites the paths of the moved subtree in one ``UPDATE`` (:func:`move_subtree`).

A closure table answers the same with an extra table of (ancestor, descendant) pairs that a
move must rebuild; a recursive CTE (``WITH RECURSIVE``, SQLite and PostgreSQL both have it)
needs no extra column but walks the tree on every manifest poll. The tree is small (thousands of
nodes) and changes rarely; manifests are read constantly. All SQL here is plain and runs on
PostgreSQL as well (there, declare ``path`` with ``COLLATE "C"`` so the range compares bytes).

Targets: an item or a settings level for a node is stored as ``node:<id>``, except the root,
which keeps the spelling ``all`` that items and settings used before the tree existed (so old
rows, clients and ``to: "all"`` keep working). A screen belongs to one node (the root until
assigned); it gets what targets that node, any of its ancestors, or the screen itself.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

ROOT_ID = 1
ROOT_TARGET = "all"
NODE_PREFIX = "node:"
DEFAULT_ROOT_NAME = "本级党组织"
DEFAULT_ROOT_KIND = "党委"
NAME_CHARS = 200

# The kinds of node, each with its level: a node's children are of a lower level (a larger
# number), except that committees (党委, 党工委) may stand under committees (县委 → 镇党委).
KIND_LEVELS: dict[str, int] = {
    "党委": 0,
    "党工委": 0,
    "院系党组织": 1,
    "党总支": 2,
    "党支部": 3,
    "党小组": 4,
}
KINDS = tuple(KIND_LEVELS)
_NODE_TARGET_RE = re.compile(r"node:([1-9][0-9]{0,17})")


@dataclass(frozen=True)
class Node:
    """One organisation node.

    Attributes:
        id: the node's id (the root's is ``ROOT_ID``).
        parent_id: None for the root.
        kind: one of ``KINDS``.
        name: the display name, unique among its siblings.
        path: ``/<root id>/.../<id>/``.
        placed_seq: the change that last moved it (0: never moved).
    """

    id: int
    parent_id: int | None
    kind: str
    name: str
    path: str
    placed_seq: int

    @property
    def ancestry(self) -> tuple[int, ...]:
        """The ids from the root down to this node, itself included."""
        return path_ids(self.path)

    @property
    def depth(self) -> int:
        """0 for the root."""
        return len(self.ancestry) - 1

    @property
    def target(self) -> str:
        """How items and settings name this node: ``all`` for the root, else ``node:<id>``."""
        return node_target(self.id)

    def within(self, other: Node) -> bool:
        """True if this node is ``other`` or lies in its subtree."""
        return self.path.startswith(other.path)


@dataclass(frozen=True)
class Placement:
    """Where a screen sits: its node's ancestry and the change that put it there."""

    screen_id: str
    node: Node
    node_seq: int

    @property
    def levels(self) -> tuple[str, ...]:
        """The targets of its node and every ancestor, root (``all``) first."""
        return tuple(node_target(node_id) for node_id in self.node.ancestry)

    @property
    def targets(self) -> tuple[str, ...]:
        """Every target whose items reach this screen."""
        return (*self.levels, f"screen:{self.screen_id}")


def path_ids(path: str) -> tuple[int, ...]:
    """``/1/4/9/`` -> ``(1, 4, 9)``."""
    return tuple(int(part) for part in path.strip("/").split("/"))


def node_target(node_id: int) -> str:
    """``all`` for the root, else ``node:<id>``."""
    return ROOT_TARGET if node_id == ROOT_ID else f"{NODE_PREFIX}{node_id}"


def target_node_id(target: str) -> int | None:
    """The node a target names (``all`` is the root), or None for a screen target."""
    if target == ROOT_TARGET:
        return ROOT_ID
    match = _NODE_TARGET_RE.fullmatch(target)
    return int(match.group(1)) if match else None


def is_node_target(value: str) -> bool:
    """True if ``value`` is spelt ``node:<id>`` (whether or not the node exists)."""
    return _NODE_TARGET_RE.fullmatch(value) is not None


def kind_allowed(parent_kind: str, child_kind: str) -> bool:
    """May a ``child_kind`` node stand directly under a ``parent_kind`` node?"""
    parent, child = KIND_LEVELS[parent_kind], KIND_LEVELS[child_kind]
    return child > parent or (child == parent == 0)


# --- queries -------------------------------------------------------------------------------

_COLUMNS = "id, parent_id, kind, name, path, placed_seq"


def get_node(conn: sqlite3.Connection, node_id: int) -> Node | None:
    """The node with this id, or None."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM org_nodes WHERE id = ?", (node_id,)).fetchone()
    return _node(row) if row else None


def list_nodes(conn: sqlite3.Connection) -> list[Node]:
    """Every node; parents before their children, siblings in the order they were made."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM org_nodes").fetchall()
    nodes = [_node(row) for row in rows]
    return sorted(nodes, key=lambda node: node.ancestry)


def children(conn: sqlite3.Connection, node_id: int) -> list[Node]:
    """The node's direct children, in the order they were made."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM org_nodes WHERE parent_id = ? ORDER BY id", (node_id,)
    ).fetchall()
    return [_node(row) for row in rows]


def child_named(conn: sqlite3.Connection, parent_id: int, name: str) -> Node | None:
    """The child of ``parent_id`` called ``name``, or None."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM org_nodes WHERE parent_id = ? AND name = ?", (parent_id, name)
    ).fetchone()
    return _node(row) if row else None


def subtree(conn: sqlite3.Connection, node: Node) -> list[Node]:
    """The node and every node below it (one range scan of the path index)."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM org_nodes WHERE path >= ? AND path < ?", _path_range(node)
    ).fetchall()
    return sorted((_node(row) for row in rows), key=lambda each: each.ancestry)


def in_subtree(conn: sqlite3.Connection, node_id: int, top_id: int) -> bool:
    """True if node ``node_id`` is node ``top_id`` or below it; False if either is unknown.
    (The scope check: one indexed lookup.)"""
    row = conn.execute(
        "SELECT 1 FROM org_nodes n JOIN org_nodes top ON top.id = ? "
        "WHERE n.id = ? AND n.path >= top.path AND n.path < "
        "substr(top.path, 1, length(top.path) - 1) || '0'",
        (top_id, node_id),
    ).fetchone()
    return row is not None


def placement(conn: sqlite3.Connection, screen_id: str) -> Placement:
    """Where ``screen_id`` sits: its node (the root for a screen never assigned or never
    seen) and the change that put it there."""
    row = conn.execute(
        f"SELECT s.node_seq, {', '.join('n.' + c for c in _COLUMNS.split(', '))} "
        "FROM screens s JOIN org_nodes n ON n.id = s.node_id WHERE s.id = ?",
        (screen_id,),
    ).fetchone()
    if row is None:
        # Never seen, or (only if the database was edited by hand) a node that is gone.
        seq_row = conn.execute("SELECT node_seq FROM screens WHERE id = ?", (screen_id,)).fetchone()
        root = get_node(conn, ROOT_ID)
        assert root is not None, "the migration makes the root"
        return Placement(screen_id, root, int(seq_row[0]) if seq_row else 0)
    return Placement(screen_id, _node(row), int(row["node_seq"]))


def placed_revision(conn: sqlite3.Connection, node: Node) -> int:
    """The last change that moved the node or any of its ancestors (0: none)."""
    ids = node.ancestry
    marks = ", ".join("?" * len(ids))
    row = conn.execute(
        f"SELECT MAX(placed_seq) FROM org_nodes WHERE id IN ({marks})", ids
    ).fetchone()
    return int(row[0] or 0)


def subtree_screens(conn: sqlite3.Connection, node: Node) -> list[str]:
    """The ids of the screens known to belong to the node or any node below it."""
    rows = conn.execute(
        "SELECT s.id FROM screens s JOIN org_nodes n ON n.id = s.node_id "
        "WHERE n.path >= ? AND n.path < ? ORDER BY s.id",
        _path_range(node),
    ).fetchall()
    return [str(row[0]) for row in rows]


def screen_counts(conn: sqlite3.Connection) -> dict[int, int]:
    """node id -> how many known screens belong to it directly."""
    rows = conn.execute("SELECT node_id, COUNT(*) FROM screens GROUP BY node_id").fetchall()
    return {int(row[0]): int(row[1]) for row in rows}


def listeners_of(conn: sqlite3.Connection, target: str) -> list[str]:
    """The notification targets for a change to ``target``: ``all`` and ``screen:<id>`` as
    they are; a node as itself plus ``screen:<id>`` for every screen of its subtree (the root
    as ``all``), which is what :class:`~content_server.events.ChangeNotifier` matches."""
    node_id = target_node_id(target)
    if node_id is None or node_id == ROOT_ID:
        return [target]
    node = get_node(conn, node_id)
    if node is None:
        return [target]
    return [target, *(f"screen:{screen_id}" for screen_id in subtree_screens(conn, node))]


# --- writes (checks are the caller's: content_server/org/edit.py) ------------------------------


def insert_node(
    conn: sqlite3.Connection, parent: Node, kind: str, name: str, created_at: str
) -> Node:
    """Add a child of ``parent``; its path is set once its id is known."""
    row = conn.execute(
        "INSERT INTO org_nodes (parent_id, kind, name, path, created_at) "
        "VALUES (?, ?, ?, ?, ?) RETURNING id",
        (parent.id, kind, name, f"{parent.path}new/", created_at),
    ).fetchone()
    node_id = int(row[0])
    path = f"{parent.path}{node_id}/"
    conn.execute("UPDATE org_nodes SET path = ? WHERE id = ?", (path, node_id))
    node = get_node(conn, node_id)
    assert node is not None
    return node


def update_node(conn: sqlite3.Connection, node_id: int, kind: str, name: str) -> None:
    """Set a node's kind and name."""
    conn.execute("UPDATE org_nodes SET kind = ?, name = ? WHERE id = ?", (kind, name, node_id))


def move_subtree(conn: sqlite3.Connection, node: Node, parent: Node, seq: int) -> None:
    """Put ``node`` (and its subtree) under ``parent``, by change ``seq``: one UPDATE rewrites
    the paths of the whole subtree."""
    old, new = node.path, f"{parent.path}{node.id}/"
    start, end = _path_range(node)
    conn.execute(
        "UPDATE org_nodes SET path = ? || substr(path, ?) WHERE path >= ? AND path < ?",
        (new, len(old) + 1, start, end),
    )
    conn.execute(
        "UPDATE org_nodes SET parent_id = ?, placed_seq = ? WHERE id = ?",
        (parent.id, seq, node.id),
    )


def delete_node(conn: sqlite3.Connection, node: Node) -> None:
    """Remove a node (it has no children: the caller checked) and its settings."""
    conn.execute("DELETE FROM shared_settings WHERE target = ?", (node.target,))
    conn.execute("DELETE FROM org_nodes WHERE id = ?", (node.id,))


def assign_screen(conn: sqlite3.Connection, screen_id: str, node: Node, seq: int) -> None:
    """Make ``screen_id`` belong to ``node``, by change ``seq`` (the screen row is made if
    the server has never seen the screen)."""
    conn.execute(
        "INSERT INTO screens (id, node_id, node_seq) VALUES (?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET node_id = excluded.node_id, node_seq = excluded.node_seq",
        (screen_id, node.id, seq),
    )


def _path_range(node: Node) -> tuple[str, str]:
    """``[path, path-with-its-last-'/'-replaced-by-'0')``: every path starting with ``path``
    (paths hold only digits and ``/``, and ``0`` is the character after ``/``)."""
    return node.path, node.path[:-1] + "0"


def _node(row: sqlite3.Row) -> Node:
    parent = row["parent_id"]
    return Node(
        id=int(row["id"]),
        parent_id=int(parent) if parent is not None else None,
        kind=str(row["kind"]),
        name=str(row["name"]),
        path=str(row["path"]),
        placed_seq=int(row["placed_seq"]),
    )
