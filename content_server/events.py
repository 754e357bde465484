"""Change notification: told whenever a screen's manifest may have changed; fans the news out
to the screens listening on ``/api/screens/{id}/events`` (server-sent events).

A hint carries only the screen's new revision; the screen then fetches its manifest as usual,
so a missed hint costs nothing but time (screens still poll with ETag). Fan-out is in process
memory: with several server processes, PostgreSQL LISTEN/NOTIFY would call
:meth:`ChangeNotifier.notify_changed` in each of them, and nothing else here changes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable

log = logging.getLogger("content_server")


class Subscription:
    """One listening screen: the latest revision it should know, and a wake-up."""

    def __init__(
        self, screen_id: str, loop: asyncio.AbstractEventLoop, topic: str | None = None
    ) -> None:
        self.screen_id = screen_id
        self.loop = loop
        self.topic = topic  # None: a screen; else told only by ``notify_topic(topic, ...)``
        self.revision: int | None = None
        self.closed = False
        self.changed = asyncio.Event()

    def _post(self, revision: int | None) -> None:  # runs on the subscription's event loop
        if revision is None:
            self.closed = True
        elif self.revision is None or revision > self.revision:
            self.revision = revision
        self.changed.set()

    async def next_revision(self, timeout: float) -> int | None:
        """The newest revision not yet taken, or None after ``timeout`` seconds or on close."""
        try:
            await asyncio.wait_for(self.changed.wait(), timeout)
        except TimeoutError:
            return None
        self.changed.clear()
        revision, self.revision = self.revision, None
        return revision


class ChangeNotifier:
    """Receives the targets (``all``, ``screen:<id>``) whose manifests changed; wakes listeners."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: set[Subscription] = set()
        self._closed = False

    def subscribe(self, screen_id: str) -> Subscription:
        """Start listening for changes to ``screen_id`` (call from the event loop)."""
        subscription = Subscription(screen_id, asyncio.get_running_loop())
        with self._lock:
            self._subscriptions.add(subscription)
            if self._closed:
                subscription._post(None)
        return subscription

    def subscribe_topic(self, topic: str) -> Subscription:
        """Start listening for :meth:`notify_topic` of ``topic`` (such as ``meeting:<id>``,
        the live count of a meeting); closed with every other stream on shutdown."""
        subscription = Subscription("", asyncio.get_running_loop(), topic)
        with self._lock:
            self._subscriptions.add(subscription)
            if self._closed:
                subscription._post(None)
        return subscription

    def notify_topic(self, topic: str, revision: int) -> None:
        """Wake the listeners of ``topic`` (from any thread) after change ``revision``."""
        with self._lock:
            woken = [s for s in self._subscriptions if s.topic == topic]
        for subscription in woken:
            _call_soon(subscription, revision)

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop listening."""
        with self._lock:
            self._subscriptions.discard(subscription)

    @property
    def listeners(self) -> int:
        """How many screens are listening now."""
        with self._lock:
            return sum(1 for s in self._subscriptions if s.topic is None)

    def notify_changed(self, targets: Iterable[str], revision: int) -> None:
        """Called (from any thread) after the change with sequence ``revision`` was committed."""
        targets = set(targets)
        everyone = "all" in targets
        with self._lock:
            woken = [
                s
                for s in self._subscriptions
                if s.topic is None and (everyone or f"screen:{s.screen_id}" in targets)
            ]
        for subscription in woken:
            _call_soon(subscription, revision)
        log.debug(
            "revision %d changes %s: %d listeners told", revision, sorted(targets), len(woken)
        )

    def close(self) -> None:
        """End every stream (the server is stopping)."""
        with self._lock:
            self._closed = True
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            _call_soon(subscription, None)


def _call_soon(subscription: Subscription, revision: int | None) -> None:
    try:
        subscription.loop.call_soon_threadsafe(subscription._post, revision)
    except RuntimeError:  # its event loop is closed: the stream is gone
        pass
