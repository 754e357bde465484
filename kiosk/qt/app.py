"""``run_screen``: the Qt application of ``kiosk run`` (wall mode).

Builds the QApplication, the window, the poster loader, the scheduler, the controller and
the sync thread; shows the cached snapshot at once (offline start) and runs until SIGTERM,
SIGINT or the window is closed. Imported only by the command line, never by the core.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import socket
import sys
import traceback
from types import TracebackType
from zoneinfo import ZoneInfo

from kiosk.core.config import ScreenConfig
from kiosk.core.sync_factory import make_engine, make_loop
from kiosk.qt.controller import DEFAULT_TIMEZONE, ScreenController, system_clock
from kiosk.qt.display_power import DisplayPower
from kiosk.qt.image_loader import PosterLoader, decode_photo
from kiosk.qt.qt import (
    BINDING_STEALS_REFERENCES,
    QApplication,
    QCursor,
    QMessageLogContext,
    QObject,
    QSize,
    QSocketNotifier,
    Qt,
    QtMsgType,
    Signal,
    qInstallMessageHandler,
    qVersion,
)
from kiosk.qt.scheduler import ScreenScheduler
from kiosk.qt.sync_thread import SyncThread
from kiosk.qt.theme import ThemeError, ThemeLibrary, default_themes_dir
from kiosk.qt.window import KioskWindow

log = logging.getLogger("kiosk.screen")
qt_log = logging.getLogger("kiosk.screen.qt")

SYNC_STOP_MS = 10_000
_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def run_screen(config: ScreenConfig) -> int:
    """Run the screen until it is asked to stop; returns the process exit code.

    Exit codes: 0 after SIGTERM or when the window is closed, 130 after SIGINT, 1 when the
    installation is broken (the default theme cannot be loaded).
    """
    faulthandler.enable()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("party-kiosk")
    previous_qt_handler = qInstallMessageHandler(_log_qt_message)
    previous_hook, sys.excepthook = sys.excepthook, _log_uncaught
    if BINDING_STEALS_REFERENCES:
        log.info(
            "this Qt binding drops references to None/True; they are pinned (see kiosk/qt/qt.py)",
            extra={"event": "qt_binding_workaround", "qt_version": qVersion()},
        )
    stopper = SignalStopper(app)
    stopper.stop_requested.connect(app.quit)
    try:
        return _run(app, config, stopper)
    finally:
        stopper.close()
        sys.excepthook = previous_hook
        qInstallMessageHandler(previous_qt_handler)


def _run(app: QApplication, config: ScreenConfig, stopper: SignalStopper) -> int:
    try:
        themes = ThemeLibrary(config.themes_dir or default_themes_dir())
    except ThemeError as exc:
        log.error("cannot start the screen: %s", exc, extra={"event": "error"})
        return 1
    engine = make_engine(config)
    store = engine.store
    window = KioskWindow(themes.default, config.screen, system_clock, ZoneInfo(DEFAULT_TIMEZONE))
    loader = PosterLoader()
    scheduler = ScreenScheduler(parent=app)
    sync = SyncThread(make_loop(engine, config))
    controller = ScreenController(
        window,
        loader,
        scheduler,
        themes,
        config.screen,
        photos=PosterLoader(decode=decode_photo),
        orientation=config.orientation,
        wake_sync=sync.wake,
        display_power=DisplayPower(app.platformName()),
    )
    sync.result.connect(controller.on_sync_result)
    show_window(app, window, config)
    scheduler.start()
    controller.start(store.current())
    sync.start()
    code = app.exec()
    controller.stop()
    scheduler.shutdown(wait=False)
    code = stopper.exit_code if stopper.exit_code is not None else code
    if not sync.stop(SYNC_STOP_MS):
        _exit_now(code)
    log.info("screen stopped", extra={"event": "screen_stopped", "exit_code": code})
    return code


def show_window(app: QApplication, window: KioskWindow, config: ScreenConfig) -> None:
    """Show ``window`` fullscreen with no cursor, or as a normal window if configured."""
    screen = app.primaryScreen().geometry()
    if config.windowed:
        window.resize(windowed_size(QSize(screen.width(), screen.height()), config.orientation))
        window.show()
        return
    # With no window manager (Xvfb, bare xinit) showFullScreen() alone keeps the default size.
    window.setWindowFlag(Qt.WindowType.FramelessWindowHint)
    window.setGeometry(screen)
    window.showFullScreen()
    app.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))


def windowed_size(screen: QSize, orientation: str | None) -> QSize:
    """A window in the screen's proportions (9:16 portrait unless landscape) fitting ``screen``."""
    if orientation == "landscape":
        width = screen.width() * 85 // 100
        return QSize(width, min(width * 9 // 16, screen.height() * 85 // 100))
    height = screen.height() * 85 // 100
    return QSize(min(height * 9 // 16, screen.width() * 85 // 100), height)


class SignalStopper(QObject):
    """Quits the Qt event loop cleanly on SIGTERM or SIGINT.

    Python runs signal handlers only when the interpreter gets control, which it does not
    while Qt waits in its event loop. The wake-up fd makes the C-level handler write a byte
    to a socket that a QSocketNotifier watches, so the loop wakes and the handler runs.

    Args:
        parent: the QObject parent.

    Attributes:
        exit_code: None until a signal came; then 0 (SIGTERM) or 130 (SIGINT).

    Signals:
        stop_requested(int): a stop signal came; the argument is the exit code.
    """

    stop_requested = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.exit_code: int | None = None
        self._reader, self._writer = socket.socketpair()
        for sock in (self._reader, self._writer):
            sock.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }

    def close(self) -> None:
        """Restore the previous handlers and wake-up fd."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._reader.close()
        self._writer.close()

    def _on_signal(self, signum: int, frame: object) -> None:
        name = signal.Signals(signum).name
        log.info("received %s, stopping", name, extra={"event": "stopping", "signal": name})
        if self.exit_code is None:
            self.exit_code = 130 if signum == signal.SIGINT else 0
        self.stop_requested.emit(self.exit_code)

    def _drain(self) -> None:
        try:
            while self._reader.recv(512):
                pass
        except OSError:  # BlockingIOError: drained
            pass


def _log_uncaught(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """``sys.excepthook``: one log line, and the screen goes on (never a dialog or a trace)."""
    frames = traceback.extract_tb(tb)
    where = f"{os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else "?"
    log.error(
        "unexpected error (the screen goes on): %s: %s at %s",
        exc_type.__name__,
        exc,
        where,
        extra={"event": "error", "error": exc_type.__name__, "where": where},
    )


def _log_qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's own messages as log lines of ``kiosk.screen.qt`` (so ``--log-json`` covers them)."""
    qt_log.log(
        _QT_LEVELS.get(kind, logging.WARNING),
        "%s",
        message,
        extra={"event": "qt_message", "category": context.category or "default"},
    )


def _exit_now(code: int) -> None:
    """Leave at once: a QThread still running at interpreter exit would abort the process."""
    log.warning(
        "sync did not stop within %d s; exiting anyway",
        SYNC_STOP_MS // 1000,
        extra={"event": "screen_stopped", "exit_code": code},
    )
    logging.shutdown()
    os._exit(code)
