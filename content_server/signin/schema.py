"""Tables of the sign-in feature; ``content_server.db`` creates them (as schema version 1 had
them) with the rest, and ``content_server.migrations`` brings them up to date.

Tables:
    members     a roster: one row per member (``phone4``: the phone number's last four digits
                only, or '' when the roster has none). Version 7: keyed by the organisation node
                the roster belongs to (``node_id``); ``legacy_branch`` is the branch name of a
                roster from before version 7 that matched no node (``node_id`` NULL).
    meetings    one row per meeting; ``id`` is also the id of the ``meeting`` item published to
                screens. ``secret`` keys the rotating sign-in tokens and never leaves the server
                except inside the manifests of the screens the meeting is published to.
                ``live_seq`` counts attendance changes (the live count's ``revision``).
    attendance  one row per member who signed in (``present``) or asked for leave (``leave``);
                the name is copied so the record survives a later roster change.
    Version 7 adds ``meetings.node_id``: the node whose roster signs in (NULL for a meeting from
    before version 7 whose branch matched no node: ``branch`` then names its kept roster). A
    meeting's ``branch`` is the node's name when the meeting was made, for display.
"""

from __future__ import annotations

SIGNIN_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS members (
        branch TEXT NOT NULL,
        member_no TEXT NOT NULL,
        name TEXT NOT NULL,
        phone4 TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (branch, member_no)
    )""",
    "CREATE INDEX IF NOT EXISTS members_by_name ON members (branch, name)",
    """CREATE TABLE IF NOT EXISTS meetings (
        id TEXT PRIMARY KEY,
        meeting_type TEXT NOT NULL,
        title TEXT NOT NULL,
        branch TEXT NOT NULL,
        place TEXT NOT NULL,
        start_at TEXT NOT NULL,
        end_at TEXT NOT NULL,
        opens_at TEXT NOT NULL,
        closes_at TEXT NOT NULL,
        period_seconds INTEGER NOT NULL,
        secret TEXT NOT NULL,
        target TEXT NOT NULL,
        created_at TEXT NOT NULL,
        live_seq INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS attendance (
        meeting_id TEXT NOT NULL,
        member_no TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        at TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        seq INTEGER NOT NULL,
        PRIMARY KEY (meeting_id, member_no)
    )""",
)


# Version 7: rosters keyed by organisation node (content_server/signin/upgrade.py fills them).
# ``members_by_name`` keeps its version-1 name, so SIGNIN_SCHEMA's CREATE INDEX IF NOT EXISTS
# finds it on an upgraded database. No REFERENCES: removing a node is refused while its roster
# has members (content_server/org/edit.py), the same on SQLite and PostgreSQL.
MEMBERS_V7 = """CREATE TABLE members_v7 (
    node_id INTEGER,
    legacy_branch TEXT NOT NULL DEFAULT '',
    member_no TEXT NOT NULL,
    name TEXT NOT NULL,
    phone4 TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    updated_at TEXT NOT NULL
)"""
MEMBERS_V7_INDEXES = (
    "CREATE UNIQUE INDEX members_of_node ON members (node_id, member_no)",
    "CREATE INDEX members_by_name ON members (node_id, name)",
)
MEETINGS_V7 = "ALTER TABLE meetings ADD COLUMN node_id INTEGER"
