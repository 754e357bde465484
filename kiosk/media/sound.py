"""Is there anywhere for sound to go? (A screen without a sound card is common.)

Without a sound card, libvlc's ALSA output retries the missing device for every block of
audio, and alsa-lib prints eight lines to stderr each time it tries: thousands of lines a
minute in the journal, with no way to silence them from libvlc's own options. So the player
asks here first and plays without sound (``--aout=dummy``) when nothing could take it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

NO_CARDS = "--- no soundcards ---"


def sound_output_available(
    proc: Path = Path("/proc"), env: Mapping[str, str] | None = None
) -> bool:
    """True if an ALSA card exists or a PulseAudio / PipeWire server is reachable.

    Args:
        proc: where procfs is mounted (tests give a folder of their own).
        env: the environment to read ``PULSE_SERVER`` and ``XDG_RUNTIME_DIR`` from.
    """
    env = os.environ if env is None else env
    if env.get("PULSE_SERVER"):
        return True
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and any((Path(runtime) / name).exists() for name in ("pulse/native", "pipewire-0")):
        return True
    try:
        cards = (proc / "asound" / "cards").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(cards.strip()) and NO_CARDS not in cards
