"""Touch mode in one process: real snapshot, real window and controller, real libvlc (dummy
outputs offscreen), simulated touches (``QTest.touchEvent``) and clicks.

Waits are on signals and conditions, never fixed sleeps.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtTest import QTest
from qt_helpers import Screen, SnapshotBuilder, events
from touch_helpers import (
    Touch,
    add_open_meeting,
    add_video,
    click,
    courses,
    tap,
    touch_factory,
    updated,
)

from content_cache.learning import LearningQueue
from kiosk.core.courses import PlaybackFailures
from kiosk.qt.qt import QPoint
from kiosk.qt.theme import Metrics
from kiosk.qt.touch.home import COURSES, HONOR, NOTICES, SIGNIN
from kiosk.qt.touch.mode import LearningSink
from kiosk.qt.touch.shell import TouchPage
from kiosk.qt.touch.widgets import TouchButton
from kiosk.qt.window import Page
from tests.support.signin import create_meeting, import_roster, meeting_item, sign_in


@pytest.fixture
def make_touch(
    make_screen: Callable[..., Screen], tmp_path: Path
) -> Iterator[Callable[..., Touch]]:
    yield from touch_factory(make_screen, tmp_path)


@pytest.fixture(scope="module")
def long_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20 s video (small and fast to make): long enough to leave part-way and resume."""
    target = tmp_path_factory.mktemp("long") / "long.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "testsrc=duration=20:size=320x180:rate=10", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", str(target)],
        check=True, timeout=120,
    )  # fmt: skip
    return target


def open_library(touch: Touch, qtbot: Any) -> None:
    with qtbot.waitSignal(touch.mode.home_shown):
        tap(touch.screen.window)
    assert touch.mode.page() is TouchPage.HOME
    with qtbot.waitSignal(touch.mode.page_shown):
        tap(touch.mode.home.tiles[COURSES])
    assert touch.mode.page() is TouchPage.LIBRARY


def test_touch_home_category_course_play_back(
    make_touch: Callable[..., Touch],
    builder: SnapshotBuilder,
    test_videos: Any,
    qtbot: Any,
    kiosk_log: Any,
) -> None:
    touch = make_touch(courses(builder, test_videos))
    mode = touch.mode
    qtbot.waitUntil(lambda: touch.screen.controller.current_item is not None)
    open_library(touch, qtbot)
    assert set(touch.screen.controller.timers_active()) <= {"fade"}  # the rotation waits
    library = mode.library
    assert library.categories() == ["全部课程", "时政热点", "党史故事"]  # all, then known order
    assert library.category == "全部课程" and list(library.course_tiles) == ["v1", "v2", "v3"]
    with qtbot.waitSignal(library.category_shown, check_params_cb=lambda c: c == "党史故事"):
        click(qtbot, library.category_buttons["党史故事"])
    assert list(library.course_tiles) == ["v1", "v3"]
    qtbot.waitUntil(lambda: library.course_tiles["v1"].has_pixmap())  # cover decoded
    with qtbot.waitSignal(mode.course_opened, check_params_cb=lambda i: i == "v1"):
        click(qtbot, library.course_tiles["v1"])
    assert mode.page() is TouchPage.PLAYER
    session = mode.player_view.session
    qtbot.waitUntil(lambda: session.state == "playing", timeout=10_000)
    assert not mode.idle.is_counting()  # nobody is idle while watching
    qtbot.waitUntil(lambda: session.position > 0, timeout=10_000)
    click(qtbot, mode.shell.back_button)  # 返回: to the library
    assert mode.page() is TouchPage.LIBRARY
    assert mode.idle.is_counting()
    [viewing] = touch.viewings
    assert viewing.video.id == "v1" and viewing.outcome == "left"
    assert viewing.seconds_watched > 0 and not viewing.completed
    assert [r.item_id for r in events(kiosk_log, "course_opened")] == ["v1"]
    click(qtbot, mode.shell.home_button)  # 主页
    assert mode.page() is TouchPage.HOME
    # the home page itself has neither 返回 nor 主页: the idle timeout leaves it
    assert not mode.shell.back_button.isVisible() and not mode.shell.home_button.isVisible()


