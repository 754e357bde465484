"""The window's layout at real screen sizes, the notice band, the header."""

from __future__ import annotations

from datetime import datetime

import pytest
from qt_helpers import SHANGHAI, ShiftedClock, SnapshotBuilder, events, layout_problems

from kiosk.qt.bands import chinese_date, clock_text
from kiosk.qt.qt import QFontMetrics, QRect
from kiosk.qt.theme import Metrics, Theme
from kiosk.qt.window import DEFAULT_ORG_NAME, MinuteTicker

SIZES = [(1080, 1920), (1920, 1080)]
LONG_TEXT = ("本周五下午三点在党员活动室召开支部党员大会，请全体党员准时参加。" * 160)[:5000]


def _zones(window) -> tuple[QRect, QRect, QRect]:  # noqa: ANN001
    return window.header.geometry(), window.main_zone.geometry(), window.notice_band.geometry()


@pytest.mark.parametrize("size", SIZES)
def test_bands_fill_the_window_without_overlapping(
    make_screen, builder: SnapshotBuilder, theme: Theme, size: tuple[int, int]
) -> None:
    builder.poster("p1")
    builder.notice("n1", "本周五下午三点召开支部党员大会")
    screen = make_screen(builder.commit(), size=size)
    window = screen.window
    assert (window.width(), window.height()) == size
    header, main, band = _zones(window)
    for zone in (header, main, band):
        assert window.rect().contains(zone)
        assert zone.width() == size[0] and zone.height() > 0
    assert header.bottom() < main.top() and main.bottom() < band.top()
    assert header.height() + main.height() + band.height() == size[1]
    metrics = Metrics.for_size(theme, *size)
    assert header.height() == metrics.header_height
    assert band.height() == metrics.notice_height
    assert main.height() > size[1] // 2  # posters keep most of the screen


def test_sizes_scale_to_4k(make_screen, builder: SnapshotBuilder) -> None:
    builder.notice("n1", "通知")
    hd = make_screen(builder.commit(), size=(1920, 1080)).window
    uhd = make_screen(builder.commit(), size=(3840, 2160)).window
    assert uhd.header.height() == pytest.approx(2 * hd.header.height(), abs=1)
    assert uhd.notice_band.height() == pytest.approx(2 * hd.notice_band.height(), abs=1)


def test_the_notice_band_is_hidden_without_notices(make_screen, builder: SnapshotBuilder) -> None:
    builder.poster("p1")
    window = make_screen(builder.commit(), size=(1080, 1920)).window
    assert not window.notice_band.isVisible()
    assert window.main_zone.geometry().bottom() == window.height() - 1


def _pages_style(theme: Theme) -> Theme:
    """``theme`` with the notice band paging every notice (``notice_style = "pages"``)."""
    return theme.model_copy(
        update={"motion": theme.motion.model_copy(update={"notice_style": "pages"})}
    )


def test_notices_show_in_the_lower_band_and_cycle(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    builder.poster("p1")
    builder.notice("n1", "本周五下午三点召开支部党员大会", display_seconds=1)
    builder.notice("n2", "请各位党员按时交纳党费", display_seconds=1)
    window = make_screen(builder.commit()).window
    window.set_theme(_pages_style(window.theme))  # the ticker: test_notice_band.py
    band = window.notice_band
    assert band.isVisible() and band.mode == "pages"
    assert band.current().id == "n1"
    assert band.shown_text() == ["通知n1", "本周五下午三点召开支部党员大会"]
    [shown] = events(kiosk_log, "notices_shown")
    assert shown.item_ids == ["n1", "n2"]
    qtbot.waitUntil(lambda: band.current().id == "n2", timeout=3000)
    assert band.shown_text() == ["通知n2", "请各位党员按时交纳党费"]
    qtbot.waitUntil(lambda: band.current().id == "n1", timeout=3000)
    assert len(events(kiosk_log, "notices_shown")) == 1  # cycling is not a change of set


@pytest.mark.parametrize("size", SIZES)
def test_a_5000_character_notice_pages_through_the_band(
    make_screen, builder: SnapshotBuilder, size: tuple[int, int]
) -> None:
    builder.poster("p1")
    builder.notice("short", "短通知")
    short = _zones(make_screen(builder.commit(), size=size).window)
    builder.items[-1] = {**builder.items[-1], "text": LONG_TEXT, "title": "标题" * 100}
    window = make_screen(builder.commit(), size=size).window
    assert _zones(window) == short
    band = window.notice_band
    assert band.shown_text()[0].endswith("…")  # the title, elided to its one line
    assert band.pages() > 10 and band.is_cycling()
    pages = [band.page_text(page) for page in range(band.pages())]
    assert all(1 <= len(page) <= 3 for page in pages)
    assert "".join(line for page in pages for line in page) == LONG_TEXT  # nothing is lost
    assert layout_problems(window) == []
    band.advance()  # what the band's timer does after the page's reading time
    assert band.page == 1 and band.shown_text()[1:] == pages[1]
    assert layout_problems(window) == []


def test_a_long_urgent_notice_pages_through_the_zone(
    make_screen, builder: SnapshotBuilder, theme: Theme
) -> None:
    builder.notice("u1", LONG_TEXT, urgent=True)
    window = make_screen(builder.commit(), size=(1080, 1920)).window
    page = window.urgent_page
    assert page.pages() > 1 and page.is_paging()
    lines = [line for n in range(page.pages()) for line in page.page_text(n)]
    assert "".join(lines) == LONG_TEXT
    metrics = Metrics.for_size(theme, 1080, 1920)
    height = QFontMetrics(theme.font(metrics.px("urgent_text"))).lineSpacing()
    assert len(page.page_text(0)) * height < window.main_zone.height()
    assert layout_problems(window) == []  # (painted now)
    assert f"第1/{page.pages()}页" in [t.text for t in page.drawn_text]
    page.advance()
    assert page.page == 1 and layout_problems(window) == []


def test_header_shows_the_organisation_or_a_default(make_screen, builder: SnapshotBuilder) -> None:
    window = make_screen(None).window
    assert window.header.org_name == DEFAULT_ORG_NAME
    builder.poster("p1")
    assert make_screen(builder.commit()).window.header.org_name == "测试党支部"
    builder.settings["org_name"] = "   "
    assert make_screen(builder.commit()).window.header.org_name == DEFAULT_ORG_NAME


def test_chinese_date_and_clock() -> None:
    moment = datetime(2026, 11, 24, 9, 5, 30, tzinfo=SHANGHAI)
    assert chinese_date(moment) == "2026年11月24日 星期二"
    assert chinese_date(datetime(2026, 11, 29, tzinfo=SHANGHAI)).endswith("星期日")
    assert clock_text(moment) == "09:05"


def test_idle_clock_shows_the_time_in_the_screens_zone(
    make_screen, builder: SnapshotBuilder
) -> None:
    builder.poster("old", valid_until="2001-01-01T00:00:00+08:00")
    clock = ShiftedClock(datetime(2026, 11, 24, 9, 5, 30, tzinfo=SHANGHAI))
    page = make_screen(builder.commit(), clock=clock).window.idle_page
    assert page.clock_label.text() == "09:05"
    assert page.date_label.text() == "2026年11月24日 星期二"


def test_minute_ticker_ticks_at_the_minute_boundary(qtbot) -> None:
    clock = ShiftedClock(datetime(2026, 11, 24, 9, 5, 59, 800_000, tzinfo=SHANGHAI))
    ticker = MinuteTicker(clock)
    with qtbot.waitSignal(ticker.tick, timeout=1000):
        ticker.start()
    assert clock().minute == 6
    ticker.stop()
