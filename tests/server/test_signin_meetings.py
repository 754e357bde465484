"""Meetings: ``POST /api/meetings`` creates one and publishes it to screens as a ``meeting``
item."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from server_helpers import AUTH, FakeClock, get_manifest
from signin_helpers import (
    BRANCH,
    ensure_branch,
    meeting_item,
    new_meeting,
    put_roster,
    roster_csv,
)

from content_cache.wire import Meeting, parse_manifest
from content_server.signin.meetings import MEETING_TYPES


def test_a_meeting_reaches_its_screens_with_the_signin_parameters(
    client: TestClient, clock: FakeClock
) -> None:
    put_roster(client, roster_csv())
    start = datetime.fromisoformat("2026-06-01T12:10:00+08:00")  # the clock is 12:00 +08:00
    created = new_meeting(
        client, clock, start="2026-06-01T12:10", end="2026-06-01 14:00", to="screen-1"
    )
    meeting_id = created["id"]
    assert created["signin_url"] == f"http://testserver/m/{meeting_id}"
    assert datetime.fromisoformat(created["opens_at"]) == start - timedelta(minutes=30)
    assert datetime.fromisoformat(created["closes_at"]) == start + timedelta(minutes=30)
    assert created["expected"] == 3

    manifest = parse_manifest(get_manifest(client, "screen-1").content)
    [item] = manifest.items
    assert isinstance(item, Meeting)
    assert item.id == meeting_id
    assert (item.meeting_type, item.title, item.branch, item.place) == (
        "支部党员大会", "学习贯彻全会精神专题会", BRANCH, "党员活动室"
    )  # fmt: skip
    assert item.start == start and item.end == start + timedelta(minutes=110)
    assert item.signin is not None
    assert item.signin.url == created["signin_url"]
    assert item.signin.period_seconds == 30
    assert len(item.signin.secret) >= 32
    assert item.signin.opens_at == start - timedelta(minutes=30)
    assert item.signin.closes_at == start + timedelta(minutes=30)
    # Shown from publishing (screens know the next meeting) until the later of sign-in
    # closing and the end.
    assert item.valid_from == min(clock(), item.signin.opens_at)
    assert item.valid_until == item.end
    assert manifest.revision == created["revision"]

    assert get_manifest(client, "screen-2").json()["items"] == []


def test_each_meeting_has_its_own_secret_and_admins_never_see_it(
    client: TestClient, clock: FakeClock
) -> None:
    first, second = new_meeting(client, clock), new_meeting(client, clock)
    secrets = {meeting_item(client, m["id"])["signin"]["secret"] for m in (first, second)}
    assert len(secrets) == 2
    listed = client.get("/api/meetings", headers=AUTH)
    one = client.get(f"/api/meetings/{first['id']}", headers=AUTH)
    for text in (listed.text, one.text, str(first)):
        assert not any(secret in text for secret in secrets)
    assert one.json()["live"]["present"] == 0
    assert [m["id"] for m in listed.json()["meetings"]] == [second["id"], first["id"]]


def test_signin_window_and_display_window_can_be_set(client: TestClient, clock: FakeClock) -> None:
    created = new_meeting(
        client,
        clock,
        start="2026-06-01T14:00",
        end="2026-06-01T16:00",
        opens_at="2026-06-01T13:00",
        closes_at="2026-06-01T14:15",
        valid_from="2026-05-30T08:00",
        period_seconds=20,
    )
    item = meeting_item(client, created["id"])
    assert item["signin"]["opens_at"] == "2026-06-01T13:00:00+08:00"
    assert item["signin"]["closes_at"] == "2026-06-01T14:15:00+08:00"
    assert item["signin"]["period_seconds"] == 20
    assert item["valid_from"] == "2026-05-30T08:00:00+08:00"
    assert item["valid_until"] == "2026-06-01T16:00:00+08:00"


def test_the_public_url_setting_names_the_phone_page(
    make_client: Callable[..., TestClient], clock: FakeClock
) -> None:
    client = make_client(public_url="https://dangjian.example.cn/kiosk/")
    created = new_meeting(client, clock)
    assert created["signin_url"] == f"https://dangjian.example.cn/kiosk/m/{created['id']}"
    assert meeting_item(client, created["id"])["signin"]["url"] == created["signin_url"]


@pytest.mark.parametrize("meeting_type", MEETING_TYPES)
def test_every_meeting_type(client: TestClient, clock: FakeClock, meeting_type: str) -> None:
    created = new_meeting(client, clock, meeting_type=meeting_type)
    assert meeting_item(client, created["id"])["meeting_type"] == meeting_type


@pytest.mark.parametrize(
    ("fields", "code", "says"),
    [
        ({"meeting_type": "茶话会"}, "bad_meeting_type", "会议类型不正确"),
        ({"branch": ""}, "bad_branch", "支部名称不能为空"),
        ({"branch": "一/二"}, "bad_branch", "不能含有"),
        ({"title": "  "}, "invalid_meeting", "标题"),
        ({"end": "2026-06-01T11:00"}, "invalid_meeting", "结束时间 end 必须晚于"),
        ({"start": "明天下午"}, "invalid_meeting", "字段 start"),
        ({"closes_at": "2026-06-01T11:00"}, "invalid_meeting", "closes_at 必须晚于"),
        (
            {"start": "2026-06-01T10:00", "end": "2026-06-01T11:00"},
            "already_ended",
            "签到结束时间已经过去",
        ),
        ({"secret": "mine-mine-mine-mine"}, "invalid_meeting", "字段 secret：未知字段"),
        ({"to": "all screens"}, "bad_target", "发布范围"),
        ({"period_seconds": 1}, "invalid_meeting", "period_seconds"),
    ],
)
def test_bad_meetings_are_refused_in_one_line(
    client: TestClient, clock: FakeClock, fields: dict[str, str], code: str, says: str
) -> None:
    ensure_branch(client)
    start = clock.now + timedelta(minutes=10)
    payload = {
        "meeting_type": "党课", "title": "党课", "branch": BRANCH,
        "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
    } | fields  # fmt: skip
    response = client.post("/api/meetings", headers=AUTH, json=payload)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert says in response.json()["detail"]
    assert client.get("/api/meetings", headers=AUTH).json()["meetings"] == []
    assert client.get("/api/items", headers=AUTH).json()["items"] == []


def test_meetings_need_the_admin_token(client: TestClient, clock: FakeClock) -> None:
    assert client.post("/api/meetings", json={}).status_code == 401
    assert client.get("/api/meetings").status_code == 401
    created = new_meeting(client, clock)
    for path in ("", "/attendance", "/attendance.csv"):
        assert client.get(f"/api/meetings/{created['id']}{path}").status_code == 401


def test_withdrawing_the_item_closes_signin(client: TestClient, clock: FakeClock) -> None:
    created = new_meeting(client, clock)
    assert client.delete(f"/api/items/{created['id']}", headers=AUTH).status_code == 200
    assert get_manifest(client, "screen-1").json()["items"] == []
    page = client.get(f"/m/{created['id']}")
    assert page.status_code == 410
    assert "该会议已撤销" in page.text
    assert client.get(f"/api/meetings/{created['id']}", headers=AUTH).json()["withdrawn"] is True


def test_unknown_meetings(client: TestClient) -> None:
    for meeting_id in ("m-nothere000", "bad%20id", "x" * 100):
        assert client.get(f"/api/meetings/{meeting_id}/live").status_code == 404
        page = client.get(f"/m/{meeting_id}")
        assert page.status_code == 404
        assert "找不到该会议" in page.text


def test_a_meeting_published_days_ahead_is_on_the_screens_from_then(
    client: TestClient, clock: FakeClock
) -> None:
    """The touch screen announces the next meeting (下一场) before its sign-in opens."""
    start = clock() + timedelta(days=3)
    created = new_meeting(
        client, clock, start=start.isoformat(), end=(start + timedelta(hours=1)).isoformat()
    )
    [item] = parse_manifest(get_manifest(client, "screen-1").content).items
    assert isinstance(item, Meeting) and item.id == created["id"]
    assert item.valid_from == clock()
    assert item.signin is not None and item.signin.opens_at == start - timedelta(minutes=30)
