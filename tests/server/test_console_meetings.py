"""Meetings with sign-in and rosters in the console, on the real app and SQLite: a new meeting and
what it shows (the link, the screen's card), the list live or ended, attendance with members
signing in on the phone page and asking for leave, the CSV and the printable sheet through the
console's session, rosters imported and edited one member at a time, and scope."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from account_helpers import add_account
from fastapi.testclient import TestClient
from org_helpers import committee_with_two_branches
from server_helpers import AUTH, FakeClock
from signin_helpers import leave, meeting_item, sign_in
from test_console_auth import console_login, csrf_of

from content_cache.signin_token import token_for, window_at
from content_server.timefmt import CHINA_TZ
from tests.support.signin import MEMBERS, roster_csv

ALERT_RE = re.compile(r'role="alert">([^<]+)<')
NOTE_RE = re.compile(r'role="status"[^>]*>([^<]+)<')


@pytest.fixture
def tree(client: TestClient) -> dict[str, int]:
    nodes = committee_with_two_branches(client)
    add_account(client, "pub-a", nodes["a"], "publisher")
    add_account(client, "look-a", nodes["a"], "viewer")
    roster = client.put(
        f"/api/branches/node:{nodes['a']}/roster",
        content=roster_csv(),
        headers={**AUTH, "Content-Type": "text/csv"},
    )
    assert roster.status_code == 200, roster.text
    return nodes


def logged_in(client: TestClient, name: str = "pub-a") -> str:
    console_login(client, name)
    return csrf_of(client, "/console/meetings/new")


def meeting_form(csrf: str, start: datetime, **fields: str) -> dict[str, str]:
    local = start.astimezone(CHINA_TZ)
    return {
        "csrf": csrf,
        "meeting_type": "主题党日",
        "title": "重温入党誓词",
        "day": local.date().isoformat(),
        "start": f"{local:%H:%M}",
        "end": f"{local + timedelta(hours=1):%H:%M}",
        "place": "党员活动室",
        **fields,
    }


def make(client: TestClient, csrf: str, clock: FakeClock, tree: dict[str, int], **fields: str):  # noqa: ANN201
    form = meeting_form(
        csrf, clock.now + timedelta(minutes=20), branch=f"node:{tree['a']}", to=f"node:{tree['a']}"
    )
    answer = client.post("/console/meetings/new", data=form | fields, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].split("?")[0].rsplit("/", 1)[1]


def test_the_new_meeting_form_offers_the_types_and_the_branches_with_their_rosters(
    client: TestClient, tree: dict[str, int]
) -> None:
    logged_in(client)
    page = client.get("/console/meetings/new").text
    for kind in ("支部党员大会", "支部委员会", "党小组会", "党课", "主题党日"):
        assert f'value="{kind}"' in page
    assert f'<option value="node:{tree["a"]}" selected>第一党支部（3 人）</option>' in page
    assert "第二党支部" not in page
    home = client.get("/console/").text
    assert 'href="/console/meetings/new"' in home and 'href="/console/meetings"' in home


def test_a_meeting_shows_its_link_and_the_screens_card(
    client: TestClient, tree: dict[str, int], clock: FakeClock
) -> None:
    csrf = logged_in(client)
    meeting_id = make(client, csrf, clock, tree)
    page = client.get(f"/console/meetings/{meeting_id}?new=1").text
    assert "会议已发布到 第一党支部（1 块屏幕）" in page
    link = f"http://testserver/m/{meeting_id}"
    assert f'<a class="signin-link" href="{link}" data-testid="signin-link">{link}</a>' in page
    assert '<svg class="qr"' in page and "已签到 <b>0</b> / 应到 3" in page
    assert "重温入党誓词" in page and "主题党日" in page
    (listed,) = client.get("/api/meetings", headers=AUTH).json()["meetings"]
    assert listed["id"] == meeting_id and listed["node_id"] == tree["a"]
    assert listed["to"] == f"node:{tree['a']}"


def test_a_bad_meeting_is_one_line_and_nothing_is_made(
    client: TestClient, tree: dict[str, int], clock: FakeClock
) -> None:
    csrf = logged_in(client)
    start = clock.now + timedelta(hours=2)
    cases = [
        ({"title": " "}, "请填写会议主题"),
        (
            {"end": f"{start.astimezone(CHINA_TZ) - timedelta(hours=1):%H:%M}"},
            "结束时间必须晚于开始时间",
        ),
        ({"day": "2026-02-30"}, "请选择会议日期"),
        ({"day": "2025-01-01"}, "已经过去"),
        ({"meeting_type": "茶话会"}, "会议类型不正确"),
    ]
    for fields, says in cases:
        form = meeting_form(csrf, start, branch=f"node:{tree['a']}", to=f"node:{tree['a']}")
        answer = client.post("/console/meetings/new", data=form | fields)
        assert answer.status_code == 422, (fields, answer.text)
        assert says in ALERT_RE.search(answer.text).group(1)  # type: ignore[union-attr]
    assert client.get("/api/meetings", headers=AUTH).json()["meetings"] == []


def test_another_branch_or_its_screens_are_refused(
    client: TestClient, tree: dict[str, int], clock: FakeClock
) -> None:
    csrf = logged_in(client)
    start = clock.now + timedelta(hours=2)
    for branch, to in (
        (f"node:{tree['b']}", f"node:{tree['a']}"),
        (f"node:{tree['a']}", "screen-b"),
    ):
        answer = client.post(
            "/console/meetings/new", data=meeting_form(csrf, start, branch=branch, to=to)
        )
        assert answer.status_code in (403, 404), answer.text
        assert "第二党支部" not in answer.text
    assert client.get("/api/meetings", headers=AUTH).json()["meetings"] == []


def test_attendance_live_then_ended_with_the_csv_and_the_printable_sheet(
    client: TestClient, tree: dict[str, int], clock: FakeClock
) -> None:
    csrf = logged_in(client)
    meeting_id = make(client, csrf, clock, tree)
    zhang, _, wang = MEMBERS
    assert leave(client, meeting_id, wang[0], wang[1], "出差").status_code == 200
    signin = meeting_item(client, meeting_id, "screen-a")["signin"]  # what the screen shows
    window = window_at(clock.now, signin["period_seconds"])
    w, t = str(window), token_for(signin["secret"], meeting_id, window)
    assert sign_in(client, meeting_id, w, t, zhang[0], "8001").status_code == 200
    listing = client.get("/console/meetings").text
    assert "签到中" in listing and "<b>1</b> / 3 人签到，1 人请假" in listing
    page = client.get(f"/console/meetings/{meeting_id}").text
    assert re.search(r"张建国 <small>DY001</small></span><span class=\"st\">出席", page)
    assert re.search(r"李红 <small>DY002</small></span><span class=\"st\">缺席", page)
    assert "事由：出差" in page
    sheet_csv = client.get(f"/console/meetings/{meeting_id}/attendance.csv")
    assert sheet_csv.status_code == 200
    assert sheet_csv.headers["content-type"].startswith("text/csv")
    text = sheet_csv.content.decode("utf-8-sig")
    assert "张建国,DY001,出席" in text and "王芳,DY003,请假" in text
    sheet = client.get(f"/console/meetings/{meeting_id}/attendance")
    assert sheet.status_code == 200 and "会议签到表" in sheet.text and "张建国" in sheet.text
    # The same record as the API's, the same bytes.
    api_csv = client.get(f"/api/meetings/{meeting_id}/attendance.csv", headers=AUTH)
    assert api_csv.content == sheet_csv.content
    clock.advance(hours=3)
    assert "已结束" in client.get("/console/meetings").text


def test_a_viewer_reads_attendance_and_another_branch_sees_nothing(
    client: TestClient, tree: dict[str, int], clock: FakeClock
) -> None:
    csrf = logged_in(client)
    meeting_id = make(client, csrf, clock, tree)
    client.cookies.clear()
    console_login(client, "look-a")
    assert client.get(f"/console/meetings/{meeting_id}").status_code == 200
    assert client.get(f"/console/meetings/{meeting_id}/attendance.csv").status_code == 200
    add_account(client, "pub-b", tree["b"], "publisher")
    client.cookies.clear()
    console_login(client, "pub-b")
    assert meeting_id not in client.get("/console/meetings").text
    for path in ("", "/attendance.csv", "/attendance"):
        answer = client.get(f"/console/meetings/{meeting_id}{path}")
        assert answer.status_code == 404
        assert "重温入党誓词" not in answer.text


# --- rosters --------------------------------------------------------------------------------


def roster_names(client: TestClient, node: int) -> list[str]:
    answer = client.get(f"/api/branches/node:{node}/roster", headers=AUTH)
    return [m["name"] for m in answer.json()["members"]]


def test_a_roster_is_shown_without_phone_digits(client: TestClient, tree: dict[str, int]) -> None:
    logged_in(client)
    listing = client.get("/console/rosters").text
    assert "第一党支部" in listing and "<b>3 人</b>" in listing and "第二党支部" not in listing
    page = client.get(f"/console/rosters/{tree['a']}").text
    assert "张建国" in page and "已登记手机" in page and "未登记手机" in page
    assert "8001" not in page and "13800138001" not in page


def test_import_add_change_and_remove_one_member(client: TestClient, tree: dict[str, int]) -> None:
    csrf = logged_in(client)
    base = f"/console/rosters/{tree['a']}"
    csv = "姓名,党员编号,手机号\n赵六,DY010,13700000010\n张建国,DY001,13800138001\n".encode("gbk")
    answer = client.post(f"{base}/import", data={"csrf": csrf}, files={"file": ("名单.csv", csv)})
    assert "名单已导入：共 2 人（新增 1，更新 0，移除 2）" in NOTE_RE.search(answer.text).group(1)  # type: ignore[union-attr]
    assert roster_names(client, tree["a"]) == ["赵六", "张建国"]

    added = client.post(
        f"{base}/members",
        data={"csrf": csrf, "name": "钱七", "member_no": "DY011", "phone": "139 0000 0011"},
    )
    assert "已添加 钱七" in added.text
    again = client.post(
        f"{base}/members", data={"csrf": csrf, "name": "钱七", "member_no": "DY011"}
    )
    assert "DY011 已在名单中" in ALERT_RE.search(again.text).group(1)  # type: ignore[union-attr]
    bad = client.post(
        f"{base}/members", data={"csrf": csrf, "name": "孙八", "member_no": "编号", "phone": ""}
    )
    assert "党员编号只能有字母" in bad.text

    changed = client.post(
        f"{base}/members/DY010", data={"csrf": csrf, "name": "赵六一", "phone": ""}
    )
    assert "已保存 赵六一" in changed.text
    removed = client.post(f"{base}/members/DY001/remove", data={"csrf": csrf})
    assert "已从名单中移除 张建国" in removed.text
    assert roster_names(client, tree["a"]) == ["赵六一", "钱七"]
    members = client.get(f"/api/branches/node:{tree['a']}/roster", headers=AUTH).json()["members"]
    assert [m["has_phone"] for m in members] == [True, True]  # an empty phone keeps the number
    bad_csv = client.post(
        f"{base}/import", data={"csrf": csrf}, files={"file": ("x.csv", b"name\nx\n")}
    )
    assert ALERT_RE.search(bad_csv.text) and roster_names(client, tree["a"]) == ["赵六一", "钱七"]


def test_a_viewer_reads_a_roster_and_may_not_change_it(
    client: TestClient, tree: dict[str, int]
) -> None:
    csrf = logged_in(client, "look-a")
    page = client.get(f"/console/rosters/{tree['a']}").text
    assert "张建国" in page and "添加一人" not in page
    answer = client.post(f"/console/rosters/{tree['a']}/members/DY001/remove", data={"csrf": csrf})
    assert "没有发布权限" in ALERT_RE.search(answer.text).group(1)  # type: ignore[union-attr]
    assert "张建国" in roster_names(client, tree["a"])


def test_another_branchs_roster_is_not_found(client: TestClient, tree: dict[str, int]) -> None:
    csrf = logged_in(client)
    client.put(
        f"/api/branches/node:{tree['b']}/roster",
        content="姓名,党员编号\n周九,B001\n".encode(),
        headers={**AUTH, "Content-Type": "text/csv"},
    )
    page = client.get(f"/console/rosters/{tree['b']}")
    assert page.status_code == 404 and "周九" not in page.text
    answer = client.post(f"/console/rosters/{tree['b']}/members/B001/remove", data={"csrf": csrf})
    assert "找不到" in answer.text and "周九" not in answer.text
    assert roster_names(client, tree["b"]) == ["周九"]
