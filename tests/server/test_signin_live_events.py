"""The live count as server-sent events, against a real server process."""

from __future__ import annotations

import json
import queue
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from server_helpers import TOKEN, RunningServer, start_server, stop_server

from tests.support.signin import create_meeting, import_roster, qr_url

pytestmark = pytest.mark.e2e
WAIT = 15.0


class LiveStream:
    """Reads ``/api/meetings/{id}/live/events`` on a thread; each ``data:`` line is queued.

    A plain socket speaking HTTP/1.0 (no chunked framing), so closing it from the test
    unblocks the reader at once.
    """

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
        self.sock.sendall(f"GET {parts.path} HTTP/1.0\r\nHost: {parts.netloc}\r\n\r\n".encode())
        self.events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.status = ""
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        try:
            with self.sock.makefile("r", encoding="utf-8", newline="\n") as lines:
                self.status = lines.readline().strip()
                for line in lines:
                    if line.startswith("data: "):
                        self.events.put(json.loads(line.removeprefix("data: ")))
        except (OSError, ValueError):  # closed under the reader
            pass
        self.events.put(None)

    def next(self) -> dict[str, Any] | None:
        return self.events.get(timeout=WAIT)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


@pytest.fixture
def stream() -> Iterator[list[LiveStream]]:
    opened: list[LiveStream] = []
    yield opened
    for each in opened:
        each.close()


def phone_sign_in(url: str, name: str, factor: str) -> str:
    """What a phone does: open the scanned URL, post the form; returns the page."""
    with requests.Session() as phone:
        page = phone.get(url, timeout=10)
        assert page.status_code == 200, page.text
        w = re.search(r'name="w" value="([^"]*)"', page.text).group(1)  # type: ignore[union-attr]
        t = re.search(r'name="t" value="([^"]*)"', page.text).group(1)  # type: ignore[union-attr]
        action = url.split("?")[0]
        answer = phone.post(action, data={"w": w, "t": t, "name": name, "factor": factor})
        return answer.text


def test_each_signin_is_pushed_to_listeners(
    live_server: RunningServer, stream: list[LiveStream]
) -> None:
    import_roster(live_server, branch="直播支部", token=TOKEN)
    meeting = create_meeting(live_server, to="live-screen", branch="直播支部", token=TOKEN)
    stream.append(LiveStream(f"{live_server.url}/api/meetings/{meeting['id']}/live/events"))
    first = stream[0].next()
    assert stream[0].status == "HTTP/1.1 200 OK"
    assert first == {
        "meeting_id": meeting["id"], "present": 0, "expected": 3, "on_leave": 0, "latest": [],
        "revision": 0,
    }  # fmt: skip
    url = qr_url(live_server, "live-screen", meeting["id"])
    assert "签到成功" in phone_sign_in(url, "张建国", "8001")
    event = stream[0].next()
    assert event is not None
    assert (event["present"], event["latest"], event["revision"]) == (1, ["张建国"], 1)
    assert "签到成功" in phone_sign_in(url, "李红", "9002")
    event = stream[0].next()
    assert event is not None and event["latest"] == ["李红", "张建国"]


def test_unknown_meeting_stream(live_server: RunningServer) -> None:
    response = requests.get(f"{live_server.url}/api/meetings/m-nothere000/live/events", timeout=10)
    assert response.status_code == 404
    assert response.json()["code"] == "meeting_not_found"


def test_the_server_stops_promptly_with_live_streams_open(
    tmp_path: Path, stream: list[LiveStream]
) -> None:
    server = start_server(tmp_path / "data")
    try:
        meeting = create_meeting(server, token=TOKEN)
        for _ in range(3):
            stream.append(LiveStream(f"{server.url}/api/meetings/{meeting['id']}/live/events"))
            assert stream[-1].next() is not None
    finally:
        code = stop_server(server.process)
    assert code == 0  # not killed after the 10 s grace
    for each in stream:
        assert each.next() is None  # the stream ended
