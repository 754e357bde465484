"""Text that must fit a box: wrapped to a width, cut to a number of lines, elided with "…"."""

from __future__ import annotations

import re

from kiosk.qt.qt import QFont, QFontMetrics, QPainter, QRect, Qt, QTextLayout, QTextOption

_SPACES = re.compile(r"\s+")


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
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    spans: list[tuple[int, int]] = []
    layout.beginLayout()
    while len(spans) < max_lines:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    lines = [text[start : start + length].strip() for start, length in spans]
    last_start, last_length = spans[-1]
    if last_start + last_length < len(text):  # text is left over: elide the last line
        rest = text[last_start : last_start + 2 * last_length + 16]  # enough to overflow
        lines[-1] = QFontMetrics(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return lines


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


def draw_lines(
    painter: QPainter,
    lines: list[str],
    font: QFont,
    rect: QRect,
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
) -> int:
    """Draw ``lines`` from the top of ``rect``; returns the height used."""
    painter.setFont(font)
    step = line_height(font)
    flags = align | Qt.AlignmentFlag.AlignVCenter
    for index, line in enumerate(lines):
        painter.drawText(QRect(rect.x(), rect.y() + index * step, rect.width(), step), flags, line)
    return step * len(lines)
