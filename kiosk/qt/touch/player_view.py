"""The course player of touch mode: the video, large controls, and the offer to resume.

Controls (all ``touch_button`` tall): 暂停/播放, 后退15秒, 前进15秒, a seek bar whose handle a
finger can drag (a touch on the bar jumps there), 音量－ and 音量＋. The time reads
"05:12 / 12:30" in touch-sized type. When a course was left part-way, the view first offers
继续播放 (from where it was left) or 从头播放; while it asks, the native video surface is
hidden (nothing can be drawn over a native window) and the question takes its place.

At the end of a course the view says so in the video's place (完成: "本课已学完" and the
course's title) and offers 重新播放 and 返回课程列表; without a touch it asks to go back to
the library by itself after ``finished_seconds`` (15 s), counting down on screen. A course
shorter than a minute (by the item's probed length) has no 后退15秒 / 前进15秒: a quarter of
it or more per touch is no use; the seek bar is there for it.

The view reports how a viewing went (:attr:`PlayerView.viewing_finished`) when the course
ends, fails, or the user leaves; it remembers the position through the given
:class:`~kiosk.core.courses.ResumePositions`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from content_cache.wire import Video
from kiosk.core.courses import ResumePositions, clock_text, is_completed, resume_offer
from kiosk.qt.pages import style_label
from kiosk.qt.qt import (
    QLabel,
    QMouseEvent,
    QRect,
    QResizeEvent,
    QSlider,
    Qt,
    QTimer,
    QWidget,
    Signal,
)
from kiosk.qt.text import elide
from kiosk.qt.theme import Metrics, Theme
from kiosk.qt.touch.widgets import TouchButton
from kiosk.qt.video.session import PlayerFactory, VideoSession, default_player_factory
from kiosk.qt.video.surface import VideoSurface, fit_aspect

log = logging.getLogger("kiosk.screen")

SKIP_SECONDS = 15
VOLUME_STEP = 10
PAUSE_TEXT, PLAY_TEXT = "暂停", "播放"
RESUME_TEXT, RESTART_TEXT = "继续播放", "从头播放"
FINISHED_TEXT = "本课已学完"
REPLAY_TEXT, TO_LIBRARY_TEXT = "重新播放", "返回课程列表"
FINISHED_SECONDS = 15.0  # the finished state goes back to the library by itself after this
SHORT_COURSE_SECONDS = 60.0  # shorter courses have no ±15 s buttons


@dataclass(frozen=True)
class Viewing:
    """One viewing of a course, for the learning record.

    Attributes:
        video: the course.
        started_at: when it started (aware).
        seconds_watched: time spent playing (pauses not counted).
        position: where it stopped, in seconds.
        completed: played to the end, or at least 90 % of it.
        outcome: ``"ended"``, ``"left"`` or ``"failed"``.
    """

    video: Video
    started_at: datetime
    seconds_watched: float
    position: float
    completed: bool
    outcome: str


class SeekBar(QSlider):
    """A horizontal slider with a finger-sized handle; a touch on the bar jumps there."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setRange(0, 0)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def set_style(self, theme: Theme, handle: int) -> None:
        """Colours from ``theme``; a handle ``handle`` pixels wide, a groove a third of it."""
        groove = max(8, handle // 4)
        self.setStyleSheet(
            f"QSlider {{ min-height: {handle}px; }}"
            f"QSlider::groove:horizontal {{ height: {groove}px; border-radius: {groove // 2}px;"
            f" background: {theme.colors.band_edge}; }}"
            f"QSlider::sub-page:horizontal {{ height: {groove}px; border-radius: {groove // 2}px;"
            f" background: {theme.colors.accent}; }}"
            f"QSlider::handle:horizontal {{ width: {handle}px; height: {handle}px;"
            f" margin: -{(handle - groove) // 2}px 0; border-radius: {handle // 2}px;"
            f" background: {theme.colors.accent_bright}; }}"
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.maximum() > self.minimum():
            span = max(1, self.width())
            fraction = min(1.0, max(0.0, event.position().x() / span))
            value = self.minimum() + round(fraction * (self.maximum() - self.minimum()))
            self.setSliderPosition(value)
        super().mousePressEvent(event)


class PlayerView(QWidget):
    """Video surface, controls and the resume question.

    Args:
        theme: colours and fonts.
        positions: where courses were left.
        make_player: makes the libvlc player (see :mod:`kiosk.qt.video.session`).
        clock: returns the current aware datetime (for the record's start time).
        parent: the parent widget.

    Signals:
        viewing_finished(object): a :class:`Viewing` ended (end, error or leaving).
        failed(object, str, str): the course, the :class:`ErrorReason` value and its message.
        playing_changed(bool): playback started (True) or paused/stopped (False).
        finished_shown(): the course ended and the finished state is shown.
        library_requested(): 返回课程列表 was touched, or the finished state timed out.
    """

    viewing_finished = Signal(object)
    failed = Signal(object, str, str)
    playing_changed = Signal(bool)
    finished_shown = Signal()
    library_requested = Signal()

    def __init__(
        self,
        theme: Theme,
        positions: ResumePositions,
        clock: object,
        make_player: PlayerFactory = default_player_factory,
        parent: QWidget | None = None,
        *,
        finished_seconds: float = FINISHED_SECONDS,
    ) -> None:
        super().__init__(parent)
        self._theme, self._positions, self._clock = theme, positions, clock
        self._finished_seconds = finished_seconds
        self._metrics = Metrics.for_size(theme, 1920, 1080)
        self._video: Video | None = None
        self._path: Path | None = None
        self._started_at: datetime | None = None
        self._dragging = False
        self._asking = False
        self._finished = False
        self.surface = VideoSurface(theme, self)
        self.session = VideoSession(self.surface, make_player, self)
        self.question = QLabel("", self)
        self.question.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.question.setWordWrap(True)
        self.resume_button = TouchButton(RESUME_TEXT, theme, self, role="primary")
        self.restart_button = TouchButton(RESTART_TEXT, theme, self)
        self.play_button = TouchButton(PAUSE_TEXT, theme, self, role="primary")
        self.back_button = TouchButton("后退15秒", theme, self)
        self.forward_button = TouchButton("前进15秒", theme, self)
        self.quieter_button = TouchButton("音量－", theme, self)
        self.louder_button = TouchButton("音量＋", theme, self)
        self.seek_bar = SeekBar(self)
        self.time_label = QLabel("00:00 / 00:00", self)
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.volume_label = QLabel("", self)
        self.volume_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.finished_label = QLabel(FINISHED_TEXT, self)
        self.finished_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.course_label = QLabel("", self)
        self.course_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.course_label.setTextFormat(Qt.TextFormat.PlainText)
        self.countdown_label = QLabel("", self)
        self.countdown_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.replay_button = TouchButton(REPLAY_TEXT, theme, self, role="primary")
        self.library_button = TouchButton(TO_LIBRARY_TEXT, theme, self)
        self._back_to_library = QTimer(self)
        self._back_to_library.setSingleShot(True)
        self._back_to_library.timeout.connect(self.library_requested)
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._show_countdown)
        self._connect()
        self._show_question(False)
        self._show_finished(False)

    # -- public API ------------------------------------------------------------------------

    @property
    def video(self) -> Video | None:
        """The course loaded."""
        return self._video

    def is_asking(self) -> bool:
        """True while the resume question is shown."""
        return self._asking

    def is_finished(self) -> bool:
        """True while the finished state (本课已学完) is shown."""
        return self._finished

    def skips_shown(self) -> bool:
        """True when the course has 后退15秒 / 前进15秒 (it is a minute long or more, or
        its length is not known)."""
        video = self._video
        length = (video.length_seconds if video is not None else None) or self.session.length
        return not (length and 0 < length < SHORT_COURSE_SECONDS)

    def open_course(self, video: Video, path: Path) -> None:
        """Load ``video`` from ``path``: ask about resuming if it was left part-way, else play."""
        self.leave()
        self._video, self._path = video, path
        self._show_skips()
        self._place()  # the surface takes the video's own shape (no black bands)
        offer = resume_offer(self._positions.get(video), video.length_seconds)
        self.seek_bar.setRange(0, round(video.length_seconds or 0))
        self.seek_bar.setValue(0)
        if offer is None:
            self._start(0.0)
            return
        self.question.setText(f"上次看到 {clock_text(offer)}，要从那里继续吗？")
        self.resume_button.set_text(RESUME_TEXT, f"从 {clock_text(offer)} 开始")
        self._show_question(True)

    def resume(self) -> None:
        """Answer 继续播放."""
        if self._video is not None and self._asking:
            self._start(self._positions.get(self._video) or 0.0)

    def restart(self) -> None:
        """Answer 从头播放."""
        if self._video is not None and self._asking:
            self._start(0.0)

    def replay(self) -> None:
        """Answer 重新播放: the finished course again from its start."""
        if self._video is not None and self._finished:
            self._start(0.0)

    def leave(self) -> None:
        """Stop the course being watched (the user left): record it, keep its position."""
        self._show_finished(False)
        if self._video is None:
            return
        if self.session.is_open():
            position = self.session.position
            self.session.stop()
            self._report("left", position, end_reached=False)
        self._video = None
        self._show_question(False)
        self.playing_changed.emit(False)

    def release(self) -> None:
        """Leave and free the player."""
        self.leave()
        self.session.release()

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._theme, self._metrics = theme, metrics
        text = metrics.px("touch_text")
        title = metrics.px("touch_title")
        for button in self._buttons():
            button.set_style(theme, text)
        for button in (self.resume_button, self.restart_button):
            button.set_style(theme, title, text)
        for button in (self.replay_button, self.library_button):
            button.set_style(theme, title)
        self.surface.set_theme(theme)
        style_label(self.question, theme.font(title, bold=True), theme.color("text"))
        style_label(
            self.finished_label, theme.font(round(title * 1.3), bold=True),
            theme.color("accent_bright"),
        )  # fmt: skip
        style_label(self.course_label, theme.font(title), theme.color("text"))
        style_label(self.countdown_label, theme.font(text), theme.color("text_muted"))
        style_label(self.time_label, theme.font(text, bold=True), theme.color("text"))
        style_label(self.volume_label, theme.font(text), theme.color("text_muted"))
        self.seek_bar.set_style(theme, round(metrics.px("touch_button") * 0.6))
        self._place()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    # -- internals -------------------------------------------------------------------------

    def _buttons(self) -> list[TouchButton]:
        return [self.play_button, self.back_button, self.forward_button,
                self.quieter_button, self.louder_button]  # fmt: skip

    def _connect(self) -> None:
        self.resume_button.clicked.connect(self.resume)
        self.restart_button.clicked.connect(self.restart)
        self.replay_button.clicked.connect(self.replay)
        self.library_button.clicked.connect(self.library_requested)
        self.play_button.clicked.connect(self._play_pressed)
        self.back_button.clicked.connect(lambda: self.session.skip(-SKIP_SECONDS))
        self.forward_button.clicked.connect(lambda: self.session.skip(SKIP_SECONDS))
        self.quieter_button.clicked.connect(lambda: self._change_volume(-VOLUME_STEP))
        self.louder_button.clicked.connect(lambda: self._change_volume(VOLUME_STEP))
        self.seek_bar.sliderPressed.connect(self._drag_started)
        self.seek_bar.sliderReleased.connect(self._drag_finished)
        self.session.progressed.connect(self._on_progress)
        self.session.state_changed.connect(self._on_state)
        self.session.ended.connect(self._on_ended)
        self.session.failed.connect(self._on_failed)

    def _play_pressed(self) -> None:
        if self.session.is_open():
            self.session.toggle()
        elif self._video is not None:
            self._start(0.0)  # played to the end: again from the start

    def _start(self, seconds: float) -> None:
        assert self._video is not None and self._path is not None
        self._show_question(False)
        self._show_finished(False)
        self._started_at = self._clock()  # type: ignore[operator]
        self.session.open(self._path, start_seconds=seconds)
        self._show_volume()
        log.info(
            "playing course %s %s from %.0f s",
            self._video.id,
            self._video.title,
            seconds,
            extra={"event": "course_started", "item_id": self._video.id, "from_seconds": seconds},
        )

    def _show_question(self, asking: bool) -> None:
        self._asking = asking
        asked: tuple[QWidget, ...] = (self.question, self.resume_button, self.restart_button)
        for widget in asked:
            widget.setVisible(asking)
        self._enable_controls()

    def _show_finished(self, finished: bool) -> None:
        """The finished state in the video's place (True), or the video again (False)."""
        self._finished = finished
        shown: tuple[QWidget, ...] = (self.finished_label, self.course_label,
                                      self.countdown_label, self.replay_button,
                                      self.library_button)  # fmt: skip
        for widget in shown:
            widget.setVisible(finished)
        if finished:
            self._back_to_library.start(round(self._finished_seconds * 1000))
            self._countdown.start()
            self._show_countdown()
        else:
            self._back_to_library.stop()
            self._countdown.stop()
        self._enable_controls()

    def _show_countdown(self) -> None:
        left = max(0, math.ceil(self._back_to_library.remainingTime() / 1000))
        self.countdown_label.setText(f"{left} 秒后自动返回课程列表")

    def _enable_controls(self) -> None:
        """Controls work while the video is there; the surface hides while a question or
        the finished state takes its place (nothing can be drawn over a native window)."""
        covered = self._asking or self._finished
        controls = [*self._buttons(), self.seek_bar, self.time_label, self.volume_label]
        for widget in controls:
            widget.setEnabled(not covered)
        self.surface.setVisible(not covered)

    def _show_skips(self) -> None:
        shown = self.skips_shown()
        changed = shown == self.back_button.isHidden()
        self.back_button.setVisible(shown)
        self.forward_button.setVisible(shown)
        if changed:
            self._place()

    def _change_volume(self, delta: int) -> None:
        self.session.set_volume(max(0, min(100, self.session.volume() + delta)))
        self._show_volume()

    def _show_volume(self) -> None:
        self.volume_label.setText(f"音量 {self.session.volume()}")

    def _drag_started(self) -> None:
        self._dragging = True

    def _drag_finished(self) -> None:
        self._dragging = False
        self.session.seek_to(float(self.seek_bar.value()))

    def _on_progress(self, position: float, length: float) -> None:
        if length > 0 and self.seek_bar.maximum() != round(length):
            self.seek_bar.setRange(0, round(length))
            self._show_skips()  # the item had no probed length: the file's own
        if not self._dragging:
            self.seek_bar.setValue(round(position))
        shown = length or (self._video.length_seconds if self._video else 0) or 0
        self.time_label.setText(f"{clock_text(position)} / {clock_text(shown)}")

    def _on_state(self, state: str) -> None:
        playing = state == "playing"
        self.play_button.set_text(PAUSE_TEXT if playing else PLAY_TEXT)
        self.playing_changed.emit(playing)

    def _on_ended(self) -> None:
        length = self.session.length or (self._video.length_seconds if self._video else 0) or 0
        self._report("ended", length, end_reached=True)
        self.play_button.set_text(PLAY_TEXT)
        self.seek_bar.setValue(self.seek_bar.maximum())  # the last tick may be short of it
        self.time_label.setText(f"{clock_text(length)} / {clock_text(length)}")
        self._show_finished(True)
        self._place()
        self.playing_changed.emit(False)
        self.finished_shown.emit()

    def _on_failed(self, reason: str, message: str) -> None:
        video = self._video
        if video is None:
            return
        self._report("failed", self.session.position, end_reached=False)
        self._video = None
        self.playing_changed.emit(False)
        self.failed.emit(video, reason, message)

    def _report(self, outcome: str, position: float, *, end_reached: bool) -> None:
        video = self._video
        if video is None or self._started_at is None:
            return
        length = self.session.length or video.length_seconds
        completed = outcome != "failed" and is_completed(position, length, end_reached)
        if outcome != "failed":
            self._positions.save(video, None if completed else position)
        viewing = Viewing(video, self._started_at, round(self.session.played_seconds(), 1),
                          round(position, 1), completed, outcome)  # fmt: skip
        self._started_at = None
        self.viewing_finished.emit(viewing)

    def _place(self) -> None:
        metrics = self._metrics
        margin = metrics.px("margin")
        button_h = metrics.px("touch_button")
        gap = margin // 2
        area = self.rect().adjusted(margin, gap, -margin, -gap)
        portrait = self.height() > self.width()
        rows = 3 if portrait else 2  # seek bar, then one or two rows of buttons
        controls_h = button_h * rows + gap * rows
        video = QRect(area.left(), area.top(), area.width(), max(1, area.height() - controls_h))
        picture = fit_aspect(video, self._video)
        if portrait:  # the picture at the top, the controls right under it
            picture.moveTop(video.top())
            video.setHeight(picture.height())
        self.surface.setGeometry(picture)
        self._place_question(video, button_h, margin)
        self._place_finished(video, button_h, margin)
        seek_top = video.bottom() + gap
        time_w = metrics.px("touch_text") * 7
        self.seek_bar.setGeometry(QRect(area.left(), seek_top, area.width() - time_w, button_h))
        self.time_label.setGeometry(QRect(area.right() - time_w, seek_top, time_w, button_h))
        row_top = seek_top + button_h + gap
        volume_w = metrics.px("touch_text") * 5
        buttons = self._buttons()
        playing = [b for b in buttons[:3] if b is self.play_button or self.skips_shown()]
        if portrait:
            self._place_row(playing, area.left(), row_top, area.width(), button_h, gap)
            row_top += button_h + gap
            left = area.left() + volume_w + gap
            self.volume_label.setGeometry(QRect(area.left(), row_top, volume_w, button_h))
            self._place_row(buttons[3:], left, row_top, area.right() + 1 - left, button_h, gap)
            return
        width = (area.width() - volume_w - gap * len(buttons)) // len(buttons)
        # without the skip buttons, 暂停/播放 takes their room: one very large target
        self._place_row(playing, area.left(), row_top, width * 3 + gap * 2, button_h, gap)
        x = area.left() + (width + gap) * 3
        self.volume_label.setGeometry(QRect(x, row_top, volume_w, button_h))
        x += volume_w + gap
        self._place_row(buttons[3:], x, row_top, area.right() + 1 - x, button_h, gap)

    @staticmethod
    def _place_row(
        buttons: list[TouchButton], left: int, top: int, width: int, height: int, gap: int
    ) -> None:
        each = (width - gap * (len(buttons) - 1)) // len(buttons)
        for index, button in enumerate(buttons):
            button.setGeometry(QRect(left + index * (each + gap), top, each, height))

    def _place_question(self, video: QRect, button_h: int, margin: int) -> None:
        width = min(video.width(), button_h * 8)
        left = video.left() + (video.width() - width) // 2
        top = video.top() + max(0, (video.height() - button_h * 4 - margin) // 2)
        self.question.setGeometry(QRect(left, top, width, button_h * 2))
        button_w = (width - margin) // 2
        row = top + button_h * 2 + margin
        self.resume_button.setGeometry(QRect(left, row, button_w, round(button_h * 1.6)))
        self.restart_button.setGeometry(
            QRect(left + button_w + margin, row, button_w, round(button_h * 1.6))
        )

    def _place_finished(self, video: QRect, button_h: int, margin: int) -> None:
        """本课已学完, the course's title, the two buttons and the countdown, centred in the
        video's place."""
        gap = margin // 2
        heights = (button_h * 9 // 10, button_h * 6 // 10, button_h, button_h // 2)
        width = min(video.width(), button_h * 8)
        left = video.left() + (video.width() - width) // 2
        top = video.top() + max(0, (video.height() - sum(heights) - 3 * gap) // 2)
        labels = (self.finished_label, self.course_label)
        for label, height in zip(labels, heights[:2], strict=True):
            label.setGeometry(QRect(left, top, width, height))
            top += height + gap
        button_w = (width - margin) // 2
        self.replay_button.setGeometry(QRect(left, top, button_w, heights[2]))
        self.library_button.setGeometry(QRect(left + button_w + margin, top, button_w, heights[2]))
        top += heights[2] + gap
        self.countdown_label.setGeometry(QRect(left, top, width, heights[3]))
        title = (self._video.title if self._video is not None else "") or ""
        self.course_label.setText(elide(title, self.course_label.font(), width))
