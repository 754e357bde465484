"""The migration to schema version 4 (screen enrollment) on a version 3 database.

The version 3 database is made by this code and taken back to version 3 the only way version 4
differs: without the enrollment tables. Screens set up with derived tokens must keep their
manifests, byte for byte, and their tokens.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient
from org_helpers import add, assign
from server_helpers import AUTH, get_manifest, publish

from content_server.db import SCHEMA_VERSION
from content_server.enrollment.schema import ENROLLMENT_TABLES

V4_TABLES = ("screen_pairings", "screen_enrollments")


def to_version_3(data_dir: Path) -> None:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        for table in V4_TABLES:
            conn.execute(f"DROP TABLE {table}")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
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


def version(data_dir: Path) -> str:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return str(row[0])
    finally:
        conn.close()


def test_version_4_adds_the_enrollment_tables_and_every_screen_keeps_its_token(
    make_client, data_dir: Path
) -> None:
    assert SCHEMA_VERSION >= 4
    assert len(ENROLLMENT_TABLES) >= 2
    first = make_client()
    branch = add(first, 1, "党支部", "第一党支部")
    assign(first, "lobby-1", branch)
    publish(first, kind="notice", text="七月学习安排", to=f"node:{branch}")
    before = {screen: get_manifest(first, screen) for screen in ("lobby-1", "lobby-2")}
    assert all(answer.status_code == 200 for answer in before.values())
    first.close()

    to_version_3(data_dir)
    assert version(data_dir) == "3"
    assert not tables(data_dir) & set(V4_TABLES)

    upgraded: TestClient = make_client()
    assert version(data_dir) == str(SCHEMA_VERSION)
    assert set(V4_TABLES) <= tables(data_dir)
    for screen, answer in before.items():
        again = get_manifest(upgraded, screen)  # the derived token, as before
        assert again.status_code == 200, again.text
        assert again.content == answer.content
        assert again.headers["ETag"] == answer.headers["ETag"]
    listed = upgraded.get("/api/screens", headers=AUTH)
    assert listed.status_code == 200, listed.text
    assert {s["screen_id"]: s["state"] for s in listed.json()["screens"]} == {
        "lobby-1": "not_enrolled",
        "lobby-2": "not_enrolled",
    }
