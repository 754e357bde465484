"""The idle timer of touch mode: no touch for ``idle_seconds`` returns to the attract loop.

While the touch screens are open, an application-wide event filter restarts a single-shot
timer on every touch, click, drag or wheel turn anywhere. While a course plays the timer is
held (:meth:`IdleWatch.hold`): nobody touches the screen while watching a 30-minute lesson.
Outside touch mode the filter is not installed, so wall mode pays nothing for it.
"""

from __future__ import annotations

from kiosk.qt.qt import QApplication, QEvent, QObject, QTimer, Signal

ACTIVITY = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseMove,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TouchEnd,
        QEvent.Type.Wheel,
        QEvent.Type.KeyPress,
    }
)


class IdleWatch(QObject):
    """Emits ``timed_out`` after ``seconds`` without user input while it is running.

    Args:
        seconds: the idle time.
        parent: the QObject parent.

    Signals:
        timed_out(): nobody touched the screen for ``seconds``.
    """

    timed_out = Signal()

    def __init__(self, seconds: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._seconds = seconds
        self._held = False
        self._running = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)

    @property
    def seconds(self) -> float:
        """The idle time."""
        return self._seconds

    def start(self) -> None:
        """Watch for input and count from now."""
        if not self._running:
            self._running = True
            app = QApplication.instance()
            if app is not None:
                app.installEventFilter(self)
        self.poke()

    def stop(self) -> None:
        """Stop watching (back in the attract loop)."""
        if self._running:
            self._running = False
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
        self._timer.stop()

    def hold(self, held: bool) -> None:
        """Hold the timer (a course is playing) or let it count again from now."""
        self._held = held
        if held:
            self._timer.stop()
        else:
            self.poke()

    def is_counting(self) -> bool:
        """True when the timer runs (watching, not held)."""
        return self._timer.isActive()

    def poke(self) -> None:
        """Someone is here: count from now."""
        if self._running and not self._held:
            self._timer.start(round(self._seconds * 1000))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY and self._running and not self._held:
            self._timer.start(round(self._seconds * 1000))
        return False

    def _fire(self) -> None:
        if self._running and not self._held:
            self.timed_out.emit()
