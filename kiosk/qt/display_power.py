"""Switching the monitor itself off and on (DPMS) for the power schedule, where possible.

Only on X11 (Qt platform ``xcb``) and only if the ``xset`` binary is installed (Debian package
``x11-xserver-utils``). Anywhere else the window just shows black. Never raises: the answer is
a short text for the screen's log line.

``xset dpms force off`` needs DPMS enabled, so it is enabled first; when the screen comes back
on, DPMS is disabled again, so that the X server's own idle timeouts never blank a kiosk that
nobody touches while it is scheduled on.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence

XSET_TIMEOUT_SECONDS = 5.0

Runner = Callable[[Sequence[str]], None]


def _run(command: Sequence[str]) -> None:
    subprocess.run(
        list(command),
        check=True,
        timeout=XSET_TIMEOUT_SECONDS,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


class DisplayPower:
    """The monitor's power, through ``xset``.

    Args:
        platform: Qt's platform name (``QGuiApplication.platformName()``).
        which: finds a binary on PATH (``shutil.which``).
        run: runs a command, raising on failure.
    """

    def __init__(
        self,
        platform: str,
        which: Callable[[str], str | None] = shutil.which,
        run: Runner = _run,
    ) -> None:
        self._platform, self._which, self._run = platform, which, run

    def set_on(self, on: bool) -> str:
        """Switch the monitor on or off; returns what happened, e.g. ``"dpms off"``."""
        if self._platform != "xcb":
            return f"window only (platform {self._platform or 'unknown'})"
        xset = self._which("xset")
        if xset is None:
            return "window only (xset not installed: x11-xserver-utils)"
        commands = (
            [[xset, "+dpms"], [xset, "dpms", "force", "off"]]
            if not on
            else [[xset, "dpms", "force", "on"], [xset, "-dpms"], [xset, "s", "reset"]]
        )
        try:
            for command in commands:
                self._run(command)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"window only (xset failed: {type(exc).__name__})"
        return "dpms on" if on else "dpms off"
