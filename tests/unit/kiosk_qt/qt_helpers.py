"""Helpers of the Qt layer's tests: real snapshots in a real CacheStore, log events, clocks."""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw

from content_cache.store import CacheStore, Snapshot
from content_cache.wire import AssetRef, parse_manifest
from kiosk.qt.controller import ScreenController
from kiosk.qt.image_loader import PosterLoader
from kiosk.qt.qt import QLabel, QWidget
from kiosk.qt.scheduler import ScreenScheduler
from kiosk.qt.window import KioskWindow
from tests.support.signing import default_signer

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCREEN_ID = "s1"
SERVER_URL = "http://10.0.0.5:8080"


def image_bytes(
    width: int, height: int, colour: tuple[int, int, int], image_format: str = "PNG"
) -> bytes:
    """A one-colour image file."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, image_format)
    return out.getvalue()


def photo_bytes(seed: int, width: int = 300, height: int = 400) -> bytes:
    """A portrait-like JPEG: a background of a colour from ``seed``, a head near the top."""
    background = ((seed * 53) % 200 + 40, (seed * 97) % 200 + 40, (seed * 151) % 200 + 40)
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    centre = width // 2
    draw.ellipse(
        [centre - width // 5, height // 12, centre + width // 5, height // 2], (235, 200, 170)
    )
    draw.rectangle(
        [centre - width // 3, height * 11 // 20, centre + width // 3, height], (40, 40, 90)
    )
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


TITLES = ("优秀共产党员", "党员先锋岗", "优秀党务工作者")
CITATION = "扎根基层二十年，带领群众修路架桥，事迹感人。"


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

    def honor_roll(
        self,
        item_id: str,
        count: int = 0,
        entries: list[dict[str, Any]] | None = None,
        photos: bool = True,
        **fields: Any,
    ) -> dict[str, Any]:
        """Add an honor roll: ``entries`` as given, or ``count`` generated ones (党员1, ...),
        each with its own photo unless ``photos`` is False."""
        if entries is None:
            entries = [
                {"name": f"党员{i + 1}", "title": TITLES[i % 3], "citation": CITATION}
                for i in range(count)
            ]
            if photos:
                for i, entry in enumerate(entries):
                    entry["photo"] = self.asset(photo_bytes(i), "image/jpeg")
        item = {"kind": "honor_roll", "id": item_id, "title": "光荣榜", "entries": entries}
        item.update(fields)
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


class JumpingClock:
    """A wall clock that the test sets (``clock.now = ...``); it does not run by itself."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Screen:
    """A window driven by a controller, as ``run_screen`` wires them (without the sync)."""

    window: KioskWindow
    controller: ScreenController
    loader: PosterLoader
    scheduler: ScreenScheduler
    photos: PosterLoader


def events(caplog: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    """The records logged with ``extra={"event": event}``."""
    return [r for r in caplog.records if getattr(r, "event", None) == event]


def shown_ids(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The ids of the posters shown, in order."""
    return [r.item_id for r in events(caplog, "item_shown")]


# -- layout facts ------------------------------------------------------------------------------


def layout_problems(window: KioskWindow) -> list[str]:
    """What is wrong with the window's layout as painted now (empty when all is well).

    Bands and zone inside the window and not overlapping; every line of text painted by a
    visible widget no wider than its box (elided text is, by construction) and inside the
    widget; every visible label's text fitting its label, and the label inside its parent.
    """
    window.grab()  # paint every visible widget now
    problems: list[str] = []
    zones = [w for w in (window.header, window.main_zone, window.notice_band) if w.isVisible()]
    for zone in zones:
        if not window.rect().contains(zone.geometry()):
            problems.append(f"{type(zone).__name__} {zone.geometry()} leaves the window")
    for i, first in enumerate(zones):
        for second in zones[i + 1 :]:
            if first.geometry().intersects(second.geometry()):
                problems.append(f"{type(first).__name__} overlaps {type(second).__name__}")
    for widget in window.findChildren(QWidget):
        if widget.isVisible():
            problems.extend(_text_problems(widget))
    return problems


def _text_problems(widget: QWidget) -> list[str]:
    name = type(widget).__name__
    problems = []
    for text in getattr(widget, "drawn_text", []):
        if not text.fits():
            problems.append(f"{name}: {text.text[:30]!r} does not fit {text.rect}")
        if not widget.rect().contains(text.rect):
            problems.append(f"{name}: {text.text[:30]!r} box {text.rect} leaves {widget.rect()}")
    if isinstance(widget, QLabel) and widget.text():
        metrics = widget.fontMetrics()
        if metrics.horizontalAdvance(widget.text()) > widget.width():
            problems.append(f"label {widget.text()[:30]!r} wider than {widget.width()}")
        if metrics.tightBoundingRect(widget.text()).height() > widget.height():
            problems.append(f"label {widget.text()[:30]!r} taller than {widget.height()}")
        parent = widget.parentWidget()
        if parent is not None and not parent.rect().contains(widget.geometry()):
            problems.append(f"label {widget.text()[:30]!r} leaves its page")
    return problems


# -- a content server on loopback ------------------------------------------------------------


class LoopbackContent:
    """What the loopback server publishes: one manifest (editable) and its assets."""

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        poster = image_bytes(300, 400, (0, 0, 200))
        sha256 = hashlib.sha256(poster).hexdigest()
        self.assets = {sha256: poster}
        ref = {"sha256": sha256, "size": len(poster), "media_type": "image/png"}
        self.manifest: dict[str, Any] = {
            "revision": 7,
            "screen_id": SCREEN_ID,
            "generated_at": datetime.now(UTC).isoformat(),
            "settings": {"org_name": "网络党支部", **(settings or {})},
            "items": [{"kind": "poster", "id": "net1", "title": "来自服务器", "image": ref}],
        }
        self.manifest_requests = 0

    def body(self) -> bytes:
        """The manifest as served: listing the test signer's key (``tests/support/signing``);
        the handler sends its signature."""
        return default_signer().body(self.manifest)


def _handler(content: LoopbackContent) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path == f"/api/screens/{SCREEN_ID}/manifest":
                content.manifest_requests += 1
                body = content.body()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                self._send(body, "application/json", etag, default_signer().headers(body))
            elif self.path.startswith("/assets/") and self.path[8:] in content.assets:
                self._send(content.assets[self.path[8:]], "image/png")
            else:
                self.send_error(404)

        def _send(
            self,
            body: bytes,
            media_type: str,
            etag: str | None = None,
            headers: dict[str, str] | None = None,
        ) -> None:
            if etag and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@contextmanager
def loopback_server(content: LoopbackContent) -> Iterator[str]:
    """Serve ``content`` on a free loopback port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(content))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
