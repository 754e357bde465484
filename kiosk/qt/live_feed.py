"""The live sign-in count of the meeting on screen, fetched off the GUI thread.

:class:`LiveCountFeed` follows one meeting at a time: it runs a
:class:`~content_cache.live_count.LiveCountListener` in a :class:`LiveCountThread` and hands
each count to the GUI thread as a queued signal. Following another meeting (or none) stops the
old thread without waiting for it; :meth:`LiveCountFeed.close` waits for all of them at exit.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from kiosk.qt.qt import QObject, QThread, Signal

if TYPE_CHECKING:  # requests is loaded when the first meeting is followed, not at start-up
    from content_cache.live_count import LiveCount

log = logging.getLogger("kiosk.screen")


class LiveCountThread(QThread):
    """Runs ``LiveCountListener.run`` off the GUI thread.

    Signals:
        count(LiveCount): a count arrived; delivered on the receiver's thread.
        unavailable(str): the server stopped answering; the argument is the meeting id.
    """

    count = Signal(object)
    unavailable = Signal(str)

    def __init__(
        self, server_url: str, meeting_id: str, poll_seconds: float,
        parent: QObject | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        from content_cache.live_count import LiveCountListener

        self.meeting_id = meeting_id
        self._listener = LiveCountListener(
            server_url, meeting_id, self.count.emit, self._emit_unavailable,
            poll_seconds=poll_seconds,
        )  # fmt: skip
        self.setObjectName("live-count")

    def run(self) -> None:
        try:
            self._listener.run()
        except Exception:  # broad on purpose: the thread's boundary; the card keeps its QR
            log.exception("live count stopped by an unexpected error", extra={"event": "error"})

    def stop(self) -> None:
        """Ask the listener to stop (does not wait)."""
        self._listener.stop()

    def _emit_unavailable(self) -> None:
        self.unavailable.emit(self.meeting_id)


class LiveCountFeed(QObject):
    """The live count of one followed meeting at a time.

    Args:
        server_url: base URL of the content server (the screen's own ``server`` setting).
        poll_seconds: pause between polls while the server's stream is down.
        parent: the QObject parent.

    Signals:
        count(LiveCount): a count of the followed meeting.
        unavailable(str): the followed meeting's count cannot be fetched now (meeting id).
    """

    count = Signal(object)
    unavailable = Signal(str)

    def __init__(
        self, server_url: str, poll_seconds: float = 3.0, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._server_url, self._poll_seconds = server_url, poll_seconds
        self._thread: LiveCountThread | None = None
        self._stopping: set[LiveCountThread] = set()

    @property
    def meeting_id(self) -> str | None:
        """The meeting followed now."""
        return self._thread.meeting_id if self._thread is not None else None

    def follow(self, meeting_id: str | None) -> None:
        """Fetch the count of ``meeting_id`` from now on (None: of no meeting)."""
        if meeting_id == self.meeting_id:
            return
        self._let_go()
        if meeting_id is not None:
            thread = LiveCountThread(self._server_url, meeting_id, self._poll_seconds, self)
            thread.count.connect(self._on_count)
            thread.unavailable.connect(self._on_unavailable)
            thread.start()
            self._thread = thread

    def close(self, timeout_ms: int = 5_000) -> bool:
        """Stop every thread and wait for them; False if one did not end in time."""
        self._let_go()
        ended = all(thread.wait(timeout_ms) for thread in list(self._stopping))
        self._stopping = {t for t in self._stopping if t.isRunning()}
        return ended

    def _let_go(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        thread.count.disconnect(self._on_count)
        thread.unavailable.disconnect(self._on_unavailable)
        thread.stop()
        if thread.isFinished():
            self._forget(thread)
            return
        self._stopping.add(thread)
        thread.finished.connect(lambda: self._forget(thread))

    def _forget(self, thread: LiveCountThread) -> None:
        self._stopping.discard(thread)
        thread.deleteLater()

    def _on_count(self, count: LiveCount) -> None:
        if count.meeting_id == self.meeting_id:
            self.count.emit(count)

    def _on_unavailable(self, meeting_id: str) -> None:
        if meeting_id == self.meeting_id:
            self.unavailable.emit(meeting_id)
