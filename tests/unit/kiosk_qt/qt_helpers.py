"""Helpers of the Qt layer's tests: real snapshots in a real CacheStore, log events, clocks."""

from __future__ import annotations

import hashlib
import io
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from content_cache.store import CacheStore, Snapshot
from content_cache.wire import AssetRef, parse_manifest
from kiosk.qt.controller import ScreenController
from kiosk.qt.image_loader import PosterLoader
from kiosk.qt.scheduler import ScreenScheduler
from kiosk.qt.window import KioskWindow

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCREEN_ID = "s1"


def image_bytes(
    width: int, height: int, colour: tuple[int, int, int], image_format: str = "PNG"
) -> bytes:
    """A one-colour image file."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, image_format)
    return out.getvalue()


class SnapshotBuilder:
    """Builds manifests item by item and commits them to a real store."""

    def __init__(self, store: CacheStore) -> None:
        self.store = store
        self.items: list[dict[str, Any]] = []
        self.settings: dict[str, Any] = {"org_name": "测试党支部"}

    def asset(self, data: bytes, media_type: str = "image/png") -> dict[str, Any]:
        """Store ``data`` as an asset and return its reference."""
        ref = {
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "media_type": media_type,
        }
        self.store.add_asset(AssetRef(**ref), iter([data]))
        return ref

    def poster(self, item_id: str, data: bytes | None = None, **fields: Any) -> dict[str, Any]:
        """Add a poster (a 300x400 PNG of a colour derived from its id unless ``data``)."""
        if data is None:
            shade = int(hashlib.sha256(item_id.encode()).hexdigest()[:2], 16)
            data = image_bytes(300, 400, (shade, 80, 200))
        item = {"kind": "poster", "id": item_id, "title": f"海报{item_id}", **fields}
        item["image"] = self.asset(data)
        self.items.append(item)
        return item

    def notice(self, item_id: str, text: str, **fields: Any) -> dict[str, Any]:
        """Add a notice."""
        item = {"kind": "notice", "id": item_id, "title": f"通知{item_id}", "text": text, **fields}
        self.items.append(item)
        return item

    def commit(self, revision: int = 1) -> Snapshot:
        """Make the items so far the store's current snapshot."""
        manifest = parse_manifest(
            {
                "revision": revision,
                "screen_id": SCREEN_ID,
                "generated_at": datetime.now(UTC).isoformat(),
                "settings": self.settings,
                "items": self.items,
            }
        )
        return self.store.commit(manifest, f'"{revision}"')


class ShiftedClock:
    """A clock that starts at ``start`` and runs at real speed, as the scheduler waits."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._t0 = time.monotonic()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


@dataclass
class Screen:
    """A window driven by a controller, as ``run_screen`` wires them (without the sync)."""

    window: KioskWindow
    controller: ScreenController
    loader: PosterLoader
    scheduler: ScreenScheduler


def events(caplog: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    """The records logged with ``extra={"event": event}``."""
    return [r for r in caplog.records if getattr(r, "event", None) == event]


def shown_ids(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The ids of the posters shown, in order."""
    return [r.item_id for r in events(caplog, "item_shown")]
