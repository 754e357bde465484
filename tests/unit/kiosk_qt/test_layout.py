"""Every view at 1080x1920, 1920x1080 and 3840x2160, in every theme: nothing overlaps, leaves
the window or overflows its box.

Set ``KIOSK_TEST_SHOTS=DIR`` to save each grab as a PNG there, to look at them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from qt_helpers import SnapshotBuilder, events, layout_problems

from kiosk.qt.theme import Metrics
from kiosk.qt.window import Page

SIZES = [(1080, 1920), (1920, 1080), (3840, 2160)]
THEMES = ["party-red", "solemn", "high-contrast"]
VIEWS = {
    "posters": Page.POSTERS,
    "honor_roll": Page.HONOR,
    "urgent": Page.URGENT,
    "idle": Page.IDLE,
    "stopped": Page.STOPPED,
}
LONG_NAME = "中共示范市示范区示范街道工作委员会机关第一党总支部第二党支部第三党小组" * 3
LONG_NOTICE = "本周五下午三点在党员活动室召开支部党员大会，请全体党员准时参加。" * 150


def _content(builder: SnapshotBuilder, view: str, theme: str) -> None:
    builder.settings.update(org_name=LONG_NAME, theme=theme)
    builder.notice("n1", LONG_NOTICE, title="关于召开支部党员大会的通知" * 5)
    builder.notice("n2", "请各位党员按时交纳党费。")
    if view == "posters":
        builder.poster("p1", display_seconds=60)
    elif view == "honor_roll":
        roll = builder.honor_roll("roll", 9, title="二〇二六年度优秀共产党员光荣榜" * 4)
        roll["entries"][0]["name"] = "名" * 300
    elif view == "urgent":
        builder.poster("p1")
        builder.notice("u1", LONG_NOTICE, urgent=True, title="紧急：活动室停电" * 10)
    elif view == "idle":
        builder.poster("old", valid_until="2001-01-01T00:00:00+08:00")
    elif view == "stopped":
        builder.poster("p1")
        builder.settings["emergency_stop"] = True


def _shoot(window, name: str) -> None:  # noqa: ANN001
    folder = os.environ.get("KIOSK_TEST_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        window.grab().save(str(Path(folder) / f"{name}.png"))


def _wait_until_shown(qtbot, screen, kiosk_log, view: str) -> None:  # noqa: ANN001
    if view == "posters":
        qtbot.waitUntil(lambda: len(events(kiosk_log, "item_shown")) == 1, timeout=5000)
        qtbot.waitUntil(lambda: not screen.window.poster_view.is_fading(), timeout=5000)
    elif view == "honor_roll":
        qtbot.waitUntil(lambda: len(events(kiosk_log, "honor_page_shown")) == 1, timeout=5000)
    assert screen.window.page() is VIEWS[view]


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_view_fits(
    make_screen, builder: SnapshotBuilder, themes, kiosk_log, qtbot, size, view, theme
) -> None:
    _content(builder, view, theme)
    screen = make_screen(builder.commit(), size=size)
    _wait_until_shown(qtbot, screen, kiosk_log, view)
    window = screen.window
    assert window.theme.name == theme
    assert layout_problems(window) == []
    header, zone, band = window.header, window.main_zone, window.notice_band
    assert band.isVisible() is (view != "stopped")  # no notices during an emergency stop
    bottom = band.geometry().top() if band.isVisible() else window.height()
    assert header.geometry().top() == 0 and zone.geometry().top() == header.geometry().bottom() + 1
    assert zone.geometry().bottom() + 1 == bottom
    metrics = Metrics.for_size(themes.get(theme), *size)
    assert header.height() == metrics.header_height
    _shoot(window, f"{view}-{theme}-{size[0]}x{size[1]}")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_waiting_page_fits(make_screen, size) -> None:
    window = make_screen(None, size=size).window
    assert window.page() is Page.WAITING
    assert layout_problems(window) == []
    _shoot(window, f"waiting-{size[0]}x{size[1]}")


@pytest.mark.parametrize(
    ("size", "orientation"), [((1920, 1080), "portrait"), ((1080, 1920), "landscape")]
)
@pytest.mark.parametrize("view", ["honor_roll", "urgent", "idle"])
def test_the_other_layout_fits_too(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot, size, orientation, view
) -> None:
    _content(builder, view, "party-red")
    builder.settings["orientation"] = orientation
    screen = make_screen(builder.commit(), size=size)
    _wait_until_shown(qtbot, screen, kiosk_log, view)
    assert screen.window.metrics().portrait is (orientation == "portrait")
    assert layout_problems(screen.window) == []
    _shoot(screen.window, f"{view}-{orientation}-{size[0]}x{size[1]}")


def test_an_empty_manifest_shows_the_idle_page(make_screen, builder: SnapshotBuilder) -> None:
    window = make_screen(builder.commit(), size=(1080, 1920)).window
    assert window.page() is Page.IDLE and not window.notice_band.isVisible()
    assert layout_problems(window) == []
