"""The player interface the Qt layer talks to. It never imports ``vlc``.

Usage from the GUI thread::

    player = VlcPlayer(VlcOptions.embedded())   # or VlcOptions.headless() in tests
    player.attach_window(int(surface.winId()))  # after the surface is shown
    player.open(path, start_seconds=resume_at)
    # a QTimer every 100-250 ms:
    for event in player.poll_events():
        ...
    player.release()                            # once, when the view is destroyed

All methods are called from one thread (the GUI thread). libvlc reports on its own threads;
those reports only go onto a queue and become :class:`PlayerEvent` objects in
``poll_events``, which also runs the stall and open-timeout watchdog.
"""

from __future__ import annotations

import abc
from pathlib import Path

from kiosk.media.states import ErrorReason, EventKind, PlayerEvent, PlayerState

__all__ = ["ErrorReason", "EventKind", "Player", "PlayerEvent", "PlayerState"]


class Player(abc.ABC):
    """Plays one local video file at a time."""

    @abc.abstractmethod
    def open(self, path: Path | str, *, start_seconds: float = 0.0, autoplay: bool = True) -> None:
        """Load a file from the local cache and (by default) start playing it.

        A missing file is reported as an ``ERROR`` event (reason ``MISSING``) by the next
        ``poll_events``, never raised; URLs are refused the same way.
        """

    @abc.abstractmethod
    def play(self) -> None:
        """Start or resume. After ``ENDED`` it starts again from the beginning."""

    @abc.abstractmethod
    def pause(self) -> None:
        """Pause if playing."""

    @abc.abstractmethod
    def toggle(self) -> None:
        """Pause when playing, play otherwise."""

    @abc.abstractmethod
    def seek_to(self, seconds: float) -> None:
        """Jump to ``seconds`` from the start (clamped to the file)."""

    @abc.abstractmethod
    def skip(self, delta_seconds: float) -> None:
        """Jump forward (positive) or back (negative) from the current position."""

    @abc.abstractmethod
    def set_volume(self, volume: int) -> None:
        """Volume 0-100; kept across files."""

    @abc.abstractmethod
    def set_muted(self, muted: bool) -> None:
        """Mute or unmute; kept across files."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop playback; state becomes ``IDLE``."""

    @abc.abstractmethod
    def release(self) -> None:
        """Stop and free the player. No other method may be called afterwards."""

    @abc.abstractmethod
    def attach_window(self, xid: int) -> None:
        """Draw video into this native X11 window (a widget's ``winId()``)."""

    @abc.abstractmethod
    def poll_events(self, now: float | None = None) -> list[PlayerEvent]:
        """Drain what happened since the last call, and run the watchdog at ``now``
        (``time.monotonic()`` when None)."""

    @abc.abstractmethod
    def check_stall(self, now: float) -> PlayerEvent | None:
        """Run only the watchdog: an ``ERROR`` event (and playback stopped) when stuck."""

    @property
    @abc.abstractmethod
    def state(self) -> PlayerState:
        """The state as of the last ``poll_events`` (or the last call that changed it)."""

    @property
    @abc.abstractmethod
    def position_seconds(self) -> float:
        """Current position; 0.0 when nothing is loaded."""

    @property
    @abc.abstractmethod
    def length_seconds(self) -> float | None:
        """Length of the loaded file, None until known."""

    @property
    @abc.abstractmethod
    def volume(self) -> int:
        """The volume last set (0-100)."""

    @property
    @abc.abstractmethod
    def muted(self) -> bool:
        """Whether sound is off."""

    @property
    @abc.abstractmethod
    def path(self) -> Path | None:
        """The file last opened."""
