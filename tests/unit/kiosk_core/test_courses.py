"""The Qt-free side of video courses: lengths as text, categories, resume positions, failures."""

from __future__ import annotations

from pathlib import Path

from content_cache.wire import Video
from kiosk.core.courses import (
    OTHER_CATEGORY,
    PlaybackFailures,
    ResumePositions,
    by_category,
    clock_text,
    duration_text,
    is_completed,
    resume_offer,
)

SHA = "ab" * 32


def video(item_id: str, category: str = "", sha: str = SHA) -> Video:
    ref = {"sha256": sha, "size": 10, "media_type": "video/mp4"}
    return Video.model_validate({"id": item_id, "video": ref, "category": category})


def test_lengths_read_as_people_say_them() -> None:
    assert duration_text(750) == "12分30秒"
    assert duration_text(600) == "10分钟"
    assert duration_text(42) == "42秒"
    assert duration_text(3900) == "1小时5分"
    assert duration_text(7200) == "2小时"
    assert duration_text(None) == ""
    assert clock_text(754) == "12:34" and clock_text(3900) == "1:05:00"


def test_known_categories_first_then_others_then_uncategorised() -> None:
    videos = [video("a", "自选"), video("b"), video("c", "党史故事"), video("d", "时政热点"),
              video("e", "党史故事")]  # fmt: skip
    groups = by_category(videos)
    assert list(groups) == ["时政热点", "党史故事", "自选", OTHER_CATEGORY]
    assert [v.id for v in groups["党史故事"]] == ["c", "e"]


def test_resume_offer_and_completion() -> None:
    assert resume_offer(None, 100) is None
    assert resume_offer(3, 100) is None  # barely started
    assert resume_offer(50, 100) == 50
    assert resume_offer(97, 100) is None  # at the very end: start again
    assert is_completed(90, 100, False) and not is_completed(89, 100, False)
    assert is_completed(1, None, True)


def test_positions_survive_a_restart_and_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "touch" / "resume.json"
    positions = ResumePositions(path)
    course = video("a")
    positions.save(course, 123.45)
    assert abs((ResumePositions(path).get(course) or 0) - 123.45) < 0.1
    assert ResumePositions(path).get(video("a", sha="cd" * 32)) is None  # republished video
    positions.save(course, None)
    assert ResumePositions(path).get(course) is None
    path.write_text("{not json")
    assert ResumePositions(path).get(course) is None  # unreadable: empty, logged


def test_a_file_that_failed_twice_is_skipped() -> None:
    failures = PlaybackFailures()
    assert failures.record(SHA) == 1 and not failures.skipped(SHA)
    failures.record(SHA)
    assert failures.skipped(SHA)
    failures.succeeded(SHA)
    assert failures.count(SHA) == 0
