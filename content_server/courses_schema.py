"""Tables of video courses and learning records; ``content_server.db`` creates them with the rest.

Tables:
    video_facts       one row per probed video asset (sha256): length, container, codecs and
                      picture size as ``content_server.video_probe.VideoFacts`` found them.
    learning_records  one row per playback on a screen (学习记录), keyed by the UUID the screen
                      gave it, so a batch sent twice is stored once. ``branch`` is the screen's
                      branch when the record arrived (its ``org_name`` setting).
"""

from __future__ import annotations

COURSES_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS video_facts (
        sha256 TEXT PRIMARY KEY,
        length_seconds REAL NOT NULL,
        container TEXT NOT NULL,
        media_type TEXT NOT NULL,
        video_codec TEXT NOT NULL,
        audio_codec TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        probed_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS learning_records (
        id TEXT PRIMARY KEY,
        screen_id TEXT NOT NULL,
        branch TEXT NOT NULL,
        course_id TEXT NOT NULL,
        title TEXT NOT NULL,
        category TEXT NOT NULL,
        started_at TEXT NOT NULL,
        seconds_watched REAL NOT NULL,
        completed INTEGER NOT NULL,
        received_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS learning_by_course ON learning_records (course_id)",
    "CREATE INDEX IF NOT EXISTS learning_by_branch ON learning_records (branch)",
)
