"""The migration from schema version 1 (no organisation tree) on a database the v1 server made.

``data/content_v1.sql`` is a SQL dump of a database written by the v1 server's own code
through its API, and ``data/manifests_v1.json`` the manifests (and ETags) that server gave for
three screens; both were made by ``data/make_v1_fixture.py`` at commit e175faf. The current
server must upgrade that database at start and give the same manifests, byte for byte.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from server_helpers import FakeClock, run_cli

from content_server.app import create_app
from content_server.db import SCHEMA_VERSION, Database, SchemaTooNew
from content_server.settings import ServerSettings

DATA = Path(__file__).parent / "data"
RECORD = json.loads((DATA / "manifests_v1.json").read_text(encoding="utf-8"))
V1_TOKEN = RECORD["token"]
V1_AUTH = {"Authorization": f"Bearer {V1_TOKEN}"}


def load_v1(data_dir: Path) -> Path:
    """A data directory whose content.db is the v1 database."""
    data_dir.mkdir(parents=True)
    conn = sqlite3.connect(data_dir / "content.db")
    conn.executescript((DATA / "content_v1.sql").read_text(encoding="utf-8"))
    conn.close()
    return data_dir


@pytest.fixture
def v1_dir(tmp_path: Path) -> Path:
    return load_v1(tmp_path / "data")


@pytest.fixture
def start(v1_dir: Path) -> Iterator[Any]:
    clients: list[TestClient] = []

    def start_server() -> TestClient:
        clock = FakeClock(datetime.fromisoformat(RECORD["now"]))
        settings = ServerSettings(data_dir=v1_dir, admin_token=V1_TOKEN)
        client = TestClient(create_app(settings, clock=clock))
        clients.append(client)
        return client

    yield start_server
    for client in clients:
        client.close()


def rows(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_the_fixture_is_a_version_1_database(v1_dir: Path) -> None:
    assert rows(v1_dir, "SELECT value FROM meta WHERE key = 'schema_version'") == [("1",)]
    tables = {name for (name,) in rows(v1_dir, "SELECT name FROM sqlite_master")}
    assert "org_nodes" not in tables and {"items", "screens", "shared_settings"} <= tables


def unsigned(manifest: dict[str, Any]) -> dict[str, Any]:
    """A manifest without its ``signing_keys`` (the version 1 server did not sign)."""
    assert manifest.get("signing_keys"), "an upgraded server signs its manifests"
    return {key: value for key, value in manifest.items() if key != "signing_keys"}


def test_screens_get_the_same_manifests_after_the_upgrade(start: Any, v1_dir: Path) -> None:
    client = start()
    for screen, before in RECORD["manifests"].items():
        answer = client.get(f"/api/screens/{screen}/manifest", headers=V1_AUTH)
        assert answer.status_code == 200, answer.text
        # The same content; since manifests are signed they also list the signing keys (so
        # the ETag differs from the old server's and each screen fetches once more).
        assert unsigned(answer.json()) == before["body"], screen
    assert rows(v1_dir, "SELECT value FROM meta WHERE key = 'schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]


def test_the_root_takes_the_org_name_and_every_screen_sits_in_it(start: Any, v1_dir: Path) -> None:
    client = start()
    nodes = client.get("/api/org/nodes", headers=V1_AUTH).json()["nodes"]
    assert [(n["id"], n["kind"], n["name"]) for n in nodes] == [(1, "党委", "中共示范县委员会")]
    assert nodes[0]["screens"] == 3  # every screen the v1 server had seen
    for screen in ("lobby-1", "hall-2", "new-3"):
        place = client.get(f"/api/screens/{screen}/node", headers=V1_AUTH).json()
        assert place["node"]["id"] == 1
        assert place["revision"] == RECORD["manifests"][screen]["body"]["revision"]


def test_a_second_start_changes_nothing(start: Any, v1_dir: Path) -> None:
    first = start()
    etag = first.get("/api/screens/lobby-1/manifest", headers=V1_AUTH).headers["etag"]
    first.close()
    again = start()
    assert again.get("/api/screens/lobby-1/manifest", headers=V1_AUTH).headers["etag"] == etag
    assert rows(v1_dir, "SELECT COUNT(*) FROM org_nodes") == [(1,)]


def test_without_an_org_name_the_root_has_the_default_name(tmp_path: Path) -> None:
    data_dir = load_v1(tmp_path / "data")
    conn = sqlite3.connect(data_dir / "content.db")
    conn.execute("DELETE FROM shared_settings")
    conn.commit()
    conn.close()
    Database(data_dir / "content.db").create_schema(datetime.fromisoformat(RECORD["now"]))
    assert rows(data_dir, "SELECT id, parent_id, name, path FROM org_nodes") == [
        (1, None, "本级党组织", "/1/")
    ]


def test_old_content_keeps_working_beside_the_tree(start: Any) -> None:
    client = start()
    before = client.get("/api/screens/lobby-1/manifest", headers=V1_AUTH).json()
    branch = client.post(
        "/api/org/nodes", headers=V1_AUTH, json={"parent_id": 1, "kind": "党支部", "name": "大厅"}
    ).json()["node"]["id"]
    client.put("/api/screens/lobby-1/node", headers=V1_AUTH, json={"node_id": branch})
    notice = {"kind": "notice", "text": "支部通知", "to": f"node:{branch}"}
    assert client.post("/api/items", headers=V1_AUTH, json=notice).status_code == 201
    after = client.get("/api/screens/lobby-1/manifest", headers=V1_AUTH).json()
    assert [i["id"] for i in after["items"]][:-1] == [i["id"] for i in before["items"]]
    assert after["items"][-1]["text"] == "支部通知"
    assert after["settings"] == before["settings"]
    hall = client.get("/api/screens/hall-2/manifest", headers=V1_AUTH).json()
    assert unsigned(hall) == RECORD["manifests"]["hall-2"]["body"]


def test_a_database_from_a_newer_server_is_refused(tmp_path: Path) -> None:
    data_dir = load_v1(tmp_path / "data")
    conn = sqlite3.connect(data_dir / "content.db")
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaTooNew, match="99"):
        Database(data_dir / "content.db").create_schema(datetime.fromisoformat(RECORD["now"]))
    result = run_cli("server", "--data", str(data_dir), "--port", "0", "--admin-token", V1_TOKEN)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert "结构版本 99" in lines[0] and "(database_error)" in lines[0]
