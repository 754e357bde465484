"""``kiosk admin screen enroll|revoke|list`` as real processes against a real server on a
loopback port: a pairing code (asked for the way a screen asks) enrolls the screen, revoking
refuses it, and every error is one line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from server_helpers import TOKEN, RunningServer, clean_env, last_line, start_server, stop_server

from tests.support.screen_auth import bearer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("enroll") / "data")
    try:
        yield running
    finally:
        stop_server(running.process)


def admin(server: RunningServer, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "admin", "--server", server.url, f"--token={TOKEN}", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )
    assert "Traceback" not in result.stderr + result.stdout
    return result


def one_line_error(result: subprocess.CompletedProcess[str], code: str, exit_code: int = 1) -> str:
    assert result.returncode == exit_code, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kiosk admin screen") and code in lines[0], lines[0]
    return lines[0]


def ask_code(server: RunningServer, screen: str) -> dict[str, Any]:
    answer = requests.post(
        f"{server.url}/api/pairings",
        json={"screen_id": screen, "display_name": "一楼大厅"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def poll(server: RunningServer, pairing: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(
        f"{server.url}/api/pairings/status", json={"handle": pairing["handle"]}, timeout=10
    )
    return dict(answer.json())


def manifest_status(server: RunningServer, screen: str, token: str) -> requests.Response:
    return requests.get(
        f"{server.url}/api/screens/{screen}/manifest", headers=bearer(token), timeout=10
    )


def test_enroll_list_and_revoke_a_screen_from_the_command_line(server: RunningServer) -> None:
    branch = last_line(admin(server, "org", "add", "第一党支部", "--kind", "党支部"))
    pairing = ask_code(server, "hall-1")
    shown = f"{pairing['code'][:3]} {pairing['code'][3:]}"

    enrolled = admin(server, "screen", "enroll", shown, "--node", "第一党支部")
    assert last_line(enrolled) == "hall-1"
    assert "屏幕 hall-1（一楼大厅）已登记到「本级党组织/第一党支部」" in enrolled.stdout
    token = poll(server, pairing)["token"]
    assert manifest_status(server, "hall-1", token).status_code == 200

    listing = admin(server, "screen", "list")
    assert last_line(listing) == "1"
    [line] = [each for each in listing.stdout.splitlines() if each.startswith("hall-1")]
    assert "〔本级党组织/第一党支部〕" in line and "已登记" in line

    again = admin(server, "screen", "enroll", pairing["code"], "--node", branch)
    one_line_error(again, "pairing_not_found")
    missing = admin(server, "screen", "enroll", "123456", "--node", "第九党支部")
    one_line_error(missing, "node_not_found")
    usage = admin(server, "screen", "enroll", "--node", branch)
    one_line_error(usage, "用法错误", exit_code=2)

    revoked = admin(server, "screen", "revoke", "hall-1")
    assert last_line(revoked) == "hall-1" and "已停用" in revoked.stdout
    refused = manifest_status(server, "hall-1", token)
    assert refused.status_code == 403 and refused.json()["code"] == "screen_revoked"
    assert "早已停用" in admin(server, "screen", "revoke", "hall-1").stdout
    assert "已停用（撤销登记）" in admin(server, "screen", "list").stdout
    one_line_error(admin(server, "screen", "revoke", "一楼 大厅"), "bad_screen_id")
