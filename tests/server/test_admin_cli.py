"""``kiosk admin org ...`` and ``kiosk admin screen assign`` as real processes (``python -m
kiosk``) against a real server on a loopback port; ``kiosk publish ... --to node:NAME``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_helpers import (
    TOKEN,
    RunningServer,
    clean_env,
    get_manifest,
    last_line,
    publish_cli,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server of this module's own, so the tree holds only what these tests made."""
    running = start_server(tmp_path_factory.mktemp("admin") / "data")
    try:
        yield running
    finally:
        stop_server(running.process)


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )
    assert "Traceback" not in result.stderr + result.stdout
    return result


def admin(server: RunningServer, *args: str) -> subprocess.CompletedProcess[str]:
    return kiosk("admin", "--server", server.url, f"--token={TOKEN}", *args)


def one_line_error(result: subprocess.CompletedProcess[str], code: str, exit_code: int = 1) -> str:
    assert result.returncode == exit_code, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kiosk admin") and code in lines[0], lines[0]
    return lines[0]


def texts(server: RunningServer, screen: str) -> list[str]:
    response = get_manifest(server.url, screen)
    assert response.status_code == 200, response.text
    return [item["text"] for item in response.json()["items"]]


def test_build_a_tree_assign_screens_publish_to_a_branch(server: RunningServer) -> None:
    committee = last_line(admin(server, "org", "add", "机关党委", "--kind", "党委"))
    branch_a = last_line(
        admin(server, "org", "add", "第一党支部", "--kind", "党支部", "--parent", "机关党委")
    )
    branch_b = last_line(
        admin(server, "org", "add", "第二党支部", "--kind", "党支部", "--parent", committee)
    )
    assigned = admin(server, "screen", "assign", "screen-a", "--node", "机关党委/第一党支部")
    assert "屏幕 screen-a 已归属「本级党组织/机关党委/第一党支部」" in assigned.stdout
    assert int(last_line(assigned)) > 0
    last_line(admin(server, "screen", "assign", "screen-b", "--node", branch_b))

    listing = admin(server, "org", "list")
    assert listing.returncode == 0
    assert listing.stdout.splitlines()[:4] == [
        "本级党组织  党委 · 编号 1 · 屏幕 0（含下级共 2）",
        f"  机关党委  党委 · 编号 {committee} · 屏幕 0（含下级共 2）",
        f"    第一党支部  党支部 · 编号 {branch_a} · 屏幕 1",
        f"    第二党支部  党支部 · 编号 {branch_b} · 屏幕 1",
    ]

    to_a = publish_cli(server.url, "notice", "--text", "一支部学习", "--to", "node:第一党支部")
    assert "到组织「第一党支部」" in to_a.stdout
    last_line(to_a)
    last_line(publish_cli(server.url, "notice", "--text", "党委通知", "--to", f"node:{committee}"))
    assert texts(server, "screen-a") == ["一支部学习", "党委通知"]
    assert texts(server, "screen-b") == ["党委通知"]

    moved = admin(server, "screen", "assign", "screen-a", "--node", "第二党支部")
    assert int(last_line(moved)) > int(last_line(assigned))
    assert texts(server, "screen-a") == ["党委通知"]


def test_rename_move_and_remove(server: RunningServer) -> None:
    top = last_line(admin(server, "org", "add", "后勤党委", "--kind", "党委"))
    general = last_line(
        admin(server, "org", "add", "后勤总支", "--kind", "党总支", "--parent", top)
    )
    renamed = admin(server, "org", "rename", general, "后勤党总支")
    assert "已把「后勤总支」改为党总支「后勤党总支」" in renamed.stdout
    assert last_line(renamed) == general
    other = last_line(admin(server, "org", "add", "教学党委", "--kind", "党委"))
    moved = admin(server, "org", "move", "后勤党总支", "--parent", "教学党委")
    assert last_line(moved) == general and "移到「教学党委」下" in moved.stdout
    listing = admin(server, "org", "list").stdout
    assert f"    后勤党总支  党总支 · 编号 {general} · 屏幕 0" in listing.splitlines()
    removed = admin(server, "org", "remove", general)
    assert last_line(removed) == general
    assert "后勤党总支" not in admin(server, "org", "list").stdout
    assert last_line(admin(server, "org", "remove", other)) == other


def test_errors_are_one_line_with_a_non_zero_exit(server: RunningServer, tmp_path: Path) -> None:
    top = last_line(admin(server, "org", "add", "城关镇党委", "--kind", "党委"))
    branch = last_line(
        admin(server, "org", "add", "社区党支部", "--kind", "党支部", "--parent", top)
    )
    last_line(admin(server, "org", "add", "社区党支部", "--kind", "党支部"))  # a namesake
    last_line(admin(server, "screen", "assign", "community-1", "--node", branch))

    line = one_line_error(admin(server, "org", "remove", "城关镇党委"), "node_not_empty")
    assert "下级组织 1 个（社区党支部）" in line
    line = one_line_error(admin(server, "org", "remove", branch), "node_not_empty")
    assert "屏幕 1 块（community-1）" in line
    line = one_line_error(admin(server, "org", "remove", "社区党支部"), "ambiguous_node")
    assert f"编号 {branch}：本级党组织/城关镇党委/社区党支部" in line
    one_line_error(admin(server, "org", "move", top, "--parent", branch), "move_into_own_subtree")
    one_line_error(admin(server, "org", "remove", "1"), "root_node")
    one_line_error(admin(server, "org", "rename", "9999", "新名"), "node_not_found")
    one_line_error(admin(server, "org", "add", "x", "--kind", "支部"), "用法错误", 2)
    one_line_error(admin(server, "org", "add", "x", "--kind", "党支部", "--parent", "无"), "node_")
    one_line_error(admin(server, "org", "add", "  ", "--kind", "党支部"), "bad_name")
    one_line_error(admin(server, "screen", "assign", "all", "--node", top), "reserved_screen_id")
    one_line_error(admin(server, "org", "frobnicate"), "用法错误", 2)
    no_token = kiosk("admin", "--server", server.url, "org", "list")
    one_line_error(no_token, "usage", 2)
    wrong = kiosk("admin", "--server", server.url, "--token=wrong-token", "org", "list")
    one_line_error(wrong, "unauthorized")
    with_nothing = kiosk(
        "admin", "--server", "http://127.0.0.1:9", f"--token={TOKEN}", "org", "list"
    )
    one_line_error(with_nothing, "connection_failed")


def test_publish_to_an_unknown_node_is_one_line_before_any_upload(
    server: RunningServer, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.png"  # never read: the node is looked up first
    result = publish_cli(
        server.url, "poster", str(missing), "--title", "x", "--to", "node:无此组织"
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "node_not_found" in lines[0] and "无此组织" in lines[0]


def test_bare_kiosk_lists_admin() -> None:
    result = kiosk()
    assert result.returncode == 0 and "admin" in result.stdout
