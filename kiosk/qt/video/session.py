"""Drives a :class:`kiosk.media.player.Player` from the GUI thread and turns its events into
Qt signals.

The player is made on first use, after the surface is shown, and handed the surface's window
id then (:class:`~kiosk.qt.video.surface.VideoSurface`); it is kept for every later file and
released once. A timer drains ``Player.poll_events()`` (which also runs the media layer's
stall and open-timeout watchdog) every :data:`POLL_MS` while a file is open, and only then.
libvlc's own threads never reach Qt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.qt.qt import QObject, QTimer, Signal
from kiosk.qt.video.surface import VideoSurface

if TYPE_CHECKING:
    from kiosk.media.player import Player

log = logging.getLogger("kiosk.screen")

POLL_MS = 200
PlayerFactory = Callable[[int | None], "Player"]


def default_player_factory(window_id: int | None) -> Player:
    """A libvlc player drawing into ``window_id``, or with dummy outputs when it is None."""
    from kiosk.media.vlc_player import VlcOptions, VlcPlayer

    return VlcPlayer(VlcOptions.embedded() if window_id is not None else VlcOptions.headless())


class VideoSession(QObject):
    """One surface, one player, one file at a time.

    Args:
        surface: where video is drawn.
        make_player: makes the player for the surface's window id (None: no window).
        parent: the QObject parent.

    Signals:
        state_changed(str): the player's new :class:`PlayerState` value.
        progressed(float, float): position and length in seconds (length 0 while unknown),
            every poll while playing.
        ended(): the file played to its end.
        failed(str, str): playback failed: the :class:`ErrorReason` value and its short
            Chinese message.
    """

    state_changed = Signal(str)
    progressed = Signal(float, float)
    ended = Signal()
    failed = Signal(str, str)

    def __init__(
        self,
        surface: VideoSurface,
        make_player: PlayerFactory = default_player_factory,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._surface, self._make_player = surface, make_player
        self._player: Player | None = None
        self._open = False
        self._played_seconds = 0.0
        self._playing_since: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    @property
    def player(self) -> Player | None:
        """The player, once made."""
        return self._player

    @property
    def state(self) -> str:
        """The player's state value (``"idle"`` before the first file)."""
        return self._player.state.value if self._player is not None else "idle"

    @property
    def position(self) -> float:
        """Position in seconds."""
        return self._player.position_seconds if self._player is not None else 0.0

    @property
    def length(self) -> float | None:
        """Length in seconds, None until known."""
        return self._player.length_seconds if self._player is not None else None

    def played_seconds(self) -> float:
        """Seconds spent playing (not paused) since :meth:`open`: the time actually watched."""
        running = time.monotonic() - self._playing_since if self._playing_since else 0.0
        return self._played_seconds + running

    def is_open(self) -> bool:
        """True from :meth:`open` until the file ends, fails or is stopped."""
        return self._open

    def open(self, path: Path, *, start_seconds: float = 0.0, muted: bool = False) -> None:
        """Play ``path`` from ``start_seconds``; ``muted`` for the wall screen."""
        player = self._ensure_player()
        player.set_muted(muted)
        self._played_seconds, self._playing_since = 0.0, None
        self._open = True
        self._surface.show()
        player.open(path, start_seconds=start_seconds)
        self._timer.start()

    def toggle(self) -> None:
        """Pause or play."""
        if self._player is not None and self._open:
            self._player.toggle()
            self.poll()

    def skip(self, seconds: float) -> None:
        """Jump by ``seconds`` (negative: back)."""
        if self._player is not None and self._open:
            self._player.skip(seconds)

    def seek_to(self, seconds: float) -> None:
        """Jump to ``seconds``."""
        if self._player is not None and self._open:
            self._player.seek_to(seconds)

    def set_volume(self, volume: int) -> None:
        """Volume 0-100."""
        self._ensure_player().set_volume(volume)

    def volume(self) -> int:
        """The volume (0-100)."""
        return self._player.volume if self._player is not None else 100

    def stop(self) -> None:
        """Stop playing (nothing is emitted)."""
        self._note_state("idle")
        self._timer.stop()
        self._open = False
        if self._player is not None:
            self._player.stop()

    def release(self) -> None:
        """Stop and free the player (the view is going away)."""
        self.stop()
        if self._player is not None:
            self._player.release()
            self._player = None

    def poll(self) -> None:
        """Drain the player's events (the timer calls this)."""
        player = self._player
        if player is None or not self._open:
            return
        from kiosk.media.states import EventKind, PlayerState

        for event in player.poll_events():
            if event.kind is EventKind.ERROR:
                reason = event.reason
                self._finish()
                value = reason.value if reason is not None else "error"
                message = reason.message if reason is not None else "视频无法播放"
                self.failed.emit(value, message)
                return
            if event.kind is EventKind.STATE:
                self._note_state(event.state.value)
                self.state_changed.emit(event.state.value)
                if event.state is PlayerState.ENDED:
                    self._finish()
                    self.ended.emit()
                    return
        if player.state is PlayerState.PLAYING:
            self.progressed.emit(player.position_seconds, player.length_seconds or 0.0)

    def _finish(self) -> None:
        self._note_state("idle")
        self._timer.stop()
        self._open = False

    def _note_state(self, state: str) -> None:
        now = time.monotonic()
        if self._playing_since is not None:
            self._played_seconds += now - self._playing_since
            self._playing_since = None
        if state == "playing":
            self._playing_since = now

    def _ensure_player(self) -> Player:
        if self._player is None:
            window_id = self._surface.window_id()
            self._player = self._make_player(window_id)
            if window_id is not None:
                self._player.attach_window(window_id)
        return self._player
