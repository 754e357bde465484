"""The migration to schema version 5 (audit log and review) on a version 4 database.

The version 4 database is made by this code and taken back to version 4 the only way version 5
differs: without the audit and review tables. Every item published before stays approved: the
screens' manifests are the same, byte for byte.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from org_helpers import add, assign
from server_helpers import get_manifest, publish

from content_server.db import SCHEMA_VERSION

V5_TABLES = ("audit_log", "review_nodes", "item_review")


def to_version_4(data_dir: Path) -> None:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        for table in V5_TABLES:
            conn.execute(f"DROP TABLE {table}")
        conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
        conn.commit()
    finally:
        conn.close()


def tables(data_dir: Path) -> set[str]:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {str(row[0]) for row in rows}
    finally:
        conn.close()


def test_version_5_adds_audit_and_review_and_published_items_stay_live(
    make_client, data_dir: Path
) -> None:
    assert SCHEMA_VERSION >= 5
    first = make_client()
    branch = add(first, 1, "党支部", "第一党支部")
    assign(first, "lobby-1", branch)
    publish(first, kind="notice", text="七月学习安排", to=f"node:{branch}")
    before = get_manifest(first, "lobby-1")
    first.close()

    to_version_4(data_dir)
    assert not tables(data_dir) & set(V5_TABLES)

    upgraded: TestClient = make_client()
    assert set(V5_TABLES) <= tables(data_dir)
    again = get_manifest(upgraded, "lobby-1")
    assert again.content == before.content
    assert again.headers["ETag"] == before.headers["ETag"]


def test_the_audit_log_refuses_updates_and_deletes_even_in_plain_sql(
    client: TestClient, data_dir: Path
) -> None:
    assert client.get("/healthz").status_code == 200
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        conn.execute(
            "INSERT INTO audit_log (at, who, action, node_path) "
            "VALUES ('2026-06-01T04:00:00.000000Z', 'superuser', 'org_add', '/1/')"
        )
        conn.commit()
        count = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
        for statement in ("UPDATE audit_log SET who = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
        assert conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == count
    finally:
        conn.close()
