"""Schema version 7 for sign-in: rosters and meetings keyed by organisation node.

Before version 7 a roster was keyed by a branch name (``members.branch``) and a meeting named
the branch whose roster signs in. Each name is matched to the organisation node of that name
where exactly one node has it; its roster then belongs to that node and its meetings name it
(``meetings.node_id``). A name no node has, or several have, keeps its rows under the name
(``members.legacy_branch``, ``node_id`` NULL): only the superuser reads that roster, its meetings
still sign in against it, and one log line per such name says so.
"""

from __future__ import annotations

import logging
import sqlite3

from content_server.signin.schema import MEETINGS_V7, MEMBERS_V7, MEMBERS_V7_INDEXES

log = logging.getLogger("content_server")

_COPIED = "member_no, name, phone4, position, updated_at"


def key_rosters_by_node(conn: sqlite3.Connection) -> dict[str, int]:
    """Rebuild ``members`` keyed by node and give meetings their node (inside the migration's
    write transaction).

    A table already in its version-7 shape is left as it is (the step may meet a database that
    was taken back to an earlier version number only in the ways that version differs).

    Returns:
        branch name -> node id, for the names that matched one node.
    """
    if "branch" not in _columns(conn, "members"):
        if "node_id" not in _columns(conn, "meetings"):
            conn.execute(MEETINGS_V7)
        return {}
    names = sorted(
        str(row[0])
        for row in conn.execute("SELECT branch FROM members UNION SELECT branch FROM meetings")
    )
    matched: dict[str, int] = {}
    for name in names:
        ids = [
            int(row[0]) for row in conn.execute("SELECT id FROM org_nodes WHERE name = ?", (name,))
        ]
        if len(ids) == 1:
            matched[name] = ids[0]
        else:
            _log_unmatched(conn, name, len(ids))
    conn.execute(MEMBERS_V7)
    for name in names:
        node_id = matched.get(name)
        conn.execute(
            f"INSERT INTO members_v7 (node_id, legacy_branch, {_COPIED}) "
            f"SELECT ?, ?, {_COPIED} FROM members WHERE branch = ?",
            (node_id, "" if node_id is not None else name, name),
        )
    conn.execute("DROP TABLE members")
    conn.execute("ALTER TABLE members_v7 RENAME TO members")
    for statement in (*MEMBERS_V7_INDEXES, MEETINGS_V7):
        conn.execute(statement)
    conn.executemany(
        "UPDATE meetings SET node_id = ? WHERE branch = ?",
        [(node_id, name) for name, node_id in matched.items()],
    )
    return matched


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """The column names of ``table`` (portable: no PRAGMA)."""
    cursor = conn.execute(f"SELECT * FROM {table} LIMIT 0")
    return {str(column[0]) for column in cursor.description}


def _log_unmatched(conn: sqlite3.Connection, name: str, nodes: int) -> None:
    members = conn.execute("SELECT COUNT(*) FROM members WHERE branch = ?", (name,)).fetchone()
    why = "no organisation node has that name" if not nodes else f"{nodes} nodes have that name"
    log.warning(
        "roster of branch %r kept under its name for the superuser only (members: %d): %s; "
        "import it again for its node to use it from there",
        name,
        int(members[0]),
        why,
    )
