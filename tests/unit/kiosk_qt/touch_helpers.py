"""Helpers of the touch-mode tests: a screen in touch mode, taps, clicks, courses, meetings.

A test module makes its ``make_touch`` fixture with :func:`touch_factory`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtTest import QTest
from qt_helpers import SHANGHAI, Screen, SnapshotBuilder, image_bytes

from content_cache.store import Snapshot
from kiosk.core.courses import ResumePositions
from kiosk.qt.qt import QPoint, QRect, QWidget
from kiosk.qt.touch.mode import TouchMode
from kiosk.qt.touch.player_view import FINISHED_SECONDS, Viewing

LANDSCAPE = (1280, 720)
SECRET = "0123456789abcdef0123456789abcdef"


def add_video(
    builder: SnapshotBuilder, item_id: str, path: Path, category: str, **fields: Any
) -> dict[str, Any]:
    item = {
        "kind": "video", "id": item_id, "title": f"课程{item_id}", "category": category,
        "video": builder.asset(path.read_bytes(), "video/mp4"),
        "cover": builder.asset(image_bytes(320, 180, (30, 120, 200))),
        "length_seconds": 3, **fields,
    }  # fmt: skip
    builder.items.append(item)
    return item


def add_meeting(
    builder: SnapshotBuilder,
    item_id: str,
    start: datetime,
    opens_at: datetime,
    *,
    shown_from: datetime | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A 支部党员大会 of an hour from ``start`` whose sign-in is open for an hour from
    ``opens_at``; in its display window from ``shown_from`` (default: always)."""
    item = {
        "kind": "meeting", "id": item_id, "title": "学习贯彻全会精神专题会",
        "meeting_type": "支部党员大会", "branch": "第一党支部", "place": "党员活动室",
        "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
        "signin": {
            "url": f"http://10.1.2.3:8080/m/{item_id}", "secret": SECRET, "period_seconds": 30,
            "opens_at": opens_at.isoformat(),
            "closes_at": (opens_at + timedelta(hours=1)).isoformat(),
        },
        **fields,
    }  # fmt: skip
    if shown_from is not None:
        item["valid_from"] = shown_from.isoformat()
    builder.items.append(item)
    return item


def add_open_meeting(builder: SnapshotBuilder) -> None:
    now = datetime.now(SHANGHAI)
    add_meeting(builder, "m1", now + timedelta(minutes=10), now - timedelta(minutes=20))


class Touch:
    """A screen in touch mode and what it recorded."""

    def __init__(self, screen: Screen, mode: TouchMode, viewings: list[Viewing]) -> None:
        self.screen, self.mode, self.viewings = screen, mode, viewings


def touch_factory(
    make_screen: Callable[..., Screen], tmp_path: Path
) -> Iterator[Callable[..., Touch]]:
    """The body of a ``make_touch`` fixture: ``make(snapshot, size=..., clock=...)`` builds a
    screen (``make_screen``) in touch mode; every one made is stopped afterwards."""
    made: list[TouchMode] = []

    def make(
        snapshot: Snapshot,
        idle_seconds: float = 60,
        size: tuple[int, int] = LANDSCAPE,
        sink: Callable[[Viewing], None] | None = None,
        live_counts: Any = None,
        clock: Callable[[], datetime] | None = None,
        finished_seconds: float = FINISHED_SECONDS,
    ) -> Touch:
        clock = clock or (lambda: datetime.now(SHANGHAI))
        screen = make_screen(snapshot, size=size, clock=clock)
        viewings: list[Viewing] = []

        def record(viewing: Viewing) -> None:
            viewings.append(viewing)
            if sink is not None:
                sink(viewing)

        mode = TouchMode(
            screen.window,
            screen.controller,
            clock,
            ResumePositions(tmp_path / "resume.json"),
            screen.controller.playback_failures,
            idle_seconds=idle_seconds,
            mode="touch",
            record_viewing=record,
            live_counts=live_counts,
            finished_seconds=finished_seconds,
        )
        made.append(mode)
        return Touch(screen, mode, viewings)

    yield make
    for mode in made:
        mode.stop()


def tap(widget: QWidget, point: QPoint | None = None) -> None:
    """A one-finger tap on ``widget`` (a real QTouchEvent sequence)."""
    device = QTest.createTouchDevice()
    point = point or widget.rect().center()
    window = widget.window()
    at = widget.mapTo(window, point)
    sequence = QTest.touchEvent(window, device)
    sequence.press(0, at, window)
    sequence.commit()
    sequence.release(0, at, window)
    sequence.commit()


def click(qtbot: Any, widget: QWidget) -> None:
    from kiosk.qt.qt import Qt

    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def in_window(widget: QWidget) -> QRect:
    """``widget``'s rectangle in its window's coordinates."""
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


def courses(builder: SnapshotBuilder, test_videos: Any, extra: Path | None = None) -> Snapshot:
    builder.settings["mode"] = "touch"
    builder.poster("p1")
    add_video(builder, "v1", test_videos.path("good"), "党史故事")
    add_video(builder, "v2", test_videos.path("good"), "时政热点", cover=None)
    add_video(builder, "v3", test_videos.path("short"), "党史故事", title="一段很长的课程标题" * 3)
    if extra is not None:
        add_video(builder, "long", extra, "国史讲堂", length_seconds=20)
    builder.notice("n1", "本周五下午三点召开支部党员大会。")
    builder.honor_roll("h1", count=3)
    return builder.commit()


def updated(snapshot: Snapshot) -> Any:
    """The result of a sync that brought ``snapshot``."""
    from content_cache.sync import SyncResult

    return SyncResult("updated", snapshot, "test")
