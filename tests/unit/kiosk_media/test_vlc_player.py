"""VlcPlayer on real libvlc with its dummy outputs, playing real files made with ffmpeg.

Waits are on conditions (the player's state, its position) with generous deadlines that only
exist to turn a hang into a failure.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from kiosk.media.player import ErrorReason, EventKind, PlayerEvent, PlayerState
from kiosk.media.vlc_player import VlcOptions, VlcPlayer

HANG = 30.0  # seconds after which a wait is a hang


@pytest.fixture
def player() -> Iterator[VlcPlayer]:
    p = VlcPlayer(VlcOptions.headless())
    yield p
    p.release()


def wait_until(
    player: VlcPlayer, condition: Callable[[], bool], events: list[PlayerEvent] | None = None
) -> list[PlayerEvent]:
    """Drain the player's events until ``condition()`` holds; returns the events seen."""
    seen = [] if events is None else events
    deadline = time.monotonic() + HANG
    while True:
        seen.extend(player.poll_events())
        if condition():
            return seen
        assert time.monotonic() < deadline, f"still {player.state} after {HANG} s: {seen}"
        time.sleep(0.02)


def wait_state(player: VlcPlayer, *states: PlayerState) -> list[PlayerEvent]:
    return wait_until(player, lambda: player.state in states)


def states_of(events: list[PlayerEvent]) -> list[PlayerState]:
    return [e.state for e in events if e.kind is EventKind.STATE]


def test_plays_reports_length_and_position_and_ends(player, test_videos):
    events = []
    player.open(test_videos.path("good"))
    assert player.state is PlayerState.OPENING
    wait_until(player, lambda: player.state is PlayerState.PLAYING, events)
    assert player.length_seconds == pytest.approx(3.0, abs=0.2)
    lengths = [e.seconds for e in events if e.kind is EventKind.LENGTH]
    assert lengths and lengths[-1] == pytest.approx(3.0, abs=0.2)
    wait_until(player, lambda: player.position_seconds > 0.3, events)
    wait_until(player, lambda: player.state is PlayerState.ENDED, events)
    assert states_of(events) == [PlayerState.OPENING, PlayerState.PLAYING, PlayerState.ENDED]
    assert not [e for e in events if e.kind is EventKind.ERROR]
    assert player.position_seconds == player.length_seconds


def test_pause_resume_and_toggle(player, test_videos):
    player.open(test_videos.path("good"))
    wait_state(player, PlayerState.PLAYING)
    player.pause()
    wait_state(player, PlayerState.PAUSED)
    # Paused for (pretended) minutes is not a stall.
    assert player.poll_events(now=time.monotonic() + 600) == []
    assert player.state is PlayerState.PAUSED
    player.toggle()
    wait_state(player, PlayerState.PLAYING)
    player.toggle()
    wait_state(player, PlayerState.PAUSED)


def test_seek_and_skip(player, test_videos):
    player.open(test_videos.path("good"))
    wait_state(player, PlayerState.PLAYING)
    player.pause()
    wait_state(player, PlayerState.PAUSED)
    player.seek_to(2.0)
    wait_until(player, lambda: player.position_seconds >= 1.9)
    player.skip(-15)  # clamped to the start
    wait_until(player, lambda: player.position_seconds < 0.5)
    player.play()
    player.skip(+15)  # past the end: the file ends
    wait_state(player, PlayerState.ENDED)


def test_open_at_a_resume_position(player, test_videos):
    player.open(test_videos.path("good"), start_seconds=2.0)
    wait_state(player, PlayerState.PLAYING)
    wait_until(player, lambda: player.position_seconds >= 1.9)


def test_play_after_the_end_starts_again(player, test_videos):
    player.open(test_videos.path("short"))
    wait_state(player, PlayerState.ENDED)
    player.play()
    events = wait_state(player, PlayerState.PLAYING)
    assert PlayerState.ERROR not in states_of(events)
    wait_state(player, PlayerState.ENDED)


