"""The header band (organisation, date, clock) and the lower band (notices).

A notice longer than the band pages through: its text is wrapped once and shown a band-full
of lines at a time, each page for as long as it takes to read it
(:data:`READING_CHARS_PER_SECOND`, at least :data:`MIN_PAGE_SECONDS`), then the next page,
then the next notice. Nothing is cut for good.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from content_cache.wire import Notice
from kiosk.qt.qt import (
    QFont,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QRect,
    QResizeEvent,
    Qt,
    QTimer,
    QWidget,
)
from kiosk.qt.text import (
    DrawnText,
    draw_lines,
    draw_text,
    elide,
    fit_to_width,
    line_height,
    pages_of,
    wrap_all,
)
from kiosk.qt.theme import Metrics, Theme

WEEKDAYS = "一二三四五六日"
NOTICE_TAG = "通知公告"
READING_CHARS_PER_SECOND = 5.0  # unhurried, for elderly readers
MIN_PAGE_SECONDS = 5.0


def chinese_date(moment: datetime) -> str:
    """The date as shown on screen, e.g. ``2026年11月24日 星期二``."""
    weekday = WEEKDAYS[moment.weekday()]
    return f"{moment.year}年{moment.month}月{moment.day}日 星期{weekday}"


def clock_text(moment: datetime) -> str:
    """The time as shown on screen, e.g. ``09:05``."""
    return f"{moment:%H:%M}"


class HeaderBand(QWidget):
    """Organisation name, date and clock.

    Landscape: one row, the name on the left, date and clock on the right. Portrait: the name
    on the first row, date and clock centred on the second.
    """

    def __init__(self, theme: Theme, org_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._metrics = Metrics.for_size(theme, 1, 1)
        self._org_name = org_name
        self._now: datetime | None = None
        self.drawn_text: list[DrawnText] = []
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    @property
    def org_name(self) -> str:
        """The organisation name shown."""
        return self._org_name

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._theme, self._metrics = theme, metrics
        self.update()

    def set_org_name(self, name: str) -> None:
        """Show ``name`` as the organisation."""
        if name != self._org_name:
            self._org_name = name
            self.update()

    def set_now(self, moment: datetime) -> None:
        """Show the date and time of ``moment`` (minutes only)."""
        self._now = moment
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        self.drawn_text = []
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(self.rect(), self._theme.color("band"))
        rule = self._metrics.px("rule")
        painter.fillRect(0, self.height() - rule, self.width(), rule, self._theme.color("accent"))
        inner = self.rect().adjusted(0, 0, 0, -rule)
        if self._metrics.portrait:
            self._paint_portrait(painter, inner)
        else:
            self._paint_landscape(painter, inner)
        painter.end()

    def _paint_landscape(self, painter: QPainter, area: QRect) -> None:
        margin = self._metrics.px("margin")
        right = self._paint_time(painter, area.adjusted(margin, 0, -margin, 0), right_aligned=True)
        name_width = area.width() - 3 * margin - right
        self._paint_name(painter, QRect(margin, area.y(), name_width, area.height()), left=True)

    def _paint_portrait(self, painter: QPainter, area: QRect) -> None:
        margin = self._metrics.px("margin")
        top_height = area.height() * 11 // 20
        name_rect = QRect(margin, area.y() + margin // 2, area.width() - 2 * margin, top_height)
        self._paint_name(painter, name_rect, left=False)
        top = name_rect.bottom()
        time_rect = QRect(margin, top, area.width() - 2 * margin, area.bottom() - top)
        self._paint_time(painter, time_rect, right_aligned=False)

    def _paint_name(self, painter: QPainter, rect: QRect, *, left: bool) -> None:
        font = self._theme.font(self._metrics.px("org_name"), serif=True, bold=True)
        font = fit_to_width(font, self._org_name, rect.width(), min_ratio=0.75)
        painter.setFont(font)
        painter.setPen(self._theme.color("accent"))
        align = Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag.AlignHCenter
        text = elide(self._org_name, font, rect.width())
        draw_text(painter, rect, align | Qt.AlignmentFlag.AlignVCenter, text, self.drawn_text)

    def _paint_time(self, painter: QPainter, rect: QRect, *, right_aligned: bool) -> int:
        """Date then clock on one line; returns the width they take."""
        if self._now is None:
            return 0
        date, clock = chinese_date(self._now), clock_text(self._now)
        gap = self._metrics.px("margin")
        date_font, clock_font = self._time_fonts(date, clock, rect.width() - gap)
        painter.setFont(date_font)
        date_width = painter.fontMetrics().horizontalAdvance(date)
        painter.setFont(clock_font)
        clock_width = painter.fontMetrics().horizontalAdvance(clock)
        total = date_width + gap + clock_width
        x = rect.right() + 1 - total if right_aligned else rect.x() + (rect.width() - total) // 2
        middle = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.setFont(date_font)
        painter.setPen(self._theme.color("text"))
        date_rect = QRect(x, rect.y(), date_width, rect.height())
        draw_text(painter, date_rect, middle, date, self.drawn_text)
        painter.setFont(clock_font)
        painter.setPen(self._theme.color("accent_bright"))
        clock_rect = QRect(x + date_width + gap, rect.y(), clock_width, rect.height())
        draw_text(painter, clock_rect, middle, clock, self.drawn_text)
        return total

    def _time_fonts(self, date: str, clock: str, width: int) -> tuple[QFont, QFont]:
        """Date and clock fonts, shrunk together when both do not fit ``width`` (large type)."""
        date_font = self._theme.font(self._metrics.px("date"))
        clock_font = self._theme.font(self._metrics.px("clock"), bold=True)
        needed = QFontMetrics(date_font).horizontalAdvance(date)
        needed += QFontMetrics(clock_font).horizontalAdvance(clock)
        if needed <= width or needed <= 0:
            return date_font, clock_font
        ratio = max(0.0, (width - 2) / needed)  # 2 px of rounding room
        for font in (date_font, clock_font):
            font.setPixelSize(max(1, int(font.pixelSize() * ratio)))
        return date_font, clock_font


class NoticeBand(QWidget):
    """The lower band: the current notices, one at a time, a page of lines at a time.

    A notice's title shows on the first line (elided if long), its text on the lines the band
    has room for. A longer text pages through (see the module's docstring); several notices
    follow one another. A small counter shows which notice and which page is on screen.
    """

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._metrics = Metrics.for_size(theme, 1, 1)
        self._notices: list[Notice] = []
        self._index = 0
        self._page = 0
        self._title = ""
        self._pages: list[list[str]] = []
        self._wrapped: tuple[tuple[str, str, int, int], list[str]] | None = None
        self._cycle = QTimer(self)
        self._cycle.setSingleShot(True)
        self._cycle.timeout.connect(self.advance)
        self.drawn_text: list[DrawnText] = []
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    @property
    def notices(self) -> list[Notice]:
        """The notices the band cycles through."""
        return list(self._notices)

    def current(self) -> Notice | None:
        """The notice shown now."""
        return self._notices[self._index] if self._notices else None

    @property
    def page(self) -> int:
        """The page of the current notice shown now, from 0."""
        return self._page

    def pages(self) -> int:
        """How many pages the current notice takes in the band."""
        return len(self._pages)

    def page_text(self, page: int) -> list[str]:
        """The lines of ``page`` of the current notice."""
        return list(self._pages[page]) if 0 <= page < len(self._pages) else []

    def shown_text(self) -> list[str]:
        """The title and text lines drawn now, after wrapping and eliding."""
        return ([self._title] if self._title else []) + self.page_text(self._page)

    def is_cycling(self) -> bool:
        """True while a timer will turn the page or change the notice."""
        return self._cycle.isActive()

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._theme, self._metrics = theme, metrics
        self._relayout()
        self._arm()

    def set_notices(self, notices: Sequence[Notice]) -> None:
        """Show ``notices``; the one shown now stays (on its page) if it is still among them."""
        shown = self.current()
        self._notices = list(notices)
        ids = [n.id for n in self._notices]
        if shown is not None and shown.id in ids:
            self._index = ids.index(shown.id)
            if self._notices[self._index] != shown:  # edited: from its first page
                self._page = 0
        else:
            self._index, self._page = 0, 0
        self._relayout()
        self._arm()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()
        if not self._cycle.isActive():
            self._arm()  # the pages are known only once the band has its size

    def paintEvent(self, event: QPaintEvent) -> None:
        self.drawn_text = []
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(self.rect(), self._theme.color("band"))
        rule = self._metrics.px("rule")
        painter.fillRect(0, 0, self.width(), rule, self._theme.color("accent"))
        tag = self._tag_rect()
        painter.fillRect(tag, self._theme.color("accent"))
        painter.setFont(self._tag_font())
        painter.setPen(self._theme.color("tag_text"))
        draw_text(painter, tag, Qt.AlignmentFlag.AlignCenter, NOTICE_TAG, self.drawn_text)
        self._paint_notice(painter, self._text_rect())
        painter.end()

    def _counter(self) -> str:
        """Which notice and which page, e.g. ``2/3条 第1/4页``; empty when there is one of each."""
        parts = []
        if len(self._notices) > 1:
            parts.append(f"{self._index + 1}/{len(self._notices)}条")
        if len(self._pages) > 1:
            parts.append(f"第{self._page + 1}/{len(self._pages)}页")
        return " ".join(parts)

    def _paint_notice(self, painter: QPainter, rect: QRect) -> None:
        y = rect.y()
        counter = self._counter()
        if self._title or counter:
            row = QRect(rect.x(), y, rect.width(), line_height(self._title_font()))
            if counter:
                painter.setPen(self._theme.color("text_muted"))
                painter.setFont(self._counter_font())
                align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                draw_text(painter, row, align, counter, self.drawn_text)
            painter.setPen(self._theme.color("accent_bright"))
            draw_lines(painter, [self._title], self._title_font(), row, drawn=self.drawn_text)
            y += row.height()
        painter.setPen(self._theme.color("text"))
        body = QRect(rect.x(), y, rect.width(), rect.bottom() - y)
        draw_lines(
            painter, self.page_text(self._page), self._text_font(), body, drawn=self.drawn_text
        )

    def _tag_font(self) -> QFont:
        return self._theme.font(self._metrics.px("notice_tag"), bold=True)

    def _counter_font(self) -> QFont:
        return self._theme.font(self._metrics.px("notice_tag"))

    def _title_font(self) -> QFont:
        return self._theme.font(self._metrics.px("notice_text"), bold=True)

    def _text_font(self) -> QFont:
        return self._theme.font(self._metrics.px("notice_text"))

    def _tag_rect(self) -> QRect:
        margin = self._metrics.px("margin")
        font_px = self._metrics.px("notice_tag")
        width = font_px * (len(NOTICE_TAG) + 1)
        height = min(self.height() - 2 * margin, font_px * 2)
        return QRect(margin, (self.height() - height) // 2, width, max(1, height))

    def _text_rect(self) -> QRect:
        margin = self._metrics.px("margin")
        left = self._tag_rect().right() + margin
        top = self._metrics.px("rule") + margin // 2
        return QRect(left, top, self.width() - left - margin, self.height() - top - margin // 2)

    def _relayout(self) -> None:
        notice = self.current()
        rect = self._text_rect()
        if notice is None or rect.width() <= 0:
            self._title, self._pages = "", []
            self.update()
            return
        title_font, text_font = self._title_font(), self._text_font()
        lines = self._wrap(notice, text_font, rect.width())
        room = rect.height() - line_height(title_font)  # the title row (title or counter)
        per_page = max(1, room // line_height(text_font))
        self._pages = pages_of(lines, per_page)
        self._page = min(self._page, max(0, len(self._pages) - 1))
        counter_width = self._counter_width()
        gap = self._metrics.px("margin") if counter_width else 0
        self._title = elide(notice.title, title_font, rect.width() - counter_width - gap)
        self.update()

    def _counter_width(self) -> int:
        counter = self._counter()
        return QFontMetrics(self._counter_font()).horizontalAdvance(counter) if counter else 0

    def _wrap(self, notice: Notice, font: QFont, width: int) -> list[str]:
        """Every line of the notice's text at ``width`` (wrapped once, then remembered)."""
        key = (notice.id, notice.text, width, font.pixelSize())
        if self._wrapped is None or self._wrapped[0] != key:
            self._wrapped = (key, wrap_all(notice.text, font, width))
        return self._wrapped[1]

    def _arm(self) -> None:
        self._cycle.stop()
        notice = self.current()
        if notice is None:
            return
        if len(self._pages) > 1:
            chars = sum(len(line) for line in self.page_text(self._page))
            seconds = max(MIN_PAGE_SECONDS, chars / READING_CHARS_PER_SECOND)
        elif len(self._notices) > 1:
            seconds = notice.display_seconds or self._theme.motion.notice_seconds
        else:
            return
        self._cycle.start(round(seconds * 1000))

    def advance(self) -> None:
        """Show the next page of the notice, or the next notice (the band's timer calls it)."""
        if self._page + 1 < len(self._pages):
            self._page += 1
        elif self._notices:
            self._index = (self._index + 1) % len(self._notices)
            self._page = 0
        self._relayout()
        self._arm()
