"""Text fitted to a box: wrapped by the Chinese line-breaking rules, paged, elided."""

from __future__ import annotations

import itertools

import pytest

from kiosk.core.linebreak import CLOSING, OPENING, content_length
from kiosk.qt.qt import QFont, QFontMetrics
from kiosk.qt.text import (
    LineFitter,
    elide,
    fit_to_width,
    one_paragraph,
    paginate,
    wrap_all,
    wrap_lines,
)
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


# -- Chinese line breaking (禁则) with real fonts -------------------------------------------

DEMO = (
    "本周五下午三点在党员活动室召开支部党员大会，"
    "请全体党员准时参加，不能参加的请提前向支部书记请假。"
)
QUOTED = (
    "支部书记说：“学习要有恒心。”（详见《学习手册》第3页）"
    "全体党员于10:30前到达2号会议室，签到后入座。"
)
CITATION = "扎根基层三十年，带领群众修路架桥，把村里的事当作自家的事，深受群众爱戴。"
WORDS = ["支部", "党员", "书记", "请假", "会议", "学习", "群众", "10:30"]


def _fonts(theme: Theme) -> list[QFont]:
    return [theme.font(30), theme.font(36, serif=True), theme.font(44, bold=True)]


def _splits_a_word(lines: list[str]) -> str | None:
    """The word split between two of ``lines``, if any."""
    for before, after in itertools.pairwise(lines):
        for word in WORDS:
            for cut in range(1, len(word)):
                if before.endswith(word[:cut]) and after.startswith(word[cut:]):
                    return word
    return None


@pytest.mark.parametrize("text", [DEMO, QUOTED, CITATION])
def test_lines_break_between_words_and_never_before_closing_marks(
    qapp: object, theme: Theme, text: str
) -> None:
    for font in _fonts(theme):
        metrics = QFontMetrics(font)
        em = metrics.horizontalAdvance("字")
        for width in range(6 * em, 32 * em, em // 3 + 1):
            lines = wrap_all(text, font, width)
            context = (font.pixelSize(), width, lines)
            assert "".join(lines) == text, context  # nothing lost or added
            assert all(metrics.horizontalAdvance(line) <= width for line in lines), context
            assert not any(line[0] in CLOSING for line in lines), context
            assert not any(line[-1] in OPENING for line in lines), context
            assert _splits_a_word(lines) is None, context
            assert len(lines) == 1 or content_length(lines[-1]) >= 2, context


def test_pages_start_with_a_whole_word_and_end_at_a_clause_when_they_can(
    qapp: object, theme: Theme
) -> None:
    for font in _fonts(theme):
        em = QFontMetrics(font).horizontalAdvance("字")
        for width in range(8 * em, 30 * em, em // 2 + 1):
            for per_page in (1, 2, 3):
                pages = paginate(DEMO * 2, font, width, per_page)
                texts = ["".join(page) for page in pages]
                context = (font.pixelSize(), width, per_page, texts)
                assert "".join(texts) == DEMO * 2, context
                assert all(1 <= len(page) <= per_page for page in pages), context
                assert "部书记请假。" not in texts and "请假。" not in texts, context
                assert not any(page[0] in CLOSING for page in texts), context
                assert _splits_a_word([line for page in pages for line in page]) is None
    # At the band's size in portrait (about 20 characters, two lines a page) the notice of
    # the issue takes two pages, the second a whole clause.
    font = theme.font(39)
    pages = paginate(DEMO, font, QFontMetrics(font).horizontalAdvance("字") * 20 + 5, 2)
    assert ["".join(page) for page in pages] == [
        "本周五下午三点在党员活动室召开支部党员大会，请全体党员准时参加，",
        "不能参加的请提前向支部书记请假。",
    ]


def test_a_citation_never_ends_with_a_lone_character(qapp: object, theme: Theme) -> None:
    font = theme.font(28)
    em = QFontMetrics(font).horizontalAdvance("字")
    for chars in range(6, 20):
        text = "好" * (chars * 2) + "人。"  # a line and a character and its full stop over
        lines = wrap_lines(text, font, chars * em + 2, 4)
        assert len(lines) >= 2 and content_length(lines[-1]) >= 2, (chars, lines)
        assert "".join(lines) == text


def test_wrap_lines_measures_only_the_lines_it_returns(
    qapp: object, theme: Theme, monkeypatch: pytest.MonkeyPatch
) -> None:
    starts: list[int] = []
    measure = LineFitter.__call__

    def counting(self: LineFitter, start: int, stop: int) -> int:
        starts.append(start)
        return measure(self, start, stop)

    monkeypatch.setattr(LineFitter, "__call__", counting)
    lines = wrap_lines(DEMO * 400, theme.font(30), 600, 3)  # 19,600 characters
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert len(starts) == 3


def test_a_character_outside_the_basic_plane_is_not_cut(qapp: object, theme: Theme) -> None:
    text = "党员𠮷田同志" * 30  # 𠮷: two UTF-16 units, one character
    lines = wrap_all(text, theme.font(30), 300)
    assert "".join(lines) == text
