"""Learning records from a screen's queue to the real server: recorded while the server is
down, uploaded after it is back, stored exactly once (also when a batch is sent twice)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from content_cache.learning import LEARNING_DB, LearningQueue
from content_cache.learning_upload import LearningLoop, LearningUploader
from content_cache.screen_auth import screen_session
from content_cache.store import CacheStore
from content_cache.sync import SyncEngine, SyncLoop
from tests.support.processes import run_kiosk

SCREEN = "activity-room"
STARTED = datetime(2026, 7, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))
HANG = 30.0


@pytest.fixture
def queue(tmp_path):
    return LearningQueue(tmp_path / "cache" / LEARNING_DB)


def watch(queue: LearningQueue, n: int, course: str = "v-course1") -> list[str]:
    return [
        queue.record(course, "党史故事第一集", "党史故事", STARTED, 60.0, i % 2 == 0)
        for i in range(n)
    ]


def uploader_for(server, queue: LearningQueue, token: str | None = None, **kwargs):
    session = screen_session(token or server.screen_token(SCREEN), "test-screen")
    return LearningUploader(queue, server.url, SCREEN, session=session, **kwargs)


def course_totals(publisher) -> dict[str, dict]:
    return {row["course_id"]: row for row in publisher.learning_totals("course")}


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + HANG
    while not condition():
        assert time.monotonic() < deadline, f"not within {HANG} s: {what}"
        time.sleep(0.05)


def test_watched_offline_arrives_exactly_once_after_the_server_returns(
    server, publisher, queue, tmp_path
):
    publisher.put_settings(SCREEN, {"org_name": "第一党支部"})
    uploader = uploader_for(server, queue)
    server.stop()
    watch(queue, 3)
    offline = uploader.upload_once()
    assert offline.sent == 0 and offline.remaining == 3 and "unreachable" in offline.error

    # The screen restarts (a new queue object on the same file) and the server comes back.
    reopened = LearningQueue(queue.path)
    server.restart()
    result = uploader_for(server, reopened).upload_once()
    assert (result.sent, result.remaining, result.error) == (3, 0, "")
    totals = course_totals(publisher)["v-course1"]
    assert (totals["plays"], totals["completions"], totals["watch_seconds"]) == (3, 2, 180.0)
    assert publisher.learning_totals("branch")[0]["branch"] == "第一党支部"
    assert uploader.upload_once().sent == 0  # nothing is sent twice


def test_a_crash_between_sending_and_marking_does_not_count_twice(server, publisher, queue):
    watch(queue, 2)
    uploader = uploader_for(server, queue)
    answer = uploader.send(queue.unsent())  # sent, then the screen "crashes": not marked
    assert answer["accepted"] == 2
    assert queue.counts().unsent == 2
    result = uploader.upload_once()  # after the restart the same batch goes again
    assert result.sent == 2 and result.remaining == 0
    assert course_totals(publisher)["v-course1"]["plays"] == 2


def test_a_refused_token_keeps_the_records_queued(server, publisher, queue):
    watch(queue, 2)
    result = uploader_for(server, queue, token="0" * 64).upload_once()
    assert result.sent == 0 and result.remaining == 2
    assert f"screen-token {SCREEN}" in result.error
    assert course_totals(publisher) == {}


def test_large_queues_go_up_in_batches(server, publisher, queue):
    watch(queue, 230, course="v-many")
    result = uploader_for(server, queue, batch_size=100).upload_once()
    assert (result.sent, result.remaining) == (230, 0)
    assert course_totals(publisher)["v-many"]["plays"] == 230


def test_the_sync_loop_uploads_beside_the_sync_once_the_server_is_back(
    server, publisher, queue, tmp_path
):
    token = server.screen_token(SCREEN)
    server.stop()
    upload_loop = LearningLoop(uploader_for(server, queue, token), interval=3600)
    queue.on_record = upload_loop.wake
    engine = SyncEngine(CacheStore(tmp_path / "cache"), server.url, SCREEN, token=token)
    loop = SyncLoop(engine, poll_seconds=3600, max_backoff=0.5, push=False, learning=upload_loop)
    results = []
    thread = threading.Thread(target=loop.run, args=(results.append,), daemon=True)
    thread.start()
    try:
        watch(queue, 4)
        wait_until(lambda: any(r.status == "failed" for r in results), "a failed sync")
        assert queue.counts().unsent == 4
        server.restart()
        wait_until(lambda: queue.counts().unsent == 0, "records uploaded")
        assert course_totals(publisher)["v-course1"]["plays"] == 4
    finally:
        loop.stop()
        thread.join(HANG)
    assert not thread.is_alive()


def test_learning_totals_command(server, publisher, queue):
    publisher.put_settings(SCREEN, {"org_name": "第一党支部"})
    watch(queue, 3)
    uploader_for(server, queue).upload_once()
    common = ("publish", "--server", server.url, f"--token={server.token}", "learning-totals")
    by_course = run_kiosk(*common)
    assert by_course.returncode == 0, by_course.stderr
    assert "党史故事第一集（v-course1）" in by_course.stdout
    assert "0:03:00" in by_course.stdout
    by_branch = run_kiosk(*common, "--by", "branch")
    assert by_branch.returncode == 0, by_branch.stderr
    lines = by_branch.stdout.strip().splitlines()
    assert lines[0].split() == ["支部", "播放次数", "完成次数", "观看时长"]
    assert lines[1].split() == ["第一党支部", "3", "2", "0:03:00"]
