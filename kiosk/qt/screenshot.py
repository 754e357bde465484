"""Screenshots on request: ``kill -USR1 <pid>`` saves what the window shows as a PNG.

Only when the ``screenshot_dir`` setting is given (an installer checking a screen remotely, the
end-to-end tests reading the sign-in QR code); without it SIGUSR1 keeps its default action.
The C-level handler wakes the Qt event loop through the wake-up fd that
:class:`~kiosk.qt.app.SignalStopper` installs; the grab itself runs from the event loop.
The grab is of the window's widgets (a playing video, drawn by libvlc in a native child
window, is not in it).
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC, datetime
from pathlib import Path

from kiosk.qt.qt import QObject, QTimer, QWidget

log = logging.getLogger("kiosk.screen")


class ScreenshotOnSignal(QObject):
    """Saves a grab of ``window`` into ``folder`` on every SIGUSR1.

    Args:
        window: the widget to grab.
        folder: where the PNG files go (created if missing).
        parent: the QObject parent.
    """

    def __init__(self, window: QWidget, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window, self._folder = window, Path(folder)
        self._count = 0
        self._previous = signal.signal(signal.SIGUSR1, self._on_signal)

    def close(self) -> None:
        """Give SIGUSR1 back its previous handler."""
        signal.signal(signal.SIGUSR1, self._previous)

    def save(self) -> Path | None:
        """Save a grab now; returns its path (None after one logged failure)."""
        self._count += 1
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self._folder / f"screen-{stamp}-{self._count}.png"
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            saved = self._window.grab().save(str(path), "PNG")
        except OSError as exc:
            saved, reason = False, exc.strerror or str(exc)
        else:
            reason = "could not write the file"
        if not saved:
            log.warning(
                "screenshot not saved to %s: %s",
                path,
                reason,
                extra={"event": "screenshot_failed", "path": str(path)},
            )
            return None
        log.info(
            "screenshot saved to %s", path, extra={"event": "screenshot_saved", "path": str(path)}
        )
        return path

    def _on_signal(self, signum: int, frame: object) -> None:
        QTimer.singleShot(0, self.save)
