"""The native window libvlc draws into.

Created once and kept: libvlc is handed the window id after the surface is shown, and a new
id (re-parenting, switching frameless) would leave it drawing into a window that is gone.
Under X11 (``xcb``) :meth:`VideoSurface.window_id` is the X window; on other platforms
(offscreen tests, Wayland) there is no window libvlc can use, so it is None and the player
runs with dummy outputs. Until the first frame arrives the surface paints the theme's
background with a short "正在加载…" line, never a black hole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.qt.qt import QApplication, QPainter, QPaintEvent, QRect, Qt, QWidget
from kiosk.qt.theme import Theme

if TYPE_CHECKING:
    from content_cache.wire import Video

LOADING_TEXT = "正在加载…"
X11_PLATFORMS = ("xcb",)


class VideoSurface(QWidget):
    """A native child window for video.

    Args:
        theme: colours and fonts of the placeholder.
        parent: the parent widget.
    """

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._text = LOADING_TEXT
        if _embeddable():  # elsewhere a native child only draws warnings (offscreen)
            self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
            self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def window_id(self) -> int | None:
        """The X window for libvlc, or None where libvlc cannot draw into a Qt window."""
        return int(self.winId()) if _embeddable() else None

    def set_theme(self, theme: Theme) -> None:
        """Paint the placeholder in ``theme``."""
        self._theme = theme
        self.update()

    def set_placeholder(self, text: str) -> None:
        """The line shown until video covers the surface."""
        self._text = text
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._theme.color("band_edge"))
        painter.setPen(self._theme.color("text_muted"))
        painter.setFont(self._theme.font(max(12, min(self.width(), self.height()) // 14)))
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._text)
        painter.end()


def _embeddable() -> bool:
    """True where libvlc can draw into a Qt window: X11."""
    return QApplication.instance() is not None and QApplication.platformName() in X11_PLATFORMS


def fit_aspect(area: QRect, video: Video | None) -> QRect:
    """The largest rectangle of ``video``'s picture shape (16:9 when unknown) centred in
    ``area``: libvlc fills it without black bands, the theme shows around it."""
    width, height = (video.width, video.height) if video is not None else (None, None)
    if not width or not height:
        width, height = 16, 9
    fitted_w = min(area.width(), area.height() * width // height)
    fitted_h = min(area.height(), fitted_w * height // width)
    left = area.left() + (area.width() - fitted_w) // 2
    top = area.top() + (area.height() - fitted_h) // 2
    return QRect(left, top, max(1, fitted_w), max(1, fitted_h))
