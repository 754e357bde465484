"""Honor rolls (光荣榜 / 先锋榜 / 党员风采): the roll's title over a grid of cards, page by page.

A card holds a photo cropped to 3:4, the name, the title (e.g. 优秀共产党员) and the citation.
The grid is derived from the size of the main zone (:func:`honor_grid`): the layout with the
most cards per page whose photo and text stay legible from two metres (theme sizes
``honor_photo_min``, ``honor_text_min``, name at ``honor_name`` of the shorter side). Cards
put the photo above the text when they are narrow, beside it when they are wide.

Everything is painted, never given to a QLabel, so names and citations are plain text:
``<b>张三</b>`` shows as typed. Only the page shown is laid out, so a roll of 500 entries
costs what one page costs. A photo that is not decoded (yet, or ever) is drawn as the
surname on a disc in the theme's colours.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from content_cache.wire import HonorEntry, HonorRoll
from kiosk.qt.qt import (
    QFont,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QRect,
    QResizeEvent,
    QSize,
    Qt,
    QWidget,
)
from kiosk.qt.text import (
    DrawnText,
    draw_lines,
    draw_text,
    elide,
    fit_to_width,
    line_height,
    wrap_lines,
)
from kiosk.qt.theme import Metrics, Theme

DEFAULT_HEADING = "光荣榜"
MAX_COLUMNS = 6
MAX_ROWS = 6
MAX_SIDE_CITATION_LINES = 4
MAX_STACKED_CITATION_LINES = 2
NAME_MIN_RATIO = 0.9  # long names shrink this far (stays >= 3.5% of the short side), then elide

PhotoLookup = Callable[[str], QPixmap | None]


@dataclass(frozen=True)
class CardFonts:
    """The fonts of a card and the heading."""

    heading: QFont
    name: QFont
    title: QFont
    citation: QFont

    @classmethod
    def of(cls, theme: Theme, metrics: Metrics) -> CardFonts:
        """The fonts of ``theme`` at the sizes of ``metrics``."""
        return cls(
            heading=theme.font(metrics.px("honor_heading"), serif=True, bold=True),
            name=theme.font(metrics.px("honor_name"), bold=True),
            title=theme.font(metrics.px("honor_title"), bold=True),
            citation=theme.font(metrics.px("honor_citation")),
        )


@dataclass(frozen=True)
class HonorGrid:
    """Where the heading, the cards and, inside each card, the photo and the text go.

    Attributes:
        columns: cards per row.
        rows: rows per page.
        side: True when the photo is beside the text, False when above it.
        heading: the box of the roll's title (and the page number).
        cards: the boxes of the cards of one page, row by row.
        photo: the size of every photo (3:4), empty when there is no room for one.
        pad: the space inside a card around the photo and the text.
    """

    columns: int
    rows: int
    side: bool
    heading: QRect
    cards: tuple[QRect, ...]
    photo: QSize
    pad: int

    @property
    def per_page(self) -> int:
        """Cards on one page."""
        return len(self.cards)

    def pages(self, entries: int) -> int:
        """Pages needed for ``entries`` cards (at least one)."""
        return max(1, math.ceil(entries / self.per_page))

    def page_span(self, entries: int, page: int) -> tuple[int, int]:
        """(first entry, number of entries) of ``page``: entries are spread evenly over the
        pages (13 on pages of 12 are 7 + 6, not 12 + 1), so no page stands nearly empty."""
        pages = self.pages(entries)
        base, extra = divmod(entries, pages)
        page = max(0, min(page, pages - 1))
        return page * base + min(page, extra), base + (1 if page < extra else 0)

    def placed(self, count: int) -> list[QRect]:
        """The boxes of ``count`` cards on a page: rows centred vertically, the last row's
        cards centred horizontally."""
        count = max(0, min(count, self.per_page))
        if count == 0:
            return []
        first, second = self.cards[0], self.cards[min(1, len(self.cards) - 1)]
        step_x = second.x() - first.x() if self.columns > 1 else 0
        step_y = self.cards[self.columns].y() - first.y() if self.rows > 1 else 0
        rows = math.ceil(count / self.columns)
        dy = (self.rows - rows) * step_y // 2
        boxes = []
        for index in range(count):
            row, column = divmod(index, self.columns)
            in_row = min(self.columns, count - row * self.columns)
            dx = (self.columns - in_row) * step_x // 2
            boxes.append(self.cards[row * self.columns + column].translated(dx, dy))
        return boxes

    def photo_rect(self, card: QRect) -> QRect:
        """The photo's box in ``card``: top centre, or left and vertically centred."""
        width, height = self.photo.width(), self.photo.height()
        if self.side:
            top = card.y() + (card.height() - height) // 2
            return QRect(card.x() + self.pad, top, width, height)
        return QRect(card.x() + (card.width() - width) // 2, card.y() + self.pad, width, height)

    def text_rect(self, card: QRect) -> QRect:
        """The text's box in ``card``: beside or below the photo."""
        photo, pad = self.photo_rect(card), self.pad
        if self.side:
            left = photo.right() + 1 + pad if not self.photo.isEmpty() else card.x() + pad
            return QRect(left, card.y() + pad, card.right() - pad - left, card.height() - 2 * pad)
        top = photo.bottom() + 1 + pad if not self.photo.isEmpty() else card.y() + pad
        bottom = card.y() + card.height() - pad  # exclusive
        return QRect(card.x() + pad, top, card.width() - 2 * pad, bottom - top)


def honor_grid(
    theme: Theme, metrics: Metrics, size: QSize, entries: int, *, with_heading: bool = True
) -> HonorGrid:
    """The grid for a roll of ``entries`` in a zone of ``size`` pixels (under the roll's
    title unless ``with_heading`` is False: then the heading box is empty).

    Of the layouts whose photos are at least ``honor_photo_min`` tall and whose text column is
    at least ``honor_text_min`` wide, the one with the most cards per page wins (counting no
    more cards than the roll has), then the one with the largest photos. If none is legible
    (a tiny window), one card per page.
    """
    fonts = CardFonts.of(theme, metrics)
    gap = metrics.px("honor_gap")
    heading_h = line_height(fonts.heading) if with_heading else 0
    heading = QRect(gap, gap // 2, size.width() - 2 * gap, heading_h)
    top = heading.bottom() + 1 + gap // 2
    area = QRect(gap, top, size.width() - 2 * gap, size.height() - top - gap)
    best: tuple[tuple[int, int], HonorGrid] | None = None
    for side in (False, True):
        for columns in range(1, MAX_COLUMNS + 1):
            for rows in range(1, MAX_ROWS + 1):
                grid = _grid(metrics, fonts, area, heading, columns, rows, side)
                if grid.photo.height() < metrics.px("honor_photo_min"):
                    continue
                score = (min(grid.per_page, max(1, entries)), grid.photo.height())
                if best is None or score > best[0]:
                    best = (score, grid)
    if best is None:
        return _grid(metrics, fonts, area, heading, 1, 1, False)
    return best[1]


def _grid(
    metrics: Metrics,
    fonts: CardFonts,
    area: QRect,
    heading: QRect,
    columns: int,
    rows: int,
    side: bool,
) -> HonorGrid:
    gap, pad = metrics.px("honor_gap"), metrics.px("honor_pad")
    card_w = max(1, (area.width() - (columns - 1) * gap) // columns)
    card_h = max(1, (area.height() - (rows - 1) * gap) // rows)
    photo_h = _photo_height(metrics, fonts, card_w, card_h, side)
    photo_h -= photo_h % 4  # exactly 3:4
    photo = QSize(photo_h * 3 // 4, photo_h) if photo_h > 0 else QSize(0, 0)
    cards = tuple(
        QRect(area.x() + c * (card_w + gap), area.y() + r * (card_h + gap), card_w, card_h)
        for r in range(rows)
        for c in range(columns)
    )
    return HonorGrid(columns, rows, side, heading, cards, photo, pad)


def _photo_height(metrics: Metrics, fonts: CardFonts, card_w: int, card_h: int, side: bool) -> int:
    """The tallest 3:4 photo a card of ``card_w`` x ``card_h`` can hold next to its text; 0
    when the text itself does not fit."""
    pad, text_min = metrics.px("honor_pad"), metrics.px("honor_text_min")
    name_h, title_h = line_height(fonts.name), line_height(fonts.title)
    citation_h = line_height(fonts.citation)
    if side:
        if card_h - 2 * pad < name_h + title_h + citation_h:
            return 0
        return min(card_h - 2 * pad, (card_w - 3 * pad - text_min) * 4 // 3)
    if card_w - 2 * pad < text_min:
        return 0
    text_h = name_h + title_h + MAX_STACKED_CITATION_LINES * citation_h
    return min(card_h - 3 * pad - text_h, (card_w - 2 * pad) * 4 // 3)


def surname(name: str) -> str:
    """The character shown on a photo's placeholder: the first letter of the name."""
    return next((ch for ch in name if ch.isalnum()), "")


@dataclass(frozen=True)
class _Card:
    """One card of the page shown, its text already fitted to its box."""

    entry: HonorEntry
    rect: QRect
    name: str
    name_font: QFont
    title: str
    citation: list[str]


class HonorRollView(QWidget):
    """Paints one page of an honor roll; which page is the player's choice.

    Args:
        theme: colours and sizes.
        parent: the parent widget.

    Attributes:
        drawn_text: the text of the last paint, for checks that nothing overflows.
    """

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._metrics = Metrics.for_size(theme, 1, 1)
        self._roll: HonorRoll | None = None
        self._page = 0
        self._grid: HonorGrid | None = None
        self._cards: list[_Card] = []
        self._photos: PhotoLookup = lambda key: None
        self._with_heading = True
        self.drawn_text: list[DrawnText] = []
        self.placeholders: list[str] = []  # names whose photo was drawn as a placeholder
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    @property
    def roll(self) -> HonorRoll | None:
        """The roll shown."""
        return self._roll

    @property
    def page(self) -> int:
        """The page shown, from 0."""
        return self._page

    @property
    def grid(self) -> HonorGrid:
        """The grid at the view's current size."""
        if self._grid is None:
            self._grid = self.grid_for(self.size())
        return self._grid

    @property
    def theme(self) -> Theme:
        """The theme in use."""
        return self._theme

    def grid_for(self, size: QSize, entries: int | None = None) -> HonorGrid:
        """The grid for a zone of ``size`` pixels and a roll of ``entries`` (default: the
        roll shown)."""
        if entries is None:
            entries = len(self._roll.entries) if self._roll is not None else 1
        return honor_grid(
            self._theme, self._metrics, size, entries, with_heading=self._with_heading
        )

    def pages(self) -> int:
        """How many pages the roll takes at the view's size."""
        return self.grid.pages(len(self._roll.entries)) if self._roll is not None else 0

    def page_entries(self, page: int | None = None) -> list[HonorEntry]:
        """The entries on ``page`` (default: the page shown); none past the last page."""
        if self._roll is None:
            return []
        page = self._page if page is None else page
        if not 0 <= page < self.pages():
            return []
        start, count = self.grid.page_span(len(self._roll.entries), page)
        return list(self._roll.entries[start : start + count])

    def first_entry(self) -> int:
        """The index in the roll of the first entry on the page shown."""
        if self._roll is None:
            return 0
        return self.grid.page_span(len(self._roll.entries), self._page)[0]

    def page_of(self, entry: int) -> int:
        """The page on which the entry at index ``entry`` is shown."""
        if self._roll is None:
            return 0
        total = len(self._roll.entries)
        for page in range(self.pages()):
            start, count = self.grid.page_span(total, page)
            if entry < start + count:
                return page
        return 0

    def card_rects(self) -> list[QRect]:
        """The boxes of the cards shown now."""
        return [card.rect for card in self._cards]

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._theme, self._metrics = theme, metrics
        self._relayout()

    def set_heading_shown(self, shown: bool) -> None:
        """Paint the roll's title and page number above the cards (True, the default), or
        leave them to the page around the view (touch mode's bar) and give the cards the room.
        """
        if shown != self._with_heading:
            self._with_heading = shown
            self._relayout()

    def set_photo_lookup(self, lookup: PhotoLookup) -> None:
        """Where decoded photos come from, by asset sha256."""
        self._photos = lookup

    def set_roll(self, roll: HonorRoll | None, page: int = 0) -> None:
        """Show ``page`` of ``roll``."""
        self._roll, self._page = roll, page
        self._relayout()

    def set_page(self, page: int) -> None:
        """Show ``page`` (from 0) of the roll."""
        self._page = max(0, min(page, self.pages() - 1))
        self._relayout()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def paintEvent(self, event: QPaintEvent) -> None:
        self.drawn_text, self.placeholders = [], []
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), self._theme.color("background"))
        if self._roll is not None:
            if self._with_heading:
                self._paint_heading(painter)
            for card in self._cards:
                self._paint_card(painter, card)
        painter.end()

    # -- layout ------------------------------------------------------------------------------

    def _relayout(self) -> None:
        self._grid = None
        self._cards = []
        if self._roll is not None and self.width() > 1 and self.height() > 1:
            self._page = max(0, min(self._page, self.pages() - 1))
            grid = self.grid
            entries = self.page_entries()
            pairs = zip(entries, grid.placed(len(entries)), strict=True)
            self._cards = [self._fit_card(entry, rect, grid) for entry, rect in pairs]
        self.update()

    def _fit_card(self, entry: HonorEntry, rect: QRect, grid: HonorGrid) -> _Card:
        fonts = CardFonts.of(self._theme, self._metrics)
        box = grid.text_rect(rect)
        width = box.width()
        name_font = fit_to_width(fonts.name, entry.name, width, min_ratio=NAME_MIN_RATIO)
        used = line_height(name_font) + (line_height(fonts.title) if entry.title.strip() else 0)
        limit = MAX_SIDE_CITATION_LINES if grid.side else MAX_STACKED_CITATION_LINES
        lines = min(limit, (box.height() - used) // line_height(fonts.citation))
        return _Card(
            entry=entry,
            rect=rect,
            name=elide(entry.name, name_font, width),
            name_font=name_font,
            title=elide(entry.title, fonts.title, width),
            citation=wrap_lines(entry.citation, fonts.citation, width, lines),
        )

    # -- painting ----------------------------------------------------------------------------

    def _paint_heading(self, painter: QPainter) -> None:
        assert self._roll is not None
        fonts, box = CardFonts.of(self._theme, self._metrics), self.grid.heading
        centre = Qt.AlignmentFlag.AlignCenter
        pages = self.pages()
        reserve = 0
        if pages > 1:
            painter.setFont(fonts.citation)
            count = f"第 {self._page + 1}/{pages} 页"
            reserve = painter.fontMetrics().horizontalAdvance(count)
            painter.setPen(self._theme.color("text_muted"))
            right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            draw_text(painter, box, right, count, self.drawn_text)
        title_box = box.adjusted(reserve, 0, -reserve, 0)
        title = self._roll.title.strip() or DEFAULT_HEADING
        painter.setFont(fonts.heading)
        painter.setPen(self._theme.color("accent"))
        title = elide(title, fonts.heading, title_box.width())
        draw_text(painter, title_box, centre, title, self.drawn_text)

    def _paint_card(self, painter: QPainter, card: _Card) -> None:
        grid, theme = self.grid, self._theme
        rule = self._metrics.px("rule")
        painter.fillRect(card.rect, theme.color("band"))
        painter.setPen(QPen(theme.color("accent"), rule))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        half = rule // 2
        painter.drawRect(card.rect.adjusted(half, half, -half - rule % 2, -half - rule % 2))
        if not grid.photo.isEmpty():
            self._paint_photo(painter, card.entry, grid.photo_rect(card.rect))
        self._paint_text(painter, card, grid.text_rect(card.rect))

    def _paint_photo(self, painter: QPainter, entry: HonorEntry, box: QRect) -> None:
        pixmap = self._photos(entry.photo.sha256) if entry.photo is not None else None
        if pixmap is not None and not pixmap.isNull():
            painter.drawPixmap(box, pixmap)
            return
        self.placeholders.append(entry.name)
        theme = self._theme
        painter.fillRect(box, theme.color("background"))
        diameter = min(box.width(), box.height()) * 7 // 10
        disc = QRect(
            box.center().x() - diameter // 2, box.center().y() - diameter // 2, diameter, diameter
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.color("accent"))
        painter.drawEllipse(disc)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        letter = surname(entry.name)
        if letter:
            painter.setFont(theme.font(diameter // 2, serif=True, bold=True))
            painter.setPen(theme.color("tag_text"))
            draw_text(painter, disc, Qt.AlignmentFlag.AlignCenter, letter, self.drawn_text)

    def _paint_text(self, painter: QPainter, card: _Card, box: QRect) -> None:
        fonts, theme = CardFonts.of(self._theme, self._metrics), self._theme
        align = Qt.AlignmentFlag.AlignLeft if self.grid.side else Qt.AlignmentFlag.AlignHCenter
        height = (
            line_height(card.name_font)
            + (line_height(fonts.title) if card.title else 0)
            + len(card.citation) * line_height(fonts.citation)
        )
        top = box.y() + max(0, (box.height() - height) // 2) if self.grid.side else box.y()
        y = top
        painter.setPen(theme.color("accent_bright"))
        line = QRect(box.x(), y, box.width(), line_height(card.name_font))
        y += draw_lines(painter, [card.name], card.name_font, line, align, self.drawn_text)
        if card.title:
            painter.setPen(theme.color("accent"))
            line = QRect(box.x(), y, box.width(), line_height(fonts.title))
            y += draw_lines(painter, [card.title], fonts.title, line, align, self.drawn_text)
        painter.setPen(theme.color("text"))
        rest = QRect(box.x(), y, box.width(), box.bottom() - y)
        draw_lines(painter, card.citation, fonts.citation, rest, align, self.drawn_text)
