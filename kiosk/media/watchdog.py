"""When playback is stuck: a pure function of (state, position, now), tested without libvlc.

Two faults are caught here, because libvlc reports neither of them:

- *stalled*: the player says it is playing, but the position has not moved for
  ``stall_seconds`` (a decoder or a file read hangs, the picture freezes);
- *open timeout*: the player has been opening a file for ``open_timeout_seconds`` without
  reaching playing (a file that cannot be demuxed but does not fail either).

Paused, ended, idle and error states never trip it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.media.states import ErrorReason, PlayerState

DEFAULT_STALL_SECONDS = 5.0
DEFAULT_OPEN_TIMEOUT_SECONDS = 10.0


@dataclass
class PlaybackWatchdog:
    """Feed it the player's state and position; it answers with the fault, if any.

    ``observe`` is called from the GUI thread's timer (through ``Player.poll_events``), with a
    monotonic clock value. A seek counts as progress, as any change of position does.
    """

    stall_seconds: float = DEFAULT_STALL_SECONDS
    open_timeout_seconds: float = DEFAULT_OPEN_TIMEOUT_SECONDS
    _state: PlayerState = PlayerState.IDLE
    _since: float = 0.0
    _position: float | None = None
    _progress_at: float = 0.0

    def reset(self) -> None:
        """Forget the current file (a new one is opened, or playback stopped)."""
        self._state = PlayerState.IDLE
        self._position = None

    def entered(self, state: PlayerState, now: float) -> None:
        """Note the moment the player entered ``state`` (timers count from here)."""
        self._state, self._since = state, now
        self._position, self._progress_at = None, now

    def observe(self, state: PlayerState, position: float | None, now: float) -> ErrorReason | None:
        """Return :attr:`ErrorReason.STALLED` or :attr:`ErrorReason.OPEN_TIMEOUT`, else None."""
        if state is not self._state:
            self.entered(state, now)
        if state is PlayerState.OPENING:
            if now - self._since >= self.open_timeout_seconds:
                return ErrorReason.OPEN_TIMEOUT
            return None
        if state is not PlayerState.PLAYING:
            return None
        if position != self._position:
            self._position, self._progress_at = position, now
            return None
        if now - self._progress_at >= self.stall_seconds:
            return ErrorReason.STALLED
        return None

    def progressed(self, position: float | None, now: float) -> None:
        """Note a deliberate jump (seek, resume after pause) as progress."""
        self._position, self._progress_at = position, now
