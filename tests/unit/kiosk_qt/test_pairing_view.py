"""The pairing code on the screen: large on the waiting page (it fits every size and theme),
in a strip over cached content when the screen was revoked, gone once enrolled. States come
through the bridge's queued signal, as they do from the sync thread."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from qt_helpers import SnapshotBuilder, events, layout_problems, shown_ids
from test_layout import SIZES, THEMES

from content_cache.enrollment import PairingCode, PairingEvent
from kiosk.core.screen_link import PairingState
from kiosk.qt.enrollment import PairingPresenter
from kiosk.qt.window import Page

CODE = PairingCode("482915", "kh_secret", datetime.now(UTC) + timedelta(minutes=15), 3.0)


def code_state(revoked: bool = False) -> PairingState:
    return PairingState(PairingEvent("code", CODE), revoked)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_code_is_large_on_the_waiting_page_and_fits(make_screen, themes, size, theme) -> None:
    screen = make_screen(None, size=size)
    window = screen.window
    window.set_theme(themes.get(theme))
    presenter = PairingPresenter(window)
    presenter.show_state(code_state())
    page = window.waiting_page
    assert window.page() is Page.WAITING
    assert page.code_label.isVisible() and page.code_label.text() == "482 915"
    assert page.title_label.text() == "本屏尚未登记"
    assert "配对码" in page.ask_label.text() and page.server_label.isVisible()
    assert page.code_label.font().pixelSize() >= 0.1 * min(size)  # readable across the room
    assert not presenter.strip.isVisible()  # the page says it itself
    assert layout_problems(window) == []


def test_a_failure_keeps_the_code_and_says_why(make_screen) -> None:
    window = make_screen(None, size=(1080, 1920)).window
    presenter = PairingPresenter(window)
    presenter.show_state(code_state())
    failed = PairingEvent("failed", CODE, "server unreachable: timed out", 4.2)
    presenter.show_state(PairingState(failed))
    assert window.waiting_page.code_label.text() == "482 915"
    assert "暂时连不上内容服务器，4 秒后自动重试" in window.waiting_page.status_label.text()
    presenter.show_state(PairingState(PairingEvent("enrolled")))
    assert not window.waiting_page.code_label.isVisible()
    assert window.waiting_page.title_label.text() == "正在获取内容…"


def test_a_revoked_screen_keeps_its_content_with_a_strip_over_it(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    builder.poster("p1")
    screen = make_screen(builder.commit(), size=(1080, 1920))
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["p1"], timeout=5000)
    presenter = PairingPresenter(screen.window)
    done = threading.Event()
    threading.Thread(target=lambda: (presenter.bridge.send(code_state(True)), done.set())).start()
    qtbot.waitUntil(lambda: presenter.strip.isVisible(), timeout=5000)
    strip, zone = presenter.strip, screen.window.main_zone
    assert done.is_set()
    assert (
        strip.text() == "本屏已被管理员停用（撤销登记）。重新登记：请管理员在后台输入配对码 482 915"
    )
    assert strip.geometry().bottom() == zone.height() - 1 and strip.width() == zone.width()
    assert strip.height() < zone.height() // 4
    assert screen.window.page() is Page.POSTERS  # the cache keeps playing under it
    [shown] = events(kiosk_log, "pairing_shown")
    assert (shown.where, shown.revoked, shown.code) == ("status_strip", True, "482915")
    assert layout_problems(screen.window) == []

    presenter.show_state(PairingState(PairingEvent("enrolled"), True))
    assert not strip.isVisible()
