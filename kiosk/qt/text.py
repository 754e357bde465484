"""Text that must fit a box: wrapped to a width, cut to a number of lines, elided with "…".

Where lines and pages may break is decided by :mod:`kiosk.core.linebreak` (Chinese line
breaking rules, no Qt); this module measures the text for it with ``QTextLayout``.

Everything here draws plain text: ``QPainter.drawText`` never interprets markup, so a name
like ``<b>张三</b>`` from a manifest shows as typed. Painted widgets keep a list of
:class:`DrawnText` (what they drew, in which font, in which box) so tests can check that no
text overflows its box.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.core.linebreak import line_spans, page_spans
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

    Lines break by the rules of :mod:`kiosk.core.linebreak` (no line starts with closing
    punctuation, words and numbers stay whole, no lone last character). When text remains
    after the last line, that line is elided with "…". Only the lines that fit are laid out,
    so a 20,000-character notice costs as little as a short one.
    """
    text = one_paragraph(text)
    if not text or width <= 0 or max_lines <= 0:
        return []
    spans = line_spans(text, LineFitter(text, font, width), max_lines=max_lines)
    lines = [text[start:end].strip() for start, end in spans]
    last_start, last_end = spans[-1]
    if last_end < len(text):  # text is left over: elide the last line
        rest = text[last_start : last_start + 2 * (last_end - last_start) + 16]  # overflows
        lines[-1] = QFontMetrics(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return lines


def wrap_all(text: str, font: QFont, width: int) -> list[str]:
    """Every line of ``text`` wrapped to ``width`` pixels, nothing elided."""
    text = one_paragraph(text)
    if not text or width <= 0:
        return []
    return [text[s:e].strip() for s, e in line_spans(text, LineFitter(text, font, width))]


def paginate(text: str, font: QFont, width: int, per_page: int) -> list[list[str]]:
    """``text`` wrapped to ``width`` pixels and cut into pages of at most ``per_page`` lines.

    Pages break by the rules of :func:`kiosk.core.linebreak.page_spans`: never inside a word
    or before closing punctuation, at a sentence end where the page is reasonably full.
    Nothing is elided or left out.
    """
    text = one_paragraph(text)
    if not text or width <= 0:
        return []
    fitter = LineFitter(text, font, width)
    return [[text[s:e].strip() for s, e in page] for page in page_spans(text, fitter, per_page)]


class LineFitter:
    """How much of ``text`` fits one line of ``width`` pixels from a given position (a
    :data:`kiosk.core.linebreak.FitEnd`).

    Each call lays out a chunk a little longer than a line (longer again if the line takes
    it all), so only the lines asked for are ever measured; each start is measured once.
    """

    def __init__(self, text: str, font: QFont, width: int) -> None:
        self._text, self._font, self._width = text, font, max(1, width)
        self._option = QTextOption()
        self._option.setWrapMode(QTextOption.WrapMode.WrapAnywhere)
        self._chunk = 2 * self._width // max(1, font.pixelSize()) + 8
        self._wide = bool(text) and max(text) > "\uffff"  # Qt counts UTF-16 units
        self._ends: dict[int, int] = {}

    def __call__(self, start: int, stop: int) -> int:
        if start not in self._ends:  # pages lay a line out again when they end it earlier
            size = self._chunk
            while True:
                chunk = self._text[start : start + size]
                fitting = self._fitting(chunk)
                if fitting < len(chunk) or start + len(chunk) >= len(self._text):
                    break
                size *= 2
            self._ends[start] = start + max(1, fitting)
        return min(stop, self._ends[start])

    def _fitting(self, chunk: str) -> int:
        """How many characters of ``chunk`` fit the line (spaces at the end may hang)."""
        layout = QTextLayout(chunk, self._font)
        layout.setTextOption(self._option)
        layout.beginLayout()
        line = layout.createLine()
        line.setLineWidth(self._width)
        units = line.textLength()
        layout.endLayout()
        if not self._wide:
            return units
        count = 0
        for ch in chunk:
            units -= 2 if ch > "\uffff" else 1
            if units < 0:
                break
            count += 1
        return count


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
