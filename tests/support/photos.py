"""Phone-like photos for tests: JPEGs with an EXIF orientation, big ones, and a HEIC header.

A photo from :func:`turned_photo` is stored sideways with EXIF orientation 6 (a phone held
upright): shown as the phone meant it, its top is red and its bottom blue; stored as it is,
its left side is red.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

EXIF_ORIENTATION = 0x0112
RED = (220, 20, 20)
BLUE = (20, 40, 220)


def turned_photo(
    width: int = 400, height: int = 300, *, noise: int = 0, quality: int = 90
) -> bytes:
    """A JPEG of ``width`` x ``height`` stored pixels with EXIF orientation 6: upright it is
    ``height`` wide and ``width`` tall, red at the top and blue at the bottom. ``noise``
    (0-255) adds grain, so a large photo compresses like a real one (see :func:`phone_photo`)."""
    image = Image.new("RGB", (width, height), (240, 200, 60))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 4, height), fill=RED)  # the upright top
    draw.rectangle((width - width // 4, 0, width, height), fill=BLUE)  # the upright bottom
    if noise:
        grain = Image.effect_noise((width, height), noise).convert("RGB")
        image = Image.blend(image, grain, 0.25)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def phone_photo() -> bytes:
    """A 12-megapixel phone photo of about 3 MB (2.9), held upright: orientation 6."""
    return turned_photo(4000, 3000, noise=32, quality=85)


def plain_jpeg(width: int, height: int, colour: tuple[int, int, int] = (30, 160, 60)) -> bytes:
    """A JPEG with no EXIF of the given size (quick to make even at 100 megapixels)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", quality=60)
    return out.getvalue()


def heic_header() -> bytes:
    """The start of a HEIC file as an iPhone writes it (an ISO media ``ftyp`` box of brand
    ``heic``), followed by bytes no decoder here understands."""
    box = b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heicmiaf"
    rng = random.Random(7)
    rest = bytes(rng.randrange(256) for _ in range(2048))
    return (len(box) + 4).to_bytes(4, "big") + box + rest


def opened(data: bytes) -> Image.Image:
    """The image of ``data``, loaded."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
