"""``kiosk publish roster``, ``meeting`` and ``attendance`` as real processes against a real
server."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from server_helpers import AUTH, ID_RE, RunningServer, assert_one_line_error, last_line, publish_cli

from content_server.timefmt import CHINA_TZ
from tests.support.signin import MEMBERS, ensure_branch, meeting_item, qr_url, write_roster_csv

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_roster(live_server: RunningServer, tmp_path: Path, encoding: str) -> None:
    path = write_roster_csv(tmp_path / "名单.csv", MEMBERS, encoding)
    ensure_branch(live_server, f"支部-{encoding}")
    result = publish_cli(live_server.url, "roster", "--branch", f"支部-{encoding}", str(path))
    assert last_line(result) == "3"
    shown = "GBK" if encoding == "gbk" else "UTF-8"
    said = f"已导入「支部-{encoding}」名单：3 人（新增 3，更新 0，移除 0；{shown} 编码）"
    assert said in result.stdout


def test_roster_with_bad_rows(live_server: RunningServer, tmp_path: Path) -> None:
    path = tmp_path / "坏名单.csv"
    path.write_text("姓名,党员编号,手机号\n张三,,138\n,DY2,\n", encoding="utf-8")
    ensure_branch(live_server, "坏支部")
    result = publish_cli(live_server.url, "roster", "--branch", "坏支部", str(path))
    assert_one_line_error(result, "bad_csv")
    said = "坏名单.csv 有 3 处问题，名单没有导入：第 2 行：缺少党员编号；第 2 行：手机号不正确"
    assert said in result.stderr
    missing = publish_cli(live_server.url, "roster", "--branch", "坏支部", str(tmp_path / "无.csv"))
    assert_one_line_error(missing, "file_not_found")


def test_meeting_then_attendance(live_server: RunningServer, tmp_path: Path) -> None:
    branch = "命令行支部"
    ensure_branch(live_server, branch)
    roster = write_roster_csv(tmp_path / "a.csv")
    assert last_line(publish_cli(live_server.url, "roster", "--branch", branch, str(roster))) == "3"
    start = datetime.now(CHINA_TZ) + timedelta(minutes=10)  # printed naive: read as +08:00
    result = publish_cli(
        live_server.url, "meeting", "--type", "党课", "--title", "专题党课", "--branch", branch,
        "--place", "三楼会议室", "--start", start.strftime("%Y-%m-%d %H:%M"),
        "--end", (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "--to", "cli-screen",
    )  # fmt: skip
    meeting_id = last_line(result)
    assert ID_RE.match(meeting_id) and meeting_id.startswith("m-")
    assert "已发布会议「专题党课」到屏幕 cli-screen" in result.stdout
    assert f"/m/{meeting_id}" in result.stdout and "应到 3 人" in result.stdout
    item = meeting_item(live_server, "cli-screen", meeting_id)
    assert (item["meeting_type"], item["place"], item["branch"]) == ("党课", "三楼会议室", branch)

    url = qr_url(live_server, "cli-screen", meeting_id)
    with requests.Session() as phone:
        page = phone.get(url, timeout=10).text
        w, t = (re.search(rf'name="{n}" value="([^"]*)"', page).group(1) for n in "wt")  # type: ignore[union-attr]
        phone.post(url.split("?")[0], data={"w": w, "t": t, "name": "张建国", "factor": "8001"})
        form = {"name": "李红", "factor": "9002", "reason": "病假"}
        phone.post(f"{url.split('?')[0]}/leave", data=form)

    csv_out, html_out = tmp_path / "签到表.csv", tmp_path / "签到表.html"
    result = publish_cli(
        live_server.url, "attendance", meeting_id, "--csv", str(csv_out), "--html", str(html_out)
    )
    assert last_line(result) == meeting_id
    assert "应到 3，出席 1，请假 1，缺席 1" in result.stdout
    assert "李红  DY002  请假  病假" in result.stdout
    assert csv_out.read_bytes().startswith("\ufeff姓名,党员编号,状态,签到时间,请假事由".encode())
    assert "会议签到表" in html_out.read_text(encoding="utf-8")

    withdrawn = publish_cli(live_server.url, "withdraw", meeting_id)
    assert last_line(withdrawn) == meeting_id
    assert requests.get(url, timeout=10).status_code == 410


@pytest.mark.parametrize(
    ("args", "code", "exit_code"),
    [
        (["--type", "茶话会"], "bad_meeting_type", 1),
        (["--type", "党课", "--start", "下周一"], "usage", 2),
        (["--type", "党课", "--signin-closes", "2020-01-01T10:00"], "invalid_meeting", 1),
    ],
)
def test_bad_meetings(
    live_server: RunningServer, args: list[str], code: str, exit_code: int
) -> None:
    ensure_branch(live_server, "某支部")
    base = {"--title": "会", "--branch": "某支部", "--start": "2099-01-01T10:00",
            "--end": "2099-01-01T11:00"}  # fmt: skip
    for arg, value in zip(args[::2], args[1::2], strict=True):
        base[arg] = value
    flat = [part for pair in base.items() for part in pair]
    if "--type" not in base:
        flat += ["--type", "党课"]
    result = publish_cli(live_server.url, "meeting", *flat)
    assert_one_line_error(result, code, exit_code)


def test_attendance_of_an_unknown_meeting(live_server: RunningServer) -> None:
    result = publish_cli(live_server.url, "attendance", "m-nothere000")
    assert_one_line_error(result, "meeting_not_found")
    assert requests.get(f"{live_server.url}/api/meetings", headers=AUTH, timeout=10).ok


def test_a_branch_is_a_node_by_name_path_or_id(live_server: RunningServer, tmp_path: Path) -> None:
    roster = write_roster_csv(tmp_path / "b.csv")
    unknown = publish_cli(live_server.url, "roster", "--branch", "没有这个支部", str(roster))
    assert_one_line_error(unknown, "node_not_found")

    def add(parent: int, kind: str, name: str) -> int:
        made = requests.post(
            f"{live_server.url}/api/org/nodes", headers=AUTH, timeout=10,
            json={"parent_id": parent, "kind": kind, "name": name},
        )  # fmt: skip
        assert made.status_code == 201, made.text
        return int(made.json()["node"]["id"])

    add(1, "党支部", "甲支部")
    twin = add(add(1, "党委", "分支党委"), "党支部", "甲支部")
    ambiguous = publish_cli(live_server.url, "roster", "--branch", "甲支部", str(roster))
    assert_one_line_error(ambiguous, "ambiguous_node")
    for branch in (f"node:{twin}", "分支党委/甲支部", str(twin)):
        result = publish_cli(live_server.url, "roster", "--branch", branch, str(roster))
        assert last_line(result) == "3", result.stderr
        assert "已导入「甲支部」名单：3 人" in result.stdout
    listed = requests.get(
        f"{live_server.url}/api/branches/node:{twin}/roster", headers=AUTH, timeout=10
    )
    assert len(listed.json()["members"]) == 3
