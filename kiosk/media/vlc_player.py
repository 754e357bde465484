"""The :class:`~kiosk.media.player.Player` on libvlc (python-vlc).

Threading: libvlc calls our event callbacks on its own threads, and calling back into libvlc
(or into Qt) from there deadlocks or crashes. The callbacks therefore only put a small tuple
on a :class:`queue.SimpleQueue`; :meth:`VlcPlayer.poll_events`, called from the GUI thread,
turns them into state changes. Each tuple carries the *generation* of the file it belongs to,
so what a previous file reported after ``open``/``stop`` is dropped (``stop`` is synchronous in
libvlc 3: once it returns, the old input sends nothing more).

Corrupt files: libvlc often "plays" a garbage or truncated file and reports EndReached at once
without decoding anything; an end with no decoded frame is reported as
:attr:`ErrorReason.UNPLAYABLE`. Files that hang are caught by the watchdog
(:mod:`kiosk.media.watchdog`).

One ``vlc.Instance`` per process and option set (:func:`shared_instance`); players are cheap.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.media.player import Player
from kiosk.media.sound import sound_output_available
from kiosk.media.states import ErrorReason, EventKind, PlayerEvent, PlayerState
from kiosk.media.watchdog import (
    DEFAULT_OPEN_TIMEOUT_SECONDS,
    DEFAULT_STALL_SECONDS,
    PlaybackWatchdog,
)

log = logging.getLogger("kiosk.media")

BASE_ARGS = ("--quiet", "--no-video-title-show", "--avcodec-hw=none", "--no-osd")

_instances: dict[tuple[str, ...], Any] = {}
_instances_lock = threading.Lock()


class PlayerUnavailable(RuntimeError):
    """libvlc cannot be loaded or refused its options (the message says what to install)."""


@dataclass(frozen=True)
class VlcOptions:
    """How the libvlc instance is set up, and the watchdog's limits.

    ``video_output``/``audio_output`` are libvlc module names (``--vout``/``--aout``); None
    lets libvlc choose. Use :meth:`embedded` on a screen, :meth:`headless` in tests.
    """

    video_output: str | None = None
    audio_output: str | None = None
    stall_seconds: float = DEFAULT_STALL_SECONDS
    open_timeout_seconds: float = DEFAULT_OPEN_TIMEOUT_SECONDS
    extra_args: tuple[str, ...] = ()

    @classmethod
    def embedded(cls, *, audio_output: str | None = None, **kwargs: Any) -> VlcOptions:
        """Draw into an X11 window given to ``attach_window`` (``--vout=xcb_x11``)."""
        return cls(video_output="xcb_x11", audio_output=audio_output, **kwargs)

    @classmethod
    def headless(cls, **kwargs: Any) -> VlcOptions:
        """No picture, no sound (``--vout=dummy --aout=dummy``): decoding and timing only."""
        return cls(video_output="dummy", audio_output="dummy", **kwargs)

    def instance_args(self) -> tuple[str, ...]:
        args = list(BASE_ARGS)
        if self.video_output:
            args.append(f"--vout={self.video_output}")
        audio = self.audio_output or _default_audio_output()
        if audio:
            args.append(f"--aout={audio}")
        return (*args, *self.extra_args)


_no_sound_logged = False


def _default_audio_output() -> str | None:
    """None (libvlc chooses) when sound can go somewhere, else ``dummy``, said once in the log."""
    global _no_sound_logged
    if sound_output_available():
        return None
    if not _no_sound_logged:
        _no_sound_logged = True
        log.warning(
            "no sound card or sound server: videos play without sound",
            extra={"event": "no_sound_output"},
        )
    return "dummy"


def shared_instance(args: tuple[str, ...]) -> Any:
    """The process's ``vlc.Instance`` for these arguments, created on first use."""
    with _instances_lock:
        instance = _instances.get(args)
        if instance is None:
            try:
                import vlc
            except (ImportError, OSError) as exc:
                raise PlayerUnavailable(
                    f"libvlc not found ({exc}): install libvlc5 and vlc-plugin-base "
                    "(scripts/setup.sh)"
                ) from exc
            instance = vlc.Instance(list(args))
            if instance is None:
                raise PlayerUnavailable(f"libvlc refused the options {' '.join(args)}")
            _instances[args] = instance
        return instance


# libvlc event name -> our raw kind; the value is read on libvlc's thread (plain numbers only).
_RAW_EVENTS: dict[str, tuple[str, Callable[[Any], float | None]]] = {
    "MediaPlayerOpening": ("opening", lambda e: None),
    "MediaPlayerPlaying": ("playing", lambda e: None),
    "MediaPlayerPaused": ("paused", lambda e: None),
    "MediaPlayerEndReached": ("end", lambda e: None),
    "MediaPlayerEncounteredError": ("error", lambda e: None),
    "MediaPlayerLengthChanged": ("length", lambda e: e.u.new_length / 1000.0),
}


