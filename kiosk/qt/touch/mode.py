"""Touch mode's state machine: attract loop <-> home <-> library <-> player, and back on idle.

In the attract loop the kiosk window runs the wall rotation (the
:class:`~kiosk.qt.controller.ScreenController`) and a touch or click anywhere on it opens the
home screen. The touch screens (:class:`~kiosk.qt.touch.shell.TouchShell`) then cover the
window and the rotation is suspended (no wall video plays behind them, no poster is decoded
for nobody). After ``idle_seconds`` without a touch (:class:`~kiosk.qt.touch.idle.IdleWatch`;
held while a course plays) the shell closes and the rotation goes on.

Touch mode is on when ``kiosk run --mode touch`` (or ``mode`` in the config file) says so, or
else when the server's screen setting ``mode`` is ``touch``; a change of the server setting
takes effect at the next touch. What the pages list comes from the current snapshot and the
Qt-free plan (:func:`kiosk.core.schedule.plan_for`) each time a page opens, and again at each
re-plan of the controller (:attr:`ScreenController.planned`: new content, a meeting's sign-in
opening or closing...) for the home tiles, the course list and the sign-in page on screen.
The shell's header shows the organisation name of the window's header and the minute of the
window's clock.

Log events: ``touch_home_shown``, ``touch_page_shown``, ``touch_idle_return``,
``course_opened``, ``course_finished``, ``playback_error``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from content_cache.wire import AssetRef, HonorRoll, Meeting, Video
from kiosk.core.courses import RESUME_FILE, PlaybackFailures, ResumePositions
from kiosk.core.schedule import Plan, plan_for, screen_timezone
from kiosk.qt.image_loader import PosterSource
from kiosk.qt.live_feed import LiveCountFeed
from kiosk.qt.meeting_view import MeetingCard
from kiosk.qt.pages import style_label
from kiosk.qt.qt import QEvent, QLabel, QObject, QRect, Qt, QTimer, Signal
from kiosk.qt.signin_presenter import SignInPresenter
from kiosk.qt.theme import Metrics
from kiosk.qt.touch.home import COURSES, HONOR, NOTICES, SIGNIN, HomePage
from kiosk.qt.touch.idle import IdleWatch
from kiosk.qt.touch.library import CourseLibrary
from kiosk.qt.touch.pages import HonorPage, NoticesPage, SigninPage, next_meeting
from kiosk.qt.touch.player_view import FINISHED_SECONDS, PlayerView, Viewing
from kiosk.qt.touch.shell import TouchPage, TouchShell
from kiosk.qt.video.session import PlayerFactory, default_player_factory

if TYPE_CHECKING:
    from content_cache.learning import LearningQueue
    from content_cache.store import Snapshot
    from kiosk.core.config import ScreenConfig
    from kiosk.qt.controller import ScreenController
    from kiosk.qt.window import KioskWindow

log = logging.getLogger("kiosk.screen")

DEFAULT_IDLE_SECONDS = 120.0
LEARNING_DB = "learning.db"  # content_cache.learning.LEARNING_DB, without importing requests
MESSAGE_SECONDS = 8
FAILED_SUFFIX = "，已返回课程列表"
ATTRACT_HINT = "轻触屏幕 · 观看党课视频"
SIGNIN_OPEN_TEXT = "正在签到"
OPENING = (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin)
ViewingSink = Callable[[Viewing], None]
Clock = Callable[[], datetime]


class TouchMode(QObject):
    """Opens and closes the touch screens over the kiosk window.

    Args:
        window: the kiosk window (its attract loop is the wall rotation).
        controller: the wall rotation, suspended while the touch screens are open.
        clock: returns the current aware datetime.
        positions: where courses were left (:class:`ResumePositions`).
        failures: playback failures by file, shared with the wall rotation.
        idle_seconds: the idle time before returning to the attract loop.
        mode: ``"touch"`` or ``"wall"`` to override the server's setting; None to follow it.
        make_player: makes the course player (libvlc).
        record_viewing: called with each finished :class:`Viewing` (the learning record).
        live_counts: the live sign-in count of the meeting on the sign-in page.
        finished_seconds: how long a finished course stays before the library comes back.
        parent: the QObject parent.

    Signals:
        home_shown(): the home screen opened.
        page_shown(str): a touch page opened (its :class:`TouchPage` value).
        returned_to_attract(str): the touch screens closed; the reason (``"idle"``, ``"back"``).
        course_opened(str): a course's id, as it opens in the player.
        playback_failed(str, str): a course's id and the message shown.
    """

    home_shown = Signal()
    page_shown = Signal(str)
    returned_to_attract = Signal(str)
    course_opened = Signal(str)
    playback_failed = Signal(str, str)

    def __init__(
        self,
        window: KioskWindow,
        controller: ScreenController,
        clock: Clock,
        positions: ResumePositions,
        failures: PlaybackFailures,
        *,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        mode: str | None = None,
        make_player: PlayerFactory = default_player_factory,
        record_viewing: ViewingSink | None = None,
        live_counts: LiveCountFeed | None = None,
        finished_seconds: float = FINISHED_SECONDS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._finished_seconds = finished_seconds
        self._window, self._controller, self._clock = window, controller, clock
        self._positions, self._failures = positions, failures
        self._mode, self._make_player = mode, make_player
        self._record_viewing = record_viewing
        self._live_counts = live_counts
        self._signin: SignInPresenter | None = None  # made with the sign-in page
        self.idle = IdleWatch(idle_seconds, self)
        self.idle.timed_out.connect(lambda: self.close("idle"))
        self._shell: TouchShell | None = None
        self._snapshot: Snapshot | None = None
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self._clear_message)
        self._hint = QLabel(ATTRACT_HINT, window)
        self._hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._hint.hide()
        window.minute_passed.connect(self._refresh_hint)
        window.minute_passed.connect(self._on_minute)
        controller.planned.connect(self._on_planned)
        window.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        window.installEventFilter(self)
        window.main_zone.installEventFilter(self)  # resized with the notice band, hidden at off
        QTimer.singleShot(0, self._refresh_hint)

    # -- public API ------------------------------------------------------------------------

    @property
    def shell(self) -> TouchShell | None:
        """The touch screens, once made (on the first touch)."""
        return self._shell

    def enabled(self) -> bool:
        """True when this screen is in touch mode."""
        if self._mode is not None:
            return self._mode == "touch"
        snapshot = self._controller.snapshot
        return snapshot is not None and snapshot.manifest.settings.mode == "touch"

    def is_open(self) -> bool:
        """True while the touch screens cover the attract loop."""
        return self._shell is not None and self._shell.isVisible()

    def page(self) -> TouchPage | None:
        """The touch page shown, or None in the attract loop."""
        return self._shell.page() if self.is_open() and self._shell else None

    def open_home(self) -> None:
        """Cover the attract loop with the home screen."""
        if not self._window.is_powered():
            return
        shell = self._ensure_shell()
        if not self.is_open():
            self._controller.set_suspended(True)
            shell.setGeometry(self._window.rect())
            self._apply_style()
            self._show_time()
            shell.show()
            shell.raise_()
            self._hint.hide()
            self.idle.start()
        self._show_home()

    def close(self, reason: str = "back") -> None:
        """Back to the attract loop (``reason``: ``"idle"``, ``"back"`` or ``"power_off"``)."""
        if not self.is_open() or self._shell is None:
            return
        self.idle.stop()
        self.player_view.leave()
        self.honor_page.stop()
        self._hide_signin("touch_closed")
        self._shell.hide()
        self._controller.set_suspended(False)
        log.info(
            "touch screens closed (%s), back to the attract loop",
            reason,
            extra={"event": "touch_idle_return" if reason == "idle" else "touch_closed",
                   "reason": reason, "idle_seconds": self.idle.seconds},
        )  # fmt: skip
        self._refresh_hint()
        self.returned_to_attract.emit(reason)

    def go_back(self) -> None:
        """返回: one step back (player -> library -> home -> attract loop)."""
        page = self.page()
        if page is TouchPage.PLAYER:
            self.player_view.leave()
            self.show_library()
        elif page is TouchPage.HOME:
            self.close("back")
        elif page is not None:
            self._show_home()

    def choose(self, tile: str) -> None:
        """Open the page of home tile ``tile``."""
        if tile == COURSES:
            self.show_library()
        elif tile == HONOR:
            self._show_honor()
        elif tile == NOTICES:
            self._show_notices()
        elif tile == SIGNIN:
            self._show_signin()

    def show_library(self) -> None:
        """The course library."""
        shell = self._ensure_shell()
        self._fill_library()
        self._show(shell, TouchPage.LIBRARY)

    def _fill_library(self, plan: Plan | None = None) -> None:
        videos = self._videos(plan)
        snapshot = self._snapshot
        covers = self._cover_source(snapshot) if snapshot is not None else None
        self.library.set_courses(videos, covers, self._positions.get)

    def _on_planned(self, plan: Plan) -> None:
        """The controller planned again (new content, sign-in opening or closing, a display
        window's edge): bring the page shown up to date."""
        page = self.page()
        if page is None:
            return
        self._snapshot = self._controller.snapshot
        self._show_time()
        if page is TouchPage.HOME:
            self._fill_home(plan)
        elif page is TouchPage.LIBRARY:
            self._fill_library(plan)
        elif page is TouchPage.SIGNIN:
            self._fill_signin(plan)

    def _on_minute(self) -> None:
        """The clock turned a minute: the header's clock, and the next meeting's lines."""
        if not self.is_open():
            return
        self._show_time()
        if self.page() is TouchPage.SIGNIN and not self.signin_page.is_card_shown():
            self._fill_signin(self._plan())

    def open_course(self, video: Video) -> None:
        """Play ``video`` (after asking about resuming, if it was left part-way)."""
        snapshot = self._snapshot or self._controller.snapshot
        shell = self._ensure_shell()
        if snapshot is None:
            return
        self._clear_message()
        log.info(
            "course %s %s opened",
            video.id,
            video.title,
            extra={"event": "course_opened", "item_id": video.id, "title": video.title,
                   "category": video.category},
        )  # fmt: skip
        self._show(shell, TouchPage.PLAYER, title=video.title)
        self.course_opened.emit(video.id)
        self.player_view.open_course(video, snapshot.asset_path(video.video))

    def open_when_ready(self, page: str) -> None:
        """Open ``page`` (``"home"``, ``"library"`` or ``"player"``: the first course) as soon
        as a snapshot with content is there; for looking at the screens without a finger."""
        self._wanted_page = page
        self._open_wanted()

    def _open_wanted(self) -> None:
        snapshot = self._controller.snapshot
        videos = self._videos() if snapshot is not None else []
        if snapshot is None or (self._wanted_page in ("library", "player") and not videos):
            QTimer.singleShot(500, self._open_wanted)
            return
        self.open_home()
        self.idle.hold(True)  # a page opened for looking stays until touched
        if self._wanted_page in ("library", "player"):
            self.show_library()
        elif self._wanted_page in (HONOR, NOTICES, SIGNIN):
            self.choose(self._wanted_page)
        if self._wanted_page == "player":
            self.open_course(videos[0])

    def message(self) -> str:
        """The message shown over the library (empty when none)."""
        if self._shell is None or self._message.isHidden():
            return ""
        return self._message.text()

    def stop(self) -> None:
        """Close and free everything (the screen is shutting down)."""
        self.idle.stop()
        self._message_timer.stop()
        if self._signin is not None:
            self._signin.close()
        self._window.removeEventFilter(self)
        self._window.main_zone.removeEventFilter(self)
        if self._shell is not None:
            self.player_view.release()
            self.honor_page.close_down()
            self.library.close()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is not self._window:
            if kind in (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show,
                        QEvent.Type.Hide):  # fmt: skip
                self._refresh_hint()
            return False
        if kind == QEvent.Type.Resize:
            self._refresh_hint()
            if self._shell is not None:
                self._shell.setGeometry(self._window.rect())
                self._apply_style()
        elif kind in OPENING and not self.is_open() and self.enabled():
            event.accept()
            self.open_home()
            return True
        return False

    def hint_shown(self) -> bool:
        """True while the attract loop shows the 轻触屏幕 hint."""
        return not self._hint.isHidden()

    def _refresh_hint(self) -> None:
        """Show the hint in the main zone's lower right corner (where a portrait poster in a
        landscape zone leaves its band) while the attract loop runs in touch mode."""
        if self.is_open() and not self._window.is_powered():
            self.close("power_off")  # checked every minute: the schedule turned the screen off
        zone = self._window.main_zone
        show = self.enabled() and not self.is_open() and not zone.isHidden()
        if show:
            theme, area = self._window.theme, zone.geometry()
            metrics = Metrics.for_size(theme, self._window.width(), self._window.height())
            font = theme.font(metrics.px("touch_text"), bold=True)
            style_label(self._hint, font, theme.color("tag_text"))
            pad = metrics.px("touch_text") // 2
            self._hint.setStyleSheet(
                f"QLabel {{ background: {theme.colors.accent}; border-radius: {pad}px; }}"
            )
            width = self._hint.sizeHint().width() + 3 * pad
            height = metrics.px("touch_text") * 2
            margin = metrics.px("margin") * 3 // 2  # inside a page's gold frame
            self._hint.setGeometry(
                QRect(
                    area.right() + 1 - width - margin,
                    area.bottom() + 1 - height - margin,
                    width,
                    height,
                )
            )
            self._hint.raise_()
        self._hint.setVisible(show)

    # -- pages -----------------------------------------------------------------------------

    def _show_home(self) -> None:
        shell = self._ensure_shell()
        self._fill_home()
        self._show(shell, TouchPage.HOME)
        log.info(
            "touch home shown",
            extra={"event": "touch_home_shown", "tiles": self.home.visible_tiles()},
        )
        self.home_shown.emit()

    def _fill_home(self, plan: Plan | None = None) -> None:
        plan = plan or self._plan()
        videos = self._videos(plan)
        self.home.set_summary(COURSES, f"共 {len(videos)} 门课程" if videos else "暂无课程")
        rolls = [i for i in plan.rotation if isinstance(i, HonorRoll)]
        self.home.set_summary(HONOR, "先进典型 · 榜样力量" if rolls else "暂无光荣榜")
        notices = len(plan.notices) + (1 if plan.urgent else 0)
        self.home.set_summary(NOTICES, f"{notices} 条通知" if notices else "暂无通知")
        self.home.set_signin(self._signin_summary(plan))

    def _signin_summary(self, plan: Plan) -> str | None:
        """The 会议签到 tile's line: 正在签到 while a meeting signs in, or when the next one
        is ("下一场 今天 14:30", "下一场 11月25日"); None (no tile) when there is neither. Short
        enough for the tile's one line; the page has the meeting's title and details."""
        if self._open_meeting(plan) is not None:
            return SIGNIN_OPEN_TEXT
        coming = next_meeting(plan.meetings, self._clock())
        if coming is None:
            return None
        zone = self._zone()
        start, today = coming.start.astimezone(zone), self._clock().astimezone(zone).date()
        if start.date() == today:  # one short line: the page has the rest
            return f"下一场 今天 {start:%H:%M}"
        return f"下一场 {start.month}月{start.day}日"

    def _show_honor(self) -> None:
        shell = self._ensure_shell()
        plan = self._plan()
        rolls = [i for i in plan.rotation if isinstance(i, HonorRoll)]
        self._show(shell, TouchPage.HONOR)  # the roll's own title follows (title_changed)
        snapshot = self._snapshot
        if snapshot is not None:
            self.honor_page.start(rolls, self._cover_source(snapshot))

    def _show_notices(self) -> None:
        shell = self._ensure_shell()
        plan = self._plan()
        notices = ([plan.urgent] if plan.urgent else []) + plan.notices
        self.notices_page.set_notices(notices)
        self._show(shell, TouchPage.NOTICES)

    def _show_signin(self) -> None:
        shell = self._ensure_shell()
        self._show(shell, TouchPage.SIGNIN)
        self._fill_signin(self._plan())

    def _fill_signin(self, plan: Plan) -> None:
        """The open meeting's card (and its live count), or that none is open and the next
        meeting."""
        meeting, zone, now = self._open_meeting(plan), self._zone(), self._clock()
        self._signin_card.set_timezone(zone)
        if meeting is not None and self._signin is not None:
            self._signin.show(meeting)
            self.signin_page.show_card()
            return
        self._hide_signin("closed")
        self.signin_page.show_no_signin(next_meeting(plan.meetings, now), now, zone)

    def _show(self, shell: TouchShell, page: TouchPage, title: str | None = None) -> None:
        if page is not TouchPage.HONOR:
            self.honor_page.stop()
        if page is not TouchPage.SIGNIN:
            self._hide_signin("page_left")
        if page is not TouchPage.LIBRARY:
            self._clear_message()
        shell.show_page(page, title)
        if page is not TouchPage.HOME:
            log.info(
                "touch page %s shown",
                page.value,
                extra={"event": "touch_page_shown", "page": page.value},
            )
        self.page_shown.emit(page.value)

    # -- data ------------------------------------------------------------------------------

    def _plan(self) -> Plan:
        self._snapshot = self._controller.snapshot
        manifest = self._snapshot.manifest if self._snapshot is not None else None
        return plan_for(manifest, self._clock())

    def _videos(self, plan: Plan | None = None) -> list[Video]:
        plan = plan or self._plan()
        snapshot = self._snapshot
        return [
            item for item in plan.courses if snapshot is not None and snapshot.is_available(item)
        ]

    @staticmethod
    def _open_meeting(plan: Plan) -> Meeting | None:
        return getattr(plan, "signin", None)

    def _zone(self) -> tzinfo:
        """The screen's time zone (its setting; China time by default)."""
        snapshot = self._snapshot or self._controller.snapshot
        name = snapshot.manifest.settings.timezone if snapshot is not None else ""
        return screen_timezone(name)

    def _show_time(self) -> None:
        """The header: the organisation name the window shows, the date and the minute."""
        if self._shell is not None:
            self._shell.set_org_name(self._window.header.org_name)
            self._shell.set_now(self._clock().astimezone(self._zone()))

    @staticmethod
    def _cover_source(snapshot: Snapshot) -> Callable[[AssetRef], PosterSource]:
        def source(ref: AssetRef) -> PosterSource:
            return PosterSource(snapshot.asset_path(ref), lambda: snapshot.verify(ref))

        return source

    # -- playback --------------------------------------------------------------------------

    def _on_playing(self, playing: bool) -> None:
        self.idle.hold(playing)

    def _on_viewing(self, viewing: Viewing) -> None:
        if viewing.outcome != "failed":
            self._failures.succeeded(viewing.video.video.sha256)
        log.info(
            "course %s %s: watched %.0f s (%s)",
            viewing.video.id,
            viewing.outcome,
            viewing.seconds_watched,
            "completed" if viewing.completed else "not completed",
            extra={"event": "course_finished", "item_id": viewing.video.id,
                   "outcome": viewing.outcome, "seconds_watched": viewing.seconds_watched,
                   "position": viewing.position, "completed": viewing.completed},
        )  # fmt: skip
        if self._record_viewing is not None:
            try:
                self._record_viewing(viewing)
            except Exception as exc:  # broad on purpose: a record must never stop playback
                log.warning(
                    "learning record not saved: %s: %s",
                    type(exc).__name__,
                    exc,
                    extra={"event": "learning_record_failed", "item_id": viewing.video.id},
                )

    def _on_failed(self, video: Video, reason: str, message: str) -> None:
        count = self._failures.record(video.video.sha256)
        shown = f"{message}{FAILED_SUFFIX}"
        log.warning(
            "course %s %s cannot be played (%s), back to the library",
            video.id,
            video.title,
            reason,
            extra={"event": "playback_error", "item_id": video.id, "reason": reason,
                   "failures": count, "where": "touch"},
        )  # fmt: skip
        self.show_library()
        self._message.setText(shown)
        self._place_message()
        self._message.show()
        self._message.raise_()
        self._message_timer.start(MESSAGE_SECONDS * 1000)
        self.playback_failed.emit(video.id, shown)

    def _clear_message(self) -> None:
        if self._shell is not None:
            self._message.hide()

    # -- construction ----------------------------------------------------------------------

    def _ensure_shell(self) -> TouchShell:
        if self._shell is not None:
            return self._shell
        theme = self._window.theme
        shell = TouchShell(theme, self._window)
        shell.hide()
        self.home = HomePage(theme)
        self.library = CourseLibrary(theme)
        self.player_view = PlayerView(
            theme, self._positions, self._clock, self._make_player,
            finished_seconds=self._finished_seconds,
        )  # fmt: skip
        self.honor_page = HonorPage(theme)
        self.notices_page = NoticesPage(theme)
        self.signin_page = SigninPage(self._make_signin_card(), theme)
        for page, widget in (
            (TouchPage.HOME, self.home), (TouchPage.LIBRARY, self.library),
            (TouchPage.PLAYER, self.player_view), (TouchPage.HONOR, self.honor_page),
            (TouchPage.NOTICES, self.notices_page), (TouchPage.SIGNIN, self.signin_page),
        ):  # fmt: skip
            shell.add_page(page, widget)
        self._message = QLabel("", self.library)
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setWordWrap(True)
        self._message.hide()
        shell.back_pressed.connect(self.go_back)
        shell.home_pressed.connect(self._home_pressed)
        self.home.chosen.connect(self.choose)
        self.library.course_chosen.connect(self.open_course)
        self.player_view.playing_changed.connect(self._on_playing)
        self.player_view.viewing_finished.connect(self._on_viewing)
        self.player_view.failed.connect(self._on_failed)
        self.player_view.library_requested.connect(self._back_to_library)
        self.honor_page.title_changed.connect(self._honor_title)
        self._shell = shell
        return shell

    def _back_to_library(self) -> None:
        """返回课程列表, or the finished course's time is up."""
        if self.page() is TouchPage.PLAYER:
            self.player_view.leave()
            self.show_library()

    def _honor_title(self, title: str) -> None:
        if self._shell is not None and self.page() is TouchPage.HONOR:
            self._shell.set_title(title)

    def _home_pressed(self) -> None:
        self.player_view.leave()
        self._show_home()

    def _make_signin_card(self) -> MeetingCard:
        """The wall screen's sign-in card, with its own presenter and live count."""
        card = MeetingCard(self._window.theme, self._clock, timezone=self._zone())
        self._signin_card = card
        self._signin = SignInPresenter(card, self._live_counts, self)
        return card

    def _hide_signin(self, reason: str) -> None:
        if self._signin is not None:
            self._signin.hide(reason)

    def _apply_style(self) -> None:
        shell = self._shell
        if shell is None:
            return
        theme = self._window.theme
        metrics = Metrics.for_size(theme, self._window.width(), self._window.height())
        shell.set_style(theme, metrics)
        style_label(
            self._message, theme.font(metrics.px("touch_title"), bold=True), theme.color("tag_text")
        )
        self._message.setStyleSheet(
            f"QLabel {{ background: {theme.colors.accent}; border-radius: 12px;"
            f" padding: {metrics.px('margin') // 2}px; }}"
        )
        self._place_message()

    def _place_message(self) -> None:
        """The message across the lower part of the library, over the course tiles."""
        metrics = Metrics.for_size(self._window.theme, self._window.width(), self._window.height())
        area = self.library.rect()
        width = area.width() * 3 // 4
        height = metrics.px("touch_button") * 2
        top = area.height() - height - metrics.px("margin")
        self._message.setGeometry(QRect((area.width() - width) // 2, top, width, height))


class LearningSink:
    """Puts each viewing into the screen's learning-record queue (``learning.db`` in the cache
    folder; :mod:`content_cache.learning` uploads it). The queue is opened on the first record,
    so a screen nobody touches never loads it. A playback that failed before anything was
    watched is not a viewing and is not recorded.

    Args:
        path: the queue's SQLite file.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._queue: LearningQueue | None = None

    def __call__(self, viewing: Viewing) -> None:
        if viewing.outcome == "failed" and viewing.seconds_watched <= 0:
            return
        if self._queue is None:
            from content_cache.learning import LearningQueue

            self._queue = LearningQueue(self._path)
        video = viewing.video
        self._queue.record(video.id, video.title, video.category, viewing.started_at,
                           viewing.seconds_watched, viewing.completed)  # fmt: skip


def touch_mode_for(
    config: ScreenConfig,
    window: KioskWindow,
    controller: ScreenController,
    clock: Clock,
    parent: QObject | None = None,
) -> TouchMode:
    """The touch mode of ``kiosk run``: positions in the cache folder, failures shared with the
    wall rotation, viewings into the learning-record queue, idle time and mode override from
    ``config``."""
    return TouchMode(
        window,
        controller,
        clock,
        ResumePositions(config.cache / RESUME_FILE),
        controller.playback_failures,
        idle_seconds=config.idle_seconds,
        mode=config.mode,
        record_viewing=LearningSink(config.cache / LEARNING_DB),
        live_counts=LiveCountFeed(config.server, parent=parent),
        parent=parent,
    )
