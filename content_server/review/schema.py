"""The tables of review (审核), made by ``content_server.migrations`` (schema version 5).

    review_nodes  one row per organisation node whose "items from below need approval" is on:
                  who turned it on and when. No row: off.
    item_review   one row per item that went through review: ``status`` (``pending``,
                  ``rejected`` or ``approved``), the node whose review holds it
                  (``node_id``), who submitted it and when (``submitted_at`` is the last
                  submission), the reviewer's latest decision (``reviewed_by``,
                  ``reviewed_at``, ``comment``: the reason of a rejection).
                  An item without a row was approved when it was published (its publisher
                  needed no review); only approved items are in manifests.

``IF NOT EXISTS`` so that a database taken back to an older version by a test (which drops
only that version's tables) upgrades again.
"""

REVIEW_TABLES = (
    """CREATE TABLE IF NOT EXISTS review_nodes (
        node_id INTEGER PRIMARY KEY,
        set_by TEXT NOT NULL,
        set_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS item_review (
        item_id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        node_id INTEGER NOT NULL,
        submitted_by TEXT NOT NULL,
        submitted_at TEXT NOT NULL,
        reviewed_by TEXT NOT NULL DEFAULT '',
        reviewed_at TEXT,
        comment TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS item_review_by_status ON item_review (status, submitted_at)",
)
