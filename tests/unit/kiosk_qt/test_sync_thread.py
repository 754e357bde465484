"""The sync loop off the GUI thread, against a real HTTP server on loopback.

The server is a few lines of ``http.server`` speaking the wire protocol (manifest with ETag,
assets by sha256; ``qt_helpers.loopback_server``), so these tests do not depend on
``content_server``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from qt_helpers import SCREEN_ID, LoopbackContent, loopback_server, shown_ids

from content_cache.store import CacheStore
from content_cache.sync import SyncEngine, SyncLoop
from kiosk.qt.sync_thread import SyncThread
from kiosk.qt.window import Page


@pytest.fixture
def server_url() -> Iterator[str]:
    with loopback_server(LoopbackContent()) as url:
        yield url


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
