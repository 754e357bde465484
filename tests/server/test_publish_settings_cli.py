"""``kiosk publish screen``, ``emergency-stop`` and ``emergency-resume`` as real processes
against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from server_helpers import (
    TOKEN,
    RunningServer,
    assert_one_line_error,
    get_manifest,
    last_line,
    publish_cli,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server of its own, for tests that change the settings of all screens."""
    server = start_server(tmp_path / "data")
    try:
        yield server
    finally:
        stop_server(server.process)


def screen_manifest(server: RunningServer, screen: str) -> dict[str, Any]:
    response = get_manifest(server.url, screen)
    response.raise_for_status()
    return dict(response.json())


def stopped(server: RunningServer, screen: str) -> bool:
    return bool(screen_manifest(server, screen)["settings"]["emergency_stop"])


def test_screen_settings_from_the_command_line(live_server: RunningServer) -> None:
    result = publish_cli(
        live_server.url,
        "screen",
        "--to",
        "cli-settings",
        "--org-name",
        "第一党支部",
        "--theme",
        "solemn",
        "--orientation",
        "portrait",
        "--poster-seconds",
        "15",
        "--power",
        "1-5 07:30-18:00",
        "--power",
        "6,7 09:00-12:00",
        "--mourning-date",
        "2026-04-04",
        "--timezone",
        "Asia/Shanghai",
    )
    revision = int(last_line(result))
    manifest = screen_manifest(live_server, "cli-settings")
    assert manifest["revision"] == revision
    settings = manifest["settings"]
    assert settings["org_name"] == "第一党支部"
    assert settings["theme"] == "solemn"
    assert settings["orientation"] == "portrait"
    assert settings["poster_seconds"] == 15
    assert settings["power"] == [
        {"weekdays": [1, 2, 3, 4, 5], "on": "07:30:00", "off": "18:00:00"},
        {"weekdays": [6, 7], "on": "09:00:00", "off": "12:00:00"},
    ]
    assert settings["mourning_dates"] == ["2026-04-04"]
    assert f"已更新屏幕 cli-settings 的设置（版本 {revision}）" in result.stdout
    assert "开关机：周一至周五 07:30 开机，18:00 关机；周六、周日 09:00 开机" in result.stdout


def test_no_power_clear_and_showing_the_settings(live_server: RunningServer) -> None:
    publish_cli(live_server.url, "screen", "--to", "cli-clear", "--power", "1-5 08:00-17:00")
    cleared = publish_cli(
        live_server.url, "screen", "--to", "cli-clear", "--no-power", "--org-name", "二支部"
    )
    assert screen_manifest(live_server, "cli-clear")["settings"]["power"] == []
    assert "开关机：不限（一直开机）〔本屏幕〕" in cleared.stdout
    publish_cli(live_server.url, "screen", "--to", "cli-clear", "--clear", "org-name")
    shown = publish_cli(live_server.url, "screen", "--to", "cli-clear")
    assert "屏幕 cli-clear 的当前设置" in shown.stdout
    assert "单位名称：" in shown.stdout
    assert "二支部" not in shown.stdout
    assert int(last_line(shown)) == screen_manifest(live_server, "cli-clear")["revision"]


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--power", "1-8 07:30-18:00"], ["--power '1-8 07:30-18:00'", "7（周日）"]),
        (["--power", "1-5 7.30-18.00"], ["星期 开机-关机"]),
        (
            ["--power", "1-5 07:30", "--power", "1-5 08:00-25:00", "--mourning-date", "4月4日"],
            ["'1-5 07:30'", "'1-5 08:00-25:00'", "--mourning-date"],
        ),
        (["--power", "1-5 07:30-18:00", "--no-power"], ["不能同时使用"]),
        (["--poster-seconds", "1"], ["--poster-seconds 应在 2 到 3600 秒之间"]),
        (["--poster-seconds", "ten"], ["--poster-seconds 应为秒数"]),
        (["--timezone", "Beijing time"], ["--timezone 格式不正确"]),
        (["--theme", "rainbow"], ["--theme"]),
        (["--org-name", "x", "--clear", "org-name"], ["矛盾"]),
    ],
)
def test_bad_options_are_one_line_before_any_request(
    closed_port_url: str, args: list[str], needles: list[str]
) -> None:
    # Nobody listens on the port: a request would fail with connection_failed (exit 1).
    result = publish_cli(closed_port_url, "screen", "--to", "s1", *args)
    assert result.returncode == 2, result
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("kiosk publish screen")
    for needle in needles:
        assert needle in line


