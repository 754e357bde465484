"""The SQLite database: schema and queries, plain SQL through the stdlib ``sqlite3`` module.

The SQL is kept plain (``INSERT ... RETURNING``, ``ON CONFLICT``, text timestamps in a fixed
UTC format) so the same statements can later run on PostgreSQL.

Tables:
    changes   the global change sequence: one row per publish, withdrawal, settings change or
              change to the organisation tree; its ``seq`` is the revision number screens see.
    assets    uploaded files by sha256 (the bytes live in DATA/assets/<sha256>).
    items     published items; ``body`` is the wire item as JSON, ``target`` is ``all`` (the
              root of the organisation tree), ``node:<id>`` or ``screen:<id>``.
    screens   per-screen settings (the fields set explicitly, as JSON), last contact, and the
              organisation node the screen belongs to (``node_id``, set by change ``node_seq``).
    shared_settings
              settings for a group of screens, by target: ``all`` (every screen) or
              ``node:<id>`` (the screens of a node's subtree); the fields set explicitly, as
              JSON, and the change that set them.
    org_nodes the organisation tree (``content_server/org/tree.py``), schema version 2.
    accounts, role_grants, sessions, api_tokens, login_failures
              people, their roles and logins (``content_server/accounts/schema.py``), version 3.
    screen_pairings, screen_enrollments
              pairing codes and enrolled or revoked screens
              (``content_server/enrollment/schema.py``), version 4.
    audit_log the append-only audit log (``content_server/audit/schema.py``), version 5.
    review_nodes, item_review
              review (审核): nodes that review items from below, and items' review state
              (``content_server/review/schema.py``), version 5.
    members, meetings, attendance
              meeting sign-in (``content_server/signin/schema.py``); rosters and meetings
              keyed by organisation node since version 7.
    video_facts, learning_records
              video probes and learning records (``content_server/courses_schema.py``).
    resumable_uploads
              uploads sent in pieces (``content_server/resumable_schema.py``), version 6.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from content_server.courses_schema import COURSES_SCHEMA
from content_server.signin.schema import SIGNIN_SCHEMA
from content_server.timefmt import from_db, to_db

log = logging.getLogger("content_server")

SCHEMA_VERSION = 7
BUSY_TIMEOUT_MS = 5000

# The tables of schema version 1, as that version created them; later versions change them
# only through ``content_server.migrations``, so a new database and an upgraded one end up the
# same.
BASE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # PostgreSQL: seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY
    """CREATE TABLE IF NOT EXISTS changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        subject TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS assets (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        media_type TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS items (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        title TEXT NOT NULL,
        priority INTEGER NOT NULL,
        valid_from TEXT,
        valid_until TEXT,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_seq INTEGER NOT NULL,
        changed_seq INTEGER NOT NULL,
        withdrawn_at TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS items_by_target ON items (target, changed_seq)",
    """CREATE TABLE IF NOT EXISTS screens (
        id TEXT PRIMARY KEY,
        settings TEXT NOT NULL DEFAULT '{}',
        settings_seq INTEGER NOT NULL DEFAULT 0,
        last_seen TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS shared_settings (
        target TEXT PRIMARY KEY,
        settings TEXT NOT NULL DEFAULT '{}',
        settings_seq INTEGER NOT NULL DEFAULT 0
    )""",
)


@dataclass(frozen=True)
class AssetRow:
    """An asset known to the server."""

    sha256: str
    size: int
    media_type: str


@dataclass(frozen=True)
class NewItem:
    """An item about to be stored; ``body`` is the wire item as JSON text."""

    id: str
    kind: str
    target: str
    title: str
    priority: int
    valid_from: datetime | None
    valid_until: datetime | None
    body: str


class Database:
    """Opens connections to one SQLite file; one connection per request."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A new connection in autocommit mode, closed on exit.

        Transactions are explicit (:func:`write_transaction`, :func:`read_transaction`).
        ``check_same_thread`` is off because FastAPI may run a request's dependency and
        handler on different worker threads; a connection is still used by one request only.
        """
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        with closing(conn):
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            yield conn

    def create_schema(self, now: datetime) -> None:
        """Create the tables if missing, bring an older database up to ``SCHEMA_VERSION``
        (``content_server.migrations``) and switch the file to WAL mode.

        Raises:
            SchemaTooNew: the database was made by a newer version of the server.
        """
        from content_server.migrations import migrate

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            with write_transaction(conn):
                for statement in (*BASE_SCHEMA, *SIGNIN_SCHEMA, *COURSES_SCHEMA):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', '1'), "
                    "('created_at', ?) ON CONFLICT (key) DO NOTHING",
                    (to_db(now),),
                )
                migrate(conn, now)


