"""Tables of the sign-in feature; ``content_server.db`` creates them with the rest.

Tables:
    members     a branch's roster: one row per member (``phone4``: the phone number's last four
                digits only, or '' when the roster has none).
    meetings    one row per meeting; ``id`` is also the id of the ``meeting`` item published to
                screens. ``secret`` keys the rotating sign-in tokens and never leaves the server
                except inside the manifests of the screens the meeting is published to.
                ``live_seq`` counts attendance changes (the live count's ``revision``).
    attendance  one row per member who signed in (``present``) or asked for leave (``leave``);
                the name is copied so the record survives a later roster change.
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