def test_course_played_to_its_end_is_recorded_completed(
    make_touch: Callable[..., Touch],
    builder: SnapshotBuilder,
    test_videos: Any,
    qtbot: Any,
    tmp_path: Path,
) -> None:
    touch = make_touch(courses(builder, test_videos), sink=LearningSink(tmp_path / "learn.db"))
    open_library(touch, qtbot)
    click(qtbot, touch.mode.library.category_buttons["党史故事"])
    with qtbot.waitSignal(touch.mode.player_view.viewing_finished, timeout=15_000):
        click(qtbot, touch.mode.library.course_tiles["v3"])
    [viewing] = touch.viewings
    assert viewing.outcome == "ended" and viewing.completed
    assert touch.mode.idle.is_counting()  # the idle time runs again after the end
    [record] = LearningQueue(tmp_path / "learn.db").unsent()  # queued for upload
    assert record.course_id == "v3" and record.completed and record.category == "党史故事"
    assert record.started_at == viewing.started_at and record.seconds_watched > 0


def test_idle_timeout_returns_to_the_attract_loop(
    make_touch: Callable[..., Touch],
    builder: SnapshotBuilder,
    test_videos: Any,
    qtbot: Any,
    kiosk_log: Any,
) -> None:
    touch = make_touch(courses(builder, test_videos), idle_seconds=0.5)
    qtbot.waitUntil(touch.mode.hint_shown)  # 轻触屏幕 · 观看党课视频
    with qtbot.waitSignal(touch.mode.home_shown):
        tap(touch.screen.window)
    with qtbot.waitSignal(touch.mode.returned_to_attract, timeout=5_000) as blocker:
        pass
    assert blocker.args == ["idle"]
    assert not touch.mode.is_open() and touch.mode.hint_shown()
    [record] = events(kiosk_log, "touch_idle_return")
    assert record.idle_seconds == 0.5
    qtbot.waitUntil(lambda: touch.screen.controller.current_item is not None)


def test_resume_is_offered_when_a_course_is_reopened(
    make_touch: Callable[..., Touch],
    builder: SnapshotBuilder,
    test_videos: Any,
    qtbot: Any,
    long_video: Path,
) -> None:
    touch = make_touch(courses(builder, test_videos, extra=long_video))
    mode = touch.mode
    open_library(touch, qtbot)
    click(qtbot, mode.library.category_buttons["国史讲堂"])
    click(qtbot, mode.library.course_tiles["long"])
    session = mode.player_view.session
    qtbot.waitUntil(lambda: session.state == "playing", timeout=10_000)
    session.seek_to(10.0)  # as the seek bar does when a finger lets go of it
    qtbot.waitUntil(lambda: session.position >= 10, timeout=10_000)
    click(qtbot, mode.shell.back_button)
    assert "上次看到 00:1" in mode.library.course_tiles["long"]._subtitle  # noqa: SLF001
    click(qtbot, mode.library.course_tiles["long"])
    view = mode.player_view
    assert view.is_asking() and not view.surface.isVisible()
    assert "上次看到 00:1" in view.question.text()
    tap(view.resume_button)  # 继续播放
    assert not view.is_asking()
    qtbot.waitUntil(lambda: session.state == "playing", timeout=10_000)
    qtbot.waitUntil(lambda: session.position >= 10, timeout=10_000)
    click(qtbot, mode.shell.back_button)
    click(qtbot, mode.library.course_tiles["long"])
    click(qtbot, view.restart_button)  # 从头播放
    qtbot.waitUntil(lambda: session.state == "playing", timeout=10_000)
    assert session.position < 10


def test_corrupt_video_returns_to_the_library_with_a_message(
    make_touch: Callable[..., Touch],
    builder: SnapshotBuilder,
    test_videos: Any,
    qtbot: Any,
    kiosk_log: Any,
) -> None:
    builder.poster("p1")
    bad = add_video(builder, "bad", test_videos.path("garbage"), "党史故事")
    touch = make_touch(builder.commit())
    mode = touch.mode
    open_library(touch, qtbot)
    for attempt in (1, 2):
        with qtbot.waitSignal(mode.playback_failed, timeout=15_000) as blocker:
            click(qtbot, mode.library.course_tiles["bad"])
        assert mode.page() is TouchPage.LIBRARY
        assert blocker.args[1].endswith("已返回课程列表")
        assert mode.message() == blocker.args[1] and "无法播放" in mode.message()
        assert len(events(kiosk_log, "playback_error")) == attempt
    failures: PlaybackFailures = touch.screen.controller.playback_failures
    assert failures.skipped(bad["video"]["sha256"])  # left out of the attract loop
    assert [v.outcome for v in touch.viewings] == ["failed", "failed"]


