"""Uploading learning records: :class:`LearningUploader` sends the queue's unsent records in
batches to ``POST /api/screens/{id}/learning-records``; :class:`LearningLoop` runs it on a
thread of its own beside the content sync. See ``content_cache.learning`` for the guarantees.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from content_cache.learning import BATCH_SIZE, LearningQueue, LearningRecord
from content_cache.screen_auth import refused_message
from content_cache.sync import USER_AGENT

log = logging.getLogger("content_cache.learning")


@dataclass(frozen=True)
class UploadResult:
    """What one :meth:`LearningUploader.upload_once` did.

    Attributes:
        sent: records the server now has (new or already known).
        rejected: records the server refused (logged and not sent again).
        remaining: records still waiting.
        error: why sending stopped (server unreachable, HTTP status), or "".
    """

    sent: int
    rejected: int
    remaining: int
    error: str = ""


class LearningUploader:
    """Sends the queue's unsent records to ``POST /api/screens/{id}/learning-records``.

    ``session`` must carry the screen's token (``content_cache.screen_auth.screen_session``).
    """

    def __init__(
        self,
        queue: LearningQueue,
        server_url: str,
        screen_id: str,
        session: requests.Session | None = None,
        batch_size: int = BATCH_SIZE,
        timeout: tuple[float, float] = (5.0, 30.0),
    ) -> None:
        self.queue = queue
        self.screen_id = screen_id
        self.url = (
            f"{server_url.rstrip('/')}/api/screens/{quote(screen_id, safe='')}/learning-records"
        )
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.batch_size = max(1, batch_size)
        self.timeout = timeout

    def send(self, batch: list[LearningRecord]) -> dict[str, Any]:
        """POST one batch; returns the server's answer. Does not touch the queue.

        Raises:
            LearningUploadError: no 2xx answer.
        """
        body = {"records": [record.as_json() for record in batch]}
        try:
            response = self.session.post(self.url, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise LearningUploadError(f"server unreachable: {type(exc).__name__}") from None
        if response.status_code == 401:
            raise LearningUploadError(refused_message(self.screen_id))
        if not 200 <= response.status_code < 300:
            raise LearningUploadError(f"learning records answered HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        return answer if isinstance(answer, dict) else {}

    def upload_once(self) -> UploadResult:
        """Send every unsent record, a batch at a time, until done or a batch fails.

        Never raises for network or server faults.
        """
        sent = rejected = 0
        error = ""
        while True:
            batch = self.queue.unsent(self.batch_size)
            if not batch:
                break
            try:
                answer = self.send(batch)
            except LearningUploadError as exc:
                error = str(exc)
                break
            refused = _rejected_ids(answer)
            for item in answer.get("rejected") or []:
                log.warning("learning record %s refused by the server: %s", *_describe(item))
            self.queue.mark_sent([record.id for record in batch])
            rejected += len(refused)
            sent += len(batch) - len(refused)
        remaining = self.queue.counts().unsent
        if sent or rejected:
            log.info(
                "learning records uploaded: %d (%d refused, %d waiting)",
                sent,
                rejected,
                remaining,
                extra={"event": "learning_uploaded", "sent": sent, "remaining": remaining},
            )
        return UploadResult(sent, rejected, remaining, error)


class LearningUploadError(Exception):
    """A batch was not accepted (no answer, or not 2xx); the records stay queued."""


def _rejected_ids(answer: dict[str, Any]) -> set[str]:
    return {str(item.get("id")) for item in answer.get("rejected") or [] if isinstance(item, dict)}


def _describe(item: Any) -> tuple[str, str]:
    if isinstance(item, dict):
        return str(item.get("id"))[:40], str(item.get("error"))[:200]
    return "?", str(item)[:200]


class LearningLoop:
    """Runs the uploader on its own thread: at start, every ``interval`` seconds, at once on
    :meth:`wake` (a new record, the server reachable again), with capped backoff after
    failures.
    """

    def __init__(
        self,
        uploader: LearningUploader,
        interval: float = 60.0,
        max_backoff: float = 300.0,
        rng: random.Random | None = None,
    ) -> None:
        self.uploader = uploader
        self.interval = interval
        self.max_backoff = max_backoff
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Run on a daemon thread named ``learning-upload``."""
        self._thread = threading.Thread(target=self.run, name="learning-upload", daemon=True)
        self._thread.start()

    def run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()
            try:
                result = self.uploader.upload_once()
            except Exception:  # broad on purpose: the thread's boundary; records stay queued
                log.exception("learning upload failed unexpectedly")
                result = UploadResult(0, 0, -1, "unexpected error")
            if result.error and result.remaining:
                failures += 1
                if failures == 1:
                    log.info("learning records waiting: %s", result.error)
            else:
                failures = 0
            self._wait(self._pause(failures))

    def wake(self) -> None:
        """Upload at once."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop and wait for its thread (if started with :meth:`start`)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _pause(self, failures: int) -> float:
        base = self.interval if failures == 0 else min(self.max_backoff, 2.0 ** (failures + 1))
        return max(0.1, base * (1 + self._rng.uniform(-0.1, 0.1)))

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._wake.wait(remaining):
                return
