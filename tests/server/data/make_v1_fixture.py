"""Makes ``content_v1.sql`` and ``manifests_v1.json``: a database of schema version 1 and the
manifests the v1 server gave from it.

Run at commit e175faf (the last commit with ``SCHEMA_VERSION = 1``), from the repository root:
``.venv/bin/python tests/server/data/make_v1_fixture.py``. It drives the v1 server's own code
through its HTTP API (in process), so the rows are what v1 wrote, then dumps the database as
SQL text (``sqlite3.Connection.iterdump``) and records the manifests of three screens at the
fixture's clock. ``test_org_migration.py`` loads the dump into a data directory, starts the
current server on it and expects the same manifests. Kept for provenance: it no longer runs
against newer code (the schema it asserts is version 1).
"""

from __future__ import annotations

import io
import json
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image

from content_server.app import create_app
from content_server.settings import ServerSettings

HERE = Path(__file__).parent
TOKEN = "v1-fixture-admin-token-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CLOCK_START = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
SCREENS = ("lobby-1", "hall-2", "new-3")


class Clock:
    def __init__(self) -> None:
        self.now = CLOCK_START

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=7)
        return self.now


def png() -> bytes:
    image = Image.new("RGB", (32, 24), (183, 25, 15))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        clock = Clock()
        app = create_app(ServerSettings(data_dir=data, admin_token=TOKEN), clock=clock)
        with TestClient(app) as client:
            fill(client)
            manifests = {screen: manifest(client, screen) for screen in SCREENS}
        conn = sqlite3.connect(data / "content.db")
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert version == ("1",), version
        dump = "\n".join(conn.iterdump()) + "\n"
        conn.close()
    (HERE / "content_v1.sql").write_text(dump, encoding="utf-8")
    record = {"token": TOKEN, "now": clock.now.isoformat(), "manifests": manifests}
    text = json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    (HERE / "manifests_v1.json").write_text(text, encoding="utf-8")


def fill(client: TestClient) -> None:
    def ok(response: object) -> dict:
        assert response.status_code in (200, 201), response.text  # type: ignore[attr-defined]
        return response.json()  # type: ignore[attr-defined]

    image = ok(client.post("/api/assets", headers=AUTH, files={"file": ("p.png", png())}))
    poster = {"kind": "poster", "title": "不忘初心", "image": {"sha256": image["sha256"]}}
    ok(client.post("/api/items", headers=AUTH, json={**poster, "to": "all", "priority": 3}))
    notice = {"kind": "notice", "title": "通知", "text": "周五下午三点开会"}
    ok(client.post("/api/items", headers=AUTH, json={**notice, "to": "lobby-1"}))
    ok(client.post("/api/items", headers=AUTH, json={**notice, "text": "大厅专用", "to": "hall-2"}))
    gone = ok(client.post("/api/items", headers=AUTH, json={**notice, "text": "撤回", "to": "all"}))
    ok(client.delete(f"/api/items/{gone['id']}", headers=AUTH))
    shared = {"org_name": "中共示范县委员会", "theme": "party-red"}
    shared["mourning_dates"] = ["2026-04-04"]
    ok(client.put("/api/screens/all/settings", headers=AUTH, json=shared))
    own = {"orientation": "portrait", "poster_seconds": 12, "emergency_stop": True}
    ok(client.put("/api/screens/lobby-1/settings", headers=AUTH, json=own))
    roster = "姓名,党员编号,手机号\n张三,DY001,13800001111\n李四,DY002,13900002222\n"
    ok(
        client.put(
            "/api/branches/第一党支部/roster",
            headers={**AUTH, "Content-Type": "text/csv"},
            content=roster.encode("utf-8"),
        )
    )
    meeting = {
        "meeting_type": "党课",
        "title": "七月党课",
        "branch": "第一党支部",
        "place": "三楼活动室",
        "start": "2026-07-01T09:00",
        "end": "2026-07-01T11:00",
        "to": "hall-2",
    }
    ok(client.post("/api/meetings", headers=AUTH, json=meeting))
    for screen in ("lobby-1", "hall-2"):
        ok(client.get(f"/api/screens/{screen}/manifest", headers=AUTH))  # registers last_seen


def manifest(client: TestClient, screen: str) -> dict:
    response = client.get(f"/api/screens/{screen}/manifest", headers=AUTH)
    assert response.status_code == 200, response.text
    return {"etag": response.headers["etag"], "body": response.json()}


if __name__ == "__main__":
    sys.exit(main())
