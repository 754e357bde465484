"""Text that must fit a box: wrapped to a width, cut to a number of lines, elided with "…".

Everything here draws plain text: ``QPainter.drawText`` never interprets markup, so a name
like ``<b>张三</b>`` from a manifest shows as typed. Painted widgets keep a list of
:class:`DrawnText` (what they drew, in which font, in which box) so tests can check that no
text overflows its box.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.qt.qt import QFont, QFontMetrics, QPainter, QRect, Qt, QTextLayout, QTextOption

_SPACES = re.compile(r"\s+")
ELLIPSIS = "…"


@dataclass(frozen=True)
class DrawnText:
    """One line of text as it was painted: the text, its font and the box it was drawn in."""

    text: str
    font: QFont
    rect: QRect

    def fits(self) -> bool:
        """True if the text is no wider than its box and its glyphs no taller."""
        metrics = QFontMetrics(self.font)
        return (
            metrics.horizontalAdvance(self.text) <= self.rect.width()
            and metrics.tightBoundingRect(self.text).height() <= self.rect.height()
        )


def one_paragraph(text: str) -> str:
    """``text`` with every run of whitespace (newlines too) folded into one space."""
    return _SPACES.sub(" ", text).strip()


def wrap_lines(text: str, font: QFont, width: int, max_lines: int) -> list[str]:
    """Lines of ``text`` wrapped to ``width`` pixels, at most ``max_lines`` of them.

    Chinese wraps between any two characters, Latin words at spaces (or anywhere when a word
    is longer than the line). When text remains after the last line, that line is elided
    with "…". Only the lines that fit are laid out, so a 20,000-character notice costs as
    little as a short one.
    """
    text = one_paragraph(text)
    if not text or width <= 0 or max_lines <= 0:
        return []
    spans = _line_spans(text, font, width, max_lines)
    lines = [text[start : start + length].strip() for start, length in spans]
    last_start, last_length = spans[-1]
    if last_start + last_length < len(text):  # text is left over: elide the last line
        rest = text[last_start : last_start + 2 * last_length + 16]  # enough to overflow
        lines[-1] = QFontMetrics(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return lines


def wrap_all(text: str, font: QFont, width: int) -> list[str]:
    """Every line of ``text`` wrapped to ``width`` pixels, nothing elided (for paging)."""
    text = one_paragraph(text)
    if not text or width <= 0:
        return []
    return [text[s : s + n].strip() for s, n in _line_spans(text, font, width, None)]


def pages_of(lines: list[str], per_page: int) -> list[list[str]]:
    """``lines`` cut into pages of ``per_page`` lines (the last may be shorter)."""
    per_page = max(1, per_page)
    return [lines[i : i + per_page] for i in range(0, len(lines), per_page)]


def _line_spans(text: str, font: QFont, width: int, max_lines: int | None) -> list[tuple[int, int]]:
    """(start, length) of the first ``max_lines`` lines (all if None) of ``text`` at ``width``.

    Chinese wraps between any two characters, Latin words at spaces, or anywhere when a word
    is longer than the line.
    """
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    spans: list[tuple[int, int]] = []
    layout.beginLayout()
    while max_lines is None or len(spans) < max_lines:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    return [(start, length) for start, length in spans if length > 0]


def elide(text: str, font: QFont, width: int) -> str:
    """``text`` on one line, elided with "…" to ``width`` pixels."""
    return QFontMetrics(font).elidedText(
        one_paragraph(text), Qt.TextElideMode.ElideRight, max(0, width)
    )


def fit_to_width(font: QFont, text: str, width: int, min_ratio: float = 0.6) -> QFont:
    """A copy of ``font``, shrunk so that ``text`` fits ``width`` pixels on one line.

    It never shrinks below ``min_ratio`` of the original size; past that the caller wraps
    or elides.
    """
    fitted = QFont(font)
    size = font.pixelSize()
    advance = QFontMetrics(font).horizontalAdvance(one_paragraph(text))
    if advance > width > 0 and size > 0:
        fitted.setPixelSize(max(1, round(size * max(min_ratio, width / advance))))
    return fitted


def line_height(font: QFont) -> int:
    """Distance between the baselines of two lines of ``font``."""
    return QFontMetrics(font).lineSpacing()


def draw_text(
    painter: QPainter,
    rect: QRect,
    flags: Qt.AlignmentFlag,
    text: str,
    drawn: list[DrawnText] | None = None,
) -> None:
    """Draw ``text`` (plain, never markup) in ``rect`` and note it in ``drawn``."""
    painter.drawText(rect, flags, text)
    if drawn is not None and text:
        drawn.append(DrawnText(text, QFont(painter.font()), QRect(rect)))


def draw_lines(
    painter: QPainter,
    lines: list[str],
    font: QFont,
    rect: QRect,
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
    drawn: list[DrawnText] | None = None,
) -> int:
    """Draw ``lines`` from the top of ``rect``; returns the height used."""
    painter.setFont(font)
    step = line_height(font)
    flags = align | Qt.AlignmentFlag.AlignVCenter
    for index, line in enumerate(lines):
        line_rect = QRect(rect.x(), rect.y() + index * step, rect.width(), step)
        draw_text(painter, line_rect, flags, line, drawn)
    return step * len(lines)
