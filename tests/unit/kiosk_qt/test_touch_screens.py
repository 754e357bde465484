"""What the touch screens look like and how they follow the plan: the header on every page,
the sign-in page with and without an open meeting, the honor roll's paging buttons, the end of
a course, the course grid. Real window, controller and libvlc (dummy outputs offscreen);
taps are real QTouchEvent sequences; the clock is moved by the test, never slept on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from qt_helpers import SHANGHAI, JumpingClock, Screen, SnapshotBuilder, layout_problems
from touch_helpers import Touch, add_meeting, add_video, click, in_window, tap, touch_factory
from touch_helpers import updated as synced

from content_cache.wire import Meeting
from kiosk.qt.qt import QColor, QImage, QRect, QWidget
from kiosk.qt.touch.home import COURSES, HONOR, NOTICES, SIGNIN
from kiosk.qt.touch.pages import (
    NO_MEETING_TEXT,
    NO_SIGNIN_TEXT,
    next_meeting,
)
from kiosk.qt.touch.shell import TouchPage
from kiosk.qt.touch.widgets import TouchButton

START = datetime(2026, 11, 24, 14, 30, tzinfo=SHANGHAI)  # a Tuesday
BIG_SCREENS = [(1920, 1080), (3840, 2160)]


@pytest.fixture
def make_touch(
    make_screen: Callable[..., Screen], tmp_path: Path
) -> Iterator[Callable[..., Touch]]:
    yield from touch_factory(make_screen, tmp_path)


def ink_pixels(image: QImage, rect: QRect, colour: QColor, tolerance: int = 40) -> int:
    """How many pixels in ``rect`` of ``image`` are close to ``colour`` (drawn text's ink)."""
    count = 0
    for y in range(max(0, rect.top()), min(image.height(), rect.bottom() + 1), 2):
        for x in range(max(0, rect.left()), min(image.width(), rect.right() + 1), 2):
            pixel = image.pixelColor(x, y)
            if (
                abs(pixel.red() - colour.red())
                + abs(pixel.green() - colour.green())
                + abs(pixel.blue() - colour.blue())
                <= tolerance
            ):
                count += 1
    return count


def drawn(widget: Any, text: str) -> QRect:
    """Where ``widget`` painted ``text`` in its last paint, in its window's coordinates."""
    [box] = [t.rect for t in widget.drawn_text if t.text == text]
    return box.translated(widget.mapTo(widget.window(), box.topLeft()) - box.topLeft())


def visible_buttons(widget: QWidget) -> list[TouchButton]:
    return [b for b in widget.findChildren(TouchButton) if b.isVisible()]


def meetings_snapshot(builder: SnapshotBuilder, clock: JumpingClock) -> Any:
    """Two meetings published an hour ago: m1 today at 14:30 (sign-in from 14:00 to 15:00)
    and m2 tomorrow at 14:30."""
    builder.settings["mode"] = "touch"
    builder.poster("p1")
    shown = clock.now - timedelta(hours=1)
    add_meeting(builder, "m1", START, START - timedelta(minutes=30), shown_from=shown)
    tomorrow = START + timedelta(days=1)
    add_meeting(builder, "m2", tomorrow, tomorrow - timedelta(minutes=30), shown_from=shown,
                title="主题党日活动", meeting_type="主题党日", place="三楼会议室")  # fmt: skip
    return builder.commit()


# -- sign-in -------------------------------------------------------------------------------


def test_signin_page_says_none_is_open_then_follows_the_plan(
    make_touch: Callable[..., Touch], builder: SnapshotBuilder, qtbot: Any
) -> None:
    clock = JumpingClock(START - timedelta(hours=2))
    touch = make_touch(meetings_snapshot(builder, clock), size=(1920, 1080), clock=clock)
    mode, controller = touch.mode, touch.screen.controller
    mode.open_home()
    assert mode.home.tiles[SIGNIN].subtitle == "下一场 今天 14:30"
    tap(mode.home.tiles[SIGNIN])
    page = mode.signin_page
    assert mode.page() is TouchPage.SIGNIN and not page.is_card_shown()
    assert page.panel.texts() == [
        NO_SIGNIN_TEXT, "下一场会议", "学习贯彻全会精神专题会", "支部党员大会 · 第一党支部",
        "时间：11月24日 14:30–15:30", "地点：党员活动室", "签到将于 11月24日 14:00 开始",
    ]  # fmt: skip
    image = touch.screen.window.grab().toImage()  # paints the panel: drawn_text is filled
    message = drawn(page.panel, NO_SIGNIN_TEXT)
    assert touch.screen.window.rect().contains(message)
    accent = touch.screen.window.theme.color("accent_bright")
    assert ink_pixels(image, message, accent) > 50  # the message's glyphs are on screen
    assert layout_problems(touch.screen.window) == []

    assert controller.next_replan == START - timedelta(minutes=30)  # sign-in opens: re-plan
    clock.now = START - timedelta(minutes=29)
    controller.replan()  # what the re-plan job does at that instant
    assert page.is_card_shown() and page.card.meeting is not None
    assert page.card.meeting.id == "m1" and page.card.url is not None  # the live QR code

    clock.now = START + timedelta(minutes=31)  # m1's sign-in closed a minute ago
    controller.replan()
    assert not page.is_card_shown()
    assert page.panel.texts()[:3] == [NO_SIGNIN_TEXT, "下一场会议", "主题党日活动"]
    tap(mode.shell.home_button)
    assert mode.home.tiles[SIGNIN].subtitle == "下一场 11月25日"


def test_signin_page_without_meetings_says_there_are_none(
    make_touch: Callable[..., Touch], builder: SnapshotBuilder
) -> None:
    builder.settings["mode"] = "touch"
    builder.poster("p1")
    touch = make_touch(builder.commit(), size=(1920, 1080))
    touch.mode.open_when_ready("signin")  # as `kiosk demo --open signin` does
    page = touch.mode.signin_page
    assert touch.mode.page() is TouchPage.SIGNIN and not page.is_card_shown()
    assert page.panel.texts() == [NO_SIGNIN_TEXT, NO_MEETING_TEXT]
    image = touch.screen.window.grab().toImage()
    muted = touch.screen.window.theme.color("text_muted")
    assert ink_pixels(image, drawn(page.panel, NO_MEETING_TEXT), muted) > 20


def test_home_signin_tile_follows_signin_opening_and_closing(
    make_touch: Callable[..., Touch], builder: SnapshotBuilder
) -> None:
    clock = JumpingClock(START - timedelta(hours=2))
    builder.settings["mode"] = "touch"
    builder.poster("p1")
    opens = START - timedelta(minutes=30)
    add_meeting(builder, "m1", START, opens, shown_from=opens)  # the server's default window
    touch = make_touch(builder.commit(), size=(1920, 1080), clock=clock)
    mode, controller = touch.mode, touch.screen.controller
    mode.open_home()
    home = mode.home
    assert home.visible_tiles() == [COURSES, HONOR, NOTICES]  # not in its window yet
    clock.now = START - timedelta(minutes=29)
    controller.replan()  # sign-in opens while the home page is shown
    assert home.visible_tiles() == [COURSES, HONOR, NOTICES, SIGNIN]
    assert home.tiles[SIGNIN].subtitle == "正在签到"
    assert in_window(home.tiles[SIGNIN]).intersects(touch.screen.window.rect())
    clock.now = START + timedelta(minutes=31)
    controller.replan()  # sign-in closes; the meeting has started: nothing is coming
    assert home.visible_tiles() == [COURSES, HONOR, NOTICES]


def test_next_meeting_is_the_first_still_to_come() -> None:
    now = START - timedelta(hours=1)

    def meeting(item_id: str, start: datetime, opens: datetime | None) -> Meeting:
        signin = None
        if opens is not None:
            signin = {"url": "http://x/m", "secret": "s" * 32, "period_seconds": 30,
                      "opens_at": opens, "closes_at": opens + timedelta(hours=1)}  # fmt: skip
        return Meeting(id=item_id, title=item_id, meeting_type="党课", start=start,
                       end=start + timedelta(hours=1), signin=signin)  # fmt: skip

    over = meeting("over", now - timedelta(days=1), now - timedelta(days=1, minutes=30))
    started = meeting("started", now - timedelta(minutes=5), None)
    later = meeting("later", now + timedelta(days=2), now + timedelta(days=2, minutes=-30))
    soon = meeting("soon", now + timedelta(hours=3), now + timedelta(hours=2))
    assert next_meeting([over, started, later, soon], now) is soon
    assert next_meeting([over, started], now) is None


# -- header and buttons on every page --------------------------------------------------------


@pytest.mark.parametrize("size", BIG_SCREENS)
def test_every_page_has_the_header_and_its_buttons_on_screen(
    make_touch: Callable[..., Touch],
    builder: SnapshotBuilder,
    test_videos: Any,
    qtbot: Any,
    size: tuple[int, int],
) -> None:
    clock = JumpingClock(START - timedelta(hours=2, minutes=1))
    builder.settings["mode"] = "touch"
    builder.poster("p1")
    add_video(builder, "v1", test_videos.path("good"), "党史故事", length_seconds=600)
    builder.notice("n1", "本周五下午三点召开支部党员大会。")
    builder.honor_roll("h1", count=40, photos=False)
    touch = make_touch(builder.commit(), size=size, clock=clock)
    mode, window = touch.mode, touch.screen.window
    mode.open_home()
    shell = mode.shell
    assert shell is not None
    pages = {
        TouchPage.HOME: lambda: tap(shell.home_button) if shell.home_button.isVisible() else None,
        TouchPage.LIBRARY: lambda: tap(mode.home.tiles[COURSES]),
        TouchPage.PLAYER: lambda: click(qtbot, mode.library.course_tiles["v1"]),
        TouchPage.HONOR: lambda: tap(mode.home.tiles[HONOR]),
        TouchPage.NOTICES: lambda: tap(mode.home.tiles[NOTICES]),
        TouchPage.SIGNIN: lambda: mode.choose(SIGNIN),
    }
    for page, go in pages.items():
        if page in (TouchPage.HONOR, TouchPage.NOTICES, TouchPage.SIGNIN):
            tap(shell.home_button)
        go()
        assert mode.page() is page
        window.grab()  # paint everything now
        header = shell.header
        assert header.isVisible() and in_window(header) == QRect(
            0, 0, size[0], shell.header_height()
        )
        texts = sorted(t.text for t in header.drawn_text)
        assert texts == sorted(["测试党支部", "2026年11月24日 星期二", "12:29"]), page
        for button in visible_buttons(shell):
            box = in_window(button)
            assert window.rect().contains(box), (page, button.text, box)
            assert min(box.width(), box.height()) >= min(size) * 0.11, (page, button.text)
        at_home = page is TouchPage.HOME
        assert shell.back_button.isVisible() is not at_home  # no 返回 on the home page
        assert shell.home_button.isVisible() is not at_home
        if page is TouchPage.PLAYER:  # a ten-minute course has ±15 s
            assert mode.player_view.forward_button.isVisible()
            tap(shell.back_button)

    clock.now += timedelta(minutes=1)
    window.minute_passed.emit()  # what the window's minute ticker does
    builder.settings["org_name"] = "第二党支部"
    touch.screen.controller.on_sync_result(synced(builder.commit(revision=2)))
    window.grab()
    texts = {t.text for t in shell.header.drawn_text}
    assert {"第二党支部", "12:30"} <= texts


# -- honor rolls -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", BIG_SCREENS)
def test_honor_paging_buttons_are_on_screen_beside_the_cards(
    make_touch: Callable[..., Touch], builder: SnapshotBuilder, qtbot: Any, size: tuple[int, int]
) -> None:
    builder.settings["mode"] = "touch"
    builder.honor_roll("h1", count=60, photos=False)  # several pages
    touch = make_touch(builder.commit(), size=size)
    window = touch.screen.window
    touch.mode.open_home()
    tap(touch.mode.home.tiles[HONOR])
    page = touch.mode.honor_page
    qtbot.waitUntil(lambda: page.player.roll is not None and page.view.pages() > 1)
    pages = page.view.pages()
    shell = touch.mode.shell
    assert shell is not None and shell.title_text() == f"光荣榜 · 第 1/{pages} 页"
    image = window.grab().toImage()
    cards = in_window(page.view)
    assert window.rect().contains(cards)
    plate = window.theme.color("band")
    for button in (page.previous_button, page.next_button):
        box = in_window(button)
        assert button.isVisible() and window.rect().contains(box), box
        assert not box.intersects(cards)
        assert min(box.width(), box.height()) >= min(size) * 0.11
        corner = QRect(box.left() + box.width() // 8, box.top() + box.height() // 8, 4, 4)
        assert ink_pixels(image, corner, plate, tolerance=10) > 0  # the plate is painted
    texts = [t.text for t in page.view.drawn_text]
    assert "光荣榜" not in texts  # the title is in the bar only
    tap(page.next_button)
    assert page.view.page == 1 and shell.title_text() == f"光荣榜 · 第 2/{pages} 页"


def test_a_one_page_roll_has_no_paging_buttons_and_one_title(
    make_touch: Callable[..., Touch], builder: SnapshotBuilder, qtbot: Any
) -> None:
    builder.settings["mode"] = "touch"
    builder.honor_roll("h1", count=4, photos=False)
    touch = make_touch(builder.commit(), size=(1920, 1080))
    touch.mode.open_home()
    tap(touch.mode.home.tiles[HONOR])
    page = touch.mode.honor_page
    qtbot.waitUntil(lambda: page.player.roll is not None)
    window = touch.screen.window
    window.grab()
    assert page.view.pages() == 1
    assert not page.previous_button.isVisible() and not page.next_button.isVisible()
    assert in_window(page.view).width() > window.width() * 0.9  # the cards take the width
    on_screen = [t.text for t in page.view.drawn_text] + [touch.mode.shell.title_text()]
    assert on_screen.count("光荣榜") == 1


# -- the course player's end -------------------------------------------------------------------


def open_course(touch: Touch, qtbot: Any, item_id: str) -> None:
    tap(touch.mode.home.tiles[COURSES])
    click(qtbot, touch.mode.library.course_tiles[item_id])
    assert touch.mode.page() is TouchPage.PLAYER


def test_a_course_played_to_its_end_shows_it_is_finished(
    make_touch: Callable[..., Touch], builder: SnapshotBuilder, test_videos: Any, qtbot: Any
) -> None:
    builder.settings["mode"] = "touch"
    add_video(builder, "v1", test_videos.path("short"), "党史故事", title="红船精神",
              length_seconds=1)  # fmt: skip
    touch = make_touch(builder.commit(), size=(1920, 1080), finished_seconds=600)
    touch.mode.open_home()
    view, window = touch.mode.player_view, touch.screen.window
    with qtbot.waitSignal(view.finished_shown, timeout=15_000):
        open_course(touch, qtbot, "v1")
        assert not view.back_button.isVisible() and not view.forward_button.isVisible()
    assert view.is_finished() and not view.surface.isVisible()
    assert view.finished_label.text() == "本课已学完" and view.course_label.text() == "红船精神"
    assert view.countdown_label.text().endswith("秒后自动返回课程列表")
    image = window.grab().toImage()
    headline = in_window(view.finished_label)
    assert ink_pixels(image, headline, window.theme.color("accent_bright")) > 50
    for button in (view.replay_button, view.library_button):
        assert button.isVisible() and window.rect().contains(in_window(button))
        assert not in_window(button).intersects(headline)
    assert layout_problems(window) == []
    assert touch.mode.idle.is_counting()  # nobody is watching now
    with qtbot.waitSignal(view.finished_shown, timeout=15_000):
        tap(view.replay_button)  # 重新播放
        assert not view.is_finished() and view.surface.isVisible()
    tap(view.library_button)  # 返回课程列表
    assert touch.mode.page() is TouchPage.LIBRARY and not view.is_finished()
    assert [(v.outcome, v.completed) for v in touch.viewings] == [("ended", True)] * 2


def test_a_finished_course_goes_back_to_the_library_by_itself(
    make_touch: Callable[..., Touch], builder: SnapshotBuilder, test_videos: Any, qtbot: Any
) -> None:
    builder.settings["mode"] = "touch"
    add_video(builder, "v1", test_videos.path("short"), "党史故事", length_seconds=1)
    touch = make_touch(builder.commit(), finished_seconds=0.5)
    touch.mode.open_home()
    with qtbot.waitSignal(touch.mode.player_view.finished_shown, timeout=15_000):
        open_course(touch, qtbot, "v1")
    with qtbot.waitSignal(touch.mode.page_shown, check_params_cb=lambda p: p == "library"):
        pass
    assert not touch.mode.player_view.is_finished()


# -- the course library ------------------------------------------------------------------------


@pytest.mark.parametrize("size", BIG_SCREENS)
def test_course_covers_fill_the_width_in_a_grid(
    make_touch: Callable[..., Touch],
    builder: SnapshotBuilder,
    test_videos: Any,
    size: tuple[int, int],
) -> None:
    builder.settings["mode"] = "touch"
    for index in range(7):
        category = "党史故事" if index % 2 else "时政热点"
        add_video(builder, f"c{index}", test_videos.path("short"), category)
    touch = make_touch(builder.commit(), size=size)
    touch.mode.open_home()
    tap(touch.mode.home.tiles[COURSES])
    library = touch.mode.library
    assert library.category == "全部课程" and len(library.course_tiles) == 7
    tiles = list(library.course_tiles.values())
    columns = sorted({tile.x() for tile in tiles})
    assert len(columns) == 3  # three covers a row at 1920 wide and at 3840 wide
    viewport = library.course_area.viewport()
    right = max(tile.geometry().right() for tile in tiles)
    assert viewport.width() - 2 <= right + 1 <= viewport.width()  # the row fills the width
    for tile in tiles:
        assert 0.8 <= tile.width() / tile.height() <= 1.5  # a 16:9 cover over its title
    first_row = [tile for tile in tiles if tile.y() == 0]
    for tile in first_row:
        assert touch.screen.window.rect().contains(in_window(tile))
