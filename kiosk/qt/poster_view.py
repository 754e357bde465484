"""The main zone's poster view: letterboxed posters with a cross-fade between them.

Memory is what limits a 4K screen, so the view holds as little as it can:

- **The fade builds on what is already on screen.** The widget paints opaque
  (``WA_OpaquePaintEvent``), so the backing store keeps the previous poster's pixels. Each fade
  step blends the new frame over them, with the opacity that brings the accumulated blend to
  the eased progress; the previous poster's pixmap is let go when the fade starts. The new
  frame is the new poster *and the fill around it*: wherever the backing store may hold
  something else outside the new poster's rectangle (the previous poster of another shape, or
  a page that covered the zone before the view came back), the step blends the fill there
  too. The last step paints it all opaque, so the end state is exact whatever happened on the
  way, and nothing of the previous item is left anywhere in the zone. A paint the view did not
  ask for (an expose, a resize, a grab) paints the fill and the new poster at the current
  progress instead.
- **A standing poster is not kept at full size.** When the fade ends the view keeps a
  quarter-size stand-in and emits :attr:`PosterView.full_released`; the pixels on screen stay in
  the backing store. If something needs the poster repainted (another page was shown, an
  expose), the stand-in is drawn scaled up at once and :attr:`PosterView.full_needed` asks for
  the full poster again (:meth:`replace_pixmap`), so the view is never blank.

The fade steps at :data:`FADE_FPS` (smooth to the eye for a slow cross-fade, a fraction of the
cost of the display's refresh rate) and repaints only the poster's rectangle and what must be
cleared around it. Posters shown from renditions (``kiosk/qt/renditions.py``) are the zone's
size, their letterbox backdrop included, so for them that is one rectangle: the zone.
"""

from __future__ import annotations

from kiosk.qt.qt import (
    QEasingCurve,
    QHideEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QRect,
    QRegion,
    QSize,
    Qt,
    QTimeLine,
    QWidget,
    Signal,
)
from kiosk.qt.theme import Theme

FADE_FPS = 20
STAND_IN_DIVISOR = 4  # the stand-in is 1/4 of the width and height: 1/16 of the memory


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
        full_released(): the full-size poster was let go after its fade (a stand-in is kept).
        full_needed(): the poster must be repainted and only the stand-in is held; hand the
            full one back with :meth:`replace_pixmap`.
    """

    transition_finished = Signal()
    full_released = Signal()
    full_needed = Signal()

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._current: QPixmap | None = None  # full size, or the stand-in when standing
        self._full_size: QSize | None = None  # the full poster's size while a stand-in is held
        self._progress = 1.0  # the eased fade progress
        self._blended = 1.0  # how much of the new poster the backing store holds
        self._step_pending = False  # a fade step asked for the next paint
        # Where the backing store may hold something other than the fill, outside the poster
        # being painted: the rectangles of posters painted since the last full paint, or the
        # whole view after another page covered it.
        self._covered = QRegion()
        self._stale = QRegion()  # the part of it the fade must clear to the fill
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
        """Cross-fade from what is on screen now (a poster or the background) to ``pixmap``."""
        self._fade.stop()
        self._set_full(pixmap)
        self._stale = self._covered - QRegion(self._rect())
        duration = self._theme.motion.fade_ms
        if duration <= 0 or not self.isVisible():
            self._progress = self._blended = 1.0
            self.update()
            self.transition_finished.emit()
            return
        self._progress = self._blended = 0.0
        self._fade.setDuration(duration)
        self._fade.start()

    def replace_pixmap(self, pixmap: QPixmap) -> None:
        """Swap the poster shown for the same poster in full or at another size, without a fade."""
        self._set_full(pixmap)
        self.update()

    def clear(self) -> None:
        """Show only the background (the next poster then fades in from it)."""
        self._fade.stop()
        self._current, self._full_size = None, None
        self._progress = self._blended = 1.0
        self.update()

    def is_fading(self) -> bool:
        """True while a cross-fade runs."""
        return self._fade.state() == QTimeLine.State.Running

    def holds_full(self) -> bool:
        """True while the full-size poster is held (during a fade, or before its release)."""
        return self._current is not None and self._full_size is None

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        current, step = self._current, self._step_pending
        self._step_pending = False
        fill = self._theme.color("background")
        if current is None:
            painter.fillRect(event.rect(), fill)
            painter.end()
            self._covered -= event.region()
            self._stale -= event.region()
            return
        target = self._rect()
        if step and self._progress > self._blended and (event.region() - self._frame()).isEmpty():
            # Blend the new frame over the pixels of what was there, still in the backing
            # store: (1 - a) = (1 - b)(1 - s) gives the step's opacity s.
            opacity = (
                1.0
                if self._progress >= 1.0
                else ((self._progress - self._blended) / (1.0 - self._blended))
            )
            painter.setOpacity(opacity)
            if not self._stale.isEmpty():
                painter.save()
                painter.setClipRegion(self._stale)
                painter.fillRect(self._stale.boundingRect(), fill)
                painter.restore()
            self._draw(painter, current, target)
            self._covered |= QRegion(target)
            if self._progress >= 1.0:  # opaque: the fill around the poster is clean now
                self._covered, self._stale = QRegion(target), QRegion()
        else:
            opaque = self._progress >= 1.0 and not current.hasAlphaChannel()
            if not (opaque and target.contains(event.rect())):  # a zone-sized one covers it all
                painter.fillRect(event.rect(), fill)
            painter.setOpacity(self._progress)
            self._draw(painter, current, target)
            self._covered = (self._covered - event.region()) | QRegion(target)
            self._stale -= event.region()
            if self._full_size is not None:
                self.full_needed.emit()  # the stand-in is on screen: ask for the real one
        self._blended = self._progress
        painter.end()
        if self._progress >= 1.0 and not self.is_fading():
            self._release_full()  # the backing store has it now

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._covered = QRegion(self.rect())  # another page paints over the zone meanwhile

    def _set_full(self, pixmap: QPixmap) -> None:
        self._current, self._full_size = pixmap, None

    def _frame(self) -> QRegion:
        """What a fade step repaints: the poster's rectangle and the fill still to clear."""
        return QRegion(self._rect()) | self._stale

    def _rect(self) -> QRect:
        size = self._full_size or (self._current.size() if self._current else QSize())
        return fit_rect(size, self.rect())

    def _draw(self, painter: QPainter, pixmap: QPixmap, target: QRect) -> None:
        if target.size() == pixmap.size():
            painter.drawPixmap(target.topLeft(), pixmap)  # decoded at size: a plain copy
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(target, pixmap)

    def _on_fade_step(self, value: float) -> None:
        self._progress = float(value)
        self._step_pending = True
        self.update(self._frame())

    def _on_fade_finished(self) -> None:
        self._progress = 1.0
        if self._blended < 1.0:
            self._step_pending = True
            self.repaint(self._frame())  # the exact end state; the full poster is let go then
        self.transition_finished.emit()

    def _release_full(self) -> None:
        """Keep a quarter-size stand-in of the poster on screen instead of the full one."""
        current = self._current
        if current is None or self._full_size is not None:
            return
        self._full_size = current.size()
        self._current = current.scaled(
            max(1, current.width() // STAND_IN_DIVISOR),
            max(1, current.height() // STAND_IN_DIVISOR),
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.FastTransformation,
        )
        self.full_released.emit()
