"""The screen's learning-record queue on real SQLite files."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from content_cache.learning import KEEP_SENT, LEARNING_DB, LearningQueue

BEIJING = timezone(timedelta(hours=8))
STARTED = datetime(2026, 7, 1, 9, 30, tzinfo=BEIJING)


@pytest.fixture
def queue(tmp_path):
    return LearningQueue(tmp_path / "cache" / LEARNING_DB)


def test_a_record_is_queued_with_a_uuid(queue):
    record_id = queue.record("v-abc", "党史故事第一集", "党史故事", STARTED, 95.5, True)
    assert uuid.UUID(record_id)
    [record] = queue.unsent()
    assert record.id == record_id
    assert (record.course_id, record.title, record.category) == (
        "v-abc",
        "党史故事第一集",
        "党史故事",
    )
    assert record.started_at == STARTED and record.started_at.utcoffset() == timedelta(hours=8)
    assert (record.seconds_watched, record.completed) == (95.5, True)
    assert record.as_json()["started_at"] == "2026-07-01T09:30:00+08:00"


def test_records_survive_reopening(tmp_path):
    path = tmp_path / LEARNING_DB
    first = LearningQueue(path).record("v-1", "课", "时政热点", STARTED, 10, False)
    reopened = LearningQueue(path)
    assert [r.id for r in reopened.unsent()] == [first]


def test_marked_records_are_not_unsent_any_more(queue):
    ids = [queue.record(f"v-{i}", "课", "", STARTED, i, False) for i in range(5)]
    assert [r.id for r in queue.unsent(limit=3)] == ids[:3]
    queue.mark_sent(ids[:3])
    assert [r.id for r in queue.unsent()] == ids[3:]
    assert (queue.counts().unsent, queue.counts().sent) == (2, 3)


def test_old_sent_records_are_forgotten(queue):
    now = datetime(2026, 7, 1, tzinfo=UTC)
    old = queue.record("v-old", "课", "", STARTED, 1, False)
    queue.mark_sent([old], now=now)
    new = queue.record("v-new", "课", "", STARTED, 1, False)
    queue.mark_sent([new], now=now + KEEP_SENT + timedelta(seconds=1))
    assert queue.counts().sent == 1


def test_naive_start_and_negative_seconds_are_refused(queue):
    with pytest.raises(ValueError, match="timezone"):
        queue.record("v-1", "课", "", datetime(2026, 7, 1, 9, 30), 10, False)
    with pytest.raises(ValueError, match="negative"):
        queue.record("v-1", "课", "", STARTED, -1, False)
    assert queue.counts().unsent == 0


def test_on_record_is_called_after_storing(tmp_path):
    calls = []
    queue = LearningQueue(tmp_path / LEARNING_DB, on_record=lambda: calls.append(1))
    queue.record("v-1", "课", "", STARTED, 10, False)
    assert calls == [1]
