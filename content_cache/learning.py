"""Learning records (学习记录) on a screen: queued in SQLite, uploaded in batches, no Qt.

Each playback of a course becomes one record with a UUID made on the screen. Records go into
``learning.db`` in the screen's cache directory (:data:`LEARNING_DB`) at once, whether or not
the server is reachable, and ``content_cache.learning_upload.LearningUploader`` sends the
unsent ones in batches (this module does not import ``requests``, so a screen can record
before its network side is loaded). A record is marked sent only after the server answered
2xx for its batch; the server stores each UUID once, so a batch sent again after a crash
between sending and marking (or after a lost reply) is harmless: exactly once on the server,
at least once on the wire.

``LearningLoop`` runs the uploader on a thread of its own beside the content sync
(``SyncLoop(learning=...)`` starts and stops it), so a slow upload never delays a sync.

Usage on the GUI thread when a playback ends (a few milliseconds: one SQLite insert)::

    queue = LearningQueue(cache_dir / LEARNING_DB)
    queue.record(course_id, title, category, started_at, seconds_watched, completed)
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger("content_cache.learning")

LEARNING_DB = "learning.db"
BATCH_SIZE = 100
KEEP_SENT = timedelta(days=30)  # sent records are kept this long (for a look on the screen)
_SCHEMA = """CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    course_id TEXT NOT NULL,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    started_at TEXT NOT NULL,
    seconds_watched REAL NOT NULL,
    completed INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    sent_at TEXT
)"""
_UNSENT_INDEX = "CREATE INDEX IF NOT EXISTS records_unsent ON records (sent_at, recorded_at)"


@dataclass(frozen=True)
class LearningRecord:
    """One playback: which course, when it started, how long it was watched, finished or not."""

    id: str
    course_id: str
    title: str
    category: str
    started_at: datetime
    seconds_watched: float
    completed: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "course_id": self.course_id,
            "title": self.title,
            "category": self.category,
            "started_at": self.started_at.isoformat(),
            "seconds_watched": round(self.seconds_watched, 3),
            "completed": self.completed,
        }


@dataclass(frozen=True)
class QueueCounts:
    unsent: int
    sent: int


class LearningQueue:
    """The screen's queue of learning records in one SQLite file (WAL; safe across crashes).

    Every method opens its own connection, so the GUI thread may record while the uploader
    thread sends. ``on_record`` is called after each record is stored (on the caller's thread).
    """

    def __init__(self, path: Path, on_record: Callable[[], None] | None = None) -> None:
        self.path = path
        self.on_record = on_record  # e.g. LearningLoop.wake: upload soon
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(_SCHEMA)
            conn.execute(_UNSENT_INDEX)

    def record(
        self,
        course_id: str,
        title: str,
        category: str,
        started_at: datetime,
        seconds_watched: float,
        completed: bool,
        *,
        now: datetime | None = None,
    ) -> str:
        """Queue one playback; returns its UUID.

        Raises:
            ValueError: ``started_at`` has no timezone, or ``seconds_watched`` is negative.
        """
        if started_at.tzinfo is None or started_at.utcoffset() is None:
            raise ValueError("started_at must be timezone-aware")
        if seconds_watched < 0:
            raise ValueError("seconds_watched must not be negative")
        record_id = str(uuid.uuid4())
        recorded = (now or datetime.now(UTC)).astimezone(UTC).isoformat()
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO records (id, course_id, title, category, started_at, "
                "seconds_watched, completed, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record_id,
                    course_id,
                    title,
                    category,
                    started_at.isoformat(),
                    float(seconds_watched),
                    int(bool(completed)),
                    recorded,
                ),
            )
        log.info(
            "learning record queued: %s %.0f s%s",
            course_id,
            seconds_watched,
            " (completed)" if completed else "",
            extra={
                "event": "learning_recorded",
                "course_id": course_id,
                "seconds_watched": round(seconds_watched, 1),
                "completed": bool(completed),
            },
        )
        if self.on_record is not None:
            self.on_record()
        return record_id

    def unsent(self, limit: int = BATCH_SIZE) -> list[LearningRecord]:
        """The oldest records not yet sent, at most ``limit``."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, course_id, title, category, started_at, seconds_watched, completed "
                "FROM records WHERE sent_at IS NULL ORDER BY recorded_at, id LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            LearningRecord(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4]), r[5], bool(r[6]))
            for r in rows
        ]

    def mark_sent(self, ids: list[str], now: datetime | None = None) -> None:
        """Mark these records sent, and forget sent records older than :data:`KEEP_SENT`."""
        moment = now or datetime.now(UTC)
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "UPDATE records SET sent_at = ? WHERE id = ? AND sent_at IS NULL",
                [(moment.astimezone(UTC).isoformat(), record_id) for record_id in ids],
            )
            conn.execute(
                "DELETE FROM records WHERE sent_at IS NOT NULL AND sent_at < ?",
                ((moment - KEEP_SENT).astimezone(UTC).isoformat(),),
            )
            conn.execute("COMMIT")

    def counts(self) -> QueueCounts:
        with self._connect() as conn:
            unsent, sent = conn.execute(
                "SELECT COUNT(*) - COUNT(sent_at), COUNT(sent_at) FROM records"
            ).fetchone()
        return QueueCounts(int(unsent), int(sent))

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous = FULL")  # a record survives a power cut
            yield conn
        finally:
            conn.close()
