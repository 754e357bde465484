"""The main zone's poster view: letterboxed posters with a cross-fade between them.

The view paints at most two pixmaps, already decoded and scaled off the GUI thread by
:class:`~kiosk.qt.image_loader.PosterLoader`. It repaints only while a fade runs; when a
poster stands, nothing is drawn until the next one. The fade is painted in software, so it
steps at :data:`FADE_FPS` (smooth to the eye for a slow cross-fade, a fraction of the cost of
the display's refresh rate) and repaints only the posters' rectangles; the previous poster is
released as soon as the fade ends.
"""

from __future__ import annotations

from kiosk.qt.qt import (
    QEasingCurve,
    QPainter,
    QPaintEvent,
    QPixmap,
    QRect,
    QSize,
    Qt,
    QTimeLine,
    QWidget,
    Signal,
)
from kiosk.qt.theme import Theme

FADE_FPS = 20


def fit_rect(image: QSize, area: QRect) -> QRect:
    """The largest rectangle of ``image``'s aspect ratio centred in ``area``."""
    size = image.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    x = area.x() + (area.width() - size.width()) // 2
    y = area.y() + (area.height() - size.height()) // 2
    return QRect(x, y, size.width(), size.height())


class PosterView(QWidget):
    """Shows one poster at a time, never stretched, letterboxed in the theme background.

    Args:
        theme: colours and the fade duration.
        parent: the parent widget.

    Signals:
        transition_finished(): the last cross-fade has ended.
    """

    transition_finished = Signal()

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._current: QPixmap | None = None
        self._previous: QPixmap | None = None
        self._progress = 1.0
        self._fade = QTimeLine(1000, self)
        self._fade.setUpdateInterval(1000 // FADE_FPS)
        self._fade.setEasingCurve(QEasingCurve.Type.InOutQuad)
        self._fade.valueChanged.connect(self._on_fade_step)
        self._fade.finished.connect(self._on_fade_finished)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def set_theme(self, theme: Theme) -> None:
        """Use ``theme`` from the next paint on."""
        self._theme = theme
        self.update()

    def show_pixmap(self, pixmap: QPixmap) -> None:
        """Cross-fade from the poster shown now (or the background) to ``pixmap``."""
        self._fade.stop()
        self._previous, self._current = self._current, pixmap
        duration = self._theme.motion.fade_ms
        if duration <= 0 or not self.isVisible():
            self._on_fade_finished()
            return
        self._progress = 0.0
        self._fade.setDuration(duration)
        self._fade.start()
        self._update_posters()

    def replace_pixmap(self, pixmap: QPixmap) -> None:
        """Swap the poster shown for the same poster at another size, without a fade."""
        self._current = pixmap
        self.update()

    def clear(self) -> None:
        """Show only the background (the next poster then fades in from it)."""
        self._fade.stop()
        self._current = self._previous = None
        self._progress = 1.0
        self.update()

    def is_fading(self) -> bool:
        """True while a cross-fade runs."""
        return self._fade.state() == QTimeLine.State.Running

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        previous, current = self._previous, self._current
        fading = previous is not None and self._progress < 1.0
        if fading and current is not None and self._same_place_opaque(previous, current):
            # The old poster opaque, the new one over it: no background shows through
            # half-way, and one blend per frame instead of two.
            if not self._rect(current).contains(event.rect()):
                painter.fillRect(event.rect(), self._theme.color("background"))  # e.g. exposed
            self._draw(painter, previous)
            painter.setOpacity(self._progress)
            self._draw(painter, current)
            painter.end()
            return
        painter.fillRect(event.rect(), self._theme.color("background"))
        if fading:
            painter.setOpacity(1.0 - self._progress)
            self._draw(painter, previous)
        if current is not None:
            painter.setOpacity(self._progress)
            self._draw(painter, current)
        painter.end()

    def _same_place_opaque(self, first: QPixmap, second: QPixmap) -> bool:
        if first.hasAlphaChannel() or second.hasAlphaChannel():
            return False
        return self._rect(first) == self._rect(second)

    def _rect(self, pixmap: QPixmap) -> QRect:
        return fit_rect(pixmap.size(), self.rect())

    def _draw(self, painter: QPainter, pixmap: QPixmap) -> None:
        target = self._rect(pixmap)
        if target.size() == pixmap.size():
            painter.drawPixmap(target.topLeft(), pixmap)  # decoded at size: a plain copy
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(target, pixmap)

    def _update_posters(self) -> None:
        """Repaint where the posters are (the letterbox bands around them do not change)."""
        area = QRect()
        for pixmap in (self._previous, self._current):
            if pixmap is not None:
                area = area.united(self._rect(pixmap))
        self.update(area)

    def _on_fade_step(self, value: float) -> None:
        self._progress = float(value)
        self._update_posters()

    def _on_fade_finished(self) -> None:
        self._update_posters()  # where the previous poster was, too
        self._previous = None
        self._progress = 1.0
        self.transition_finished.emit()
