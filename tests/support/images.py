"""Real image files for tests, made with Pillow."""

from __future__ import annotations

import io

from PIL import Image


def jpeg_bytes(width: int = 320, height: int = 480, colour=(180, 20, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", quality=85)
    return out.getvalue()


def png_bytes(width: int = 64, height: int = 64, colour=(250, 200, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()
