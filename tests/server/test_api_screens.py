"""Per-screen settings and the record of each screen's last contact."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from fastapi.testclient import TestClient
from server_helpers import AUTH, FakeClock, get_manifest, manifest, publish


def put_settings(client: TestClient, screen: str, **settings: object):  # noqa: ANN201
    return client.put(f"/api/screens/{screen}/settings", headers=AUTH, json=settings)


def test_settings_appear_in_that_screens_manifest_only(client: TestClient) -> None:
    publish(client, kind="notice", text="全体", to="all")
    other_before = get_manifest(client, "screen-b")

    response = put_settings(
        client,
        "screen-a",
        org_name="第一党支部",
        theme="solemn",
        orientation="portrait",
        poster_seconds=15,
        power=[{"weekdays": [1, 2, 3, 4, 5], "on": "07:30", "off": "19:00"}],
        mourning_dates=["2026-12-13"],
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["screen_id"] == "screen-a"
    assert answer["settings"]["org_name"] == "第一党支部"

    settings = manifest(client, "screen-a")
    assert settings["revision"] == answer["revision"]
    assert settings["settings"]["org_name"] == "第一党支部"
    assert settings["settings"]["theme"] == "solemn"
    assert settings["settings"]["power"][0]["on"] == "07:30:00"
    assert settings["settings"]["mourning_dates"] == ["2026-12-13"]
    other_after = get_manifest(client, "screen-b")
    assert other_after.headers["ETag"] == other_before.headers["ETag"]


def test_settings_are_merged_and_null_restores_the_default(client: TestClient) -> None:
    put_settings(client, "screen-a", org_name="第一党支部", theme="solemn")
    put_settings(client, "screen-a", mode="touch")
    assert manifest(client, "screen-a")["settings"]["org_name"] == "第一党支部"
    assert manifest(client, "screen-a")["settings"]["mode"] == "touch"
    put_settings(client, "screen-a", theme=None)
    assert manifest(client, "screen-a")["settings"]["theme"] == "party-red"
    assert manifest(client, "screen-a")["settings"]["org_name"] == "第一党支部"


def test_invalid_settings_are_refused_and_change_nothing(client: TestClient) -> None:
    before = get_manifest(client, "screen-a").headers["ETag"]
    response = put_settings(client, "screen-a", orientation="sideways")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_settings"
    assert "orientation" in response.json()["detail"]
    unknown = put_settings(client, "screen-a", colour="red")
    assert unknown.status_code == 422
    assert unknown.json() == {"detail": "未知的设置项：colour", "code": "unknown_field"}
    assert get_manifest(client, "screen-a").headers["ETag"] == before


def test_settings_for_a_bad_screen_id(client: TestClient) -> None:
    response = put_settings(client, "bad id!", theme="solemn")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_screen_id"


def test_manifest_fetch_records_last_seen(
    client: TestClient, clock: FakeClock, data_dir: Path
) -> None:
    def last_seen() -> str | None:
        with closing(sqlite3.connect(data_dir / "content.db")) as conn:
            row = conn.execute("SELECT last_seen FROM screens WHERE id = 'screen-a'").fetchone()
        return row[0] if row else None

    assert last_seen() is None
    manifest(client, "screen-a")
    first = last_seen()
    assert first is not None and first.startswith("2026-06-01T04:00:00")
    clock.advance(seconds=5)
    manifest(client, "screen-a")
    assert last_seen() == first  # written at most every 30 s
    clock.advance(minutes=1)
    manifest(client, "screen-a")
    assert last_seen() != first
