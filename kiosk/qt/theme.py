"""Themes: colours, fonts and relative sizes, as data in ``themes/<name>/theme.toml``.

A theme is validated with pydantic when it is loaded. Widgets never hard-code a colour or a
pixel size: they take colours from the :class:`Theme` and sizes from :class:`Metrics`, which
turns the theme's fractions of the screen's shorter side into pixels for the current window.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import kiosk
from kiosk.qt.qt import QColor, QFont

log = logging.getLogger("kiosk.screen")

DEFAULT_THEME = "party-red"
THEME_FILE = "theme.toml"

Colour = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]
Fraction = Annotated[float, Field(gt=0, le=0.5)]


class ThemeError(ValueError):
    """A theme cannot be used; the message names the theme and the bad key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Colors(_Section):
    """Every colour the screen paints with."""

    background: Colour
    band: Colour
    band_edge: Colour
    accent: Colour
    accent_bright: Colour
    text: Colour
    text_muted: Colour
    tag_text: Colour
    urgent_background: Colour


class Fonts(_Section):
    """Font families in fallback order."""

    sans: Annotated[list[str], Field(min_length=1)]
    serif: Annotated[list[str], Field(min_length=1)]


class Sizes(_Section):
    """Sizes as fractions of the screen's shorter side."""

    margin: Fraction
    header_landscape: Fraction
    header_portrait: Fraction
    notice_landscape: Fraction
    notice_portrait: Fraction
    rule: Fraction
    org_name: Fraction
    clock: Fraction
    date: Fraction
    notice_tag: Fraction
    notice_text: Fraction
    waiting_title: Fraction
    waiting_detail: Fraction
    idle_title: Fraction
    idle_clock: Fraction
    idle_date: Fraction
    urgent_tag: Fraction
    urgent_title: Fraction
    urgent_text: Fraction
    honor_heading: Fraction
    honor_name: Fraction
    honor_title: Fraction
    honor_citation: Fraction
    honor_gap: Fraction
    honor_pad: Fraction
    honor_photo_min: Fraction
    honor_text_min: Fraction
    meeting_title: Fraction
    meeting_text: Fraction
    meeting_count: Fraction
    touch_button: Fraction
    touch_text: Fraction
    touch_title: Fraction
    touch_tile: Fraction


class Motion(_Section):
    """Timings of transitions, and how the notice band moves.

    ``notice_style``: "ticker" (the default) runs a notice that fits a few band widths as one
    line across the band, and pages longer ones; "pages" pages every notice. Optional, so a
    theme written before it still loads.
    """

    fade_ms: Annotated[int, Field(ge=0, le=5000)]
    notice_seconds: Annotated[float, Field(ge=2, le=600)]
    honor_page_seconds: Annotated[float, Field(ge=2, le=600)]
    notice_style: Literal["ticker", "pages"] = "ticker"


class Theme(_Section):
    """One theme as loaded from its TOML file."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,40}$")]
    label: str = ""
    colors: Colors
    fonts: Fonts
    sizes: Sizes
    motion: Motion

    def color(self, role: str) -> QColor:
        """The colour of ``role`` (a field of :class:`Colors`) as a QColor."""
        return QColor(getattr(self.colors, role))

    def font(self, pixel_size: int, *, serif: bool = False, bold: bool = False) -> QFont:
        """A font of the theme's families at ``pixel_size`` pixels (at least 1)."""
        font = QFont()
        font.setFamilies(list(self.fonts.serif if serif else self.fonts.sans))
        font.setPixelSize(max(1, int(pixel_size)))
        font.setBold(bold)
        return font


@dataclass(frozen=True)
class Metrics:
    """The theme's relative sizes in pixels for one window size.

    Attributes:
        width: window width in pixels.
        height: window height in pixels.
        unit: the shorter side; every theme size is a fraction of it.
        portrait: True when the portrait layout is used: the window is taller than wide, or
            the orientation setting asks for it.
    """

    width: int
    height: int
    unit: int
    portrait: bool
    sizes: Sizes

    @classmethod
    def for_size(cls, theme: Theme, width: int, height: int, orientation: str = "auto") -> Metrics:
        """Metrics of ``theme`` for a window of ``width`` x ``height`` pixels.

        ``orientation`` ("auto", "portrait" or "landscape") chooses the layout; "auto" takes
        the window's own shape.
        """
        width, height = max(1, width), max(1, height)
        portrait = height > width if orientation == "auto" else orientation == "portrait"
        return cls(width, height, min(width, height), portrait, theme.sizes)

    def px(self, role: str) -> int:
        """The size ``role`` (a field of :class:`Sizes`) in pixels, at least 1."""
        return max(1, round(getattr(self.sizes, role) * self.unit))

    @property
    def header_height(self) -> int:
        """Height of the header band."""
        return self.px("header_portrait" if self.portrait else "header_landscape")

    @property
    def notice_height(self) -> int:
        """Height of the notice band."""
        return self.px("notice_portrait" if self.portrait else "notice_landscape")


def default_themes_dir() -> Path:
    """The ``themes/`` folder shipped next to the ``kiosk`` package."""
    return Path(kiosk.__file__).resolve().parent.parent / "themes"


def load_theme_file(path: Path) -> Theme:
    """Load and validate one theme file.

    Raises:
        ThemeError: the file is missing, not TOML, or a key is unknown or bad (named).
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Theme.model_validate(data)
    except OSError as exc:
        raise ThemeError(f"cannot read theme {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ThemeError(f"theme {path} is not valid TOML: {exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(top)"
        raise ThemeError(f"bad key {key!r} in theme {path}: {err['msg']}") from None


class ThemeLibrary:
    """Themes by name from one folder, with a fallback to the default theme.

    The default theme is loaded at construction, so a broken installation fails at start-up
    with one clear message rather than later on screen.

    Args:
        themes_dir: folder holding ``<name>/theme.toml``.
        default: name of the theme used when another one cannot be loaded.

    Raises:
        ThemeError: the default theme itself cannot be loaded.
    """

    def __init__(self, themes_dir: Path, default: str = DEFAULT_THEME) -> None:
        self._dir = Path(themes_dir)
        self.default = load_theme_file(self._dir / default / THEME_FILE)
        self._themes: dict[str, Theme] = {default: self.default}

    def get(self, name: str) -> Theme:
        """The theme called ``name``, or the default one (logged once) if it cannot be loaded."""
        if name not in self._themes:
            try:
                self._themes[name] = load_theme_file(self._dir / name / THEME_FILE)
            except ThemeError as exc:
                log.warning(
                    "theme %r unusable, using %s: %s",
                    name,
                    self.default.name,
                    exc,
                    extra={"event": "theme_fallback", "theme": name},
                )
                self._themes[name] = self.default
        return self._themes[name]
