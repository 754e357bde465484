"""Fixtures of the Qt layer's tests: real snapshots in a real CacheStore, a real window.

Qt runs offscreen. Posters are real PNG/JPEG files made with Pillow, stored through
``CacheStore.add_asset`` and committed with ``CacheStore.commit``, exactly as a sync would
(see ``qt_helpers.py``).
"""

# ruff: noqa: E402 - the platform must be chosen before Qt is imported
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from qt_helpers import SCREEN_ID, SERVER_URL, SHANGHAI, Screen, SnapshotBuilder

from content_cache.store import CacheStore, Snapshot
from kiosk.qt.controller import ScreenController, system_clock
from kiosk.qt.image_loader import PosterLoader, decode_photo
from kiosk.qt.scheduler import ScreenScheduler
from kiosk.qt.theme import Theme, ThemeLibrary, default_themes_dir
from kiosk.qt.window import KioskWindow


@pytest.fixture
def themes() -> ThemeLibrary:
    return ThemeLibrary(default_themes_dir())


@pytest.fixture
def theme(themes: ThemeLibrary) -> Theme:
    return themes.default


@pytest.fixture
def store(tmp_path: Path) -> CacheStore:
    return CacheStore(tmp_path / "cache")


@pytest.fixture
def builder(store: CacheStore) -> SnapshotBuilder:
    return SnapshotBuilder(store)


@pytest.fixture
def kiosk_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="kiosk.screen")
    return caplog


@pytest.fixture
def make_screen(qtbot: Any, themes: ThemeLibrary) -> Iterator[Callable[..., Screen]]:
    """Build, show and start a screen: ``make_screen(snapshot, size=(w, h), clock=...)``.

    Further keyword arguments (``orientation``, ``wake_sync``, ``display_power``) go to the
    controller.
    """
    screens: list[Screen] = []

    def make(
        snapshot: Snapshot | None,
        size: tuple[int, int] = (540, 960),
        clock: Callable[[], datetime] = system_clock,
        **options: Any,
    ) -> Screen:
        window = KioskWindow(themes.default, SCREEN_ID, clock, SHANGHAI, server=SERVER_URL)
        qtbot.addWidget(window)
        window.resize(*size)
        loader = PosterLoader()
        photos = PosterLoader(decode=decode_photo)
        scheduler = ScreenScheduler()
        controller = ScreenController(
            window, loader, scheduler, themes, SCREEN_ID, clock, photos=photos, **options
        )
        window.show()
        qtbot.waitExposed(window)
        scheduler.start()
        controller.start(snapshot)
        screen = Screen(window, controller, loader, scheduler, photos)
        screens.append(screen)
        return screen

    yield make
    for screen in screens:
        screen.controller.stop()
        screen.scheduler.shutdown(wait=False)
