"""The cache and the sync loop of a screen, built from its configuration (no Qt).

The sync engine (and with it ``requests``) is imported only when it is made, so the screen
can show its cached content from :func:`make_store` before the network side is loaded.
Learning records (:func:`make_learning_queue`) live in ``learning.db`` in the cache
directory; the sync loop uploads them on a thread of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from content_cache.learning import LEARNING_DB, LearningQueue
from content_cache.store import CacheStore
from kiosk.core.config import ScreenConfig

if TYPE_CHECKING:
    from content_cache.sync import SyncEngine, SyncLoop


def make_store(config: ScreenConfig) -> CacheStore:
    """The configured cache."""
    return CacheStore(config.cache, quota_bytes=int(config.cache_quota_mb * 1024 * 1024))


def make_engine(
    config: ScreenConfig, store: CacheStore | None = None, token: str | None = None
) -> SyncEngine:
    """The sync engine for the configured server, screen and cache (``store`` if given),
    sending ``token`` (default: the configured ``screen_token``). It accepts manifests signed
    by the keys the screen trusts, kept in the cache directory (seeded from ``server_keys``;
    ``content_cache.trust``)."""
    from content_cache.sync import SyncEngine
    from content_cache.trust import TrustStore

    store = store if store is not None else make_store(config)
    return SyncEngine(
        store,
        config.server,
        config.screen,
        max_downloads=config.max_downloads,
        token=token if token is not None else config.screen_token,
        trust=TrustStore(config.cache, config.server_keys),
    )


def make_learning_queue(config: ScreenConfig) -> LearningQueue:
    """The screen's queue of learning records: ``<cache>/learning.db``."""
    return LearningQueue(config.cache / LEARNING_DB)


def make_loop(
    engine: SyncEngine, config: ScreenConfig, learning: LearningQueue | None = None
) -> SyncLoop:
    """The loop that keeps the cache in sync (poll, backoff, push) and uploads learning
    records beside it. ``learning`` is the queue the screen records into (one is opened if
    None); each new record wakes the uploader."""
    from content_cache.learning_upload import LearningLoop, LearningUploader
    from content_cache.screen_auth import screen_session
    from content_cache.sync import USER_AGENT, SyncLoop

    queue = learning if learning is not None else make_learning_queue(config)
    session = screen_session(engine.token, USER_AGENT)  # the uploads are the screen's own
    uploader = LearningUploader(queue, config.server, config.screen, session=session)
    upload_loop = LearningLoop(uploader, interval=config.poll_seconds)
    queue.on_record = upload_loop.wake
    return SyncLoop(
        engine,
        config.poll_seconds,
        config.max_backoff_seconds,
        push=config.push,
        learning=upload_loop,
    )
