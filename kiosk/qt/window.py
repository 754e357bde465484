"""The kiosk window of wall mode: header band, main zone, notice band.

Every size derives from the window size through :class:`~kiosk.qt.theme.Metrics`, so the
same window fits 1080x1920, 1920x1080 and 4K; the orientation setting chooses the portrait
or the landscape layout (the framebuffer is never rotated). The window only renders what it
is told; deciding what to show is the controller's job. When the power schedule has the
screen off, the whole window is black and nothing else is shown.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo

from content_cache.wire import Meeting, Notice
from kiosk.qt.bands import HeaderBand, NoticeBand
from kiosk.qt.honor_view import HonorRollView
from kiosk.qt.meeting_view import MeetingCard
from kiosk.qt.pages import IdlePage, StoppedPage, UrgentPage, WaitingPage
from kiosk.qt.poster_view import PosterView
from kiosk.qt.qt import (
    QColor,
    QEvent,
    QLayout,
    QObject,
    QPainter,
    QPaintEvent,
    QRect,
    QResizeEvent,
    QSize,
    QStackedWidget,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from kiosk.qt.theme import Metrics, Theme
from kiosk.qt.video.wall_player import VideoPage

DEFAULT_ORG_NAME = "党建宣传屏"
Clock = Callable[[], datetime]


class Page(enum.Enum):
    """What the main zone shows."""

    POSTERS = "posters"
    HONOR = "honor_roll"
    IDLE = "idle"
    WAITING = "waiting"
    URGENT = "urgent"
    STOPPED = "stopped"
    MEETING = "meeting"
    VIDEO = "video"


class MinuteTicker(QObject):
    """Emits ``tick`` right after every full minute of ``clock`` (no per-second timer).

    Args:
        clock: returns the current aware datetime.
        parent: the QObject parent.
    """

    tick = Signal()

    def __init__(self, clock: Clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._fire)

    def start(self) -> None:
        """Tick at the next minute boundary, and after every one after it."""
        now = self._clock()
        into_minute_ms = now.second * 1000 + now.microsecond // 1000
        self._timer.start(60_000 - into_minute_ms + 50)  # 50 ms late rather than early

    def stop(self) -> None:
        """Stop ticking."""
        self._timer.stop()

    def _fire(self) -> None:
        self.tick.emit()
        self.start()


class MainZone(QStackedWidget):
    """The stack of main-zone pages; tells its size, which hidden pages do not know.

    Signals:
        resized(QSize): the zone's new size in device pixels.
    """

    resized = Signal(QSize)

    def device_size(self) -> QSize:
        """The zone's size in device pixels: what posters are decoded for."""
        ratio = self.devicePixelRatioF()
        return QSize(round(self.width() * ratio), round(self.height() * ratio))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit(self.device_size())


