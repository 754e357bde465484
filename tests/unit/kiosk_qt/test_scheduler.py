"""The Qt scheduler: PySide6's event loop, jobs on the GUI thread, one wake-up timer."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers import qt as apscheduler_qt

from kiosk.qt.qt import QTimer
from kiosk.qt.scheduler import ScreenScheduler


def test_apscheduler_uses_pyside6() -> None:
    assert apscheduler_qt.QTimer is QTimer


def test_jobs_run_on_the_gui_thread(qtbot) -> None:
    scheduler = ScreenScheduler()
    scheduler.start()
    ran_on: list[threading.Thread] = []
    soon = datetime.now(UTC) + timedelta(milliseconds=50)
    scheduler.add_job(lambda: ran_on.append(threading.current_thread()), "date", run_date=soon)
    qtbot.waitUntil(lambda: bool(ran_on), timeout=3000)
    assert ran_on == [threading.main_thread()]
    scheduler.shutdown(wait=False)


class _CountingScheduler(ScreenScheduler):
    def __init__(self) -> None:
        self.rounds = 0
        super().__init__()

    def _process_jobs(self) -> float | None:
        self.rounds += 1
        return super()._process_jobs()


def test_replacing_a_job_keeps_one_timer_and_runs_once(qtbot) -> None:
    scheduler = _CountingScheduler()
    scheduler.start()
    runs: list[int] = []
    for n in range(20):
        run_date = datetime.now(UTC) + timedelta(milliseconds=100)
        scheduler.add_job(
            runs.append, "date", run_date=run_date, args=[n], id="replan", replace_existing=True
        )
    qtbot.waitUntil(lambda: bool(runs), timeout=3000)
    assert runs == [19]
    # Each add_job wakes the scheduler; with APScheduler's own QtScheduler under PySide6 every
    # wake-up starts a timer chain that is never cancelled (20 rounds now, 20 more per job).
    assert scheduler.rounds <= 3
    scheduler.shutdown(wait=False)


def test_late_jobs_still_run(qtbot) -> None:
    scheduler = ScreenScheduler()
    runs: list[str] = []
    scheduler.add_job(
        runs.append, "date", run_date=datetime.now(UTC) - timedelta(minutes=5), args=["late"]
    )
    scheduler.start()
    qtbot.waitUntil(lambda: runs == ["late"], timeout=3000)
    scheduler.shutdown(wait=False)
