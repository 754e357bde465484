"""The dependency direction of DESIGN.md, checked in a fresh interpreter."""

import subprocess
import sys

import pytest

QT_FREE = [
    "content_cache.wire",
    "content_cache.store",
    "content_cache.sync",
    "content_cache.learning",
    "content_cache.learning_upload",
    "kiosk.core.schedule",
    "kiosk.core.config",
    "kiosk.core.logs",
    "kiosk.core.display",
    "kiosk.core.sync_factory",
    "kiosk.media.player",
    "kiosk.media.vlc_player",
    "kiosk.run_cli",
    "kiosk.cli",
]


def loaded_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", QT_FREE)
def test_core_modules_import_no_qt(module):
    loaded = loaded_after_import(module)
    assert not {m for m in loaded if m.split(".")[0] in ("PySide6", "shiboken6")}


@pytest.mark.parametrize("module", ["content_cache.sync", "kiosk.core.schedule", "kiosk.run_cli"])
def test_screen_side_imports_no_server(module):
    loaded = loaded_after_import(module)
    assert not {m for m in loaded if m.split(".")[0] in ("content_server", "fastapi", "uvicorn")}


def test_content_cache_imports_neither_qt_nor_kiosk():
    loaded = loaded_after_import("content_cache.sync")
    assert not {m for m in loaded if m.split(".")[0] in ("kiosk", "PySide6", "content_server")}


def test_recording_learning_loads_no_network_code():
    """The touch screen records before its network side is loaded (footprint)."""
    loaded = loaded_after_import("content_cache.learning")
    assert not {m for m in loaded if m.split(".")[0] in ("requests", "urllib3")}
