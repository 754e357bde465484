"""The attendance record (CSV and the printable 会议签到表) and the live count as JSON."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from server_helpers import AUTH, FakeClock
from signin_helpers import code, leave, live, new_meeting, put_roster, roster_csv, sign_in

MEMBERS = [
    ("张建国", "DY001", "13800138001"),
    ("李红", "DY002", "13900139002"),
    ("王芳", "DY003", ""),
    ("=HYPERLINK(1)", "DY004", "13700137004"),
]


def held_meeting(client: TestClient, clock: FakeClock) -> str:
    """A meeting where 张建国 and the odd name signed in, 李红 is on leave, 王芳 is absent."""
    put_roster(client, roster_csv(MEMBERS))
    meeting_id = str(new_meeting(client, clock)["id"])
    leave(client, meeting_id, "李红", "9002", "外出培训，已向书记报告")
    clock.advance(minutes=1, seconds=5)
    w, t = code(client, meeting_id, clock.now)
    sign_in(client, meeting_id, w, t, "张建国", "8001")
    clock.advance(seconds=30)
    w, t = code(client, meeting_id, clock.now)
    sign_in(client, meeting_id, w, t, "=HYPERLINK(1)", "7004")
    return meeting_id


def test_live_count(client: TestClient, clock: FakeClock) -> None:
    meeting_id = held_meeting(client, clock)
    assert live(client, meeting_id) == {
        "meeting_id": meeting_id,
        "present": 2,
        "expected": 4,
        "on_leave": 1,
        "latest": ["=HYPERLINK(1)", "张建国"],
        "revision": 3,
    }


def test_the_live_count_lists_at_most_five_names_newest_first(
    client: TestClient, clock: FakeClock
) -> None:
    members = [(f"党员{i}", f"N{i}", f"1380000{i:04d}") for i in range(7)]
    put_roster(client, roster_csv(members))
    meeting_id = new_meeting(client, clock)["id"]
    for i in range(7):
        clock.advance(seconds=1)
        w, t = code(client, meeting_id, clock.now)
        sign_in(client, meeting_id, w, t, f"党员{i}", f"{i:04d}")
    count = live(client, meeting_id)
    assert count["latest"] == ["党员6", "党员5", "党员4", "党员3", "党员2"]
    assert (count["present"], count["expected"], count["revision"]) == (7, 7, 7)


def test_attendance_csv_opens_in_excel(client: TestClient, clock: FakeClock) -> None:
    meeting_id = held_meeting(client, clock)
    put_roster(client, roster_csv(MEMBERS[1:]))  # 张建国 left the branch after the meeting
    response = client.get(f"/api/meetings/{meeting_id}/attendance.csv", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment; filename*=UTF-8''" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows == [
        ["姓名", "党员编号", "状态", "签到时间", "请假事由"],
        ["李红", "DY002", "请假", "", "外出培训，已向书记报告"],
        ["王芳", "DY003", "缺席", "", ""],
        ["'=HYPERLINK(1)", "DY004", "出席", "2026-06-01 12:01:35", ""],
        ["张建国", "DY001", "出席", "2026-06-01 12:01:05", ""],
    ]


def test_printable_attendance_sheet(client: TestClient, clock: FakeClock) -> None:
    meeting_id = held_meeting(client, clock)
    response = client.get(f"/api/meetings/{meeting_id}/attendance", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for text in ("<h1>会议签到表</h1>", "@page{size:A4", "支部党员大会", "学习贯彻全会精神专题会",
                 "第一党支部", "党员活动室", "应到 4 人，实到 2 人，请假 1 人，缺席 1 人",
                 "<td>张建国</td><td>DY001</td><td>出席</td><td>12:01:05</td>",
                 "<td>李红</td><td>DY002</td><td>请假</td><td></td><td>外出培训，已向书记报告</td>",
                 "<td>王芳</td><td>DY003</td><td>缺席</td>", "支部书记"):  # fmt: skip
        assert text in page, text
    assert "<script" not in page and "http" not in page
    assert "8001" not in page


def test_a_meeting_nobody_came_to(client: TestClient, clock: FakeClock) -> None:
    put_roster(client, roster_csv(MEMBERS[:2]))
    meeting_id = new_meeting(client, clock)["id"]
    data = client.get(f"/api/meetings/{meeting_id}/attendance.csv", headers=AUTH).content
    assert data.decode("utf-8-sig").splitlines()[1:] == ["张建国,DY001,缺席,,", "李红,DY002,缺席,,"]
    assert live(client, meeting_id)["latest"] == []
