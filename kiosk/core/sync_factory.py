"""The cache and the sync loop of a screen, built from its configuration (no Qt)."""

from __future__ import annotations

from content_cache.store import CacheStore
from content_cache.sync import SyncEngine, SyncLoop
from kiosk.core.config import ScreenConfig


def make_engine(config: ScreenConfig) -> SyncEngine:
    """The sync engine for the configured server, screen and cache."""
    store = CacheStore(config.cache, quota_bytes=int(config.cache_quota_mb * 1024 * 1024))
    return SyncEngine(store, config.server, config.screen, max_downloads=config.max_downloads)


def make_loop(engine: SyncEngine, config: ScreenConfig) -> SyncLoop:
    """The loop that keeps the cache in sync: poll, backoff, push."""
    return SyncLoop(engine, config.poll_seconds, config.max_backoff_seconds, push=config.push)
