"""Videos in the wall rotation: played muted to their end (or for the item's
``display_seconds``), then the rotation moves on.

The :class:`VideoPage` is a page of the main zone: the native surface at 16:9, centred on the
theme's background with the title under it, so a portrait wall shows no black bands. A video
that cannot be played is reported through ``failed`` (the controller logs ``item_skipped``
and moves on); one that failed :data:`~kiosk.core.courses.SKIP_AFTER_FAILURES` times is left
out of the rotation.
"""

from __future__ import annotations

import logging
from pathlib import Path

from content_cache.wire import Video
from kiosk.qt.pages import style_label
from kiosk.qt.qt import (
    QLabel,
    QObject,
    QPainter,
    QPaintEvent,
    QRect,
    QResizeEvent,
    Qt,
    QTimer,
    QWidget,
    Signal,
)
from kiosk.qt.theme import Metrics, Theme
from kiosk.qt.video.session import PlayerFactory, VideoSession, default_player_factory
from kiosk.qt.video.surface import VideoSurface, fit_aspect

log = logging.getLogger("kiosk.screen")


class VideoPage(QWidget):
    """The main-zone page of a wall video: surface and title on the theme's background.

    Args:
        theme: colours and fonts.
        parent: the parent widget.
    """

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._metrics = Metrics.for_size(theme, 1, 1)
        self._video: Video | None = None
        self.surface = VideoSurface(theme, self)
        self.title = QLabel("", self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def set_video(self, video: Video) -> None:
        """Take ``video``'s title (the line under it) and picture shape."""
        self._video = video
        self.title.setText(video.title)
        self._place()

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._theme, self._metrics = theme, metrics
        self.surface.set_theme(theme)
        style_label(
            self.title,
            theme.font(metrics.px("idle_title"), bold=True),
            theme.color("accent_bright"),
        )
        self._place()
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._theme.color("background"))
        painter.end()

    def _place(self) -> None:
        margin = self._metrics.px("margin")
        title_h = self._metrics.px("idle_title") * 3
        room = QRect(margin, margin, self.width() - 2 * margin,
                     max(1, self.height() - title_h - 2 * margin))  # fmt: skip
        picture = fit_aspect(room, self._video)
        top = max(margin, (self.height() - picture.height() - title_h) // 2)
        picture.moveTop(top)
        self.surface.setGeometry(picture)
        width = self.width() - 2 * margin
        self.title.setGeometry(QRect(margin, picture.bottom() + 1, width, title_h))


class WallVideoPlayer(QObject):
    """Plays one rotation video at a time on a :class:`VideoPage`.

    Args:
        page: the page to play on.
        make_player: makes the (muted) libvlc player.
        parent: the QObject parent.

    Signals:
        finished(): the video ended, or its ``display_seconds`` passed.
        failed(str, str): the video's item id and the reason it could not be played.
    """

    finished = Signal()
    failed = Signal(str, str)

    def __init__(
        self,
        page: VideoPage,
        make_player: PlayerFactory = default_player_factory,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._page = page
        self.session = VideoSession(page.surface, make_player, self)
        self.session.ended.connect(self._on_ended)
        self.session.failed.connect(self._on_failed)
        self._video: Video | None = None
        self._limit = QTimer(self)
        self._limit.setSingleShot(True)
        self._limit.timeout.connect(self._on_ended)

    @property
    def video(self) -> Video | None:
        """The video playing."""
        return self._video

    def is_playing(self) -> bool:
        """True from :meth:`play` until the video ends, fails or is stopped."""
        return self._video is not None

    def play(self, video: Video, path: Path) -> None:
        """Play ``video`` from ``path``, muted."""
        self.stop()
        self._video = video
        self._page.set_video(video)
        if video.display_seconds is not None:
            self._limit.start(round(video.display_seconds * 1000))
        self.session.open(path, muted=True)

    def stop(self) -> None:
        """Stop playing (nothing is emitted)."""
        self._limit.stop()
        if self._video is not None:
            self._video = None
            self.session.stop()

    def release(self) -> None:
        """Stop and free the player."""
        self.stop()
        self.session.release()

    def _on_ended(self) -> None:
        if self._video is None:
            return
        self.stop()
        self.finished.emit()

    def _on_failed(self, reason: str, message: str) -> None:
        video = self._video
        self._limit.stop()
        self._video = None
        if video is not None:
            self.failed.emit(video.id, reason)
