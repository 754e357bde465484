"""Screen-wide states: emergency stop, the power schedule, mourning days, themes, orientation.

Time is moved with an injected clock; the window's minute signal is emitted by hand where the
real minute ticker would catch the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest
from qt_helpers import (
    SHANGHAI,
    JumpingClock,
    LoopbackContent,
    ShiftedClock,
    SnapshotBuilder,
    events,
    layout_problems,
    loopback_server,
    shown_ids,
)

from content_cache.store import CacheStore
from content_cache.sync import SyncEngine, SyncLoop, SyncResult
from kiosk.qt.display_power import DisplayPower
from kiosk.qt.qt import QColor, QImage
from kiosk.qt.sync_thread import SyncThread
from kiosk.qt.theme import ThemeLibrary
from kiosk.qt.window import Page


def _colours(image: QImage, step: int = 5) -> list[QColor]:
    return [
        image.pixelColor(x, y)
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    ]


def _is_grey(colour: QColor, tolerance: int = 3) -> bool:
    channels = (colour.red(), colour.green(), colour.blue())
    return max(channels) - min(channels) <= tolerance


# -- emergency stop -----------------------------------------------------------------------------


def test_emergency_stop_blanks_published_content_at_once(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    builder.poster("p1", display_seconds=60)
    builder.honor_roll("roll", 3, photos=False)
    builder.notice("n1", "本周五下午三点召开支部党员大会")
    builder.notice("u1", "活动室暂停开放", urgent=True)
    screen = make_screen(builder.commit(1), size=(1080, 1920))
    assert screen.window.page() is Page.URGENT
    builder.settings["emergency_stop"] = True
    screen.controller.on_sync_result(SyncResult("updated", builder.commit(2)))
    window = screen.window
    assert window.page() is Page.STOPPED
    assert not window.notice_band.isVisible() and window.notice_band.notices == []
    assert screen.controller.current_item is None
    assert screen.controller.timers_active() == []
    assert window.stopped_page.name_label.text() == "测试党支部"
    assert window.stopped_page.clock_label.text() and window.stopped_page.date_label.text()
    assert layout_problems(window) == []
    shot = window.grab().toImage()
    assert all(_is_grey(c) or c.red() > c.blue() for c in _colours(shot, 11))  # no poster
    screen.controller.on_sync_result(SyncResult("updated", builder.commit(3)))  # still stopped
    assert len(events(kiosk_log, "emergency_stop")) == 1
    assert shown_ids(kiosk_log) == []
    builder.settings["emergency_stop"] = False
    builder.items = [i for i in builder.items if i["id"] != "u1"]
    screen.controller.on_sync_result(SyncResult("updated", builder.commit(4)))
    assert len(events(kiosk_log, "emergency_resume")) == 1
    qtbot.waitUntil(lambda: len(shown_ids(kiosk_log)) >= 1, timeout=5000)
    assert window.notice_band.isVisible()


def test_a_screen_that_starts_stopped_shows_nothing_published(
    make_screen, builder: SnapshotBuilder, kiosk_log
) -> None:
    builder.poster("p1")
    builder.settings["emergency_stop"] = True
    screen = make_screen(builder.commit())
    assert screen.window.page() is Page.STOPPED
    assert len(events(kiosk_log, "emergency_stop")) == 1 and shown_ids(kiosk_log) == []


# -- power schedule -----------------------------------------------------------------------------


class _Monitor:
    """Records what DisplayPower was asked: the one edge the product does not own (xset)."""

    def __init__(self) -> None:
        self.calls: list[bool] = []

    def set_on(self, on: bool) -> str:
        self.calls.append(on)
        return "dpms on" if on else "dpms off"


def _sync_thread(store: CacheStore, url: str) -> SyncThread:
    engine = SyncEngine(store, url, "s1", timeout=(2.0, 5.0))
    return SyncThread(SyncLoop(engine, poll_seconds=3600, max_backoff=3600, push=False))


def test_power_schedule_blanks_the_screen_and_wakes_it_with_a_sync(
    make_screen, store: CacheStore, kiosk_log, qtbot
) -> None:
    content = LoopbackContent(settings={"power": [{"on": "08:00", "off": "18:00"}]})
    content.manifest["items"].append({"kind": "notice", "id": "n1", "text": "通知内容"})
    clock = JumpingClock(datetime(2026, 11, 24, 17, 59, 30, tzinfo=SHANGHAI))
    monitor = _Monitor()
    with loopback_server(content) as url:
        thread = _sync_thread(store, url)
        screen = make_screen(None, size=(1080, 1920), clock=clock, display_power=monitor,
                             wake_sync=thread.wake)  # fmt: skip
        thread.result.connect(screen.controller.on_sync_result)
        thread.start()
        try:
            qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["net1"], timeout=10_000)
            assert content.manifest_requests == 1
            clock.now = datetime(2026, 11, 24, 18, 0, 5, tzinfo=SHANGHAI)
            screen.window.minute_passed.emit()  # the minute ticker notices the deadline
            window = screen.window
            assert not window.is_powered() and monitor.calls == [False]
            assert screen.controller.timers_active() == []
            assert not window.header.isVisible() and not window.notice_band.isVisible()
            shot = window.grab().toImage()
            assert {c.name() for c in _colours(shot, 17)} == {"#000000"}
            [off] = events(kiosk_log, "power_off")
            assert off.monitor == "dpms off"
            clock.now = datetime(2026, 11, 25, 8, 0, 5, tzinfo=SHANGHAI)
            with qtbot.waitSignal(thread.result, timeout=10_000):
                window.minute_passed.emit()  # power on: wake() makes the loop sync now
            assert content.manifest_requests == 2
            assert monitor.calls == [False, True] and window.is_powered()
            qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["net1", "net1"], timeout=5000)
            assert window.notice_band.isVisible() and window.header.isVisible()
            assert len(events(kiosk_log, "power_on")) == 1
        finally:
            assert thread.stop(5000)


def test_a_screen_that_starts_off_hours_stays_black(
    make_screen, builder: SnapshotBuilder, kiosk_log
) -> None:
    builder.poster("p1")
    builder.settings["power"] = [{"on": "08:00", "off": "18:00"}]
    clock = ShiftedClock(datetime(2026, 11, 24, 23, 0, tzinfo=SHANGHAI))
    screen = make_screen(builder.commit(), clock=clock)
    assert not screen.window.is_powered()
    assert shown_ids(kiosk_log) == [] and len(events(kiosk_log, "power_off")) == 1
    assert screen.controller.next_replan == datetime(2026, 11, 25, 0, 0, tzinfo=SHANGHAI)
    assert events(kiosk_log, "power_off")[0].monitor == "window only"


class _Xset:
    def __init__(self, fail: bool = False) -> None:
        self.commands: list[Sequence[str]] = []
        self._fail = fail

    def __call__(self, command: Sequence[str]) -> None:
        self.commands.append(list(command))
        if self._fail:
            raise OSError("no display")


def test_display_power_uses_xset_on_x11_only() -> None:
    xset = _Xset()
    power = DisplayPower("xcb", which=lambda name: "/usr/bin/xset", run=xset)
    assert power.set_on(False) == "dpms off"
    assert power.set_on(True) == "dpms on"
    assert xset.commands[:2] == [
        ["/usr/bin/xset", "+dpms"],
        ["/usr/bin/xset", "dpms", "force", "off"],
    ]
    assert ["/usr/bin/xset", "dpms", "force", "on"] in xset.commands
    assert ["/usr/bin/xset", "-dpms"] in xset.commands  # the X server never blanks it by itself


def test_display_power_never_fails() -> None:
    assert "offscreen" in DisplayPower("offscreen", run=_Xset()).set_on(False)
    assert "xset not installed" in DisplayPower("xcb", which=lambda name: None).set_on(False)
    failing = DisplayPower("xcb", which=lambda name: "/usr/bin/xset", run=_Xset(fail=True))
    assert "xset failed" in failing.set_on(False)


# -- themes and mourning days -----------------------------------------------------------------


def test_mourning_day_is_solemn_with_no_red_or_gold(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    builder.poster("p1")
    builder.notice("n1", "沉痛悼念")
    clock = ShiftedClock(datetime(2026, 12, 13, 9, 0, tzinfo=SHANGHAI))  # 国家公祭日
    screen = make_screen(builder.commit(), size=(1080, 1920), clock=clock)
    window = screen.window
    assert window.theme.name == "solemn"
    [changed] = events(kiosk_log, "theme_changed")
    assert (changed.theme, changed.previous, changed.mourning) == ("solemn", "party-red", True)
    for band in (window.header, window.notice_band):
        colours = _colours(band.grab().toImage(), 3)
        assert all(_is_grey(c) for c in colours), band
    idle = window.idle_page.grab().toImage()
    assert all(_is_grey(c) for c in _colours(idle, 9))


def test_the_theme_changes_live_at_midnight(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    builder.poster("p1", display_seconds=60)
    clock = ShiftedClock(datetime(2026, 12, 12, 23, 59, 59, 500_000, tzinfo=SHANGHAI))
    screen = make_screen(builder.commit(), clock=clock)
    assert screen.window.theme.name == "party-red"
    qtbot.waitUntil(lambda: screen.window.theme.name == "solemn", timeout=5000)
    qtbot.waitUntil(lambda: screen.window.header.grab().toImage().pixelColor(1, 1) == QColor(
        screen.window.theme.colors.band), timeout=5000)  # fmt: skip
    assert len(events(kiosk_log, "theme_changed")) == 1


def test_the_servers_theme_choice_is_applied_live(
    make_screen, builder: SnapshotBuilder, kiosk_log
) -> None:
    builder.poster("p1")
    screen = make_screen(builder.commit(1))
    builder.settings["theme"] = "high-contrast"
    screen.controller.on_sync_result(SyncResult("updated", builder.commit(2)))
    window = screen.window
    assert window.theme.name == "high-contrast"
    assert window.header.grab().toImage().pixelColor(2, 2) == QColor("#000000")
    builder.settings["theme"] = "no-such-theme"
    screen.controller.on_sync_result(SyncResult("updated", builder.commit(3)))
    assert window.theme.name == "party-red"
    assert [r.theme for r in events(kiosk_log, "theme_changed")] == ["high-contrast", "party-red"]
    assert len(events(kiosk_log, "theme_fallback")) == 1


def test_solemn_has_only_greys(themes: ThemeLibrary) -> None:
    solemn = themes.get("solemn")
    assert solemn.name == "solemn"
    for role, value in solemn.colors.model_dump().items():
        assert _is_grey(QColor(value), tolerance=0), role


def test_high_contrast_is_large_black_white_and_yellow(themes: ThemeLibrary) -> None:
    party, large = themes.default, themes.get("high-contrast")
    assert large.name == "high-contrast"
    for role, size in large.sizes.model_dump().items():
        assert size >= 1.3 * getattr(party.sizes, role) - 1e-9, role
    assert QColor(large.colors.background) == QColor("black")
    for role in ("text", "text_muted", "accent", "accent_bright"):
        colour = QColor(getattr(large.colors, role))
        assert colour == QColor("white") or (colour.red() > 240 and colour.green() > 200), role
    assert large.fonts.sans[0] == "Noto Sans CJK SC"  # Chinese renders with the CJK font


# -- orientation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "override", "portrait"),
    [
        ("auto", None, False),
        ("portrait", None, True),
        ("portrait", "landscape", False),
        ("auto", "portrait", True),
    ],
)
def test_orientation_chooses_the_layout(
    make_screen, builder: SnapshotBuilder, kiosk_log, setting, override, portrait
) -> None:
    builder.poster("p1")
    builder.settings["orientation"] = setting
    screen = make_screen(builder.commit(), size=(1920, 1080), orientation=override)
    window = screen.window
    assert window.metrics().portrait is portrait
    expected = window.metrics().header_height
    assert window.header.height() == expected
    changed = events(kiosk_log, "orientation_changed")
    assert all(r.layout == ("portrait" if portrait else "landscape") for r in changed)
    assert [r.orientation for r in changed] == ([] if (override or setting) == "auto" else
                                                [override or setting])  # fmt: skip
    assert layout_problems(window) == []
