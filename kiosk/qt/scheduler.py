"""APScheduler's ``QtScheduler``, adjusted to run its jobs on the Qt event loop.

Two things in APScheduler 3.11's ``QtScheduler`` do not suit a kiosk, so this subclass changes them:

* It keeps the result of the static ``QTimer.singleShot`` to stop it later, but with PySide6
  that result is None, so earlier wake-ups are never cancelled: every ``add_job`` starts
  another timer chain that lives for the rest of the process. Here one owned QTimer is re-armed.
* Its default executor is a thread pool, so a job would run off the GUI thread. Here jobs run
  in the scheduler's own thread (the Qt one), through APScheduler's ``DebugExecutor``.

Late jobs always run (``misfire_grace_time=None``): a re-plan that comes late must still come.
"""

from __future__ import annotations

import math
from datetime import UTC
from typing import Any

from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.qt import QtScheduler

from kiosk.qt.qt import QObject, Qt, QTimer

MAX_TIMER_MS = 2**31 - 1


class ScreenScheduler(QtScheduler):
    """A ``QtScheduler`` whose jobs run on the Qt thread, with one owned wake-up timer.

    Args:
        parent: QObject that owns the wake-up timer.
        **options: further APScheduler options.
    """

    def __init__(self, parent: QObject | None = None, **options: Any) -> None:
        self._wakeup_timer = QTimer(parent)
        self._wakeup_timer.setSingleShot(True)
        self._wakeup_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._wakeup_timer.timeout.connect(self._process_jobs)
        options.setdefault("timezone", UTC)
        options.setdefault("executors", {"default": DebugExecutor()})
        options.setdefault("job_defaults", {"misfire_grace_time": None, "coalesce": True})
        super().__init__(**options)

    def _start_timer(self, wait_seconds: float | None) -> None:
        self._wakeup_timer.stop()
        if wait_seconds is not None:
            self._wakeup_timer.start(min(math.ceil(wait_seconds * 1000), MAX_TIMER_MS))

    def _stop_timer(self) -> None:
        self._wakeup_timer.stop()