class KioskWindow(QWidget):
    """Header band, main zone (posters or one of the pages) and the notice band.

    Args:
        theme: the theme to start with.
        screen_id: shown on the waiting page so an installer can tell screens apart.
        server: the content server's address, shown on the waiting page (what it tries).
        clock: returns the current aware datetime (shown in the window's time zone).
        timezone: the time zone of the date and clock.

    Signals:
        first_painted(): emitted once, after the window painted for the first time.
        minute_passed(): emitted right after each full minute (the clock was updated).
    """

    first_painted = Signal()
    minute_passed = Signal()

    def __init__(
        self,
        theme: Theme,
        screen_id: str,
        clock: Clock,
        timezone: tzinfo,
        parent: QWidget | None = None,
        *,
        server: str = "",
    ) -> None:
        super().__init__(parent)
        self._theme = theme
        self._clock = clock
        self._timezone = timezone
        self._painted = False
        self._orientation = "auto"
        self._powered = True
        self._notices_shown = False
        self.setWindowTitle(DEFAULT_ORG_NAME)
        self.header = HeaderBand(theme, DEFAULT_ORG_NAME, self)
        self.poster_view = PosterView(theme)
        self.honor_view = HonorRollView(theme)
        self.idle_page = IdlePage(theme, DEFAULT_ORG_NAME)
        self.stopped_page = StoppedPage(theme, DEFAULT_ORG_NAME)
        self.waiting_page = WaitingPage(theme, screen_id, server)
        self.urgent_page = UrgentPage(theme)
        self.meeting_card = MeetingCard(theme, clock, timezone=timezone)
        self.video_page = VideoPage(theme)
        self.main_zone = MainZone(self)
        self._pages = {
            Page.POSTERS: self.poster_view,
            Page.HONOR: self.honor_view,
            Page.IDLE: self.idle_page,
            Page.WAITING: self.waiting_page,
            Page.URGENT: self.urgent_page,
            Page.STOPPED: self.stopped_page,
            Page.MEETING: self.meeting_card,
            Page.VIDEO: self.video_page,
        }
        for widget in self._pages.values():
            self.main_zone.addWidget(widget)
        self.main_zone.setCurrentWidget(self.idle_page)
        self.notice_band = NoticeBand(theme, self)
        self.notice_band.hide()
        self._build_layout()
        self._ticker = MinuteTicker(clock, self)
        self._ticker.tick.connect(self._show_time)
        self._ticker.tick.connect(self.minute_passed)
        self._show_time()
        self._ticker.start()
        self._apply_metrics()

    @property
    def theme(self) -> Theme:
        """The theme in use."""
        return self._theme

    @property
    def orientation(self) -> str:
        """The orientation setting: "auto" (the window's shape), "portrait" or "landscape"."""
        return self._orientation

    def metrics(self) -> Metrics:
        """The theme's sizes for the window's size and orientation."""
        return Metrics.for_size(self._theme, self.width(), self.height(), self._orientation)

    def is_powered(self) -> bool:
        """False while the power schedule has the screen off (the window is black)."""
        return self._powered

    def page(self) -> Page:
        """What the main zone shows now."""
        current = self.main_zone.currentWidget()
        return next(page for page, widget in self._pages.items() if widget is current)

    def show_page(self, page: Page) -> None:
        """Switch the main zone to ``page``."""
        if page is not Page.URGENT:
            self.urgent_page.stop()
        self.main_zone.setCurrentWidget(self._pages[page])

    def show_waiting(self, status: str | None = None) -> None:
        """Show the waiting page, with ``status`` as its small line if given."""
        if status is not None:
            self.waiting_page.set_status(status)
        self.show_page(Page.WAITING)

    def show_urgent(self, notice: Notice) -> None:
        """Replace the main zone with ``notice`` in large type."""
        self.urgent_page.set_notice(notice)
        self.show_page(Page.URGENT)

    def show_meeting(self, meeting: Meeting) -> None:
        """Replace the main zone with the sign-in card of ``meeting``."""
        self.meeting_card.set_meeting(meeting)
        self.show_page(Page.MEETING)

    def set_notices(self, notices: Sequence[Notice]) -> None:
        """Show ``notices`` in the lower band; the band is hidden when there are none."""
        self.notice_band.set_notices(notices)
        self._notices_shown = bool(notices)
        self.notice_band.setVisible(self._notices_shown and self._powered)
        self._lay_out()  # the zone's new size now: the first poster is decoded for it

    def set_org_name(self, name: str) -> None:
        """Show ``name`` (or the default name when empty) as the organisation."""
        name = name.strip() or DEFAULT_ORG_NAME
        self.header.set_org_name(name)
        self.idle_page.set_org_name(name)
        self.stopped_page.set_org_name(name)

    def set_orientation(self, orientation: str) -> None:
        """Use the portrait or landscape layout ("auto": the one of the window's shape)."""
        if orientation != self._orientation:
            self._orientation = orientation
            self._apply_metrics()

    def set_powered(self, powered: bool) -> None:
        """Blank the whole window to black (False), or show the bands and zone again (True)."""
        if powered == self._powered:
            return
        self._powered = powered
        if not powered:
            self.urgent_page.stop()
            self.poster_view.clear()
        self.header.setVisible(powered)
        self.main_zone.setVisible(powered)
        self.notice_band.setVisible(powered and self._notices_shown)
        self.update()

    def set_timezone(self, timezone: tzinfo) -> None:
        """Show date and clock in ``timezone``."""
        self._timezone = timezone
        self.meeting_card.set_timezone(timezone)
        self._show_time()

    def set_theme(self, theme: Theme) -> None:
        """Use ``theme`` everywhere."""
        if theme != self._theme:
            self._theme = theme
            self.poster_view.set_theme(theme)
            self._apply_metrics()

    def place(self, geometry: QRect) -> None:
        """Take ``geometry`` and lay out the bands and the main zone now, even while hidden."""
        self.setGeometry(geometry)
        self._apply_metrics()
        layout = self.layout()
        if layout is not None:
            layout.activate()

    def close_down(self) -> None:
        """Stop the clock (before the window goes away)."""
        self._ticker.stop()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_metrics()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        # The window's children cover it, so its own paintEvent may never run; the update
        # request is when Qt paints the whole tree and flushes it to the screen.
        if not self._painted and event.type() == QEvent.Type.UpdateRequest:
            self._painted = True
            self.first_painted.emit()
        return handled

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        colour = self._theme.color("background") if self._powered else QColor("black")
        painter.fillRect(self.rect(), colour)
        painter.end()

    def _build_layout(self) -> None:
        layout = QVBoxLayout(self)
        # The window's size is the screen's: no minimum/maximum from the bands' fixed heights
        # (they would also be size hints to the window system, which kiosks have no use for).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.main_zone, 1)
        layout.addWidget(self.notice_band)

    def _apply_metrics(self) -> None:
        metrics = self.metrics()
        self.header.setFixedHeight(metrics.header_height)
        self.notice_band.setFixedHeight(metrics.notice_height)
        for widget in (self.header, self.notice_band, self.idle_page, self.stopped_page):
            widget.set_style(self._theme, metrics)
        self.waiting_page.set_style(self._theme, metrics)
        self.urgent_page.set_style(self._theme, metrics)
        self.honor_view.set_style(self._theme, metrics)
        self.meeting_card.set_style(self._theme, metrics)
        self.video_page.set_style(self._theme, metrics)
        self._lay_out()
        self.update()

    def _lay_out(self) -> None:
        """Give the bands and the zone their heights now, not at the next event; and tell the
        zone's new size even while the window is hidden (no resize event reaches a hidden
        widget, and before the first show the screen decodes its first poster for it)."""
        before = self.main_zone.device_size()
        layout = self.layout()
        if layout is not None:
            layout.activate()
        size = self.main_zone.device_size()
        if size != before and not self.main_zone.isVisible():
            self.main_zone.resized.emit(size)

    def _show_time(self) -> None:
        now = self._clock().astimezone(self._timezone)
        self.header.set_now(now)
        self.idle_page.set_now(now)
        self.stopped_page.set_now(now)
