"""The sync loop off the GUI thread, against a real HTTP server on loopback.

The server is a few lines of ``http.server`` speaking the wire protocol (manifest with ETag,
assets by sha256), so these tests do not depend on ``content_server``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from qt_helpers import SCREEN_ID, image_bytes, shown_ids

from content_cache.store import CacheStore
from content_cache.sync import SyncEngine, SyncLoop
from kiosk.qt.sync_thread import SyncThread
from kiosk.qt.window import Page


class _Content:
    """What the test server publishes."""

    def __init__(self) -> None:
        poster = image_bytes(300, 400, (0, 0, 200))
        sha256 = hashlib.sha256(poster).hexdigest()
        self.assets = {sha256: poster}
        ref = {"sha256": sha256, "size": len(poster), "media_type": "image/png"}
        self.manifest = json.dumps(
            {
                "revision": 7,
                "screen_id": SCREEN_ID,
                "generated_at": datetime.now(UTC).isoformat(),
                "settings": {"org_name": "网络党支部"},
                "items": [{"kind": "poster", "id": "net1", "title": "来自服务器", "image": ref}],
            }
        ).encode()


def _handler(content: _Content) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path == f"/api/screens/{SCREEN_ID}/manifest":
                self._send(content.manifest, "application/json", etag='"r7"')
            elif self.path.startswith("/assets/") and self.path[8:] in content.assets:
                self._send(content.assets[self.path[8:]], "image/png")
            else:
                self.send_error(404)

        def _send(self, body: bytes, media_type: str, etag: str | None = None) -> None:
            if etag and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@pytest.fixture
def server_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(_Content()))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _sync_thread(store: CacheStore, url: str) -> SyncThread:
    engine = SyncEngine(store, url, SCREEN_ID, timeout=(2.0, 5.0))
    return SyncThread(SyncLoop(engine, poll_seconds=60, max_backoff=1))


def test_results_arrive_as_signals_and_stop_is_prompt(qtbot, store: CacheStore) -> None:
    thread = _sync_thread(store, "http://127.0.0.1:9")  # nothing listens on port 9
    with qtbot.waitSignal(thread.result, timeout=10_000) as blocker:
        thread.start()
    [result] = blocker.args
    assert result.status == "failed" and result.snapshot is None
    assert thread.stop(5000)
    assert thread.isFinished()


def test_a_screen_fills_from_the_server_off_the_gui_thread(
    make_screen, store: CacheStore, server_url: str, kiosk_log, qtbot
) -> None:
    screen = make_screen(None)
    assert screen.window.page() is Page.WAITING
    thread = _sync_thread(store, server_url)
    thread.result.connect(screen.controller.on_sync_result)
    thread.start()
    try:
        qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["net1"], timeout=10_000)
    finally:
        assert thread.stop(5000)
    assert screen.window.header.org_name == "网络党支部"
    assert store.current() is not None and store.current().manifest.revision == 7


def test_offline_start_shows_the_last_snapshot(
    make_screen, store: CacheStore, server_url: str, kiosk_log, qtbot
) -> None:
    engine = SyncEngine(store, server_url, SCREEN_ID)
    assert engine.sync_once().status == "updated"
    make_screen(CacheStore(store.root).current())  # as run_screen does at start-up, no server
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["net1"], timeout=5000)