class VlcPlayer(Player):
    """A libvlc media player used from one (the GUI) thread. See the module docstring."""

    def __init__(
        self,
        options: VlcOptions | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import vlc  # after shared_instance, which reports a missing libvlc in one line

        self._options = options or VlcOptions()
        self._vlc = vlc
        self._instance = shared_instance(self._options.instance_args())
        self._mp = self._instance.media_player_new()
        self._clock = clock
        self._raw: queue.SimpleQueue[tuple[int, str, float | None]] = queue.SimpleQueue()
        self._pending: list[PlayerEvent] = []
        self._generation = 0
        self._state = PlayerState.IDLE
        self._media: Any = None
        self._path: Path | None = None
        self._length: float | None = None
        self._volume = 100
        self._muted = False
        self._xid: int | None = None
        self._released = False
        self._watchdog = PlaybackWatchdog(
            self._options.stall_seconds, self._options.open_timeout_seconds
        )
        self._attach_events()

    # -- libvlc's thread ---------------------------------------------------------------

    def _attach_events(self) -> None:
        manager = self._mp.event_manager()
        self._attached = []
        for name, (kind, read) in _RAW_EVENTS.items():
            event_type = getattr(self._vlc.EventType, name)
            manager.event_attach(event_type, self._on_vlc_event, kind, read)
            self._attached.append(event_type)

    def _on_vlc_event(self, event: Any, kind: str, read: Callable[[Any], float | None]) -> None:
        # libvlc's thread: no libvlc calls, no Qt, no logging that could block. Queue only.
        self._raw.put((self._generation, kind, read(event)))

    # -- properties --------------------------------------------------------------------

    @property
    def state(self) -> PlayerState:
        return self._state

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def volume(self) -> int:
        return self._volume

    @property
    def muted(self) -> bool:
        return self._muted

    @property
    def position_seconds(self) -> float:
        if self._state is PlayerState.ENDED and self._length:
            return self._length
        if self._state in (PlayerState.IDLE, PlayerState.ERROR):
            return 0.0
        ms = self._mp.get_time()
        return max(0.0, ms / 1000.0) if ms and ms > 0 else 0.0

    @property
    def length_seconds(self) -> float | None:
        if self._length:
            return self._length
        if self._media is None:
            return None
        ms = self._mp.get_length()
        if not ms or ms <= 0:
            ms = self._media.get_duration()
        return ms / 1000.0 if ms and ms > 0 else None

    # -- commands ----------------------------------------------------------------------

    def open(self, path: Path | str, *, start_seconds: float = 0.0, autoplay: bool = True) -> None:
        self._end_current()
        local = None if "://" in str(path) else Path(path)
        self._path = local
        if local is None or not local.is_file():
            self._fail(ErrorReason.MISSING, f"not a file in the local cache: {path}")
            return
        log.info("opening %s", local.name, extra={"event": "player_open", "path": str(local)})
        self._load(start_seconds)
        if autoplay:
            self._start()

    def play(self) -> None:
        if self._media is None or self._state in (PlayerState.ERROR, PlayerState.PLAYING):
            return
        if self._state is PlayerState.PAUSED:
            self._mp.set_pause(0)
            return
        if self._state is PlayerState.ENDED:
            self._restart_from(0.0)
            return
        if self._state is PlayerState.IDLE:
            self._start()

    def pause(self) -> None:
        if self._state is PlayerState.PLAYING:
            self._mp.set_pause(1)

    def toggle(self) -> None:
        if self._state is PlayerState.PLAYING:
            self.pause()
        else:
            self.play()

    def seek_to(self, seconds: float) -> None:
        if self._media is None or self._state in (PlayerState.ERROR, PlayerState.IDLE):
            return
        length = self.length_seconds
        target = max(0.0, seconds if length is None else min(seconds, length))
        if self._state is PlayerState.ENDED:
            self._restart_from(target)
            return
        self._mp.set_time(int(target * 1000))
        self._watchdog.progressed(target, self._clock())

    def skip(self, delta_seconds: float) -> None:
        self.seek_to(self.position_seconds + delta_seconds)

    def set_volume(self, volume: int) -> None:
        self._volume = max(0, min(100, int(volume)))
        self._mp.audio_set_volume(self._volume)

    def set_muted(self, muted: bool) -> None:
        self._muted = bool(muted)
        self._mp.audio_set_mute(self._muted)

    def stop(self) -> None:
        self._end_current()
        self._set_state(PlayerState.IDLE)

    def release(self) -> None:
        if self._released:
            return
        self._end_current()
        manager = self._mp.event_manager()
        for event_type in self._attached:
            manager.event_detach(event_type)
        self._mp.release()
        self._released = True

    def attach_window(self, xid: int) -> None:
        self._xid = int(xid)
        self._mp.set_xwindow(self._xid)
        # Touches and clicks go to the Qt widget below, not to libvlc's own window.
        self._mp.video_set_mouse_input(False)
        self._mp.video_set_key_input(False)

    # -- the GUI thread's timer ----------------------------------------------------------

    def poll_events(self, now: float | None = None) -> list[PlayerEvent]:
        while True:
            try:
                generation, kind, value = self._raw.get_nowait()
            except queue.Empty:
                break
            if generation == self._generation:
                self._apply(kind, value)
        self._watch(self._clock() if now is None else now)
        events, self._pending = self._pending, []
        return events

    def check_stall(self, now: float) -> PlayerEvent | None:
        event = self._watch(now)
        if event is not None:
            self._pending.remove(event)
        return event

    # -- internals -----------------------------------------------------------------------

    def _start(self) -> None:
        self._set_state(PlayerState.OPENING)
        if self._mp.play() == -1:
            self._fail(ErrorReason.DECODE, "libvlc could not start playback")

    def _load(self, start_seconds: float) -> None:
        assert self._path is not None
        media = self._instance.media_new_path(str(self._path))
        if start_seconds > 0:
            media.add_option(f":start-time={start_seconds:.3f}")
        self._media = media
        self._mp.set_media(media)

    def _restart_from(self, seconds: float) -> None:
        """After the end: libvlc cannot play on from there, so load the file again."""
        self._end_current()
        self._load(seconds)
        self._start()

    def _end_current(self) -> None:
        """Stop libvlc (synchronous) and drop whatever the old file still has queued."""
        if self._media is not None:
            self._mp.stop()
            self._media.release()
            self._media = None
        self._generation += 1
        self._length = None
        self._watchdog.reset()

    def _apply(self, kind: str, value: float | None) -> None:
        if kind == "opening":
            if self._state is PlayerState.IDLE:
                self._set_state(PlayerState.OPENING)
        elif kind == "playing":
            self._mp.audio_set_volume(self._volume)
            self._mp.audio_set_mute(self._muted)
            self._set_state(PlayerState.PLAYING)
        elif kind == "paused":
            self._set_state(PlayerState.PAUSED)
        elif kind == "length":
            if value and value > 0 and value != self._length:
                self._length = value
                self._pending.append(PlayerEvent(EventKind.LENGTH, self._state, seconds=value))
        elif kind == "end":
            if self._decoded_nothing():
                self._fail(ErrorReason.UNPLAYABLE, "ended without a decoded frame")
            else:
                self._set_state(PlayerState.ENDED)
        elif kind == "error":
            self._fail(ErrorReason.DECODE, "libvlc reported an error")

    def _decoded_nothing(self) -> bool:
        if self._media is None:
            return True
        stats = self._vlc.MediaStats()
        if not self._media.get_stats(stats):
            return False  # no statistics: trust libvlc's end
        return stats.decoded_video == 0 and stats.decoded_audio == 0

    def _watch(self, now: float) -> PlayerEvent | None:
        position = self.position_seconds if self._state is PlayerState.PLAYING else None
        reason = self._watchdog.observe(self._state, position, now)
        if reason is None:
            return None
        return self._fail(reason, f"at {position or 0.0:.1f} s")

    def _fail(self, reason: ErrorReason, detail: str) -> PlayerEvent:
        self._state = PlayerState.ERROR
        if self._media is not None:
            self._mp.stop()
        self._generation += 1
        self._watchdog.reset()
        event = PlayerEvent(EventKind.ERROR, PlayerState.ERROR, reason=reason, detail=detail)
        self._pending.append(event)
        log.warning(
            "playback failed (%s): %s",
            reason.value,
            detail,
            extra={
                "event": "player_error",
                "reason": reason.value,
                "path": str(self._path) if self._path else None,
            },
        )
        return event

    def _set_state(self, state: PlayerState) -> None:
        if state is self._state:
            return
        self._state = state
        self._watchdog.entered(state, self._clock())
        self._pending.append(PlayerEvent(EventKind.STATE, state))
        log.info(
            "player %s",
            state.value,
            extra={
                "event": "player_state",
                "state": state.value,
                "path": str(self._path) if self._path else None,
            },
        )
