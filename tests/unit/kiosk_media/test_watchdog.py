"""The stall and open-timeout watchdog, a pure function of (state, position, now)."""

from kiosk.media.states import ErrorReason, PlayerState
from kiosk.media.watchdog import PlaybackWatchdog

PLAYING, PAUSED, OPENING = PlayerState.PLAYING, PlayerState.PAUSED, PlayerState.OPENING


def test_playing_with_progress_never_stalls():
    dog = PlaybackWatchdog(stall_seconds=5)
    for second in range(60):
        assert dog.observe(PLAYING, float(second), now=100.0 + second) is None


def test_position_stuck_for_stall_seconds_is_reported():
    dog = PlaybackWatchdog(stall_seconds=5)
    assert dog.observe(PLAYING, 3.0, now=100.0) is None
    assert dog.observe(PLAYING, 3.0, now=104.9) is None
    assert dog.observe(PLAYING, 3.0, now=105.0) is ErrorReason.STALLED


def test_progress_restarts_the_stall_timer():
    dog = PlaybackWatchdog(stall_seconds=5)
    dog.observe(PLAYING, 3.0, now=100.0)
    assert dog.observe(PLAYING, 3.5, now=104.0) is None
    assert dog.observe(PLAYING, 3.5, now=108.9) is None
    assert dog.observe(PLAYING, 3.5, now=109.0) is ErrorReason.STALLED


def test_pause_is_not_a_stall_and_resuming_starts_afresh():
    dog = PlaybackWatchdog(stall_seconds=5)
    dog.observe(PLAYING, 3.0, now=100.0)
    assert dog.observe(PAUSED, None, now=101.0) is None
    assert dog.observe(PAUSED, None, now=500.0) is None
    assert dog.observe(PLAYING, 3.0, now=501.0) is None
    assert dog.observe(PLAYING, 3.0, now=505.9) is None
    assert dog.observe(PLAYING, 3.0, now=506.0) is ErrorReason.STALLED


def test_a_seek_counts_as_progress():
    dog = PlaybackWatchdog(stall_seconds=5)
    dog.observe(PLAYING, 3.0, now=100.0)
    dog.progressed(20.0, now=104.0)
    assert dog.observe(PLAYING, 20.0, now=108.0) is None
    assert dog.observe(PLAYING, 20.0, now=109.0) is ErrorReason.STALLED


def test_opening_too_long_is_reported():
    dog = PlaybackWatchdog(open_timeout_seconds=10)
    assert dog.observe(OPENING, None, now=0.0) is None
    assert dog.observe(OPENING, None, now=9.9) is None
    assert dog.observe(OPENING, None, now=10.0) is ErrorReason.OPEN_TIMEOUT


def test_reaching_playing_ends_the_open_timer():
    dog = PlaybackWatchdog(stall_seconds=5, open_timeout_seconds=10)
    dog.observe(OPENING, None, now=0.0)
    assert dog.observe(PLAYING, 0.0, now=9.0) is None
    assert dog.observe(PLAYING, 0.5, now=12.0) is None


def test_reset_forgets_the_old_file():
    dog = PlaybackWatchdog(open_timeout_seconds=10)
    dog.observe(OPENING, None, now=0.0)
    dog.reset()
    assert dog.observe(OPENING, None, now=9.0) is None
    assert dog.observe(OPENING, None, now=18.9) is None
    assert dog.observe(OPENING, None, now=19.0) is ErrorReason.OPEN_TIMEOUT
