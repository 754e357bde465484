"""The sign-in card on the wall screen: which meeting it shows, its live count, the log lines.

The controller decides *when* the card is shown (``plan.signin``, unless an urgent notice or an
emergency stop wins); :class:`SignInPresenter` does the rest: it puts the meeting on the card,
follows the meeting's live count (:class:`~kiosk.qt.live_feed.LiveCountFeed`) only while the
card is shown, and logs one line per transition:

- ``meeting_signin_shown`` (meeting_id, title, meeting_type, closes_at) when the card starts
  showing a meeting;
- ``meeting_signin_closed`` (meeting_id, reason: ``closed``, ``urgent``, ``stopped``,
  ``power_off``, ``replaced``) when it stops;
- ``meeting_count`` (meeting_id, present, expected, on_leave) when the count changes;
- ``meeting_count_unavailable`` (meeting_id) when the server stops answering.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from content_cache.wire import Meeting
from kiosk.qt.meeting_view import MeetingCard
from kiosk.qt.qt import QObject

if TYPE_CHECKING:
    from content_cache.live_count import LiveCount
    from kiosk.qt.live_feed import LiveCountFeed

log = logging.getLogger("kiosk.screen")


class SignInPresenter(QObject):
    """Drives ``card`` and its live count.

    Args:
        card: the card to fill.
        feed: fetches the live count; None: the count shows as unavailable.
        parent: the QObject parent.
    """

    def __init__(
        self, card: MeetingCard, feed: LiveCountFeed | None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._card, self._feed = card, feed
        self._shown: Meeting | None = None
        self._logged_count: tuple[int, int, int] | None = None
        if feed is not None:
            feed.count.connect(self._on_count)
            feed.unavailable.connect(self._on_unavailable)

    @property
    def shown(self) -> Meeting | None:
        """The meeting whose card is on screen."""
        return self._shown

    def show(self, meeting: Meeting) -> None:
        """Put ``meeting`` on the card (the caller shows the card)."""
        if self._shown is not None and self._shown.id != meeting.id:
            self.hide("replaced")
        self._card.set_meeting(meeting)
        if self._shown is None:
            self._logged_count = None
            closes = meeting.signin.closes_at.isoformat() if meeting.signin else None
            log.info(
                "showing sign-in of meeting %s %s",
                meeting.id,
                meeting.title,
                extra={"event": "meeting_signin_shown", "meeting_id": meeting.id,
                       "title": meeting.title, "meeting_type": meeting.meeting_type,
                       "closes_at": closes},
            )  # fmt: skip
        self._shown = meeting
        if self._feed is None:
            self._card.set_count_unavailable()
        else:
            self._feed.follow(meeting.id)

    def hide(self, reason: str) -> None:
        """The card is no longer shown (``reason`` goes to the log)."""
        meeting, self._shown = self._shown, None
        if meeting is None:
            return
        if self._feed is not None:
            self._feed.follow(None)
        log.info(
            "sign-in of meeting %s no longer shown (%s)",
            meeting.id,
            reason,
            extra={"event": "meeting_signin_closed", "meeting_id": meeting.id, "reason": reason},
        )

    def close(self) -> None:
        """Stop following counts and wait for the feed's threads."""
        self._shown = None
        if self._feed is not None:
            self._feed.close()

    def _on_count(self, count: LiveCount) -> None:
        if self._shown is None or count.meeting_id != self._shown.id:
            return
        self._card.set_count(count)
        numbers = (count.present, count.expected, count.on_leave)
        if numbers != self._logged_count:
            self._logged_count = numbers
            log.info(
                "meeting %s: %d of %d signed in",
                count.meeting_id,
                count.present,
                count.expected,
                extra={"event": "meeting_count", "meeting_id": count.meeting_id,
                       "present": count.present, "expected": count.expected,
                       "on_leave": count.on_leave},
            )  # fmt: skip

    def _on_unavailable(self, meeting_id: str) -> None:
        if self._shown is None or meeting_id != self._shown.id:
            return
        self._card.set_count_unavailable()
        self._logged_count = None
        log.info(
            "live count of meeting %s unavailable; the QR code stays",
            meeting_id,
            extra={"event": "meeting_count_unavailable", "meeting_id": meeting_id},
        )
