"""Real processes for tests: the content server and the screen, with their logs read live."""

from __future__ import annotations

import json
import os
import queue
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.demo import start_server, stop_server, wait_until_ready
from tests.support.screen_auth import bearer
from tests.support.screen_auth import screen_token as ask_screen_token

LogLine = dict[str, Any]


class ServerProcess:
    """``kiosk server`` on a free loopback port with its own data directory."""

    def __init__(self, data_dir: Path, token: str | None = None, port: int = 0) -> None:
        self.data_dir = data_dir
        self.token = token or secrets.token_urlsafe(16)
        self._screen_tokens: dict[str, str] = {}
        self.proc = start_server(data_dir, self.token, port)
        self.url = wait_until_ready(self.proc)
        self.port = int(self.url.rsplit(":", 1)[1])

    def screen_token(self, screen: str) -> str:
        """The token of ``screen`` (what ``kiosk publish ... screen-token`` prints); the
        server keeps its screen key across restarts, so tokens are asked for once."""
        if screen not in self._screen_tokens:
            self._screen_tokens[screen] = ask_screen_token(self.url, screen, self.token)
        return self._screen_tokens[screen]

    def screen_auth(self, screen: str) -> dict[str, str]:
        """The ``Authorization`` header of ``screen``'s own requests."""
        return bearer(self.screen_token(screen))

    def stop(self) -> None:
        stop_server(self.proc)

    def restart(self) -> None:
        """Stop, then start again on the same port with the same data."""
        self.stop()
        self.proc = start_server(self.data_dir, self.token, self.port)
        self.url = wait_until_ready(self.proc)


class ScreenProcess:
    """``kiosk run`` under the offscreen platform, logging JSON lines that tests wait on.

    ``token`` is the screen's token (``ServerProcess.screen_token``), passed as
    ``$KIOSK_SCREEN_TOKEN``; without it the screen runs with none.
    """

    def __init__(
        self, args: list[str], env: dict[str, str] | None = None, token: str | None = None
    ) -> None:
        full_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
        full_env.pop("KIOSK_SCREEN_TOKEN", None)
        full_env.update(env or {})
        if token is not None:
            full_env["KIOSK_SCREEN_TOKEN"] = token
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "run", "--log-json", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=full_env,
        )
        self.lines: list[LogLine] = []
        self.raw: list[str] = []
        self._queue: queue.Queue[LogLine | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.raw.append(line)
            try:
                record = json.loads(line)
            except ValueError:
                record = {"msg": line.rstrip(), "level": "RAW"}
            self._queue.put(record)
        self._queue.put(None)

    def wait_for(self, predicate: Callable[[LogLine], bool], timeout: float = 20.0) -> LogLine:
        """The first new log line matching ``predicate``; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                record = self._queue.get(timeout=max(0.0, remaining))
            except queue.Empty:
                record = None
                remaining = 0
            if record is None:
                raise AssertionError(
                    f"no matching log line within {timeout} s; last lines:\n"
                    + "".join(self.raw[-15:])
                )
            self.lines.append(record)
            if predicate(record):
                return record

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def event(name: str, **fields: Any) -> Callable[[LogLine], bool]:
    """A predicate for a log line with ``event == name`` and the given fields."""
    return lambda r: r.get("event") == name and all(r.get(k) == v for k, v in fields.items())


def run_kiosk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run one ``kiosk`` command to completion."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def publish_cli(server: ServerProcess, *args: str) -> str:
    """Run ``kiosk publish ACTION ...`` against ``server``; returns its last line (the id)."""
    # "--token=": a random token may start with "-", which argparse would take for an option
    result = run_kiosk("publish", "--server", server.url, f"--token={server.token}", *args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout.strip().splitlines()[-1]
