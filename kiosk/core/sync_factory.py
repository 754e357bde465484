"""The cache and the sync loop of a screen, built from its configuration (no Qt).

The sync engine (and with it ``requests``) is imported only when it is made, so the screen
can show its cached content from :func:`make_store` before the network side is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from content_cache.store import CacheStore
from kiosk.core.config import ScreenConfig

if TYPE_CHECKING:
    from content_cache.sync import SyncEngine, SyncLoop


def make_store(config: ScreenConfig) -> CacheStore:
    """The configured cache."""
    return CacheStore(config.cache, quota_bytes=int(config.cache_quota_mb * 1024 * 1024))


def make_engine(config: ScreenConfig, store: CacheStore | None = None) -> SyncEngine:
    """The sync engine for the configured server, screen and cache (``store`` if given)."""
    from content_cache.sync import SyncEngine

    store = store if store is not None else make_store(config)
    return SyncEngine(
        store,
        config.server,
        config.screen,
        max_downloads=config.max_downloads,
        token=config.screen_token,
    )


def make_loop(engine: SyncEngine, config: ScreenConfig) -> SyncLoop:
    """The loop that keeps the cache in sync: poll, backoff, push."""
    from content_cache.sync import SyncLoop

    return SyncLoop(engine, config.poll_seconds, config.max_backoff_seconds, push=config.push)