class SchemaTooNew(sqlite3.DatabaseError):
    """The database's schema version is newer than this server knows."""


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version stored in ``meta``."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0])


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A transaction that takes the write lock at once (no upgrade deadlocks)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def read_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A transaction for consistent reads across several queries (a WAL snapshot)."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


# --- changes -------------------------------------------------------------------------------


def add_change(
    conn: sqlite3.Connection, action: str, target: str, subject: str, at: datetime
) -> int:
    """Record a change and return its sequence number (the next revision)."""
    row = conn.execute(
        "INSERT INTO changes (at, action, target, subject) VALUES (?, ?, ?, ?) RETURNING seq",
        (to_db(at), action, target, subject),
    ).fetchone()
    return int(row[0])


def change_time(conn: sqlite3.Connection, seq: int) -> datetime | None:
    """When change ``seq`` was made, or None if there is no such change."""
    row = conn.execute("SELECT at FROM changes WHERE seq = ?", (seq,)).fetchone()
    return from_db(row[0]) if row else None


def created_at(conn: sqlite3.Connection) -> datetime:
    """When this database was created."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'created_at'").fetchone()
    return from_db(row[0])


# --- assets --------------------------------------------------------------------------------


def add_asset(conn: sqlite3.Connection, asset: AssetRow, at: datetime) -> AssetRow:
    """Record an asset; if it is known already, the stored row wins. Returns the stored row."""
    conn.execute(
        "INSERT INTO assets (sha256, size, media_type, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (sha256) DO NOTHING",
        (asset.sha256, asset.size, asset.media_type, to_db(at)),
    )
    stored = get_asset(conn, asset.sha256)
    assert stored is not None
    return stored


def get_asset(conn: sqlite3.Connection, sha256: str) -> AssetRow | None:
    """The asset with this hash, or None."""
    row = conn.execute(
        "SELECT sha256, size, media_type FROM assets WHERE sha256 = ?", (sha256,)
    ).fetchone()
    return AssetRow(row["sha256"], row["size"], row["media_type"]) if row else None


# --- items ---------------------------------------------------------------------------------


def add_item(conn: sqlite3.Connection, item: NewItem, seq: int, at: datetime) -> None:
    """Store a newly published item made by change ``seq``."""
    conn.execute(
        "INSERT INTO items (id, kind, target, title, priority, valid_from, valid_until, body, "
        "created_at, created_seq, changed_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            item.id,
            item.kind,
            item.target,
            item.title,
            item.priority,
            to_db(item.valid_from) if item.valid_from else None,
            to_db(item.valid_until) if item.valid_until else None,
            item.body,
            to_db(at),
            seq,
            seq,
        ),
    )


def get_item(conn: sqlite3.Connection, item_id: str) -> sqlite3.Row | None:
    """The item row, withdrawn or not, or None."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM items WHERE id = ?", (item_id,)
    ).fetchone()
    return row


def withdraw_item(conn: sqlite3.Connection, item_id: str, seq: int, at: datetime) -> None:
    """Mark an item withdrawn by change ``seq``."""
    conn.execute(
        "UPDATE items SET withdrawn_at = ?, changed_seq = ? WHERE id = ?",
        (to_db(at), seq, item_id),
    )


# Only approved items reach screens: an item with a review row (``item_review``) that is not
# ``approved`` is held (pending or rejected); an item without one needed no review.
APPROVED = (
    "NOT EXISTS (SELECT 1 FROM item_review r WHERE r.item_id = items.id AND r.status <> 'approved')"
)


def list_items(conn: sqlite3.Connection, limit: int = 1000) -> list[sqlite3.Row]:
    """The most recently published items first, with their review state (``review_status``
    NULL: approved at publishing; ``review_comment``: the reviewer's latest comment)."""
    return conn.execute(
        "SELECT items.id, kind, target, title, priority, valid_from, valid_until, created_at, "
        "changed_seq, withdrawn_at, r.status AS review_status, r.comment AS review_comment "
        "FROM items LEFT JOIN item_review r ON r.item_id = items.id "
        "ORDER BY created_seq DESC LIMIT ?",
        (limit,),
    ).fetchall()


