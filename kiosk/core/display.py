"""Whether Qt can open a window here, decided before Qt is loaded.

With no display and no ``QT_QPA_PLATFORM``, Qt aborts the process with a misleading message
about xcb-cursor; the screen says in one line what to do instead.
"""

from __future__ import annotations

import os
import sys

HEADLESS_HINT = (
    "no display found: run it on the screen's desktop (DISPLAY=:0), or headless with "
    "QT_QPA_PLATFORM=offscreen {command}"
)


def missing_display_message(command: str) -> str | None:
    """One line telling how to run ``command`` headless, or None when a display is usable."""
    env = os.environ
    if not sys.platform.startswith("linux"):
        return None
    if env.get("QT_QPA_PLATFORM") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return HEADLESS_HINT.format(command=command)
