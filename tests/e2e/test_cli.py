"""The command line as a person meets it: one clear line, never a traceback."""

import os
import subprocess
import sys

import pytest

from tests.support.processes import run_kiosk


def without_display():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    return env


@pytest.mark.parametrize("command", [["demo"], ["run", "--cache", "CACHE"]])
def test_no_display_says_how_to_run_headless(command, tmp_path):
    args = [str(tmp_path) if a == "CACHE" else a for a in command]
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True, text=True, env=without_display(), timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "QT_QPA_PLATFORM=offscreen" in lines[0]


def test_bare_kiosk_lists_its_commands():
    result = run_kiosk()
    assert result.returncode == 0, result.stderr
    for command in ("run", "sync", "demo", "server", "publish"):
        assert f"    {command} " in result.stdout, command
    assert result.stderr == ""


def test_bad_config_names_the_key(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text("poll_seconds = 'often'\n")
    result = run_kiosk("run", "--config", str(config))
    assert result.returncode == 2
    assert "poll_seconds" in result.stderr and "Traceback" not in result.stderr


def test_every_bad_config_key_in_one_line_with_a_suggestion(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('windowed = "yes"\nsrever = "http://10.0.0.5:8080"\n')
    result = run_kiosk("run", "--config", str(config))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "'windowed' must be true or false" in line
    assert "'srever' is not a setting (did you mean 'server'?)" in line


def test_sync_once_against_a_dead_server_fails_in_one_line(tmp_path):
    result = run_kiosk(
        "sync", "--once", "--server", "http://127.0.0.1:9", "--screen", "s1",
        "--cache", str(tmp_path / "cache"),
    )  # fmt: skip
    assert result.returncode == 1
    assert "unreachable" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("stop_at", ["demo content server at", "item_shown"])
def test_demo_stopped_at_any_moment_leaves_no_folder_and_no_server(tmp_path, stop_at):
    """SIGTERM while the demo publishes, or once its screen shows content: the server
    child stops and the demo's temporary folder is removed."""
    import signal

    env = {**os.environ, "TMPDIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    demo = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "demo", "--log-json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert demo.stderr is not None
        for line in demo.stderr:
            if stop_at in line:
                break
        assert list(tmp_path.glob("kiosk-demo-*")), "the demo made no folder"
        demo.send_signal(signal.SIGTERM)
        demo.stderr.read()
        assert demo.wait(30) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
    assert list(tmp_path.glob("kiosk-demo-*")) == []
    servers = subprocess.run(["pgrep", "-f", f"--data {tmp_path}"], capture_output=True)
    assert servers.stdout == b""