def live_item_bodies(
    conn: sqlite3.Connection, targets: Iterable[str], ended_before: datetime
) -> list[str]:
    """Bodies of the approved items for these targets that are not withdrawn and did not end
    before ``ended_before``; by priority (highest first), then in publishing order."""
    targets = list(targets)
    marks = ", ".join("?" * len(targets))
    rows = conn.execute(
        f"SELECT body FROM items WHERE target IN ({marks}) AND withdrawn_at IS NULL "
        f"AND (valid_until IS NULL OR valid_until >= ?) AND {APPROVED} "
        "ORDER BY priority DESC, created_seq ASC",
        (*targets, to_db(ended_before)),
    ).fetchall()
    return [row[0] for row in rows]


def items_revision(conn: sqlite3.Connection, targets: Iterable[str]) -> int:
    """The last change to any approved item for these targets, withdrawn ones included; 0 if
    none (an item held for review changes no screen's revision until it is approved)."""
    targets = list(targets)
    marks = ", ".join("?" * len(targets))
    row = conn.execute(
        f"SELECT MAX(changed_seq) FROM items WHERE target IN ({marks}) AND {APPROVED}", targets
    ).fetchone()
    return int(row[0] or 0)


# --- screens -------------------------------------------------------------------------------


def get_screen(conn: sqlite3.Connection, screen_id: str) -> sqlite3.Row | None:
    """The screen's row (settings JSON, settings_seq, last_seen, node_id, node_seq), or None."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT id, settings, settings_seq, last_seen, node_id, node_seq FROM screens WHERE id = ?",
        (screen_id,),
    ).fetchone()
    return row


def save_screen_settings(
    conn: sqlite3.Connection, screen_id: str, settings_json: str, seq: int
) -> None:
    """Store the screen's explicitly set settings, changed by change ``seq``."""
    conn.execute(
        "INSERT INTO screens (id, settings, settings_seq) VALUES (?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, "
        "settings_seq = excluded.settings_seq",
        (screen_id, settings_json, seq),
    )


def subtree_screen_settings(conn: sqlite3.Connection, path: str) -> list[tuple[str, str, str]]:
    """``(screen id, settings JSON, its node's path)`` of every known screen whose node lies
    in the subtree at ``path`` (one range scan, as ``org/tree.py`` describes)."""
    rows = conn.execute(
        "SELECT s.id, s.settings, n.path FROM screens s JOIN org_nodes n ON n.id = s.node_id "
        "WHERE n.path >= ? AND n.path < ? ORDER BY s.id",
        (path, path[:-1] + "0"),
    ).fetchall()
    return [(str(row[0]), str(row[1]), str(row[2])) for row in rows]


def get_shared_settings(conn: sqlite3.Connection, target: str) -> sqlite3.Row | None:
    """The settings row of a group of screens (``all``, ``node:<id>``): settings JSON and
    settings_seq."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT target, settings, settings_seq FROM shared_settings WHERE target = ?", (target,)
    ).fetchone()
    return row


def save_shared_settings(
    conn: sqlite3.Connection, target: str, settings_json: str, seq: int
) -> None:
    """Store the settings of a group of screens (``all``, ``node:<id>``), changed by change
    ``seq``."""
    conn.execute(
        "INSERT INTO shared_settings (target, settings, settings_seq) VALUES (?, ?, ?) "
        "ON CONFLICT (target) DO UPDATE SET settings = excluded.settings, "
        "settings_seq = excluded.settings_seq",
        (target, settings_json, seq),
    )


def shared_settings_rows(
    conn: sqlite3.Connection, targets: Iterable[str]
) -> dict[str, sqlite3.Row]:
    """The settings rows of these groups of screens that exist, by target."""
    targets = list(targets)
    marks = ", ".join("?" * len(targets))
    rows = conn.execute(
        f"SELECT target, settings, settings_seq FROM shared_settings WHERE target IN ({marks})",
        targets,
    ).fetchall()
    return {str(row["target"]): row for row in rows}


def touch_screen(
    conn: sqlite3.Connection, screen_id: str, now: datetime, unless_after: datetime
) -> None:
    """Set the screen's ``last_seen`` to ``now`` unless it is already after ``unless_after``
    (so a screen polling every few seconds costs a write only now and then)."""
    conn.execute(
        "INSERT INTO screens (id, last_seen) VALUES (?, ?) ON CONFLICT (id) DO UPDATE "
        "SET last_seen = excluded.last_seen "
        "WHERE screens.last_seen IS NULL OR screens.last_seen < ?",
        (screen_id, to_db(now), to_db(unless_after)),
    )


def row_dict(row: sqlite3.Row) -> dict[str, Any]:
    """A row as a plain dict."""
    return {key: row[key] for key in row.keys()}  # noqa: SIM118 - sqlite3.Row has no items()
