"""The table of resumable uploads, made by ``content_server.migrations`` (schema version 6).

    resumable_uploads  one row per upload sent in pieces (``content_server/resumable.py``):
                       who started it (``account_id``; NULL for the admin token), what it is
                       for (``purpose``), the file's name, size and the client's
                       ``fingerprint`` of it, when it was started and last added to
                       (``touched_at``: a day without progress and it is removed). The bytes
                       received so far are the staged file itself
                       (``<data>/tmp/resumable-<id>.part``), so its size is the offset a
                       client resumes from. ``sha256`` and ``media_type`` are set once the
                       last piece made it an asset; ``error_code``/``error_detail`` once the
                       finished file was refused (not a playable video...).

``IF NOT EXISTS`` so that a database taken back to an older version by a test (which drops
only that version's tables) upgrades again.
"""

from __future__ import annotations

UPLOAD_TABLES = (
    """CREATE TABLE IF NOT EXISTS resumable_uploads (
        id TEXT PRIMARY KEY,
        account_id INTEGER,
        owner TEXT NOT NULL,
        purpose TEXT NOT NULL,
        filename TEXT NOT NULL,
        size INTEGER NOT NULL,
        fingerprint TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        touched_at TEXT NOT NULL,
        sha256 TEXT,
        media_type TEXT,
        error_code TEXT,
        error_detail TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS resumable_uploads_by_owner "
    "ON resumable_uploads (account_id, purpose, size)",
    "CREATE INDEX IF NOT EXISTS resumable_uploads_by_touch ON resumable_uploads (touched_at)",
)
