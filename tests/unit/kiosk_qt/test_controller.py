"""Wall mode end to end inside one process: real snapshot, real window, real scheduler.

Waits are on log records and widget state (``qtbot.waitUntil``), never fixed sleeps. Posters
show for 1 s where a test watches them rotate.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from qt_helpers import (
    SCREEN_ID,
    SERVER_URL,
    SHANGHAI,
    ShiftedClock,
    SnapshotBuilder,
    events,
    image_bytes,
    shown_ids,
)

from content_cache.sync import SyncResult
from kiosk.qt.controller import REPLAN_JOB, ScreenController, next_midnight, replan_deadline
from kiosk.qt.image_loader import PosterLoader
from kiosk.qt.qt import QColor, QImage
from kiosk.qt.scheduler import ScreenScheduler
from kiosk.qt.theme import Theme
from kiosk.qt.window import KioskWindow, Page


def _share_of_colour(image: QImage, colour: QColor, step: int = 7) -> float:
    """Fraction of sampled pixels that have exactly ``colour``."""
    samples = [
        image.pixelColor(x, y) == colour
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    ]
    return sum(samples) / len(samples)


def _is_blue(colour: QColor) -> bool:
    return colour.blue() > 200 and colour.red() < 60 and colour.green() < 60


# -- no content, idle ---------------------------------------------------------------------------


def test_waiting_screen_without_a_snapshot(make_screen, kiosk_log, theme: Theme) -> None:
    screen = make_screen(None)
    page = screen.window.waiting_page
    assert screen.window.page() is Page.WAITING
    assert page.title_label.isVisible()
    assert "正在获取内容" in page.title_label.text()
    assert SCREEN_ID in page.screen_label.text()
    assert page.server_label.isVisible()
    assert page.server_label.text() == f"内容服务器：{SERVER_URL}"  # what it tries to reach
    shot = screen.window.grab().toImage()
    assert _share_of_colour(shot, QColor("black")) < 0.01
    assert _share_of_colour(shot, QColor(theme.colors.background)) > 0.5
    [idle] = events(kiosk_log, "idle_shown")
    assert idle.reason == "no_snapshot"


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("server unreachable: connection refused", "暂时连不上内容服务器，3 秒后自动重试"),
        ("manifest request answered HTTP 404", "内容服务器答复出错（HTTP 404），请检查服务器地址"),
        (
            "server refused this screen's token: set screen_token (kiosk publish ...)",
            "内容服务器拒绝了本屏幕的令牌，请检查 screen_token",
        ),
        ("disk full while storing 0123456789ab", "暂时无法获取内容，3 秒后自动重试"),
    ],
)
def test_the_waiting_line_says_what_went_wrong(make_screen, reason, says) -> None:
    screen = make_screen(None)
    screen.controller.on_sync_result(SyncResult("failed", None, reason, retry_in=2.6))
    assert says in screen.window.waiting_page.status_label.text()


def test_failed_syncs_update_the_waiting_line_then_content_arrives(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    screen = make_screen(None)
    screen.controller.on_sync_result(SyncResult("failed", None, "unreachable", retry_in=4.2))
    assert "4 秒" in screen.window.waiting_page.status_label.text()
    builder.poster("p1")
    screen.controller.on_sync_result(SyncResult("updated", builder.commit()))
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["p1"], timeout=5000)
    assert screen.window.page() is Page.POSTERS
    [loaded] = events(kiosk_log, "snapshot_loaded")
    assert (loaded.revision, loaded.source) == (1, "sync")


def test_idle_page_when_nothing_is_in_its_window(
    make_screen, builder: SnapshotBuilder, kiosk_log, theme: Theme
) -> None:
    builder.poster("old", valid_until="2001-01-01T00:00:00+08:00")
    screen = make_screen(builder.commit())
    assert screen.window.page() is Page.IDLE
    assert screen.window.idle_page.name_label.text() == "测试党支部"
    shot = screen.window.grab().toImage()
    assert _share_of_colour(shot, QColor("black")) < 0.01
    assert [r.reason for r in events(kiosk_log, "idle_shown")] == ["nothing_scheduled"]
    assert shown_ids(kiosk_log) == []


def test_screen_ready_is_logged_once_after_the_first_paint(make_screen, kiosk_log, qtbot) -> None:
    screen = make_screen(None)
    qtbot.waitUntil(lambda: len(events(kiosk_log, "screen_ready")) == 1, timeout=5000)
    screen.window.update()
    qtbot.waitUntil(lambda: not screen.window.grab().isNull())
    [ready] = events(kiosk_log, "screen_ready")
    assert ready.screen_id == SCREEN_ID


# -- rotation ------------------------------------------------------------------------------------


def test_posters_rotate_in_order(make_screen, builder: SnapshotBuilder, kiosk_log, qtbot) -> None:
    for item_id in ("p1", "p2", "p3"):
        builder.poster(item_id, display_seconds=1)
    make_screen(builder.commit())
    qtbot.waitUntil(lambda: len(shown_ids(kiosk_log)) >= 4, timeout=10_000)
    assert shown_ids(kiosk_log)[:4] == ["p1", "p2", "p3", "p1"]
    first = events(kiosk_log, "item_shown")[0]
    assert (first.kind, first.title) == ("poster", "海报p1")
    [loaded] = events(kiosk_log, "snapshot_loaded")
    assert (loaded.revision, loaded.source) == (1, "cache")


def test_higher_priority_goes_first(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    builder.poster("low", display_seconds=1)
    builder.poster("high", display_seconds=1, priority=10)
    make_screen(builder.commit())
    qtbot.waitUntil(lambda: len(shown_ids(kiosk_log)) >= 2, timeout=10_000)
    assert shown_ids(kiosk_log)[:2] == ["high", "low"]


def test_a_corrupt_poster_is_skipped_with_one_log_line(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    broken = image_bytes(300, 400, (1, 2, 3))
    builder.poster("p1", display_seconds=1)
    builder.poster("p2", broken[: len(broken) // 2], display_seconds=1)
    builder.poster("p3", display_seconds=1)
    screen = make_screen(builder.commit())
    qtbot.waitUntil(lambda: len(shown_ids(kiosk_log)) >= 4, timeout=10_000)
    assert shown_ids(kiosk_log)[:4] == ["p1", "p3", "p1", "p3"]
    skipped = events(kiosk_log, "item_skipped")
    assert [(r.item_id, r.reason) for r in skipped] == [("p2", "truncated png file")]
    assert screen.window.page() is Page.POSTERS


def test_a_poster_whose_bytes_changed_on_disk_is_skipped_and_dropped(
    make_screen, builder: SnapshotBuilder, store, kiosk_log, qtbot
) -> None:
    builder.poster("p1", display_seconds=1)
    rotten = builder.poster("p2", display_seconds=1)
    snapshot = builder.commit()
    path = store.assets_dir / rotten["image"]["sha256"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: same size, still decodes, wrong hash
    path.write_bytes(bytes(data))
    make_screen(snapshot)
    qtbot.waitUntil(lambda: len(shown_ids(kiosk_log)) >= 2, timeout=5000)
    assert "p2" not in shown_ids(kiosk_log)
    skipped = events(kiosk_log, "item_skipped")
    assert [r.item_id for r in skipped] == ["p2"] and "changed on disk" in skipped[0].reason
    assert not path.exists()  # dropped, so the next sync fetches it again


def test_a_poster_whose_file_vanished_is_skipped(
    make_screen, builder: SnapshotBuilder, store, kiosk_log, qtbot
) -> None:
    builder.poster("p1", display_seconds=1)
    gone = builder.poster("p2", display_seconds=1)
    snapshot = builder.commit()
    (store.assets_dir / gone["image"]["sha256"]).unlink()
    make_screen(snapshot)
    qtbot.waitUntil(lambda: len(events(kiosk_log, "item_shown")) >= 1, timeout=5000)
    assert [(r.item_id, r.reason) for r in events(kiosk_log, "item_skipped")] == [
        ("p2", "file missing")
    ]


def test_idle_page_when_no_poster_decodes(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    builder.poster("bad", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    screen = make_screen(builder.commit())
    qtbot.waitUntil(lambda: len(events(kiosk_log, "idle_shown")) == 1, timeout=5000)
    assert events(kiosk_log, "idle_shown")[0].reason == "nothing_decodable"
    assert screen.window.page() is Page.IDLE
    assert len(events(kiosk_log, "item_skipped")) == 1


def test_one_poster_stays_without_a_transition_but_each_period_is_logged(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    builder.poster("only", display_seconds=1)
    screen = make_screen(builder.commit())
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["only"], timeout=5000)
    view = screen.window.poster_view
    qtbot.waitUntil(lambda: not view.is_fading(), timeout=5000)
    with qtbot.assertNotEmitted(view.transition_finished):
        qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["only"] * 3, timeout=5000)


# -- re-planning -------------------------------------------------------------------------------


def test_a_poster_appears_when_its_window_opens(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    ten = datetime(2026, 7, 1, 10, 0, tzinfo=SHANGHAI)
    builder.poster("later", valid_from=ten.isoformat(), display_seconds=30)
    clock = ShiftedClock(datetime(2026, 7, 1, 9, 59, 59, 300_000, tzinfo=SHANGHAI))
    screen = make_screen(builder.commit(), clock=clock)
    assert screen.window.page() is Page.IDLE
    assert shown_ids(kiosk_log) == []
    assert screen.controller.next_replan == ten
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["later"], timeout=5000)
    assert clock() >= ten


def test_the_replan_waits_for_a_scheduler_attached_after_the_first_frame(
    themes, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    ten = datetime(2026, 7, 1, 10, 0, tzinfo=SHANGHAI)
    builder.poster("later", valid_from=ten.isoformat(), display_seconds=30)
    clock = ShiftedClock(datetime(2026, 7, 1, 9, 59, 59, tzinfo=SHANGHAI))
    window = KioskWindow(themes.default, SCREEN_ID, clock, SHANGHAI)
    qtbot.addWidget(window)
    window.resize(540, 960)
    controller = ScreenController(window, PosterLoader(), None, themes, SCREEN_ID, clock)
    window.show()
    controller.start(builder.commit())  # as the screen starts: no scheduler yet
    assert window.page() is Page.IDLE
    assert controller.next_replan == ten
    scheduler = ScreenScheduler()
    try:
        controller.attach_scheduler(scheduler)
        scheduler.start()
        assert scheduler.get_job(REPLAN_JOB) is not None
        qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["later"], timeout=5000)
        assert clock() >= ten
    finally:
        controller.stop()
        scheduler.shutdown(wait=False)


def test_an_expired_poster_gives_way_at_once(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    ten = datetime(2026, 7, 1, 10, 0, tzinfo=SHANGHAI).isoformat()
    builder.poster("old", valid_until=ten, display_seconds=60)
    builder.poster("new", valid_from=ten, display_seconds=60)
    clock = ShiftedClock(datetime(2026, 7, 1, 9, 59, 59, 300_000, tzinfo=SHANGHAI))
    make_screen(builder.commit(), clock=clock)
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["old", "new"], timeout=5000)


def test_next_replan_is_midnight_when_nothing_changes(
    make_screen, builder: SnapshotBuilder
) -> None:
    builder.poster("p1")
    clock = ShiftedClock(datetime(2026, 11, 24, 23, 0, tzinfo=SHANGHAI))
    screen = make_screen(builder.commit(), clock=clock)
    assert screen.controller.next_replan == datetime(2026, 11, 25, 0, 0, tzinfo=SHANGHAI)


def test_replan_deadline_is_the_earlier_of_change_and_midnight() -> None:
    now = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
    soon = datetime(2026, 11, 24, 9, 30, tzinfo=SHANGHAI)
    later = datetime(2026, 11, 26, 9, 30, tzinfo=SHANGHAI)
    assert next_midnight(now) == datetime(2026, 11, 25, tzinfo=SHANGHAI)
    assert replan_deadline(soon, now) == soon
    assert replan_deadline(later, now) == next_midnight(now)
    assert replan_deadline(None, now) == next_midnight(now)


# -- new snapshots ----------------------------------------------------------------------------


def test_a_withdrawn_poster_leaves_the_screen_at_once(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    builder.poster("p1", display_seconds=60)
    builder.poster("p2", display_seconds=60)
    screen = make_screen(builder.commit(1))
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["p1"], timeout=5000)
    builder.items = [item for item in builder.items if item["id"] != "p1"]
    screen.controller.on_sync_result(SyncResult("updated", builder.commit(2)))
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["p1", "p2"], timeout=3000)
    assert [r.revision for r in events(kiosk_log, "snapshot_loaded")] == [1, 2]


def test_new_posters_wait_for_their_turn(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    builder.poster("p1", display_seconds=1)
    screen = make_screen(builder.commit(1))
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["p1"], timeout=5000)
    builder.poster("p2", display_seconds=1)
    screen.controller.on_sync_result(SyncResult("updated", builder.commit(2)))
    assert screen.controller.current_poster.id == "p1"  # not interrupted
    assert shown_ids(kiosk_log) == ["p1"]
    qtbot.waitUntil(lambda: shown_ids(kiosk_log)[:3] == ["p1", "p2", "p1"], timeout=5000)


def test_unchanged_syncs_change_nothing(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    builder.poster("p1", display_seconds=60)
    snapshot = builder.commit()
    screen = make_screen(snapshot)
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["p1"], timeout=5000)
    screen.controller.on_sync_result(SyncResult("unchanged", snapshot))
    screen.controller.on_sync_result(SyncResult("failed", snapshot, "server down"))
    assert len(events(kiosk_log, "snapshot_loaded")) == 1
    assert screen.window.page() is Page.POSTERS


# -- urgent notices, theme ------------------------------------------------------------------------


def test_an_urgent_notice_replaces_the_posters_until_withdrawn(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    builder.poster("p1", display_seconds=60)
    builder.notice("u1", "因线路检修，党员活动室暂停开放。", urgent=True)
    screen = make_screen(builder.commit(1))
    assert screen.window.page() is Page.URGENT
    assert screen.window.urgent_page.notice.id == "u1"
    assert "因线路检修" in "".join(screen.window.urgent_page.shown_text())
    [urgent] = events(kiosk_log, "urgent_shown")
    assert urgent.item_id == "u1"
    builder.items = [item for item in builder.items if item["id"] != "u1"]
    screen.controller.on_sync_result(SyncResult("updated", builder.commit(2)))
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["p1"], timeout=5000)
    assert screen.window.page() is Page.POSTERS


def test_an_unknown_theme_in_the_settings_falls_back(
    make_screen, builder: SnapshotBuilder, kiosk_log, theme: Theme
) -> None:
    builder.settings["theme"] = "no-such-theme"
    builder.poster("p1")
    screen = make_screen(builder.commit())
    assert screen.window.theme is theme
    assert len(events(kiosk_log, "theme_fallback")) == 1


def test_letterbox_bands_have_the_theme_background(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot, theme: Theme
) -> None:
    builder.poster("wide", image_bytes(400, 200, (0, 0, 255)), display_seconds=60)
    screen = make_screen(builder.commit(), size=(540, 960))
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["wide"], timeout=5000)
    view = screen.window.poster_view
    qtbot.waitUntil(lambda: not view.is_fading(), timeout=5000)
    shot = view.grab().toImage()
    width, height = shot.width(), shot.height()
    background = QColor(theme.colors.background)
    assert height > width  # a portrait zone
    assert shot.pixelColor(width // 2, 1) == background
    assert shot.pixelColor(width // 2, height - 2) == background
    blue_rows = sum(_is_blue(shot.pixelColor(width // 2, y)) for y in range(height))
    blue_columns = sum(_is_blue(shot.pixelColor(x, height // 2)) for x in range(width))
    assert blue_columns == width  # fills the width...
    assert abs(blue_rows - width / 2) <= 2  # ...at 2:1, not stretched


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)])
def test_poster_is_decoded_for_the_main_zone(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot, size: tuple[int, int]
) -> None:
    builder.poster("tall", image_bytes(1080, 1920, (0, 0, 255)), display_seconds=60)
    screen = make_screen(builder.commit(), size=size)
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["tall"], timeout=5000)
    zone = screen.window.main_zone.size()
    pixmap = screen.loader.pixmap(screen.controller.current_poster.image.sha256)
    assert pixmap is not None
    assert pixmap.height() == zone.height()  # sharp: decoded at the size it is shown


class _JumpingClock:
    """A wall clock that the test sets forward, as NTP does after boot on a board without RTC."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_a_clock_jump_is_caught_at_the_next_minute(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    clock = _JumpingClock(datetime(1970, 1, 1, 8, 0, 5, tzinfo=SHANGHAI))
    builder.poster("p1", valid_from="2026-01-01T00:00:00+08:00")
    screen = make_screen(builder.commit(), clock=clock)
    assert screen.window.page() is Page.IDLE
    clock.now = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
    screen.window.minute_passed.emit()  # what the window's minute ticker does
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["p1"], timeout=5000)
