"""The screen side of screen credentials: the sync engine, the push listener and ``kiosk sync``
send ``screen_token``; a refused token is one log line, the cached snapshot stays, and the loop
backs off as after any other failure."""

from __future__ import annotations

import logging
import queue
import threading

import pytest

from content_cache.push import PushListener
from content_cache.screen_auth import refused_message
from content_cache.store import CacheStore
from content_cache.sync import SyncEngine, SyncLoop
from tests.support.processes import run_kiosk

SCREEN = "token-screen"
WAIT = 15.0


@pytest.fixture
def cached(server, publisher, tmp_path):
    """A cache holding one notice, synced with the right token."""
    item = publisher.publish({"kind": "notice", "text": "已缓存的通知", "to": SCREEN})
    store = CacheStore(tmp_path / "cache")
    token = server.screen_token(SCREEN)
    assert SyncEngine(store, server.url, SCREEN, token=token).sync_once().status == "updated"
    return store, item["id"]


@pytest.mark.parametrize("token", [None, "0" * 64, "OTHER"], ids=["none", "wrong", "other"])
def test_a_refused_token_fails_in_one_line_and_keeps_the_snapshot(server, cached, token):
    store, item_id = cached
    if token == "OTHER":
        token = server.screen_token("another-screen")
    result = SyncEngine(store, server.url, SCREEN, token=token).sync_once()
    assert result.status == "failed"
    assert result.message == refused_message(SCREEN)
    assert "\n" not in result.message
    assert [i.id for i in result.snapshot.manifest.items] == [item_id]
    assert [i.id for i in store.current().manifest.items] == [item_id]


def test_the_loop_backs_off_and_logs_one_line_per_refusal(server, cached, caplog):
    store, item_id = cached
    loop = SyncLoop(SyncEngine(store, server.url, SCREEN, token="0" * 64), max_backoff=4)
    results: queue.Queue = queue.Queue()
    threading.Thread(target=loop.run, args=(results.put,), daemon=True).start()
    try:
        with caplog.at_level(logging.INFO, logger="content_cache"):
            attempts = [results.get(timeout=WAIT) for _ in range(3)]
    finally:
        loop.stop()
    assert {r.status for r in attempts} == {"failed"}
    assert all(r.snapshot.manifest.items[0].id == item_id for r in attempts)
    pauses = [r.retry_in for r in attempts]
    assert pauses == sorted(pauses) and pauses[-1] > pauses[0]  # 1 s, 2 s, 4 s (± jitter)
    refusals = [r.getMessage() for r in caplog.records if "refused this screen" in r.getMessage()]
    assert len(refusals) == len(attempts) or len(refusals) == len(attempts) + 1  # one an attempt
    assert all("screen-token token-screen" in line for line in refusals)
    assert not [r for r in caplog.records if r.name == "content_cache.push" and r.levelno >= 20]


def test_push_with_the_screens_token_announces_revisions(server, publisher):
    revision = publisher.publish({"kind": "notice", "text": "推送", "to": SCREEN})["revision"]
    revisions: queue.Queue[int] = queue.Queue()
    token = server.screen_token(SCREEN)
    listener = PushListener(server.url, SCREEN, revisions.put, max_backoff=1, token=token)
    threading.Thread(target=listener.run, daemon=True).start()
    try:
        assert revisions.get(timeout=WAIT) == revision
    finally:
        listener.stop()


def test_kiosk_sync_once_takes_the_token_from_config_or_environment(server, publisher, tmp_path):
    publisher.publish({"kind": "notice", "text": "通知", "to": SCREEN})
    common = ["sync", "--once", "--server", server.url, "--screen", SCREEN]
    token = server.screen_token(SCREEN)

    refused = run_kiosk(*common, "--cache", str(tmp_path / "a"), env={"KIOSK_SCREEN_TOKEN": ""})
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    lines = [line for line in refused.stderr.splitlines() if "token" in line]
    assert len(lines) == 1 and refused_message(SCREEN) in lines[0], refused.stderr

    by_env = run_kiosk(*common, "--cache", str(tmp_path / "b"), env={"KIOSK_SCREEN_TOKEN": token})
    assert by_env.returncode == 0, by_env.stderr

    config = tmp_path / "kiosk.toml"
    config.write_text(f'screen_token = "{token}"\n', encoding="utf-8")
    by_file = run_kiosk(
        *common, "--cache", str(tmp_path / "c"), "--config", str(config),
        env={"KIOSK_SCREEN_TOKEN": ""},
    )  # fmt: skip
    assert by_file.returncode == 0, by_file.stderr
