"""``run_screen``: the Qt application of ``kiosk run`` (wall mode).

Builds the QApplication, the window, the poster loader, the scheduler, the controller and
the sync thread; shows the cached snapshot at once (offline start) and runs until SIGTERM,
SIGINT or the window is closed. Imported only by the command line, never by the core.

Start-up order is chosen for the first frame: the cached snapshot is read and the poster the
screen opens on starts decoding (from its rendition) first; the rest of the screen (window,
controller, themes) is imported and built while it decodes, and APScheduler, the network side
and touch mode are loaded only after the first frame.
"""

from __future__ import annotations

import ctypes
import faulthandler
import logging
import os
import signal
import socket
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from kiosk.core.config import ScreenConfig
from kiosk.core.schedule import plan_for
from kiosk.core.sync_factory import make_store
from kiosk.qt.image_loader import PosterLoader, decode_photo
from kiosk.qt.qt import (
    BINDING_STEALS_REFERENCES,
    QApplication,
    QCursor,
    QMessageLogContext,
    QObject,
    QPoint,
    QRect,
    QSize,
    QSocketNotifier,
    Qt,
    QTimer,
    QtMsgType,
    Signal,
    qInstallMessageHandler,
    qVersion,
)
from kiosk.qt.renditions import PosterRenditions

if TYPE_CHECKING:
    from content_cache.store import CacheStore, Snapshot
    from content_cache.sync import SyncResult
    from kiosk.qt.scheduler import ScreenScheduler
    from kiosk.qt.sync_thread import SyncThread
    from kiosk.qt.touch.mode import TouchMode
    from kiosk.qt.window import KioskWindow

log = logging.getLogger("kiosk.screen")
qt_log = logging.getLogger("kiosk.screen.qt")

SYNC_STOP_MS = 10_000
M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # glibc's mallopt parameters (malloc.h)
FIRST_CONTENT_WAIT_MS = 1_000  # start the sync by then even if no poster has been shown
# How long the window waits, unshown, for the poster it opens on; later, the poster fades in.
# A 4K poster's rendition decodes in about 70 ms; one without a rendition in about 200 ms.
FIRST_POSTER_WAIT_MS = 300
_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def run_screen(config: ScreenConfig, *, touch_page: str | None = None) -> int:
    """Run the screen until it is asked to stop; returns the process exit code.

    Exit codes: 0 after SIGTERM or when the window is closed, 130 after SIGINT, 1 when the
    installation is broken (the default theme cannot be loaded). ``touch_page`` (``kiosk demo
    --open``) opens that touch page once content is there.
    """
    faulthandler.enable()
    tune_malloc()
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
        return _run(app, config, stopper, touch_page)
    finally:
        stopper.close()
        sys.excepthook = previous_hook
        qInstallMessageHandler(previous_qt_handler)


def _run(
    app: QApplication, config: ScreenConfig, stopper: SignalStopper, touch_page: str | None = None
) -> int:
    store = make_store(config)
    snapshot = store.current()
    renditions = PosterRenditions(store.renditions_dir)
    renditions.prefetch(opening_poster_file(snapshot, datetime.now(UTC)))
    # The rest of the screen is loaded now, while that poster decodes on a worker.
    from kiosk.qt.controller import DEFAULT_TIMEZONE, ScreenController, system_clock
    from kiosk.qt.display_power import DisplayPower
    from kiosk.qt.live_feed import LiveCountFeed
    from kiosk.qt.theme import ThemeError, ThemeLibrary, default_themes_dir
    from kiosk.qt.window import KioskWindow

    try:
        themes = ThemeLibrary(config.themes_dir or default_themes_dir())
    except ThemeError as exc:
        log.error("cannot start the screen: %s", exc, extra={"event": "error"})
        renditions.close()
        return 1
    window = KioskWindow(
        themes.default,
        config.screen,
        system_clock,
        ZoneInfo(DEFAULT_TIMEZONE),
        server=config.server,
    )
    loader = PosterLoader(decode=renditions.decode)
    sync = DeferredSync(config, store, window)
    controller = ScreenController(
        window,
        loader,
        None,  # APScheduler is loaded after the first frame (start_sync below)
        themes,
        config.screen,
        photos=PosterLoader(decode=decode_photo),
        orientation=config.orientation,
        wake_sync=sync.wake,
        display_power=DisplayPower(app.platformName()),
        live_counts=LiveCountFeed(config.server, parent=app),
    )
    place_window(app, window, config)
    controller.start(snapshot)  # the first poster is decoding (or decoded) already
    loader.settle(FIRST_POSTER_WAIT_MS)  # then it is in the window's first frame
    show_window(app, window, config)
    schedulers: list[ScreenScheduler] = []
    shots = None
    if config.screenshot_dir is not None:
        from kiosk.qt.screenshot import ScreenshotOnSignal

        shots = ScreenshotOnSignal(window, config.screenshot_dir, app)
    touches: list[TouchMode] = []

    def start_touch() -> None:
        """Touch mode, if this screen may be a touch screen (by config or by the server)."""
        if touches or config.mode == "wall":
            return
        from kiosk.qt.touch.mode import touch_mode_for

        touch = touch_mode_for(config, window, controller, system_clock, parent=app)
        touches.append(touch)
        if touch_page:  # kiosk demo --open: a page to look at without touching
            touch.open_when_ready(touch_page)

    if config.mode == "touch":
        start_touch()

    # The network side (requests, the push listener) is not needed for cached content: it is
    # loaded and started once the first poster is on screen (or soon, if it is not a poster),
    # so its imports do not hold up the first frame. With nothing cached it starts at once.
    # So is touch mode on a screen whose mode the server decides (a touch screen's first
    # frame is its attract loop; a touch then finds the touch screens ready).
    def start_sync() -> None:
        if not schedulers:  # APScheduler's imports, too, wait for the first frame
            from kiosk.qt.scheduler import ScreenScheduler

            schedulers.append(ScreenScheduler(parent=app))
            controller.attach_scheduler(schedulers[0])
            schedulers[0].start()
        start_touch()
        sync.start_soon(controller.on_sync_result)

    if controller.current_poster is not None and not window.poster_view.is_fading():
        # The first frame shows a poster: go on once it is on screen.
        window.first_painted.connect(lambda: QTimer.singleShot(0, start_sync))
    window.poster_view.transition_finished.connect(start_sync)
    QTimer.singleShot(0 if controller.snapshot is None else FIRST_CONTENT_WAIT_MS, start_sync)
    code = app.exec()
    if shots is not None:
        shots.close()
    for touch in touches:
        touch.stop()
    controller.stop()
    renditions.close()
    for scheduler in schedulers:
        scheduler.shutdown(wait=False)
    code = stopper.exit_code if stopper.exit_code is not None else code
    if not sync.stop(SYNC_STOP_MS):
        _exit_now(code)
    log.info("screen stopped", extra={"event": "screen_stopped", "exit_code": code})
    return code


