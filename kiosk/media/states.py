"""The player's states and the events it reports (no libvlc, no Qt)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class PlayerState(enum.Enum):
    """Where playback is. ``ENDED`` and ``ERROR`` stay until the next ``open``/``play``/``stop``."""

    IDLE = "idle"
    OPENING = "opening"
    PLAYING = "playing"
    PAUSED = "paused"
    ENDED = "ended"
    ERROR = "error"


class ErrorReason(enum.Enum):
    """Why playback failed. ``message`` is the short Chinese line a screen may show."""

    MISSING = "missing"  # the file is not in the local cache (or not a regular file)
    DECODE = "decode"  # libvlc's EncounteredError: the file cannot be opened or decoded
    UNPLAYABLE = "unplayable"  # it "ended" without a single decoded frame: corrupt or not a video
    STALLED = "stalled"  # playing, but the position did not move for stall_seconds
    OPEN_TIMEOUT = "open_timeout"  # never reached playing within open_timeout_seconds

    @property
    def message(self) -> str:
        return _MESSAGES[self]


_MESSAGES = {
    ErrorReason.MISSING: "视频文件不在本机，暂时无法播放",
    ErrorReason.DECODE: "视频文件已损坏，无法播放",
    ErrorReason.UNPLAYABLE: "视频文件已损坏，无法播放",
    ErrorReason.STALLED: "视频播放卡住了，已停止",
    ErrorReason.OPEN_TIMEOUT: "视频打开超时，无法播放",
}


class EventKind(enum.Enum):
    STATE = "state"  # the state changed; see ``PlayerEvent.state``
    LENGTH = "length"  # the length became known; see ``PlayerEvent.seconds``
    ERROR = "error"  # playback failed; see ``PlayerEvent.reason`` (state is ERROR)


@dataclass(frozen=True)
class PlayerEvent:
    """One thing that happened, as returned by ``Player.poll_events()``.

    ``state`` is the player's state right after the event, for every kind. An error is
    reported once, as an ``ERROR`` event (no separate ``STATE`` event for it).
    """

    kind: EventKind
    state: PlayerState
    seconds: float | None = None
    reason: ErrorReason | None = None
    detail: str = ""