def test_home_tiles_are_large_and_signin_shows_only_when_open(
    make_touch: Callable[..., Touch], builder: SnapshotBuilder, test_videos: Any, qtbot: Any
) -> None:
    courses(builder, test_videos)
    touch = make_touch(builder.commit(), size=(1920, 1080))
    touch.mode.open_home()
    home = touch.mode.home
    assert home.visible_tiles() == [COURSES, HONOR, NOTICES]
    metrics = Metrics.for_size(touch.screen.window.theme, 1920, 1080)
    assert metrics.px("touch_text") >= 36  # readable at two metres on a 1080p panel
    for button in touch.mode.shell.findChildren(TouchButton):
        if button.isVisible():
            # 15 mm on a 65" 1080p panel is 20 px; every target is far larger
            assert button.width() >= 120 and button.height() >= 120, button.text
    for tile, page in ((HONOR, TouchPage.HONOR), (NOTICES, TouchPage.NOTICES)):
        tap(home.tiles[tile])
        assert touch.mode.page() is page
        tap(touch.mode.shell.home_button)
    assert "本周五下午三点召开支部党员大会。" in touch.mode.notices_page.texts()
    add_open_meeting(builder)
    touch.screen.controller.on_sync_result(updated(builder.commit(revision=2)))
    tap(touch.mode.shell.home_button)
    assert home.visible_tiles() == [COURSES, HONOR, NOTICES, SIGNIN]
    tap(home.tiles[SIGNIN])
    assert touch.mode.page() is TouchPage.SIGNIN
    assert touch.mode.signin_page.card.meeting.id == "m1"


def test_wall_rotation_plays_a_video_then_moves_on(
    make_screen: Callable[..., Screen],
    builder: SnapshotBuilder,
    test_videos: Any,
    qtbot: Any,
    kiosk_log: Any,
) -> None:
    builder.settings["poster_seconds"] = 2
    builder.poster("p1")
    add_video(builder, "v1", test_videos.path("short"), "党史故事", rotation=True)
    screen = make_screen(builder.commit())
    qtbot.waitUntil(lambda: screen.window.page() is Page.VIDEO, timeout=10_000)
    player = screen.controller.video_player
    assert player.session.player is not None and player.session.player.muted
    qtbot.waitUntil(
        lambda: [r.item_id for r in events(kiosk_log, "item_shown")][-2:] == ["v1", "p1"],
        timeout=15_000,
    )
    assert screen.window.page() is Page.POSTERS and not player.is_playing()


def test_wall_video_that_fails_is_skipped(
    make_screen: Callable[..., Screen],
    builder: SnapshotBuilder,
    test_videos: Any,
    qtbot: Any,
    kiosk_log: Any,
) -> None:
    builder.settings["poster_seconds"] = 2
    builder.poster("p1")
    bad = add_video(builder, "bad", test_videos.path("garbage"), "党史故事", rotation=True)
    screen = make_screen(builder.commit())
    qtbot.waitUntil(
        lambda: len([r for r in events(kiosk_log, "item_skipped") if r.item_id == "bad"]) == 2,
        timeout=20_000,
    )
    assert screen.controller.playback_failures.skipped(bad["video"]["sha256"])
    shown = [r.item_id for r in events(kiosk_log, "item_shown")]
    assert shown[-1] == "p1"  # the next item shows; the video is not tried again
    qtbot.waitUntil(lambda: screen.window.page() is Page.POSTERS)


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160), (1080, 1920)])
def test_touch_pages_fit_every_screen(
    make_touch: Callable[..., Touch],
    builder: SnapshotBuilder,
    test_videos: Any,
    qtbot: Any,
    size: tuple[int, int],
) -> None:
    from qt_helpers import layout_problems

    touch = make_touch(courses(builder, test_videos), size=size)
    mode = touch.mode
    unit = min(size)
    mode.open_home()
    for page in (mode.home.tiles[COURSES], None):
        if page is not None:
            tap(page)
        assert layout_problems(touch.screen.window) == []
        for button in mode.shell.findChildren(TouchButton):
            if button.isVisible():
                assert min(button.width(), button.height()) >= unit * 0.11, button.text


