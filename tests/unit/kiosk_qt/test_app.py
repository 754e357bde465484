"""Process-level pieces of run_screen: signals, the excepthook, Qt messages, window size."""

from __future__ import annotations

import logging
import os
import signal
import sys
from datetime import UTC, datetime

import pytest
from qt_helpers import SnapshotBuilder

from kiosk.qt.app import (
    SignalStopper,
    _log_qt_message,
    _log_uncaught,
    opening_poster_file,
    windowed_size,
)
from kiosk.qt.qt import QMessageLogContext, QSize, QTimer, QtMsgType


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 0), (signal.SIGINT, 130)])
def test_a_signal_stops_the_event_loop_cleanly(qtbot, signum: int, code: int) -> None:
    previous = signal.getsignal(signum)
    stopper = SignalStopper()
    try:
        with qtbot.waitSignal(stopper.stop_requested, timeout=3000) as blocker:
            os.kill(os.getpid(), signum)
        assert blocker.args == [code]
        assert stopper.exit_code == code
    finally:
        stopper.close()
    assert signal.getsignal(signum) is previous


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_slot_is_one_log_line_and_the_loop_goes_on(
    qtbot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.screen")
    monkeypatch.setattr(sys, "excepthook", _log_uncaught)
    after: list[bool] = []

    def broken() -> None:
        raise ValueError("bad item")

    QTimer.singleShot(0, broken)
    QTimer.singleShot(10, lambda: after.append(True))
    qtbot.waitUntil(lambda: bool(after), timeout=3000)
    [record] = [r for r in caplog.records if getattr(r, "event", None) == "error"]
    assert "ValueError: bad item" in record.getMessage()
    assert record.where.startswith("test_app.py:")
    assert "\n" not in record.getMessage()


def test_qt_messages_become_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="kiosk.screen.qt")
    _log_qt_message(QtMsgType.QtWarningMsg, QMessageLogContext(), "something odd")
    [record] = caplog.records
    assert (record.levelno, record.getMessage(), record.event) == (
        logging.WARNING,
        "something odd",
        "qt_message",
    )


def test_windowed_size_keeps_the_screen_proportions() -> None:
    portrait = windowed_size(QSize(1920, 1080), None)
    assert portrait.height() > portrait.width()
    assert portrait.height() <= 1080 and portrait.width() * 16 == pytest.approx(
        portrait.height() * 9, abs=16
    )
    landscape = windowed_size(QSize(1920, 1080), "landscape")
    assert landscape.width() > landscape.height() and landscape.width() <= 1920


def test_the_opening_poster_file_is_the_cached_head_of_the_rotation(
    builder: SnapshotBuilder,
) -> None:
    now = datetime.now(UTC)
    assert opening_poster_file(None, now) is None  # nothing cached yet
    builder.poster("low")
    head = builder.poster("high", priority=5)
    snapshot = builder.commit()
    path = opening_poster_file(snapshot, now)
    assert path is not None and path.name == head["image"]["sha256"] and path.is_file()

    builder.notice("u", "紧急插播", urgent=True)
    assert opening_poster_file(builder.commit(2), now) is None  # the insert covers the zone
    path.unlink()  # gone from the cache: nothing to read ahead
    assert opening_poster_file(snapshot, now) is None
