"""Reading QR codes from screenshots with zbar (``zbarimg``, installed by scripts/setup.sh)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def decode_qr(image: Path) -> list[str]:
    """The texts of the QR codes zbar finds in the image file ``image`` (empty if none)."""
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg is missing: run scripts/setup.sh (zbar-tools)"
    result = subprocess.run(
        [zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # zbarimg exits 4 when it finds no code
    assert result.returncode in (0, 4), result.stderr
    return [line for line in result.stdout.splitlines() if line]
