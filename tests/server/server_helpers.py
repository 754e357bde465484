"""Helpers shared by the content server tests (imported by the tests and conftest)."""

from __future__ import annotations

import io
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from fastapi.testclient import TestClient
from PIL import Image

from content_server.events import ChangeNotifier
from tests.support.screen_auth import screen_auth as _screen_auth

TOKEN = "test-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
READY = re.compile(r"content server ready on (http://[\w.:\[\]]+)")
START_SECONDS = 30.0
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class FakeClock:
    """A clock the tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class RecordingNotifier(ChangeNotifier):
    """Remembers every notification (and still fans it out)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[list[str], int]] = []

    def notify_changed(self, targets: Iterable[str], revision: int) -> None:
        targets = list(targets)
        self.calls.append((sorted(targets), revision))
        super().notify_changed(targets, revision)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    """A small real image in ``fmt``, with some detail so it is not trivially tiny."""
    image = Image.new("RGB", size, (183, 25, 15))
    for x in range(0, size[0], 4):
        image.putpixel((x, x % size[1]), (245, 197, 66))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def upload(client: TestClient, data: bytes, filename: str = "poster.png", **params: str) -> Any:
    """POST /api/assets with ``data`` as the multipart field ``file``; returns the response."""
    return client.post("/api/assets", headers=AUTH, params=params, files={"file": (filename, data)})


def publish(client: TestClient, **payload: Any) -> dict[str, Any]:
    """POST /api/items and insist on 201; returns ``{"id", "revision"}``."""
    response = client.post("/api/items", headers=AUTH, json=payload)
    assert response.status_code == 201, response.text
    return dict(response.json())


def poster_payload(client: TestClient, **fields: Any) -> dict[str, Any]:
    """A poster payload for a freshly uploaded image; ``fields`` override."""
    ref = upload(client, image_bytes()).json()
    payload = {"kind": "poster", "title": "海报", "to": "all", "image": {"sha256": ref["sha256"]}}
    return payload | fields


def screen_auth(server: TestClient | str, screen: str = "screen-1") -> dict[str, str]:
    """The ``Authorization`` header of ``screen`` (``server``: a TestClient or a base URL)."""
    return _screen_auth(server, screen, TOKEN)


def get_manifest(
    server: TestClient | str, screen: str = "screen-1", headers: dict[str, str] | None = None
) -> Any:
    """GET a screen's manifest as the screen does (with its token); returns the response."""
    path = f"/api/screens/{screen}/manifest"
    sent = {**screen_auth(server, screen), **(headers or {})}
    if isinstance(server, str):
        return requests.get(server + path, headers=sent, timeout=10)
    return server.get(path, headers=sent)


def manifest(client: TestClient | str, screen: str = "screen-1") -> dict[str, Any]:
    """GET a screen's manifest (with its token) and insist on 200."""
    response = get_manifest(client, screen)
    assert response.status_code == 200, response.text
    return dict(response.json())


# --- a real server process ---------------------------------------------------------------


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen[str]
    data_dir: Path
    log_lines: list[str]
    token: str = TOKEN  # the admin token


def clean_env() -> dict[str, str]:
    secrets_env = ("KIOSK_TOKEN", "KIOSK_ADMIN_TOKEN", "KIOSK_SCREEN_KEY", "KIOSK_SCREEN_TOKEN")
    env = {k: v for k, v in os.environ.items() if k not in secrets_env}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_server(
    data_dir: Path, token: str = TOKEN, env: dict[str, str] | None = None
) -> RunningServer:
    """``python -m content_server.cli server --port 0``; waits for its ready line and /healthz."""
    command = [sys.executable, "-m", "content_server.cli", "server", "--data", str(data_dir)]
    command += ["--host", "127.0.0.1", "--port", "0", "--admin-token", token]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env or clean_env(),
    )
    lines: queue.Queue[str | None] = queue.Queue()
    log_lines: list[str] = []

    def pump() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log_lines.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    server = RunningServer(_wait_ready(lines, process), process, data_dir, log_lines, token)
    _wait_healthy(server.url)
    return server


def _wait_ready(lines: queue.Queue[str | None], process: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if line is None:
            break
        match = READY.search(line)
        if match:
            return match.group(1)
    stop_server(process)
    raise AssertionError("the content server did not report ready")


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{url}/healthz never answered 200")


def stop_server(process: subprocess.Popen[str]) -> int:
    """SIGTERM, then SIGKILL after 10 s; returns the exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


# --- the command line as a real process ---------------------------------------------------

CLI = [sys.executable, "-m", "content_server.cli"]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=60, env=env or clean_env()
    )
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    return result


def publish_cli(server: str, *args: str, token: str = TOKEN) -> subprocess.CompletedProcess[str]:
    return run_cli("publish", "--server", server, "--token", token, *args)


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: str, exit_code: int = 1):  # noqa: ANN201
    assert result.returncode == exit_code, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert code in lines[0]
    assert lines[0].startswith("kiosk publish")


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]
