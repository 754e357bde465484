"""Push: the server's event stream wakes the sync loop; polling stays the fallback."""

import queue
import threading

import pytest

from content_cache.push import PushListener, parse_revisions
from content_cache.store import CacheStore
from content_cache.sync import SyncEngine, SyncLoop

SCREEN = "push-1"
WAIT = 15.0


def notice(publisher, text, to="all"):
    return publisher.publish({"kind": "notice", "text": text, "to": to})


@pytest.fixture
def listen(server):
    started = []

    def start(screen=SCREEN):
        revisions: queue.Queue[int] = queue.Queue()
        token = server.screen_token(screen)
        listener = PushListener(server.url, screen, revisions.put, max_backoff=1, token=token)
        threading.Thread(target=listener.run, daemon=True).start()
        started.append(listener)
        return revisions

    yield start
    for listener in started:
        listener.stop()


def test_the_stream_announces_the_revision_on_connect_and_on_each_change(listen, publisher):
    first = notice(publisher, "一")["revision"]
    revisions = listen()
    assert revisions.get(timeout=WAIT) == first
    other = notice(publisher, "别的屏", to="elsewhere")["revision"]
    mine = notice(publisher, "本屏", to=SCREEN)["revision"]
    assert revisions.get(timeout=WAIT) == mine  # the other screen's change was not announced
    assert other < mine
    publisher.withdraw(notice(publisher, "二")["id"])
    later = [revisions.get(timeout=WAIT)]
    while later[-1] < mine + 2:
        later.append(revisions.get(timeout=WAIT))
    assert later[-1] == mine + 2


def run_loop(server, tmp_path, poll_seconds):
    token = server.screen_token(SCREEN)
    engine = SyncEngine(CacheStore(tmp_path / "cache"), server.url, SCREEN, token=token)
    loop = SyncLoop(engine, poll_seconds=poll_seconds, max_backoff=1)
    results: queue.Queue = queue.Queue()
    threading.Thread(target=loop.run, args=(results.put,), daemon=True).start()
    return loop, results


def wait_for_item(results, item_id):
    while True:
        result = results.get(timeout=WAIT)
        if result.snapshot and item_id in [i.id for i in result.snapshot.manifest.items]:
            return result


def test_a_publish_reaches_the_cache_without_waiting_for_the_poll(server, publisher, tmp_path):
    loop, results = run_loop(server, tmp_path, poll_seconds=3600)
    try:
        assert results.get(timeout=WAIT).status == "updated"  # the first sync
        item = notice(publisher, "立即推送")
        wait_for_item(results, item["id"])
    finally:
        loop.stop()


def test_after_a_server_restart_the_screen_catches_up_at_once(server, publisher, tmp_path):
    loop, results = run_loop(server, tmp_path, poll_seconds=3600)
    try:
        assert results.get(timeout=WAIT).status == "updated"
        server.restart()
        item = notice(publisher, "重启之后")
        wait_for_item(results, item["id"])
    finally:
        loop.stop()


def test_parse_revisions_ignores_what_it_does_not_know():
    lines = [
        ": keep-alive", "",
        "event: revision", "data: {\"revision\": 4}", "",
        "event: other", "data: {\"revision\": 9}", "",
        "event: revision", "data: not json", "",
        "event: revision", "data: [1]", "",
        "event: revision", "data: {\"revision\": -1}", "",
        "event: revision", "id: 5", "data: {\"revision\": 5}", "",
    ]  # fmt: skip
    assert list(parse_revisions(iter(lines))) == [4, 5]
