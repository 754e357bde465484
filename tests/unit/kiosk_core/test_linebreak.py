"""Chinese line and page breaking (禁则), measured here with a fixed-width "font": every
character one unit wide, so a line of width N holds N characters."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kiosk.core.linebreak import (
    CLAUSE,
    CLOSING,
    FORCED,
    IN_LATIN,
    IN_WORD,
    OPENING,
    ORDINARY,
    SENTENCE,
    FitEnd,
    break_class,
    content_length,
    line_spans,
    page_spans,
)

DEMO = (
    "本周五下午三点在党员活动室召开支部党员大会，"
    "请全体党员准时参加，不能参加的请提前向支部书记请假。"
)
QUOTED = (
    "支部书记说：“学习要有恒心。”（详见《学习手册》第3页）"
    "全体党员于10:30前到达2号会议室，签到后入座。"
)
MIXED = (
    "请登录 PySide6 学习平台 party.example.org 观看视频，"
    "完成率100%的同志请于12月31日前提交心得……谢谢！"
)
LONG = (
    "本周五下午三点在党员活动室召开支部党员大会。请全体党员准时参加！不能参加的请提前向支部书记请假；"
    * 6
)
TEXTS = [DEMO, QUOTED, MIXED, LONG, "完。", "党员", "一二三四五六七八九十。"]
WORDS = ["支部", "党员", "书记", "请假", "会议", "学习", "10:30", "100%", "PySide6", "……"]


def monospace(width: int) -> FitEnd:
    """A measure in which every character is one unit wide; spaces at a line's end hang."""

    def fit_end(start: int, stop: int) -> int:
        return min(stop, start + max(1, width))

    return fit_end


def line_texts(text: str, width: int, max_lines: int | None = None) -> list[str]:
    return [text[s:e].strip() for s, e in line_spans(text, monospace(width), max_lines=max_lines)]


def boundaries(spans: list[tuple[int, int]]) -> set[int]:
    """Where a line or page begins (after the first)."""
    return {start for start, _ in spans[1:]}


def splits_word(text: str, cut: int, width: int) -> bool:
    """True if a line or page beginning at ``cut`` splits one of :data:`WORDS` that would fit a
    line of ``width`` with a punctuation mark after it."""
    for word in (w for w in WORDS if len(w) < width):
        index = text.find(word)
        while index != -1:
            if index < cut < index + len(word):
                return True
            index = text.find(word, index + 1)
    return False


@pytest.mark.parametrize("text", TEXTS)
def test_lines_keep_the_rules_at_every_width(text: str) -> None:
    for width in range(4, 60):
        spans = line_spans(text, monospace(width))
        lines = [text[s:e].strip() for s, e in spans]
        assert "".join(lines).replace(" ", "") == text.replace(" ", ""), (width, lines)
        for start, end in spans:
            assert len(text[start:end].rstrip()) <= width, (width, lines)  # fits its line
        for line in lines[1:]:
            assert line[0] not in CLOSING, (width, lines)  # no line starts with ，。）…
        for line in lines[:-1]:
            assert line[-1] not in OPENING, (width, lines)  # none ends with （“《
        for cut in boundaries(spans):
            assert not splits_word(text, cut, width), (width, lines, cut)
        if len(lines) > 1 and width >= 6:  # (narrower, the line above may have none to give)
            assert content_length(lines[-1]) >= 2, (width, lines)  # no lone last character


@pytest.mark.parametrize("text", [DEMO, QUOTED, LONG])
def test_pages_never_start_with_a_fragment(text: str) -> None:
    for width in range(6, 50):
        for per_page in (1, 2, 3):
            pages = page_spans(text, monospace(width), per_page)
            texts = ["".join(text[s:e].strip() for s, e in page) for page in pages]
            assert "".join(texts) == text.replace(" ", ""), (width, per_page)
            assert all(1 <= len(page) <= per_page for page in pages)
            assert "部书记请假。" not in texts and "假。" not in texts
            for page in texts[1:]:
                assert page[0] not in CLOSING, (width, per_page, texts)
            for cut in boundaries([page[0] for page in pages]):
                assert not splits_word(text, cut, width), (width, per_page, texts)
            assert content_length(texts[-1]) >= 2


def test_the_issues_example_keeps_zhibu_and_its_last_words_together() -> None:
    # The band at 1080x1920: about 20 characters a line, two lines a page.
    pages = page_spans(DEMO, monospace(20), 2)
    texts = [[DEMO[s:e] for s, e in page] for page in pages]
    assert texts == [
        ["本周五下午三点在党员活动室召开支部党员", "大会，请全体党员准时参加，"],
        ["不能参加的请提前向支部书记请假。"],
    ]


def test_a_page_ends_at_a_sentence_when_it_is_half_full() -> None:
    text = "第一句话在这里结束。" + "第二句话很长" * 10 + "。"
    [first, *_] = page_spans(text, monospace(16), 1)  # one line of 16 a page
    assert text[first[0][0] : first[-1][1]] == "第一句话在这里结束。"  # 10 of 16: ends there
    [first, *_] = page_spans(text, monospace(30), 1)
    assert len(text[first[0][0] : first[-1][1]]) > 10  # a third full: the page goes on


def test_closing_punctuation_never_starts_a_line_even_when_the_line_is_full() -> None:
    assert line_texts("甲乙丙丁，戊己庚辛。", 4) == ["甲乙丙", "丁，戊己", "庚辛。"]
    assert line_texts("他说“好”", 3) == ["他说", "“好”"]


def test_a_lone_last_character_takes_a_word_down() -> None:
    assert line_texts("请全体党员准时参加会议完。", 12) == ["请全体党员准时参加", "会议完。"]
    assert line_texts("党员", 1) == ["党", "员"]  # a line one character wide: nothing better


def test_latin_words_break_at_spaces_and_long_ones_anywhere() -> None:
    assert line_texts("visit our party site", 12) == ["visit our", "party site"]
    assert line_texts("abcdefghijklmnop", 5) == ["abcde", "fghij", "klmno", "p"]


def test_max_lines_measures_only_those_lines() -> None:
    calls: list[int] = []
    measure = monospace(20)

    def counting(start: int, stop: int) -> int:
        calls.append(start)
        return measure(start, stop)

    spans = line_spans(LONG * 100, counting, max_lines=3)
    assert len(spans) == 3 and len(calls) == 3


def test_break_classes() -> None:
    text = "支部书记：“10:30开会。”PySide6 好"
    assert break_class(text, 1) == IN_WORD  # 支|部
    assert break_class(text, 2) == ORDINARY  # 支部|书记
    assert break_class(text, 4) == FORCED  # |：
    assert break_class(text, 5) == CLAUSE  # ：|“ ... the quote opens: no break after it
    assert break_class(text, 6) == FORCED  # “|1
    assert break_class(text, 8) == FORCED  # 10|:30
    assert break_class(text, 9) == IN_LATIN  # 10:|30
    assert break_class(text, 11) == ORDINARY  # 30|开
    assert break_class(text, 15) == SENTENCE  # 。”|P
    assert break_class(text, 16) == IN_LATIN  # P|ySide6
    assert break_class(text, 22) == FORCED  # before a space
    assert break_class(text, 23) == ORDINARY  # after a space
    assert break_class("第3次", 1) == IN_WORD and break_class("3点", 1) == IN_WORD


def test_the_rules_import_no_qt() -> None:
    code = (
        "import sys, kiosk.core.linebreak; print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
