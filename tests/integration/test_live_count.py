"""The live count client against the real server: pushed counts, polling when the stream is
refused, unavailable while the server is down, counts again after it restarts, a prompt stop."""

from __future__ import annotations

import queue
import threading

from content_cache.live_count import LiveCount, LiveCountListener, parse_live_count
from tests.support.signin import create_meeting, import_roster, sign_in

WAIT = 20.0


class Collector:
    """Counts and outages from a listener running on its own thread."""

    def __init__(self, server_url: str, meeting_id: str, events_url: str | None = None) -> None:
        self.events: queue.Queue[LiveCount | str] = queue.Queue()
        self.listener = LiveCountListener(
            server_url, meeting_id, self.events.put, lambda: self.events.put("unavailable"),
            poll_seconds=0.2, max_backoff=0.5,
        )  # fmt: skip
        if events_url is not None:
            self.listener.events_url = events_url
        self.thread = threading.Thread(target=self.listener.run, daemon=True)
        self.thread.start()

    def next_count(self, present: int) -> LiveCount:
        while True:
            item = self.events.get(timeout=WAIT)
            if isinstance(item, LiveCount) and item.present == present:
                return item

    def next_outage(self) -> None:
        while self.events.get(timeout=WAIT) != "unavailable":
            pass

    def stop(self) -> None:
        self.listener.stop()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()


def test_counts_are_pushed_and_an_outage_is_reported(server) -> None:
    import_roster(server)
    meeting = create_meeting(server, to="s1")["id"]
    collector = Collector(server.url, meeting)
    try:
        first = collector.next_count(0)
        assert (first.meeting_id, first.expected, first.latest) == (meeting, 3, ())
        sign_in(server, "s1", meeting, "李红", "9002")
        pushed = collector.next_count(1)
        assert pushed.latest == ("李红",) and pushed.revision > first.revision
        server.stop()
        collector.next_outage()
        server.restart()
        sign_in(server, "s1", meeting, "张建国", "8001")
        again = collector.next_count(2)
        assert again.latest == ("张建国", "李红")  # newest first
    finally:
        collector.stop()  # ends a stream blocked in a read at once


def test_polls_when_the_stream_cannot_be_had(server) -> None:
    import_roster(server)
    meeting = create_meeting(server, to="s1")["id"]
    collector = Collector(server.url, meeting, f"{server.url}/api/meetings/{meeting}/nothing")
    try:
        collector.next_count(0)
        sign_in(server, "s1", meeting, "王芳", "DY003")
        assert collector.next_count(1).latest == ("王芳",)
    finally:
        collector.stop()


def test_parse_refuses_what_is_not_a_count() -> None:
    good = {"meeting_id": "m1", "present": 2, "expected": 5, "on_leave": 1,
            "latest": ["张三", 7, "李四"], "revision": 3}  # fmt: skip
    assert parse_live_count(good) == LiveCount("m1", 2, 5, 1, ("张三", "李四"), 3)
    assert parse_live_count(good, "other") is None
    bad = [[], {"meeting_id": "m1", "present": -1}, {"present": 1}, {**good, "expected": "5"},
           {**good, "present": True}, {**good, "latest": "x"}]  # fmt: skip
    for payload in bad:
        assert parse_live_count(payload) is None
