"""Debian's Chromium driven by Playwright (``playwright install`` is never run: it downloads a
browser, which this project does not want and which fails offline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def launch_chromium(playwright: Any) -> Any:
    """Launch headless Chromium; fails with a clear message when it is not installed."""
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: browser tests need Debian's chromium "
            "(scripts/setup.sh installs it: apt-get install chromium)"
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