def opening_poster_file(snapshot: Snapshot | None, now: datetime) -> Path | None:
    """The cached file of the poster the screen opens on at ``now`` (``Plan.opening_poster``),
    or None when it opens on something else or the file is not there."""
    if snapshot is None:
        return None
    poster = plan_for(snapshot.manifest, now).opening_poster()
    if poster is None or not snapshot.is_available(poster):
        return None
    return snapshot.asset_path(poster.image)


class DeferredSync:
    """The sync thread, made and started after the first content is shown (see :func:`_run`).

    It runs the screen's link to its server (``kiosk.core.screen_link``): pairing when the
    screen has no credential (the code shown on ``window``), then the sync loop. Until then
    :meth:`wake` does nothing and :meth:`stop` has nothing to stop.
    """

    def __init__(self, config: ScreenConfig, store: CacheStore, window: KioskWindow) -> None:
        self._config, self._store, self._window = config, store, window
        self._thread: SyncThread | None = None
        self._pending = False
        self._stopped = False

    def start_soon(self, on_result: Callable[[SyncResult], None]) -> None:
        """Start the sync thread from the event loop's next turn (once; later calls do nothing)."""
        if self._pending or self._thread is not None:
            return
        self._pending = True
        QTimer.singleShot(0, lambda: self._start(on_result))

    def _start(self, on_result: Callable[[SyncResult], None]) -> None:
        if self._stopped or self._thread is not None:
            return
        from kiosk.core.screen_link import ScreenLink
        from kiosk.qt.enrollment import PairingPresenter
        from kiosk.qt.sync_thread import SyncThread

        pairing = PairingPresenter(self._window, parent=self._window)
        link = ScreenLink(self._config, self._store, on_pairing=pairing.bridge.send)
        self._thread = SyncThread(link)
        self._thread.result.connect(on_result)
        self._thread.start()

    def wake(self) -> None:
        """Sync at once, if the thread runs."""
        if self._thread is not None:
            self._thread.wake()

    def stop(self, timeout_ms: int) -> bool:
        """Stop the thread (and never start it); False if it did not end in time."""
        self._stopped = True
        return self._thread.stop(timeout_ms) if self._thread is not None else True


def tune_malloc() -> bool:
    """Keep glibc malloc from holding on to freed poster memory (Linux/glibc only).

    Decoded posters are tens of MB each and are decoded on pool threads: with the defaults,
    each thread gets its own arena and a freed buffer below the (self-raising) mmap threshold
    stays in the heap, so the resident size creeps up with every rotation. Two arenas and a
    fixed 1 MB mmap threshold return every large buffer to the system when it is freed.
    Returns False where there is no glibc (nothing is changed there).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # musl or another libc
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    ok = mallopt(M_ARENA_MAX, 2) == 1
    return mallopt(M_MMAP_THRESHOLD, 1024 * 1024) == 1 and ok


def place_window(app: QApplication, window: KioskWindow, config: ScreenConfig) -> None:
    """Give ``window`` its final geometry and lay it out, before it is shown.

    The main zone's size is then known, so the first poster can be decoding on a worker
    while the window is mapped and first painted.
    """
    screen = app.primaryScreen().geometry()
    if config.windowed:
        window.place(QRect(QPoint(0, 0), windowed_size(screen.size(), config.orientation)))
        return
    # With no window manager (Xvfb, bare xinit) showFullScreen() alone keeps the default size.
    window.setWindowFlag(Qt.WindowType.FramelessWindowHint)
    window.place(screen)


def show_window(app: QApplication, window: KioskWindow, config: ScreenConfig) -> None:
    """Show the placed ``window`` fullscreen with no cursor, or as a normal window."""
    if config.windowed:
        window.show()
        return
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
