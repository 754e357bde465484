"""Video courses (党员智慧云课堂) on a touch screen, without Qt.

- :func:`duration_text`: a length as people say it ("12分30秒").
- :func:`by_category`: the courses grouped by category, the well-known categories first.
- :class:`ResumePositions`: where each course was left, in a small JSON file of the cache
  directory, so 继续播放 survives a restart.
- :class:`PlaybackFailures`: how often each video failed; one that failed
  :data:`SKIP_AFTER_FAILURES` times is left out of the attract loop.
- :func:`resume_offer` and :func:`is_completed`: when to offer to resume, when a viewing counts
  as completed.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from content_cache.wire import Video

log = logging.getLogger("kiosk.screen")

KNOWN_CATEGORIES = ("时政热点", "权威政策解读", "党史故事", "国史讲堂", "青少年百集党史课")
OTHER_CATEGORY = "其他课程"
SKIP_AFTER_FAILURES = 2
COMPLETED_FRACTION = 0.9
RESUME_MIN_SECONDS = 5.0  # less than this watched: start again, no question asked
RESUME_TAIL_FRACTION = 0.95  # left near the end: start again as well
RESUME_FILE = "resume.json"


def duration_text(seconds: float | None) -> str:
    """``754`` -> ``"12分34秒"``; ``3900`` -> ``"1小时5分"``; unknown -> ``""``."""
    if seconds is None or seconds < 0:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}小时{minutes}分" if minutes else f"{hours}小时"
    if minutes:
        return f"{minutes}分{secs}秒" if secs else f"{minutes}分钟"
    return f"{secs}秒"


def clock_text(seconds: float) -> str:
    """``754`` -> ``"12:34"``, ``3900`` -> ``"1:05:00"``: the player's time labels."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def category_of(video: Video) -> str:
    """The category a course is listed under (``其他课程`` when the publisher gave none)."""
    return video.category.strip() or OTHER_CATEGORY


def by_category(videos: Iterable[Video]) -> dict[str, list[Video]]:
    """Courses by category: the known categories in their usual order, then the others in
    order of first appearance, ``其他课程`` last. Courses keep their order within a category."""
    groups: dict[str, list[Video]] = {}
    for video in videos:
        groups.setdefault(category_of(video), []).append(video)

    def rank(name: str) -> tuple[int, int]:
        if name in KNOWN_CATEGORIES:
            return 0, KNOWN_CATEGORIES.index(name)
        return (2, 0) if name == OTHER_CATEGORY else (1, 0)

    return {name: groups[name] for name in sorted(groups, key=rank)}  # sort is stable


def resume_offer(position: float | None, length: float | None) -> float | None:
    """The position to offer 继续播放 from, or None to start from the beginning."""
    if position is None or position < RESUME_MIN_SECONDS:
        return None
    if length and position >= length * RESUME_TAIL_FRACTION:
        return None
    return position


def is_completed(position: float, length: float | None, end_reached: bool) -> bool:
    """A viewing is completed at the end of the video or at 90 % of its length."""
    return end_reached or bool(length and position >= length * COMPLETED_FRACTION)


class ResumePositions:
    """Where each course was left: ``{video_id: seconds}`` in one small JSON file.

    Keys are the item id plus the video's hash, so a republished video starts again. A file
    that cannot be read is treated as empty (logged once); writes replace the file atomically.

    Args:
        path: the JSON file (its folder is created when the first position is saved).
    """

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._positions = self._read()

    @staticmethod
    def key(video: Video) -> str:
        """The key of ``video``'s position."""
        return f"{video.id}:{video.video.sha256[:16]}"

    def get(self, video: Video) -> float | None:
        """Where ``video`` was left, or None."""
        return self._positions.get(self.key(video))

    def save(self, video: Video, seconds: float | None) -> None:
        """Remember ``seconds`` for ``video`` (None forgets it: watched to the end)."""
        key = self.key(video)
        if seconds is None:
            if self._positions.pop(key, None) is None:
                return
        else:
            self._positions[key] = round(float(seconds), 1)
        self._write()

    def _read(self) -> dict[str, float]:
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning(
                "resume positions unreadable, starting afresh: %s",
                exc,
                extra={"event": "resume_file_reset", "path": str(self._path)},
            )
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            str(k): float(v)
            for k, v in data.items()
            if isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
        }

    def _write(self) -> None:
        tmp = self._path.with_name(self._path.name + ".tmp")
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(self._positions, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self._path)
        except OSError as exc:  # a full or read-only disk loses the position, nothing else
            log.warning(
                "cannot save resume positions: %s",
                exc.strerror,
                extra={"event": "resume_save_failed", "path": str(self._path)},
            )


class PlaybackFailures:
    """How often each video (by file hash) failed to play on this screen, since start-up.

    Args:
        threshold: failures after which :meth:`skipped` is True.
    """

    def __init__(self, threshold: int = SKIP_AFTER_FAILURES) -> None:
        self._threshold = threshold
        self._counts: dict[str, int] = {}

    def record(self, sha256: str) -> int:
        """Count one more failure of the file ``sha256``; returns the count."""
        self._counts[sha256] = self._counts.get(sha256, 0) + 1
        return self._counts[sha256]

    def succeeded(self, sha256: str) -> None:
        """The file played: forget its failures."""
        self._counts.pop(sha256, None)

    def count(self, sha256: str) -> int:
        """How often the file ``sha256`` failed."""
        return self._counts.get(sha256, 0)

    def skipped(self, sha256: str) -> bool:
        """True when the file failed too often to be tried in the attract loop again."""
        return self.count(sha256) >= self._threshold
