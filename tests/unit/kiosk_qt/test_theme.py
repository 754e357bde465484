"""Themes are data: validated TOML, a fallback for unknown names, sizes relative to the screen."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from kiosk.qt.theme import Metrics, Theme, ThemeError, ThemeLibrary, default_themes_dir


def test_party_red_loads_with_party_colours_and_cjk_fonts(theme: Theme) -> None:
    assert theme.name == "party-red"
    assert theme.fonts.sans[0] == "Noto Sans CJK SC"
    assert theme.color("background").red() > 3 * theme.color("background").green()  # red
    assert theme.color("accent").name().upper() == "#F5C542"


def test_unknown_theme_falls_back_to_party_red_with_one_log_line(
    themes: ThemeLibrary, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.screen")
    assert themes.get("no-such-theme") is themes.default
    assert themes.get("no-such-theme") is themes.default
    fallbacks = [r for r in caplog.records if getattr(r, "event", None) == "theme_fallback"]
    assert len(fallbacks) == 1
    assert "no-such-theme" in fallbacks[0].getMessage()


def test_bad_key_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "party-red"
    shutil.copytree(default_themes_dir() / "party-red", folder)
    path = folder / "theme.toml"
    path.write_text(path.read_text().replace('accent = "#F5C542"', 'accent = "gold"'))
    with pytest.raises(ThemeError, match="colors.accent"):
        ThemeLibrary(tmp_path)


def test_a_broken_second_theme_falls_back(tmp_path: Path, themes: ThemeLibrary) -> None:
    shutil.copytree(default_themes_dir() / "party-red", tmp_path / "party-red")
    (tmp_path / "mourning").mkdir()
    (tmp_path / "mourning" / "theme.toml").write_text("name = [unclosed")
    library = ThemeLibrary(tmp_path)
    assert library.get("mourning") is library.default


def test_sizes_scale_with_the_shorter_side(theme: Theme) -> None:
    portrait = Metrics.for_size(theme, 1080, 1920)
    landscape = Metrics.for_size(theme, 1920, 1080)
    uhd = Metrics.for_size(theme, 3840, 2160)
    assert portrait.portrait and not landscape.portrait
    assert portrait.px("notice_text") == landscape.px("notice_text")
    assert uhd.px("notice_text") == pytest.approx(2 * landscape.px("notice_text"), abs=1)
    assert uhd.header_height == pytest.approx(2 * landscape.header_height, abs=1)


def test_fonts_never_get_a_zero_size(theme: Theme) -> None:
    tiny = Metrics.for_size(theme, 0, 0)
    assert tiny.px("rule") >= 1
    assert theme.font(0).pixelSize() == 1
