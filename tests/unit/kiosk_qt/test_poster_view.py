"""The poster view's cross-fade and its memory: it blends over the pixels on screen and keeps
only a small stand-in of a standing poster, asking for the full one when it must repaint; and
what it leaves on screen: the new poster and its fill, nothing of what was there before."""

from __future__ import annotations

from kiosk.qt.poster_view import PosterView
from kiosk.qt.qt import QColor, QImage, QPixmap, QStackedWidget, QWidget
from kiosk.qt.theme import Theme


def _solid(colour: str, width: int = 320, height: int = 180) -> QPixmap:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    return QPixmap.fromImage(image)


def _on_screen(view: PosterView) -> QImage:
    """What the window system has (the backing store), not a fresh render of the widget."""
    return view.screen().grabWindow(view.winId()).toImage()


def _colours(image: QImage) -> set[str]:
    return {
        image.pixelColor(x, y).name()
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
    }


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


def test_a_poster_of_another_shape_leaves_nothing_of_the_one_before(qtbot, theme):
    view = _view(qtbot, theme)
    with qtbot.waitSignal(view.transition_finished, timeout=5000):
        view.show_pixmap(_solid("#c00000", 400, 90))  # wide: the full width, half the height
    with qtbot.waitSignal(view.transition_finished, timeout=5000):
        view.show_pixmap(_solid("#0030c0", 90, 180))  # tall: the full height, a narrow column
    assert _colours(_on_screen(view)) == {"#0030c0", theme.color("background").name()}
    with qtbot.waitSignal(view.transition_finished, timeout=5000):
        view.show_pixmap(_solid("#208020", 320, 60))  # and back to a wide one
    assert _colours(_on_screen(view)) == {"#208020", theme.color("background").name()}


def test_after_another_page_only_the_new_poster_and_its_fill_show(qtbot, theme):
    stack = QStackedWidget()
    qtbot.addWidget(stack)
    view, page = PosterView(theme), QWidget()
    page.setStyleSheet("background: #20a020")
    stack.addWidget(view)
    stack.addWidget(page)
    stack.resize(320, 180)
    stack.show()
    qtbot.waitExposed(stack)
    with qtbot.waitSignal(view.transition_finished, timeout=5000):
        view.show_pixmap(_solid("#c00000", 320, 180))
    stack.setCurrentWidget(page)
    qtbot.waitUntil(lambda: "#20a020" in _colours(_on_screen(stack)), timeout=5000)
    stack.setCurrentWidget(view)
    with qtbot.waitSignal(view.transition_finished, timeout=5000):
        view.show_pixmap(_solid("#0030c0", 90, 180))
    assert _colours(_on_screen(stack)) == {"#0030c0", theme.color("background").name()}