@pytest.mark.parametrize("action", ["screen", "emergency-stop", "emergency-resume"])
def test_a_bad_target_is_a_usage_error(closed_port_url: str, action: str) -> None:
    result = publish_cli(closed_port_url, action, "--to", "第一/支部")
    assert_one_line_error(result, "--to", exit_code=2)


def test_screen_needs_a_target(closed_port_url: str) -> None:
    result = publish_cli(closed_port_url, "screen", "--theme", "solemn")
    assert result.returncode == 2
    assert "--to" in result.stderr


def test_server_side_settings_errors_are_one_line(live_server: RunningServer) -> None:
    result = publish_cli(live_server.url, "screen", "--to", "cli-tz", "--timezone", "Mars/Base")
    assert_one_line_error(result, "unknown_timezone")


def test_emergency_stop_and_resume_one_screen(live_server: RunningServer) -> None:
    stop = publish_cli(live_server.url, "emergency-stop", "--to", "cli-stop")
    assert "已紧急停播屏幕 cli-stop" in stop.stdout
    assert "emergency-resume --to cli-stop" in stop.stdout
    assert int(last_line(stop)) == screen_manifest(live_server, "cli-stop")["revision"]
    assert stopped(live_server, "cli-stop")
    assert not stopped(live_server, "cli-other")

    again = publish_cli(live_server.url, "emergency-stop", "--to", "cli-stop")
    assert "此前已在紧急停播中" in again.stdout
    assert last_line(again) == last_line(stop)

    resume = publish_cli(live_server.url, "emergency-resume", "--to", "cli-stop")
    assert "已恢复屏幕 cli-stop 的播出" in resume.stdout
    assert int(last_line(resume)) > int(last_line(stop))
    assert not stopped(live_server, "cli-stop")


def test_a_stop_for_all_screens_wins_over_a_screens_own_settings(
    fresh_server: RunningServer,
) -> None:
    url = fresh_server.url
    publish_cli(url, "emergency-resume", "--to", "screen-a")  # own: no stop
    publish_cli(url, "emergency-stop", "--to", "screen-b")  # own: stop
    stop = publish_cli(url, "emergency-stop")  # --to all is the default
    assert "已紧急停播全部屏幕" in stop.stdout
    revision = int(last_line(stop))
    for screen in ("screen-a", "screen-b", "never-configured"):
        manifest = screen_manifest(fresh_server, screen)
        assert manifest["settings"]["emergency_stop"] is True
        assert manifest["revision"] == revision

    one = publish_cli(url, "emergency-resume", "--to", "screen-b")
    assert "全部屏幕的紧急停播仍在生效，该屏幕仍不播出" in one.stdout
    assert stopped(fresh_server, "screen-b")

    publish_cli(url, "emergency-stop", "--to", "screen-b")
    resume = publish_cli(url, "emergency-resume", "--to", "all")
    assert "已恢复全部屏幕的播出" in resume.stdout
    assert "仍有 1 块屏幕单独停播，没有恢复：screen-b" in resume.stdout
    assert not stopped(fresh_server, "screen-a")
    assert stopped(fresh_server, "screen-b")


def test_settings_for_all_screens_and_the_screens_that_override_them(
    fresh_server: RunningServer,
) -> None:
    url = fresh_server.url
    publish_cli(url, "screen", "--to", "screen-a", "--theme", "party-red")
    result = publish_cli(url, "screen", "--to", "all", "--theme", "solemn", "--org-name", "党委")
    assert "已更新全部屏幕的设置" in result.stdout
    assert "有 1 块屏幕自己（或其所在的下级组织）设置了主题，不受这次修改影响" in result.stdout
    assert "--clear theme" in result.stdout
    revision = int(last_line(result))
    a, b = screen_manifest(fresh_server, "screen-a"), screen_manifest(fresh_server, "screen-b")
    assert (a["settings"]["theme"], b["settings"]["theme"]) == ("party-red", "solemn")
    assert a["settings"]["org_name"] == b["settings"]["org_name"] == "党委"
    assert a["revision"] == b["revision"] == revision


