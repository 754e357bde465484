"""The audit log's table (made by ``content_server.migrations``, schema version 5).

    audit_log   one row per recorded action: when, who (an account's name, ``superuser`` for
                the admin token, or the name typed at a failed login), the account's id, what
                (``action``, see ``content_server.audit.log.ACTIONS``), the node it concerns
                (``node_id`` and that node's path *at the time*, so a moved or removed node's
                history stays where it happened), the thing acted on (``target``: an item id,
                an account name, a screen id...), a short ``detail``, the client address and a
                ``flag`` (``bypassed_review`` for an urgent notice that skipped review,
                ``emergency`` for an emergency stop or resume).

Rows are only ever inserted (``content_server.audit.log.record``), inside the transaction of
the change they record. No code updates or deletes them, and two triggers refuse it anyway:
an ``UPDATE`` or ``DELETE`` on the table aborts its statement. PostgreSQL: the same two as
``BEFORE UPDATE OR DELETE ... FOR EACH ROW EXECUTE FUNCTION`` one that raises, and
``BIGINT GENERATED ALWAYS AS IDENTITY`` for ``id``.

``IF NOT EXISTS`` so that a database taken back to an older version by a test (which drops
only that version's tables) upgrades again.
"""

AUDIT_TABLES = (
    """CREATE TABLE IF NOT EXISTS audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        account_id INTEGER,
        action TEXT NOT NULL,
        node_id INTEGER,
        node_path TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '',
        flag TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS audit_log_by_path ON audit_log (node_path, id)",
    "CREATE INDEX IF NOT EXISTS audit_log_by_time ON audit_log (at)",
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
)
