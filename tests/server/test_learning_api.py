"""``POST /api/screens/{id}/learning-records`` and ``GET /api/learning/totals`` in-process."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from server_helpers import AUTH, screen_auth


def record(course: str = "v-course1", seconds: float = 60, completed: bool = False, **fields):
    return {
        "id": str(uuid.uuid4()),
        "course_id": course,
        "title": "党史故事第一集",
        "category": "党史故事",
        "started_at": "2026-06-01T09:00:00+08:00",
        "seconds_watched": seconds,
        "completed": completed,
    } | fields


def post(client: TestClient, screen: str, records: list[Any]) -> dict[str, Any]:
    response = client.post(
        f"/api/screens/{screen}/learning-records",
        json={"records": records},
        headers=screen_auth(client, screen),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def totals(client: TestClient, by: str) -> list[dict[str, Any]]:
    response = client.get("/api/learning/totals", params={"by": by}, headers=AUTH)
    assert response.status_code == 200, response.text
    return list(response.json()["totals"])


def set_branch(client: TestClient, screen: str, org_name: str) -> None:
    response = client.put(
        f"/api/screens/{screen}/settings", headers=AUTH, json={"org_name": org_name}
    )
    assert response.status_code == 200, response.text


def test_records_are_stored_once_per_id(client):
    batch = [record(seconds=60, completed=True), record(seconds=30)]
    assert post(client, "s1", batch) == {"accepted": 2, "duplicates": 0, "rejected": []}
    assert post(client, "s1", batch) == {"accepted": 0, "duplicates": 2, "rejected": []}
    [course] = totals(client, "course")
    assert course == {
        "course_id": "v-course1",
        "title": "党史故事第一集",
        "category": "党史故事",
        "plays": 2,
        "completions": 1,
        "watch_seconds": 90.0,
        "branches": 1,
    }


def test_bad_records_are_refused_one_by_one(client):
    good = record()
    batch = [
        good,
        record(id="not-a-uuid"),
        record(started_at="2026-06-01T09:00:00"),  # no offset
        record(seconds_watched=-5),
        record(course_id="../etc"),
        record(started_at="2099-01-01T00:00:00+08:00"),
        "not an object",
    ]
    answer = post(client, "s1", batch)
    assert answer["accepted"] == 1
    assert [r["index"] for r in answer["rejected"]] == [1, 2, 3, 4, 5, 6]
    assert all(r["error"] for r in answer["rejected"])
    assert answer["rejected"][0]["id"] == "not-a-uuid"
    assert totals(client, "course")[0]["plays"] == 1


@pytest.mark.parametrize(
    "body", [None, [], {"records": "x"}, {"nothing": []}, {"records": [{}] * 501}]
)
def test_a_malformed_batch_is_refused_whole(client, body):
    response = client.post("/api/screens/s1/learning-records", json=body, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_batch"


def test_reserved_and_bad_screen_ids_are_refused(client):
    for screen in ("all", "a b"):
        response = client.post(
            f"/api/screens/{screen}/learning-records", json={"records": []}, headers=AUTH
        )
        assert response.status_code == 400


def test_only_the_screen_itself_or_an_admin_may_post(client):
    batch = {"records": [record()]}
    for headers in ({}, screen_auth(client, "other-screen"), {"Authorization": "Bearer x"}):
        response = client.post("/api/screens/s1/learning-records", json=batch, headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "screen_unauthorized"
    assert totals(client, "course") == []


def test_totals_by_branch_use_the_screens_org_name_when_the_record_arrived(client):
    set_branch(client, "room-1", "第一党支部")
    set_branch(client, "room-2", "第二党支部")
    post(client, "room-1", [record(seconds=100, completed=True), record("v-course2", 50)])
    post(client, "room-2", [record(seconds=30)])
    post(client, "lobby", [record(seconds=10)])  # no org_name
    set_branch(client, "room-2", "第一党支部")  # moved later: old records stay where they were
    rows = {r["branch"]: r for r in totals(client, "branch")}
    assert rows["第一党支部"] == {
        "branch": "第一党支部",
        "plays": 2,
        "completions": 1,
        "watch_seconds": 150.0,
        "courses": 2,
        "screens": 1,
    }
    assert rows["第二党支部"]["plays"] == 1 and rows[""]["plays"] == 1
    by_course = {r["course_id"]: r for r in totals(client, "course")}
    assert by_course["v-course1"]["branches"] == 3


def test_org_name_for_all_screens_is_the_default_branch(client):
    client.put("/api/screens/all/settings", headers=AUTH, json={"org_name": "机关党委"})
    post(client, "any-screen", [record()])
    assert [r["branch"] for r in totals(client, "branch")] == ["机关党委"]


def test_totals_need_the_admin_token_and_a_known_grouping(client):
    assert client.get("/api/learning/totals").status_code == 401
    response = client.get("/api/learning/totals", params={"by": "member"}, headers=AUTH)
    assert response.status_code == 422 and response.json()["code"] == "bad_by"
    assert totals(client, "course") == []
