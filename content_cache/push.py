"""Push hints: listen to the server's event stream for this screen's revision.

A hint only says "your manifest is now at revision N"; the sync engine still fetches the
manifest with ETag, so push is an accelerator, never the source of truth. The listener
reconnects with capped, jittered backoff, and the server sends the current revision on every
connect, so a screen that missed events (or a server that restarted) converges at once.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import threading
from collections.abc import Callable, Iterator
from typing import cast
from urllib.parse import quote

import requests

from content_cache.screen_auth import auth_headers

log = logging.getLogger("content_cache.push")

# Longer than the server's 15 s keep-alive, so a dead connection is noticed.
READ_TIMEOUT = 40.0


class PushListener:
    """Calls ``on_revision(n)`` for every revision the server announces.

    Args:
        server_url: base URL of the content server.
        screen_id: this screen's id.
        on_revision: called on the listener's thread; must be quick and thread-safe.
        max_backoff: cap of the pause between reconnects.
        token: this screen's token (``screen_token``); a refused token (401) is retried with
            the same backoff, quietly: the sync engine's log already says what to set.
    """

    def __init__(
        self,
        server_url: str,
        screen_id: str,
        on_revision: Callable[[int], None],
        max_backoff: float = 30.0,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
        token: str | None = None,
    ) -> None:
        self.url = f"{server_url.rstrip('/')}/api/screens/{quote(screen_id, safe='')}/events"
        self.on_revision = on_revision
        self.max_backoff = max_backoff
        self.session = session or requests.Session()
        self._headers = {"Accept": "text/event-stream", **auth_headers(token)}
        self._rng = rng or random.Random()
        self._stop = threading.Event()

    def run(self) -> None:
        """Listen until ``stop()``, reconnecting after every failure."""
        failures = 0
        connected_before = False
        while not self._stop.is_set():
            try:
                for revision in self._listen():
                    if not connected_before or failures:
                        log.info("push connected to %s", self.url)
                    connected_before, failures = True, 0
                    self.on_revision(revision)
            except Exception as exc:  # loop boundary: closing the stream or a bad server
                if failures == 0 and not self._stop.is_set():  # must never end the listener
                    level = logging.DEBUG if _refused(exc) else logging.INFO
                    log.log(level, "push stream lost (%s); polling continues", _name(exc))
            failures += 1
            pause = min(self.max_backoff, 2.0 ** min(failures - 1, 10))
            self._stop.wait(pause * self._rng.uniform(0.5, 1.0))

    def stop(self) -> None:
        """Make ``run`` return; does not block.

        A read in progress is not interrupted (closing a response from another thread blocks
        until the read ends); the thread ends at the next keep-alive, within ``READ_TIMEOUT``
        at worst, and it is a daemon thread, so it never holds up the process's exit.
        """
        self._stop.set()

    def _running(self, _line: str) -> bool:
        return not self._stop.is_set()

    def _listen(self) -> Iterator[int]:
        response = self.session.get(
            self.url, stream=True, timeout=(5.0, READ_TIMEOUT), headers=self._headers
        )  # fmt: skip
        with response:
            response.raise_for_status()
            # decode_unicode with the stream's text/event-stream charset: lines are str
            lines = cast(Iterator[str], response.iter_lines(decode_unicode=True))
            yield from parse_revisions(itertools.takewhile(self._running, lines))


def _refused(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    return isinstance(exc, requests.HTTPError) and getattr(response, "status_code", 0) == 401


def _name(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(exc, requests.HTTPError) and response is not None:
        return f"HTTP {response.status_code}"
    return type(exc).__name__


def parse_revisions(lines: Iterator[str]) -> Iterator[int]:
    """Revisions from the lines of an event stream (``event: revision`` + JSON ``data``)."""
    event, data = "message", list[str]()
    for line in lines:
        if line == "":
            revision = _revision(data) if event == "revision" else None
            if revision is not None:
                yield revision
            event, data = "message", []
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)


def _revision(data: list[str]) -> int | None:
    try:
        payload = json.loads("\n".join(data))
    except ValueError:
        return None
    revision = payload.get("revision") if isinstance(payload, dict) else None
    return revision if isinstance(revision, int) and revision >= 0 else None
