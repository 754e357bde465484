"""The poster view's cross-fade and its memory: it blends over the pixels on screen and keeps
only a small stand-in of a standing poster, asking for the full one when it must repaint."""

from __future__ import annotations

from kiosk.qt.poster_view import PosterView
from kiosk.qt.qt import QColor, QImage, QPixmap
from kiosk.qt.theme import Theme


def _solid(colour: str, width: int = 320, height: int = 180) -> QPixmap:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    return QPixmap.fromImage(image)


def _on_screen(view: PosterView) -> QImage:
    """What the window system has (the backing store), not a fresh render of the widget."""
    return view.screen().grabWindow(view.winId()).toImage()


def _view(qtbot, theme: Theme) -> PosterView:
    view = PosterView(theme)
    qtbot.addWidget(view)
    view.resize(320, 180)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_the_fade_ends_exactly_on_the_new_poster_and_lets_the_full_one_go(qtbot, theme):
    view = _view(qtbot, theme)
    with qtbot.waitSignal(view.transition_finished, timeout=5000):
        view.show_pixmap(_solid("#c00000"))
    with qtbot.waitSignals([view.full_released, view.transition_finished], timeout=5000):
        view.show_pixmap(_solid("#0030c0"))
    assert not view.holds_full()
    assert _on_screen(view).pixelColor(160, 90) == QColor("#0030c0")


def test_half_way_through_the_fade_both_posters_show(qtbot, theme):
    view = _view(qtbot, theme)
    with qtbot.waitSignal(view.transition_finished, timeout=5000):
        view.show_pixmap(_solid("#ff0000"))
    view.show_pixmap(_solid("#0000ff"))
    assert view.holds_full()  # the poster fading in is held in full

    def mixed() -> bool:
        colour = _on_screen(view).pixelColor(160, 90)
        return 60 < colour.red() < 200 and 60 < colour.blue() < 200

    qtbot.waitUntil(mixed, timeout=5000)
    qtbot.waitSignal(view.transition_finished, timeout=5000).wait()
    assert _on_screen(view).pixelColor(160, 90) == QColor("#0000ff")


def test_a_repaint_of_a_standing_poster_asks_for_the_full_one(qtbot, theme):
    view = _view(qtbot, theme)
    full = _solid("#208020")
    with qtbot.waitSignal(view.full_released, timeout=5000):
        view.show_pixmap(full)
    with qtbot.waitSignal(view.full_needed, timeout=5000):
        view.repaint()  # e.g. the page was shown again: the stand-in is drawn meanwhile
    assert _on_screen(view).pixelColor(160, 90) == QColor("#208020")
    with qtbot.waitSignal(view.full_released, timeout=5000):
        view.replace_pixmap(full)
    assert not view.holds_full()


def test_clear_shows_the_background(qtbot, theme):
    view = _view(qtbot, theme)
    with qtbot.waitSignal(view.transition_finished, timeout=5000):
        view.show_pixmap(_solid("#c00000"))
    view.clear()
    view.repaint()
    assert _on_screen(view).pixelColor(5, 5) == theme.color("background")
