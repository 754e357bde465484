"""The main zone's size is known before the window is first shown, the notice band's height
taken off, so the screen decodes its first poster (and makes its rendition) once, at the size
it is shown. Before, a screen with a notice decoded the first poster for the zone without the
band, then again after the window was shown, and each time its rendition for the other size
was dropped: every start rendered the first posters from their sources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qt_helpers import SCREEN_ID, SHANGHAI, SnapshotBuilder, image_bytes

from content_cache.store import rendition_name
from content_cache.wire import Notice
from kiosk.qt.controller import ScreenController, system_clock
from kiosk.qt.image_loader import PosterLoader, decode_photo
from kiosk.qt.qt import QImage, QRect, QSize
from kiosk.qt.renditions import PosterRenditions
from kiosk.qt.theme import Theme, ThemeLibrary
from kiosk.qt.window import KioskWindow

NOTICE = "本周五下午三点在党员活动室召开支部党员大会，请全体党员准时参加。"


def test_a_hidden_window_tells_the_zone_size_the_notice_band_leaves(
    qtbot: Any, theme: Theme
) -> None:
    window = KioskWindow(theme, SCREEN_ID, system_clock, SHANGHAI)
    qtbot.addWidget(window)
    window.place(QRect(0, 0, 1920, 1080))
    whole = window.main_zone.device_size()
    with qtbot.waitSignal(window.main_zone.resized, timeout=1000) as resized:
        window.set_notices([Notice(id="n1", text=NOTICE)])
    assert not window.isVisible()
    told = resized.args[0]
    assert told == window.main_zone.device_size()
    assert told.width() == whole.width() and told.height() < whole.height()
    window.show()
    qtbot.waitExposed(window)
    assert window.main_zone.device_size() == told  # the size it is shown at


def test_the_first_poster_is_decoded_once_at_the_size_it_is_shown(
    qtbot: Any, themes: ThemeLibrary, builder: SnapshotBuilder, tmp_path: Path
) -> None:
    builder.poster("p1", image_bytes(1600, 900, (200, 30, 30), "JPEG"), display_seconds=60)
    builder.notice("n1", NOTICE)
    snapshot = builder.commit()
    renditions = PosterRenditions(tmp_path / "renditions")
    targets: list[QSize] = []

    def decode(path: Path, target: QSize) -> QImage:
        targets.append(QSize(target))
        return renditions.decode(path, target)

    # as kiosk/qt/app.py starts a screen: place the window, start the controller, then show
    window = KioskWindow(themes.default, SCREEN_ID, system_clock, SHANGHAI)
    qtbot.addWidget(window)
    loader = PosterLoader(decode=decode)
    controller = ScreenController(
        window, loader, None, themes, SCREEN_ID, photos=PosterLoader(decode=decode_photo)
    )
    window.place(QRect(0, 0, 1280, 720))
    controller.start(snapshot)
    loader.settle(5000)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: controller.current_poster is not None, timeout=5000)
    qtbot.waitUntil(lambda: not window.poster_view.is_fading(), timeout=5000)
    controller.stop()
    renditions.close()

    zone = window.main_zone.device_size()
    assert window.notice_band.isVisible()
    assert targets == [zone]
    [kept] = (tmp_path / "renditions").iterdir()
    sha256 = snapshot.manifest.items[0].image.sha256  # type: ignore[union-attr]
    assert kept.name == rendition_name(sha256, zone.width(), zone.height())
