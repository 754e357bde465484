"""``kiosk server`` and ``kiosk publish`` as real processes (``python -m content_server.cli``)
against a real server on a loopback port."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from server_helpers import (
    ID_RE,
    TOKEN,
    RunningServer,
    assert_one_line_error,
    clean_env,
    get_manifest,
    image_bytes,
    last_line,
    publish_cli,
    run_cli,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.e2e


def manifest_items(server: RunningServer, screen: str) -> dict[str, dict]:
    response = get_manifest(server.url, screen)
    response.raise_for_status()
    return {item["id"]: item for item in response.json()["items"]}


@pytest.fixture
def poster_file(tmp_path: Path) -> Path:
    path = tmp_path / "初心.jpg"
    path.write_bytes(image_bytes("JPEG", (90, 160)))
    return path


def test_publish_poster_prints_the_id_last(live_server: RunningServer, poster_file: Path) -> None:
    result = publish_cli(
        live_server.url,
        "poster",
        str(poster_file),
        "--title",
        "不忘初心",
        "--to",
        "cli-screen",
        "--from",
        "2026-12-01 08:00",
        "--priority",
        "5",
    )
    item_id = last_line(result)
    assert ID_RE.match(item_id) and item_id.startswith("p-")
    item = manifest_items(live_server, "cli-screen")[item_id]
    assert item["title"] == "不忘初心"
    assert item["valid_from"] == "2026-12-01T08:00:00+08:00"
    assert item["priority"] == 5
    assert item["image"]["media_type"] == "image/jpeg"
    assert item_id not in manifest_items(live_server, "another-screen")


def test_a_holiday_poster_is_tagged_with_its_days(
    live_server: RunningServer, poster_file: Path
) -> None:
    result = publish_cli(
        live_server.url, "poster", str(poster_file), "--title", "国庆节",
        "--show-on", "10-01", "--show-on", "5-4", "--festive", "--to", "holiday-screen",
    )  # fmt: skip
    item = manifest_items(live_server, "holiday-screen")[last_line(result)]
    assert item["show_on"] == ["10-01", "05-04"] and item["festive"] is True


def test_a_bad_show_on_day_is_refused_before_uploading(
    live_server: RunningServer, poster_file: Path
) -> None:
    result = publish_cli(
        live_server.url, "poster", str(poster_file), "--title", "x", "--show-on", "02-30",
        "--to", "bad-day-screen",
    )  # fmt: skip
    assert_one_line_error(result, "usage", exit_code=2)
    assert "--show-on" in result.stderr
    assert manifest_items(live_server, "bad-day-screen") == {}


def test_publish_notice_and_withdraw_it(live_server: RunningServer) -> None:
    result = publish_cli(
        live_server.url,
        "notice",
        "--text",
        "本周五下午三点召开支部党员大会",
        "--urgent",
        "--until",
        "2099-01-01T00:00+08:00",
    )
    item_id = last_line(result)
    item = manifest_items(live_server, "cli-screen")[item_id]
    assert item["urgent"] is True
    assert item["title"] == "通知公告"

    withdrawn = publish_cli(live_server.url, "withdraw", item_id)
    assert last_line(withdrawn) == item_id
    assert item_id not in manifest_items(live_server, "cli-screen")


def test_options_may_follow_the_action(live_server: RunningServer) -> None:
    result = run_cli(
        "publish", "notice", "--text", "后置参数", "--server", live_server.url, "--token", TOKEN
    )
    assert ID_RE.match(last_line(result))


def test_token_from_the_environment(live_server: RunningServer) -> None:
    env = clean_env() | {"KIOSK_TOKEN": TOKEN}
    result = run_cli(
        "publish", "--server", live_server.url, "notice", "--text", "环境变量", env=env
    )
    assert ID_RE.match(last_line(result))


def test_server_down(closed_port_url: str, poster_file: Path) -> None:
    result = publish_cli(closed_port_url, "poster", str(poster_file), "--title", "t")
    assert_one_line_error(result, "connection_failed")
    assert "无法连接服务器" in result.stderr


def test_wrong_token(live_server: RunningServer) -> None:
    result = publish_cli(live_server.url, "notice", "--text", "t", token="wrong")
    assert_one_line_error(result, "unauthorized")
    assert "令牌无效或缺失" in result.stderr


def test_not_an_image(live_server: RunningServer, tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("这不是图片", encoding="utf-8")
    result = publish_cli(live_server.url, "poster", str(text), "--title", "t")
    assert_one_line_error(result, "not_an_image")
    assert result.stdout == ""


def test_missing_file(live_server: RunningServer, tmp_path: Path) -> None:
    result = publish_cli(live_server.url, "poster", str(tmp_path / "gone.png"), "--title", "t")
    assert_one_line_error(result, "file_not_found")


def test_unknown_item(live_server: RunningServer) -> None:
    result = publish_cli(live_server.url, "withdraw", "p-doesnotexist")
    assert_one_line_error(result, "item_not_found")


def test_server_side_validation_error(live_server: RunningServer) -> None:
    result = publish_cli(
        live_server.url, "notice", "--text", "t", "--from", "2030-01-02", "--until", "2030-01-01"
    )
    assert_one_line_error(result, "invalid_item")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["notice", "--text", "t", "--from", "next week"], "--from"),
        (["notice", "--text", "t", "--until", "2026-13-01"], "--until"),
        (["notice"], "--text"),
        (["poster", "x.png"], "--title"),
        (["notice", "--text", "t", "--priority", "high"], "--priority"),
        (["explode"], "explode"),
        ([], "ACTION"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(
    closed_port_url: str, args: list[str], needle: str
) -> None:
    result = publish_cli(closed_port_url, *args)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]


def test_missing_token_is_a_usage_error(closed_port_url: str) -> None:
    result = run_cli("publish", "--server", closed_port_url, "notice", "--text", "t")
    assert_one_line_error(result, "KIOSK_TOKEN", exit_code=2)


def test_bad_server_url(live_server: RunningServer) -> None:
    result = publish_cli("127.0.0.1:8080", "notice", "--text", "t")
    assert_one_line_error(result, "bad_server_url")


def test_server_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    result = run_cli("server", "--data", str(tmp_path / "data"), "--port", "0")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "KIOSK_ADMIN_TOKEN" in lines[0]


def test_server_reports_a_port_in_use(live_server: RunningServer, tmp_path: Path) -> None:
    port = live_server.url.rsplit(":", 1)[1]
    result = run_cli(
        "server", "--data", str(tmp_path / "d"), "--port", port, "--admin-token", TOKEN
    )
    assert result.returncode == 1
    assert "start_failed" in result.stderr.strip().splitlines()[-1]


def test_server_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    assert requests.get(f"{server.url}/healthz", timeout=5).json() == {"status": "ok"}
    assert stop_server(server.process) == 0
    output = "".join(server.log_lines)
    assert "content server stopped" in output
    assert "Traceback" not in output