def test_opening_another_file_drops_the_old_files_events(player, test_videos):
    player.open(test_videos.path("garbage"))  # would report an error if its events leaked
    player.open(test_videos.path("good"))
    events = wait_state(player, PlayerState.PLAYING)
    assert not [e for e in events if e.kind is EventKind.ERROR]
    assert player.path == test_videos.path("good")


@pytest.mark.parametrize("name", ["truncated", "truncated_moov_last", "garbage"])
def test_a_broken_file_ends_in_the_error_path_not_a_hang(player, test_videos, name):
    player.open(test_videos.path(name))
    events = wait_state(player, PlayerState.ERROR, PlayerState.ENDED)
    if player.state is PlayerState.ERROR:
        errors = [e for e in events if e.kind is EventKind.ERROR]
        assert len(errors) == 1
        assert errors[0].reason in (ErrorReason.DECODE, ErrorReason.UNPLAYABLE)
        assert errors[0].reason.message  # a Chinese line for the screen
    # Either way nothing more happens afterwards.
    assert player.poll_events(now=time.monotonic() + 600) == []


def test_garbage_is_an_error(player, test_videos):
    player.open(test_videos.path("garbage"))
    events = wait_state(player, PlayerState.ERROR, PlayerState.ENDED)
    assert player.state is PlayerState.ERROR
    assert [e.reason for e in events if e.kind is EventKind.ERROR] == [ErrorReason.UNPLAYABLE]


@pytest.mark.parametrize("where", ["missing", "url"])
def test_only_local_files_are_played(player, tmp_path, where):
    target = tmp_path / "nope.mp4" if where == "missing" else "http://example.invalid/a.mp4"
    player.open(target)
    assert player.state is PlayerState.ERROR
    [event] = player.poll_events()
    assert event.kind is EventKind.ERROR and event.reason is ErrorReason.MISSING


def test_stall_is_reported_and_stops_playback(test_videos):
    """A pretended clock jumps 10 s between checks: the first check that sees the same
    position twice reports the stall (libvlc updates its position in steps)."""
    now = [1000.0]
    player = VlcPlayer(VlcOptions.headless(stall_seconds=5), clock=lambda: now[0])
    try:
        player.open(test_videos.path("good"))
        wait_state(player, PlayerState.PLAYING)
        event = None
        while event is None:
            assert player.state is PlayerState.PLAYING
            now[0] += 10
            event = player.check_stall(now[0])
        assert event.reason is ErrorReason.STALLED
        assert player.state is PlayerState.ERROR
        assert player.poll_events() == []  # reported once, by check_stall
    finally:
        player.release()


def test_open_timeout_is_reported(test_videos):
    now = [0.0]
    player = VlcPlayer(VlcOptions.headless(open_timeout_seconds=10), clock=lambda: now[0])
    try:
        player.open(test_videos.path("good"), autoplay=False)
        assert player.state is PlayerState.IDLE
        player.play()
        assert player.state is PlayerState.OPENING
        assert player.check_stall(5.0) is None
        event = player.check_stall(10.0)
        assert event is not None and event.reason is ErrorReason.OPEN_TIMEOUT
    finally:
        player.release()


def test_volume_and_mute_are_kept_across_files(player, test_videos):
    player.set_volume(130)
    player.set_muted(True)
    player.open(test_videos.path("short"))
    wait_state(player, PlayerState.PLAYING)
    assert (player.volume, player.muted) == (100, True)
    player.set_volume(-3)
    assert player.volume == 0


def test_stop_and_release(player, test_videos):
    player.open(test_videos.path("good"))
    wait_state(player, PlayerState.PLAYING)
    player.stop()
    assert player.state is PlayerState.IDLE
    assert player.position_seconds == 0.0
    assert [e.state for e in player.poll_events()] == [PlayerState.IDLE]
    player.release()
    player.release()  # twice is harmless


def test_players_share_one_libvlc_instance(test_videos):
    a, b = VlcPlayer(VlcOptions.headless()), VlcPlayer(VlcOptions.headless())
    try:
        assert a._instance is b._instance
    finally:
        a.release()
        b.release()
