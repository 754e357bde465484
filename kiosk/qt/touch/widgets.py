"""Touch controls: large painted buttons that answer a finger and a mouse alike.

A :class:`TouchButton` takes touch events itself (``WA_AcceptTouchEvents``: a tap is a touch
that begins and ends on it) and mouse clicks (a mouse, or touches Qt turns into mouse events).
Inside a finger-scrolled list it takes mouse events only (``accept_touch=False``), so the
scroller can tell a tap from a drag. Sizes come from :class:`~kiosk.qt.theme.Metrics`
(``touch_button``, ``touch_text``...), colours from the theme; text is painted as plain text.
"""

from __future__ import annotations

from kiosk.qt.qt import (
    QColor,
    QEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPixmap,
    QRect,
    QRectF,
    QSize,
    Qt,
    QWidget,
    Signal,
)
from kiosk.qt.text import elide, wrap_lines
from kiosk.qt.theme import Metrics, Theme

TOUCH_EVENTS = (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd)


def touch_metrics(theme: Theme, widget: QWidget) -> Metrics:
    """The metrics of the window ``widget`` is in (touch mode is always the landscape layout
    of the window's own size)."""
    window = widget.window()
    return Metrics.for_size(theme, window.width(), window.height())


class TouchButton(QWidget):
    """A large button: a rounded plate with a title, an optional subtitle and picture.

    Args:
        text: the title.
        theme: colours and fonts.
        parent: the parent widget.
        subtitle: a second, smaller line (e.g. a course's length).
        accept_touch: take touch events directly (False inside a finger-scrolled list).
        role: ``"primary"`` (gold plate, the main action), ``"plain"`` (band red) or
            ``"nav"`` (the navigation bar's buttons).
        title_lines: how many lines a long title may wrap to (then it is elided).

    Signals:
        clicked(): a tap or click that began and ended on the button.
    """

    clicked = Signal()

    def __init__(
        self,
        text: str,
        theme: Theme,
        parent: QWidget | None = None,
        *,
        subtitle: str = "",
        accept_touch: bool = True,
        role: str = "plain",
        title_lines: int = 1,
    ) -> None:
        super().__init__(parent)
        self._text, self._subtitle, self._theme, self._role = text, subtitle, theme, role
        self._pixmap: QPixmap | None = None
        self._pressed = False
        self._title_lines = max(1, title_lines)
        self._title_px, self._subtitle_px = 40, 30
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, accept_touch)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumSize(120, 120)

    @property
    def text(self) -> str:
        """The title."""
        return self._text

    @property
    def subtitle(self) -> str:
        """The second, smaller line."""
        return self._subtitle

    def set_text(self, text: str, subtitle: str | None = None) -> None:
        """Change the title (and the subtitle, if given)."""
        self._text = text
        if subtitle is not None:
            self._subtitle = subtitle
        self.update()

    def set_pixmap(self, pixmap: QPixmap | None) -> None:
        """Show ``pixmap`` (a course cover) above the title, or the plain plate if None."""
        self._pixmap = pixmap
        self.update()

    def set_role(self, role: str) -> None:
        """``"primary"``, ``"plain"`` or ``"nav"`` (e.g. the category listed is primary)."""
        if role != self._role:
            self._role = role
            self.update()

    @property
    def role(self) -> str:
        """The button's role."""
        return self._role

    def has_pixmap(self) -> bool:
        """True when a picture is shown."""
        return self._pixmap is not None

    def set_style(self, theme: Theme, title_px: int, subtitle_px: int = 0) -> None:
        """Use ``theme`` with titles of ``title_px`` and subtitles of ``subtitle_px`` pixels."""
        self._theme, self._title_px = theme, title_px
        self._subtitle_px = subtitle_px or max(1, title_px * 3 // 4)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self._title_px * (len(self._text) + 2), self._title_px * 3)

    # -- input -----------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in TOUCH_EVENTS or kind == QEvent.Type.TouchCancel:
            return self._touch(event)
        return super().event(event)

    def _touch(self, event: QEvent) -> bool:
        kind = event.type()
        points = event.points()  # type: ignore[attr-defined]
        inside = bool(points) and self.rect().contains(points[0].position().toPoint())
        if kind == QEvent.Type.TouchBegin:
            self._set_pressed(True)
        elif kind == QEvent.Type.TouchUpdate:
            self._set_pressed(inside)
        elif kind == QEvent.Type.TouchEnd:
            was = self._pressed
            self._set_pressed(False)
            if was and inside:
                self.clicked.emit()
        else:
            self._set_pressed(False)
        event.accept()
        return True

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._set_pressed(True)
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pressed and not self.rect().contains(event.position().toPoint()):
            self._set_pressed(False)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        was = self._pressed
        self._set_pressed(False)
        if was and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()

    def _set_pressed(self, pressed: bool) -> None:
        if pressed != self._pressed:
            self._pressed = pressed
            self.update()

    # -- painting --------------------------------------------------------------------------

    def _colours(self) -> tuple[QColor, QColor]:
        theme = self._theme
        if self._role == "primary":
            plate, ink = theme.color("accent"), theme.color("tag_text")
        elif self._role == "nav":
            plate, ink = theme.color("band_edge"), theme.color("accent_bright")
        else:
            plate, ink = theme.color("band"), theme.color("text")
        if self._pressed:
            plate = plate.darker(130)
        if not self.isEnabled():
            plate, ink = theme.color("band_edge"), theme.color("text_muted")
        return plate, ink

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        plate, ink = self._colours()
        radius = max(4, min(self.width(), self.height()) // 14)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(plate)
        painter.drawRoundedRect(self.rect(), radius, radius)
        text_rect = self.rect().adjusted(radius, radius // 2, -radius, -radius // 2)
        if self._pixmap is not None:
            text_rect = self._paint_picture(painter, radius)
        self._paint_text(painter, text_rect, ink)
        painter.end()

    def _title_height(self) -> int:
        return round(self._title_px * 1.3) * self._title_lines

    def _paint_picture(self, painter: QPainter, radius: int) -> QRect:
        """The cover across the top; returns the rectangle left for the text below it."""
        assert self._pixmap is not None
        text_h = self._title_height() + (round(self._subtitle_px * 1.3) if self._subtitle else 0)
        text_h += radius
        picture = QRect(0, 0, self.width(), max(1, self.height() - text_h))
        scaled = self._pixmap.scaled(
            picture.size(),
            Qt.AspectRatioMode.KeepAspectRatioByExpanding,
            Qt.TransformationMode.SmoothTransformation,
        )
        source = QRect(
            (scaled.width() - picture.width()) // 2, 0, picture.width(), picture.height()
        )
        plate = QPainterPath()
        plate.addRoundedRect(QRectF(self.rect()), radius, radius)
        painter.save()
        painter.setClipPath(plate)  # the cover keeps the plate's rounded corners
        painter.drawPixmap(picture, scaled, source)
        painter.restore()
        return QRect(radius, picture.bottom() + 1, self.width() - 2 * radius, text_h - radius)

    def _paint_text(self, painter: QPainter, rect: QRect, ink: QColor) -> None:
        title_font = self._theme.font(self._title_px, bold=True)
        sub_font = self._theme.font(self._subtitle_px)
        line_h = round(self._title_px * 1.3)
        lines = wrap_lines(self._text, title_font, rect.width(), self._title_lines) or [""]
        title_h = line_h * len(lines)
        sub_h = round(self._subtitle_px * 1.3) if self._subtitle else 0
        top = rect.top() + max(0, (rect.height() - title_h - sub_h) // 2)
        painter.setPen(ink)
        painter.setFont(title_font)
        flags = Qt.AlignmentFlag.AlignCenter
        for index, line in enumerate(lines):
            box = QRect(rect.left(), top + index * line_h, rect.width(), line_h)
            painter.drawText(box, flags, line)
        if self._subtitle:
            painter.setPen(ink if self._pixmap is None else self._theme.color("accent"))
            painter.setFont(sub_font)
            sub = elide(self._subtitle, sub_font, rect.width())
            painter.drawText(QRect(rect.left(), top + title_h, rect.width(), sub_h), flags, sub)
