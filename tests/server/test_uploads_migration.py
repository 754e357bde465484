"""The migration to schema version 6 (resumable uploads) on a version 5 database.

The version 5 database is made by this code and taken back to version 5 the only way version 6
differs: without the uploads table. Published items stay as they were.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient
from server_helpers import get_manifest, publish

from content_server.db import SCHEMA_VERSION


def to_version_5(data_dir: Path) -> None:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        conn.execute("DROP TABLE resumable_uploads")
        conn.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
        conn.commit()
    finally:
        conn.close()


def version_and_tables(data_dir: Path) -> tuple[int, set[str]]:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(version[0]), {str(row[0]) for row in rows}
    finally:
        conn.close()


def test_version_6_adds_the_uploads_table_and_items_stay(make_client, data_dir: Path) -> None:
    assert SCHEMA_VERSION >= 6
    first = make_client()
    publish(first, kind="notice", text="七月学习安排", to="all")
    before = get_manifest(first, "lobby-1")
    first.close()

    to_version_5(data_dir)
    assert "resumable_uploads" not in version_and_tables(data_dir)[1]

    upgraded: TestClient = make_client()
    version, tables = version_and_tables(data_dir)
    assert version == SCHEMA_VERSION and "resumable_uploads" in tables
    assert get_manifest(upgraded, "lobby-1").content == before.content
