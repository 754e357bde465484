"""The sync loop on its own thread; each result comes back to the GUI thread as a signal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from content_cache.sync import SyncResult
from kiosk.qt.qt import QObject, QThread, Signal

log = logging.getLogger("kiosk.screen")


class Loop(Protocol):
    """What the thread runs: ``content_cache.sync.SyncLoop`` or the screen's link to its
    server (``kiosk.core.screen_link.ScreenLink``), which runs one."""

    def run(self, on_result: Callable[[SyncResult], None]) -> None: ...

    def wake(self) -> None: ...

    def stop(self) -> None: ...


class SyncThread(QThread):
    """Runs a sync loop's ``run`` off the GUI thread.

    Args:
        loop: the loop to run (a ``SyncLoop`` or a ``ScreenLink``).
        parent: the QObject parent.

    Signals:
        result(SyncResult): after every sync attempt; delivered on the receiver's thread.
    """

    result = Signal(object)

    def __init__(self, loop: Loop, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loop = loop
        self.setObjectName("sync")

    def run(self) -> None:
        try:
            self._loop.run(self._emit)
        except Exception:  # broad on purpose: the thread's boundary; the screen keeps its content
            log.exception("sync thread stopped by an unexpected error", extra={"event": "error"})

    def wake(self) -> None:
        """Sync at once (e.g. after a push from the server)."""
        self._loop.wake()

    def stop(self, timeout_ms: int = 10_000) -> bool:
        """Ask the loop to stop and wait for the thread; False if it did not end in time."""
        self._loop.stop()
        return self.wait(timeout_ms)

    def _emit(self, result: SyncResult) -> None:
        self.result.emit(result)
