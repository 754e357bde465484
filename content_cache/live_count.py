"""The live sign-in count of one meeting, pushed by the server, polled when the push fails.

The server streams the count (``GET /api/meetings/{id}/live/events``, server-sent events, the
JSON below as ``data:`` on connect and after every change). When the stream cannot be opened
or breaks, the listener polls ``GET /api/meetings/{id}/live`` every few seconds and tries the
stream again with capped, jittered backoff. Every count received goes to ``on_count``; when
neither stream nor poll reaches the server, ``on_unavailable`` is called once per outage, so
the screen can grey the count while it keeps showing the QR code (computed locally).

    {"meeting_id": "m1", "present": 12, "expected": 30, "on_leave": 2,
     "latest": ["张三", "李四"], "revision": 14}

No Qt here: the screen runs :meth:`LiveCountListener.run` on a worker thread.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

log = logging.getLogger("content_cache.live_count")

READ_TIMEOUT = 40.0  # longer than the server's keep-alive, so a dead stream is noticed
POLL_TIMEOUT = 5.0
MAX_LATEST = 5
MAX_NAME = 100


@dataclass(frozen=True)
class LiveCount:
    """The sign-in count of a meeting as the server last reported it.

    Attributes:
        meeting_id: the meeting.
        present: members signed in.
        expected: members on the roster (应到).
        on_leave: members who asked for leave.
        latest: names of the latest sign-ins, newest first (at most five).
        revision: the server's change counter of this meeting's attendance.
    """

    meeting_id: str
    present: int
    expected: int
    on_leave: int = 0
    latest: tuple[str, ...] = ()
    revision: int = 0


def parse_live_count(payload: Any, meeting_id: str | None = None) -> LiveCount | None:
    """A :class:`LiveCount` from decoded JSON, or None when it is not one (or another meeting's)."""
    if not isinstance(payload, dict):
        return None
    numbers = [payload.get(key, 0) for key in ("present", "expected", "on_leave", "revision")]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers):
        return None
    found = payload.get("meeting_id")
    if not isinstance(found, str) or (meeting_id is not None and found != meeting_id):
        return None
    latest = payload.get("latest", [])
    if not isinstance(latest, list):
        return None
    names = tuple(str(n)[:MAX_NAME] for n in latest if isinstance(n, str))[:MAX_LATEST]
    present, expected, on_leave, revision = numbers
    return LiveCount(found, present, expected, on_leave, names, revision)


class LiveCountListener:
    """Delivers the live count of ``meeting_id`` until :meth:`stop`.

    Args:
        server_url: base URL of the content server.
        meeting_id: the meeting (the id of its ``meeting`` item).
        on_count: called with every count received; on the listener's thread.
        on_unavailable: called once when the server stops answering (stream and poll).
        poll_seconds: pause between polls while the stream is down.
        max_backoff: cap of the pause before the stream is tried again.
    """

    def __init__(
        self,
        server_url: str,
        meeting_id: str,
        on_count: Callable[[LiveCount], None],
        on_unavailable: Callable[[], None] = lambda: None,
        poll_seconds: float = 3.0,
        max_backoff: float = 30.0,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
    ) -> None:
        base = f"{server_url.rstrip('/')}/api/meetings/{quote(meeting_id, safe='')}/live"
        self.poll_url, self.events_url = base, f"{base}/events"
        self.meeting_id = meeting_id
        self.on_count, self.on_unavailable = on_count, on_unavailable
        self.poll_seconds, self.max_backoff = poll_seconds, max_backoff
        self.session = session or requests.Session()
        self._rng = rng or random.Random()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._response: requests.Response | None = None
        self._available: bool | None = None  # unknown until the first answer

    def run(self) -> None:
        """Listen (stream first, polls while it is down) until :meth:`stop`."""
        failures = 0
        while not self._stop.is_set():
            try:
                for count in self._stream():
                    failures = 0
                    self._deliver(count)
            except Exception as exc:  # loop boundary: a closed stream or a bad server must
                if not self._stop.is_set():  # never end the listener
                    log.debug("live count stream of %s lost: %s", self.meeting_id, exc)
            failures += 1
            pause = min(self.max_backoff, 2.0 ** min(failures - 1, 10))
            self._poll_for(pause * self._rng.uniform(0.5, 1.0))
        self.session.close()

    def stop(self) -> None:
        """Make :meth:`run` return soon; does not block.

        The stream's socket is shut down, which ends a read in progress at once.
        """
        self._stop.set()
        with self._lock:
            response = self._response
        if response is not None:
            _shut_down(response)

    def _poll_for(self, seconds: float) -> None:
        """Poll every ``poll_seconds`` until ``seconds`` have passed (or stop)."""
        deadline = time.monotonic() + seconds
        while not self._stop.is_set():
            count = self._poll()
            if count is not None:
                self._deliver(count)
            elif self._available is not False:
                self._available = False
                log.info("live count of %s unavailable", self.meeting_id)
                self.on_unavailable()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._stop.wait(min(self.poll_seconds, remaining))

    def _poll(self) -> LiveCount | None:
        try:
            response = self.session.get(self.poll_url, timeout=POLL_TIMEOUT)
            response.raise_for_status()
            return parse_live_count(response.json(), self.meeting_id)
        except (requests.RequestException, ValueError):
            return None

    def _deliver(self, count: LiveCount) -> None:
        if self._stop.is_set():
            return
        self._available = True
        self.on_count(count)

    def _stream(self) -> Iterator[LiveCount]:
        response = self.session.get(
            self.events_url, stream=True, timeout=(5.0, READ_TIMEOUT),
            headers={"Accept": "text/event-stream"},
        )  # fmt: skip
        with self._lock:
            self._response = response
        try:
            with response:
                if self._stop.is_set():
                    return
                response.raise_for_status()
                lines = response.iter_lines(decode_unicode=True)
                running = itertools.takewhile(lambda _line: not self._stop.is_set(), lines)
                for payload in parse_events(running):
                    count = parse_live_count(payload, self.meeting_id)
                    if count is not None:
                        yield count
        finally:
            with self._lock:
                self._response = None


def parse_events(lines: Iterable[str | bytes]) -> Iterator[Any]:
    """The decoded JSON ``data`` of each event in the lines of an event stream."""
    data: list[str] = []
    for raw in lines:
        line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if line == "":
            if data:
                try:
                    yield json.loads("\n".join(data))
                except ValueError:
                    pass
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))


def _shut_down(response: requests.Response) -> None:
    """Shut down the socket under a streamed response, ending a blocked read at once."""
    raw = response.raw
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if sock is None:  # urllib3 keeps the socket under the http.client response too
        sock = getattr(getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None),
                       "_sock", None)  # fmt: skip
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
