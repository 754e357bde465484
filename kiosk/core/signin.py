"""Sign-in state of a meeting at ``now``: open or not, the URL for the QR code, the next change.

Pure functions of (meeting, now), without Qt, so the screen's card and the wall-mode plan
agree and tests move the clock instead of sleeping.

- Sign-in is open in ``[signin.opens_at, signin.closes_at)``: start inclusive, end exclusive,
  like display windows. A meeting without sign-in parameters is never open.
- While open, the QR code encodes :func:`content_cache.signin_token.signin_url` for the current
  time window; the code changes at the end of each window, or sooner when sign-in closes.
- With several meetings open at once, the wall screen shows the one that starts first (ties:
  the earlier ``opens_at``, then the id). When it closes, the next one takes its place. Two
  branches sharing one screen rarely meet at the same hour, and a fixed card is easier to scan
  than one that alternates away while a member lifts the phone.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from content_cache.signin_token import signin_url, window_at, window_ends_at
from content_cache.wire import Meeting


class SignInPhase(enum.Enum):
    """Where ``now`` lies relative to a meeting's sign-in window."""

    NOT_YET = "not_yet"
    OPEN = "open"
    CLOSED = "closed"  # also: the meeting has no sign-in at all


@dataclass(frozen=True)
class SignInState:
    """The sign-in of one meeting at one instant.

    Attributes:
        phase: not yet open, open, or closed.
        url: the URL to encode in the QR code (only while open).
        window: the token's time window number (only while open).
        changes_at: the next instant at which this state changes: the next QR code, the
            opening or the closing of sign-in; None once closed for good.
        seconds_left: seconds from ``now`` to ``changes_at`` (None when that is None).
        closes_at: when sign-in closes (None without sign-in parameters).
    """

    phase: SignInPhase
    url: str | None = None
    window: int | None = None
    changes_at: datetime | None = None
    seconds_left: float | None = None
    closes_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """True while members can sign in."""
        return self.phase is SignInPhase.OPEN


def signin_state(meeting: Meeting, now: datetime) -> SignInState:
    """The sign-in state of ``meeting`` at ``now`` (timezone-aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    params = meeting.signin
    if params is None:
        return SignInState(SignInPhase.CLOSED)
    if now < params.opens_at:
        return _state(SignInPhase.NOT_YET, now, params.opens_at, closes_at=params.closes_at)
    if now >= params.closes_at:
        return SignInState(SignInPhase.CLOSED, closes_at=params.closes_at)
    period = params.period_seconds
    window = window_at(now, period)
    next_code = datetime.fromtimestamp(window_ends_at(window, period), now.tzinfo)
    return _state(
        SignInPhase.OPEN,
        now,
        min(next_code, params.closes_at),
        url=signin_url(params.url, params.secret, meeting.id, now, period),
        window=window,
        closes_at=params.closes_at,
    )


def is_open(meeting: Meeting, now: datetime) -> bool:
    """True if members can sign in to ``meeting`` at ``now``."""
    params = meeting.signin
    return params is not None and params.opens_at <= now < params.closes_at


def open_meetings(meetings: Iterable[Meeting], now: datetime) -> list[Meeting]:
    """The meetings whose sign-in is open at ``now``, the one to show first in front."""
    return sorted((m for m in meetings if is_open(m, now)), key=_order)


def signin_edges(meetings: Iterable[Meeting], now: datetime) -> list[datetime]:
    """The instants after ``now`` at which some meeting's sign-in opens or closes."""
    return [
        edge
        for meeting in meetings
        if meeting.signin is not None
        for edge in (meeting.signin.opens_at, meeting.signin.closes_at)
        if edge > now
    ]


def _order(meeting: Meeting) -> tuple[datetime, datetime, str]:
    assert meeting.signin is not None
    return meeting.start.astimezone(UTC), meeting.signin.opens_at.astimezone(UTC), meeting.id


def _state(
    phase: SignInPhase,
    now: datetime,
    changes_at: datetime,
    *,
    url: str | None = None,
    window: int | None = None,
    closes_at: datetime | None = None,
) -> SignInState:
    left = max(0.0, (changes_at - now).total_seconds())
    return SignInState(phase, url, window, changes_at, left, closes_at)
