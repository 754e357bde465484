"""The publishing preview's screens, drawn to scale in the page from the screens' own layout
rules: a portrait cloud screen (云屏, 1080x1920) and a landscape touch screen (一体机,
1920x1080), each with its header band, main zone and notice band.

Why drawn in the page and not rendered by the screen's code: that code is Qt (``kiosk/qt``),
which the server must not import (``tests/unit/test_layering.py``), and a QApplication in
every server worker (~70 MB, a GUI event loop beside the ASGI threads) is neither cheap nor
safe. So the page draws the same layout from the same numbers: the band heights, margins and
type sizes are the theme file's fractions of the screen's shorter side (``themes/<name>/
theme.toml``, read here as data, as ``kiosk.qt.theme.Metrics`` reads them), and a poster is
fitted the way a rendition fits it (``kiosk/qt/renditions.py``): contained in the main zone,
over a backdrop of the poster covering the zone, blurred (a Gaussian of about 2.4 cells of a
64-cell grid), a third grey and at 55 % brightness. ``tests/server/test_console_publish.py``
checks the zone sizes against ``Metrics``.

The numbers reach the page as a stylesheet of CSS custom properties, one rule per theme
(:func:`preview_css`); type sizes are ``calc(fraction * 100cqmin)`` of the drawn screen.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import content_server

log = logging.getLogger("content_server.console")

THEMES = ("party-red", "solemn", "high-contrast")
DEFAULT_THEME = "party-red"
SOLEMN_THEME = "solemn"
# (label, width, height) of the two screens the preview draws.
SCREENS = (("云屏 · 竖屏", 1080, 1920), ("一体机 · 横屏", 1920, 1080))
COLOURS = (
    "background",
    "band",
    "band_edge",
    "accent",
    "accent_bright",
    "text",
    "text_muted",
    "tag_text",
    "urgent_background",
)
SIZES = (
    "margin",
    "header_landscape",
    "header_portrait",
    "notice_landscape",
    "notice_portrait",
    "rule",
    "org_name",
    "clock",
    "date",
    "notice_tag",
    "notice_text",
    "urgent_tag",
    "urgent_title",
    "urgent_text",
)
# party-red's values: used for any key a theme file does not give (or when themes/ is not
# shipped beside the package).
_FALLBACK_COLOURS = {
    "background": "#8E0E05",
    "band": "#B7190F",
    "band_edge": "#6E0A03",
    "accent": "#F5C542",
    "accent_bright": "#FFD66B",
    "text": "#FFF4D6",
    "text_muted": "#F3D3A6",
    "tag_text": "#8E0E05",
    "urgent_background": "#5C0702",
}
_FALLBACK_SIZES = {
    "margin": 0.03,
    "header_landscape": 0.12,
    "header_portrait": 0.17,
    "notice_landscape": 0.15,
    "notice_portrait": 0.2,
    "rule": 0.004,
    "org_name": 0.048,
    "clock": 0.058,
    "date": 0.034,
    "notice_tag": 0.034,
    "notice_text": 0.036,
    "urgent_tag": 0.05,
    "urgent_title": 0.075,
    "urgent_text": 0.056,
}
_COLOUR_RE = re.compile(r"#[0-9A-Fa-f]{6}")
# The rendition's backdrop (kiosk/qt/renditions.py): 64 cells on the longer side, three box
# blurs of radius 2 each way (variance 3 x 2 cells^2: a Gaussian of ~2.45 cells), 35 % grey,
# 45 % black laid over it.
BACKDROP_BLUR_CELLS = 2.45
BACKDROP_CELLS = 64
BACKDROP_GREY = 0.35
BACKDROP_BRIGHTNESS = 0.55


@dataclass(frozen=True)
class PreviewTheme:
    name: str
    colours: dict[str, str]
    sizes: dict[str, float]


def themes_dir() -> Path:
    """The ``themes/`` folder beside the packages (as ``kiosk.qt.theme.default_themes_dir``)."""
    return Path(content_server.__file__).resolve().parent.parent / "themes"


@cache
def load_theme(name: str) -> PreviewTheme:
    """The colours and sizes of theme ``name`` that the preview uses (party-red's for any
    that cannot be read)."""
    colours, sizes = dict(_FALLBACK_COLOURS), dict(_FALLBACK_SIZES)
    path = themes_dir() / name / "theme.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        log.warning("preview: theme %s not read (%s); using party-red's numbers", name, exc)
        return PreviewTheme(name, colours, sizes)
    for key in COLOURS:
        value = data.get("colors", {}).get(key)
        if isinstance(value, str) and _COLOUR_RE.fullmatch(value):
            colours[key] = value
    for key in SIZES:
        value = data.get("sizes", {}).get(key)
        if isinstance(value, int | float) and 0 < value < 1:
            sizes[key] = float(value)
    return PreviewTheme(name, colours, sizes)


def zone_size(
    width: int, height: int, *, notices: bool, theme: str = DEFAULT_THEME
) -> tuple[int, int]:
    """The main zone's size in pixels on a screen of ``width`` x ``height``, with or
    without the notice band (the numbers the preview draws with)."""
    sizes = load_theme(theme).sizes
    unit = min(width, height)
    orientation = "portrait" if height > width else "landscape"
    used = round(sizes[f"header_{orientation}"] * unit)
    if notices:
        used += round(sizes[f"notice_{orientation}"] * unit)
    return width, height - used


@cache
def preview_css() -> str:
    """The stylesheet of the preview's numbers: one rule of custom properties per theme."""
    rules = []
    for name in THEMES:
        theme = load_theme(name)
        props = [f"--{key.replace('_', '-')}:{value}" for key, value in theme.colours.items()]
        props += [f"--s-{key.replace('_', '-')}:{value}" for key, value in theme.sizes.items()]
        rules.append(f".scr.t-{name}{{{';'.join(props)}}}")
    blur = BACKDROP_BLUR_CELLS * 100 / BACKDROP_CELLS
    rules.append(
        f".scr .bd{{filter:blur({blur:.2f}cqmax) grayscale({BACKDROP_GREY}) "
        f"brightness({BACKDROP_BRIGHTNESS})}}"
    )
    return "/* The screens' layout numbers, from themes/<name>/theme.toml. */\n" + "\n".join(rules)
