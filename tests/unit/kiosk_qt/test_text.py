"""Text fitted to a box: wrapped, cut to a number of lines, elided."""

from __future__ import annotations

from kiosk.qt.qt import QFontMetrics
from kiosk.qt.text import elide, fit_to_width, one_paragraph, wrap_lines
from kiosk.qt.theme import Theme


def test_short_text_is_one_line_unchanged(qapp: object, theme: Theme) -> None:
    assert wrap_lines("本周五召开支部党员大会", theme.font(30), 1000, 3) == [
        "本周五召开支部党员大会"
    ]


def test_long_chinese_text_wraps_and_the_last_line_is_elided(qapp: object, theme: Theme) -> None:
    font = theme.font(30)
    lines = wrap_lines("请全体党员准时参加。" * 500, font, 400, 3)
    metrics = QFontMetrics(font)
    assert len(lines) == 3
    assert all(metrics.horizontalAdvance(line) <= 400 for line in lines)
    assert lines[-1].endswith("…")
    assert not lines[0].endswith("…")


def test_whitespace_and_newlines_fold(qapp: object, theme: Theme) -> None:
    assert one_paragraph("  第一行\n\n第二行\t 结束 ") == "第一行 第二行 结束"
    assert wrap_lines("\n\n", theme.font(30), 400, 3) == []


def test_elide_and_fit(qapp: object, theme: Theme) -> None:
    font = theme.font(40)
    name = "中共示范街道委员会第一党支部第二党小组"
    assert elide(name, font, 200).endswith("…")
    fitted = fit_to_width(font, name, 500, min_ratio=0.5)
    assert QFontMetrics(fitted).horizontalAdvance(name) <= 500
    assert fit_to_width(font, "短", 500).pixelSize() == 40
