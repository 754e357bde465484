"""``kiosk admin keys list|add|retire`` as real processes (``python -m kiosk``) against a real
server on a loopback port; the printed ``server_keys`` line is a valid screen setting."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Iterator

import pytest
from server_helpers import TOKEN, RunningServer, clean_env, last_line, start_server, stop_server

from kiosk.core.config import load_config

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("keys") / "data")
    try:
        yield running
    finally:
        stop_server(running.process)


def keys(server: RunningServer, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "admin", "--server", server.url, f"--token={TOKEN}"]
        + ["keys", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )
    assert "Traceback" not in result.stderr + result.stdout
    return result


def test_list_add_and_retire(server: RunningServer, tmp_path) -> None:
    listed = keys(server, "list")
    config_line = last_line(listed)
    [first] = tomllib.loads(config_line)["server_keys"]
    first_id = listed.stdout.split()[0]
    assert first in listed.stdout and "签名密钥 1 个" in listed.stdout
    (tmp_path / "kiosk.toml").write_text(config_line + "\n", encoding="utf-8")
    assert load_config(tmp_path / "kiosk.toml", {}).server_keys == [first]

    added = last_line(keys(server, "add"))
    assert added != first_id and tomllib.loads(last_line(keys(server, "list")))["server_keys"][0]
    assert len(tomllib.loads(last_line(keys(server, "list")))["server_keys"]) == 2

    retired = keys(server, "retire", first_id)
    assert last_line(retired) == first_id and added in retired.stdout
    [left] = tomllib.loads(last_line(keys(server, "list")))["server_keys"]
    assert left != first


def test_the_last_key_and_an_unknown_key_are_one_line_errors(server: RunningServer) -> None:
    only = keys(server, "list").stdout.split()[0]
    for args, code in (
        (("retire", only), "last_signing_key"),
        (("retire", "0123456789abcdef"), "signing_key_not_found"),
    ):
        result = keys(server, *args)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1, result.stderr
        assert lines[0].startswith("kiosk admin keys retire") and code in lines[0]