def test_a_finger_drag_scrolls_the_course_list(
    make_touch: Callable[..., Touch], builder: SnapshotBuilder, test_videos: Any, qtbot: Any
) -> None:
    for index in range(12):
        add_video(builder, f"c{index}", test_videos.path("short"), "党史故事")
    touch = make_touch(builder.commit())
    open_library(touch, qtbot)
    area = touch.mode.library.course_area
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    viewport = area.viewport()
    start = viewport.rect().center()
    device = QTest.createTouchDevice()
    sequence = QTest.touchEvent(viewport, device)
    sequence.press(0, start, viewport)
    sequence.commit()
    for step in range(1, 11):  # a finger moving up by 40 % of the list's height
        sequence.move(0, start - QPoint(0, step * viewport.height() // 25), viewport)
        sequence.commit()
    # The list follows the held finger on the scroller's next animation frame; a release in
    # the same instant as the moves (no frame between them) would leave it where it was.
    qtbot.waitUntil(lambda: bar.value() > 0)
    sequence.release(0, start - QPoint(0, viewport.height() * 2 // 5), viewport)
    sequence.commit()
    assert touch.mode.page() is TouchPage.LIBRARY  # a drag is not a tap: no course opened


def test_the_signin_page_follows_the_live_count_from_the_server(
    make_touch: Callable[..., Touch], builder: SnapshotBuilder, server: Any, qtbot: Any
) -> None:
    from kiosk.qt.live_feed import LiveCountFeed

    import_roster(server)
    meeting = create_meeting(server, to="screen-1")
    builder.settings["mode"] = "touch"
    builder.items.append(meeting_item(server, "screen-1", meeting["id"]))
    feed = LiveCountFeed(server.url, poll_seconds=0.5)
    touch = make_touch(builder.commit(), live_counts=feed)
    touch.mode.open_home()
    tap(touch.mode.home.tiles[SIGNIN])
    card = touch.mode.signin_page.card
    qtbot.waitUntil(lambda: card.count is not None and card.count.expected == 3, timeout=15000)
    assert card.count.present == 0
    sign_in(server, "screen-1", meeting["id"], "李红", "9002")
    qtbot.waitUntil(lambda: card.count.present == 1, timeout=15000)
    assert "李红" in card.latest_text()
    tap(touch.mode.shell.home_button)  # leaving the page stops following the count
    qtbot.waitUntil(lambda: feed.meeting_id is None, timeout=5000)


def test_home_and_library_follow_new_content_while_open(
    make_touch: Callable[..., Touch], builder: SnapshotBuilder, test_videos: Any
) -> None:
    builder.settings["mode"] = "touch"
    builder.poster("p1")
    touch = make_touch(builder.commit())
    touch.mode.open_home()
    assert touch.mode.home.tiles[COURSES].subtitle == "暂无课程"
    add_video(builder, "v1", test_videos.path("good"), "党史故事")  # a course, not in rotation
    touch.screen.controller.on_sync_result(updated(builder.commit(revision=2)))
    assert touch.mode.home.tiles[COURSES].subtitle == "共 1 门课程"
    touch.mode.show_library()
    add_video(builder, "v2", test_videos.path("good"), "时政热点")
    touch.screen.controller.on_sync_result(updated(builder.commit(revision=3)))
    assert touch.mode.library.categories() == ["全部课程", "时政热点", "党史故事"]


def test_honor_pages_turn_by_hand_across_rolls(
    make_touch: Callable[..., Touch], builder: SnapshotBuilder, qtbot: Any
) -> None:
    builder.settings["mode"] = "touch"
    builder.honor_roll("h1", count=60, photos=False)  # several pages at 1920x1080
    builder.honor_roll("h2", count=2, photos=False)
    touch = make_touch(builder.commit(), size=(1920, 1080))
    touch.mode.open_home()
    tap(touch.mode.home.tiles[HONOR])
    page = touch.mode.honor_page
    qtbot.waitUntil(lambda: page.player.roll is not None and page.view.pages() > 1)
    assert page.next_button.height() >= 120 and page.next_button.isVisible()
    pages = page.view.pages()
    tap(page.next_button)
    assert (page.player.roll.id, page.view.page) == ("h1", 1)
    tap(page.previous_button)
    assert (page.player.roll.id, page.view.page) == ("h1", 0)
    tap(page.previous_button)  # before the first page: the previous roll (wrapping), its last
    assert (page.player.roll.id, page.view.page) == ("h2", 0)
    tap(page.previous_button)
    assert (page.player.roll.id, page.view.page) == ("h1", pages - 1)
    tap(page.next_button)  # past the last page: the next roll
    assert (page.player.roll.id, page.view.page) == ("h2", 0)