def _api(server: RunningServer, method: str, path: str, token: str = TOKEN, **kw: Any) -> Any:
    answer = requests.request(
        method, server.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10, **kw
    )
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def _branch_publisher(server: RunningServer) -> tuple[dict[str, int], str]:
    """机关党委 → 第一党支部 (screen-a), 第二党支部 (screen-b), and a personal token of 王书记,
    publisher of 第一党支部."""

    def add(parent: int, kind: str, name: str) -> int:
        body = {"parent_id": parent, "kind": kind, "name": name}
        return int(_api(server, "POST", "/api/org/nodes", json=body)["node"]["id"])

    committee = add(1, "党委", "机关党委")
    ids = {"committee": committee, "a": add(committee, "党支部", "第一党支部")}
    ids["b"] = add(committee, "党支部", "第二党支部")
    for screen, node in (("screen-a", ids["a"]), ("screen-b", ids["b"])):
        _api(server, "PUT", f"/api/screens/{screen}/node", json={"node_id": node})
    password = "正确的密码-correct-horse"
    account = {"name": "王书记", "password": password, "node_id": ids["a"]}
    _api(server, "POST", "/api/accounts", json=account)
    grant = {"node_id": ids["a"], "role": "publisher"}
    _api(server, "POST", "/api/accounts/王书记/grants", json=grant)
    session = _api(server, "POST", "/api/login", json={"name": "王书记", "password": password})
    token = _api(server, "POST", "/api/me/tokens", token=session["token"], json={"label": "cli"})
    return ids, str(token["token"])


def test_a_branch_publisher_stops_and_resumes_its_own_branch_by_name(
    fresh_server: RunningServer,
) -> None:
    url = fresh_server.url
    ids, token = _branch_publisher(fresh_server)
    stop = publish_cli(url, "emergency-stop", "--to", "node:第一党支部", token=token)
    said = f"已紧急停播组织「第一党支部」（编号 {ids['a']}）及其下级的全部屏幕"
    assert said in stop.stdout, stop.stderr
    assert f"恢复：kiosk publish emergency-resume --to node:{ids['a']}" in stop.stdout
    assert stopped(fresh_server, "screen-a") and not stopped(fresh_server, "screen-b")
    assert int(last_line(stop)) == screen_manifest(fresh_server, "screen-a")["revision"]

    sibling = publish_cli(url, "emergency-stop", "--to", "node:第二党支部", token=token)
    assert_one_line_error(sibling, "node_not_found")
    by_id = publish_cli(url, "emergency-stop", "--to", f"node:{ids['b']}", token=token)
    assert_one_line_error(by_id, "node_not_found")
    everyone = publish_cli(url, "emergency-stop", "--to", "all", token=token)
    assert_one_line_error(everyone, "forbidden")
    assert not stopped(fresh_server, "screen-b") and not stopped(fresh_server, "never-seen")

    publish_cli(url, "emergency-stop", "--to", f"node:{ids['committee']}")  # the superuser
    resume = publish_cli(url, "emergency-resume", "--to", f"node:{ids['a']}", token=token)
    assert f"已取消组织「第一党支部」（编号 {ids['a']}）的单独停播" in resume.stdout
    assert "但组织「机关党委」的紧急停播仍在生效，这些屏幕仍不播出" in resume.stdout
    assert f"emergency-resume --to node:{ids['committee']}" in resume.stdout
    assert stopped(fresh_server, "screen-a")

    assert last_line(publish_cli(url, "emergency-stop", "--to", "node:第一党支部", token=token))
    up = publish_cli(url, "emergency-resume", "--to", f"node:{ids['committee']}")
    assert "已恢复组织「机关党委」" in up.stdout
    assert "下级组织 「第一党支部」" in up.stdout and f"--to node:{ids['a']}" in up.stdout
    assert stopped(fresh_server, "screen-a") and not stopped(fresh_server, "screen-b")


def test_settings_of_a_node_from_the_command_line(fresh_server: RunningServer) -> None:
    url = fresh_server.url
    ids, token = _branch_publisher(fresh_server)
    publish_cli(url, "screen", "--to", "all", "--org-name", "中共示范街道委员会")
    publish_cli(url, "screen", "--to", "screen-a", "--poster-seconds", "20")
    result = publish_cli(
        url, "screen", "--to", "node:第一党支部", "--theme", "solemn", "--poster-seconds", "12",
        token=token,
    )  # fmt: skip
    assert f"已更新组织「第一党支部」（编号 {ids['a']}）的设置" in result.stdout, result.stderr
    assert "主题：solemn〔本组织〕" in result.stdout
    assert "单位名称：中共示范街道委员会〔全部屏幕〕" in result.stdout
    assert "有 1 块屏幕自己（或其所在的下级组织）设置了海报停留" in result.stdout
    a, b = screen_manifest(fresh_server, "screen-a"), screen_manifest(fresh_server, "screen-b")
    assert (a["settings"]["theme"], b["settings"]["theme"]) == ("solemn", "party-red")
    assert a["settings"]["poster_seconds"] == 20  # its own wins

    shown = publish_cli(url, "screen", "--to", "screen-a", token=token)
    assert "主题：solemn〔组织「第一党支部」〕" in shown.stdout
    assert "海报停留：20 秒〔本屏幕〕" in shown.stdout
