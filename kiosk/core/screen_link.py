"""The screen's link to its server: which credential it sends, pairing for one when it has
none or was revoked, and the sync loop with it (no Qt).

The credential, in order: the one stored by enrollment in the cache directory
(``content_cache.enrollment``), else ``screen_token`` (config or ``$KIOSK_SCREEN_TOKEN``: an
install set up before enrollment, with the token derived from the server's screen key), else
none: the screen asks for a pairing code and waits for an administrator to enter it. The stored
credential comes first because it exists only after an enrollment, which is later and more
deliberate than a line in a config file, and an enrolled screen's derived token no longer opens
it.

When the server answers that the screen was revoked, the sync loop stops (the cache stays on
screen) and the screen asks for a new pairing code, so it can be enrolled again without anyone
touching it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from content_cache.enrollment import (
    Enroller,
    PairingClient,
    PairingEvent,
    SigningKeys,
    read_credential,
)
from content_cache.store import CacheStore
from kiosk.core.config import ScreenConfig
from kiosk.core.sync_factory import make_engine, make_learning_queue, make_loop

if TYPE_CHECKING:
    from content_cache.learning import LearningQueue
    from content_cache.sync import SyncLoop, SyncResult

log = logging.getLogger("kiosk.link")


@dataclass(frozen=True)
class PairingState:
    """A step of pairing, for the screen to show.

    Attributes:
        event: what happened (a new code, a failure to reach the server, the enrollment).
        revoked: the screen pairs because the server revoked it (it has content to show).
    """

    event: PairingEvent
    revoked: bool = False


class ScreenLink:
    """Runs the screen's side of the server: pairing when needed, then the sync loop.

    Has the interface of ``SyncLoop`` (``run``, ``wake``, ``stop``), so the screen's sync
    thread runs it in the loop's place.

    Args:
        config: the screen's settings.
        store: the cache.
        on_pairing: told each step of pairing (on the thread that runs the link).
        learning: the learning-record queue the screen records into.
        trust: given the server's signing keys when the screen is enrolled (default: the
            screen's trust store in its cache directory, ``content_cache.trust``).
    """

    def __init__(
        self,
        config: ScreenConfig,
        store: CacheStore,
        *,
        on_pairing: Callable[[PairingState], None] | None = None,
        learning: LearningQueue | None = None,
        trust: Callable[[SigningKeys], None] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.on_pairing = on_pairing or (lambda state: None)
        self.trust = trust or self._trust_keys
        self._learning = learning
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._loop: SyncLoop | None = None

    def credential(self) -> str | None:
        """The credential to send: stored by enrollment, else ``screen_token``, else None."""
        config = self.config
        stored = read_credential(config.cache, config.server, config.screen)
        source = "enrolled" if stored else "screen_token" if config.screen_token else "none"
        log.info(
            "screen credential: %s",
            {
                "enrolled": "its own, from enrollment",
                "screen_token": "screen_token",
                "none": "none (not enrolled, none configured)",
            }[source],
            extra={"event": "screen_credential", "source": source},
        )
        return stored or config.screen_token

    def _trust_keys(self, keys: SigningKeys) -> None:
        """Trust the keys the server handed over with the credential: they came on the
        connection the administrator vouched for by entering the code."""
        from content_cache.trust import TrustStore

        TrustStore(self.config.cache).trust_initial(keys)

    def pair(self, revoked: bool = False) -> str | None:
        """Pair until enrolled (the new credential) or stopped (None)."""
        config = self.config
        orientation = config.orientation or ""
        enroller = Enroller(
            PairingClient(config.server),
            config.screen,
            config.cache,
            on_event=lambda event: self.on_pairing(PairingState(event, revoked)),
            trust=self.trust,
            orientation=orientation,
            max_backoff=config.max_backoff_seconds,
        )
        return enroller.run(self._stop)

    def run(self, on_result: Callable[[SyncResult], None]) -> None:
        """Pair if needed, then sync until stopped; after a revocation, pair again."""
        token = self.credential()
        revoked = False
        while not self._stop.is_set():
            if token is None:
                token = self.pair(revoked)
                if token is None:
                    return
            revoked = self._sync(token, on_result)
            if not revoked:
                return
            token = None

    def _sync(self, token: str, on_result: Callable[[SyncResult], None]) -> bool:
        """Run the sync loop with ``token`` until stopped (False) or revoked (True)."""
        if self._learning is None:
            self._learning = make_learning_queue(self.config)
        loop = make_loop(make_engine(self.config, self.store, token), self.config, self._learning)
        revoked = threading.Event()

        def forward(result: SyncResult) -> None:
            on_result(result)
            if result.revoked:
                log.warning(
                    "this screen was revoked by an administrator; showing the cache and asking "
                    "for a new pairing code",
                    extra={"event": "screen_revoked"},
                )
                revoked.set()
                loop.stop()

        with self._lock:
            if self._stop.is_set():
                return False
            self._loop = loop
        try:
            loop.run(forward)
        finally:
            with self._lock:
                self._loop = None
        return revoked.is_set() and not self._stop.is_set()

    def wake(self) -> None:
        """Sync at once, if syncing."""
        with self._lock:
            if self._loop is not None:
                self._loop.wake()

    def stop(self) -> None:
        """Make ``run`` return soon (pairing or syncing)."""
        self._stop.set()
        with self._lock:
            if self._loop is not None:
                self._loop.stop()
