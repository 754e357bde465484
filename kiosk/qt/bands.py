"""The header band (organisation, date, clock) and the lower band (notices)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from content_cache.wire import Notice
from kiosk.qt.qt import QFont, QPainter, QPaintEvent, QRect, QResizeEvent, Qt, QTimer, QWidget
from kiosk.qt.text import draw_lines, elide, fit_to_width, line_height, wrap_lines
from kiosk.qt.theme import Metrics, Theme

WEEKDAYS = "一二三四五六日"
NOTICE_TAG = "通知公告"


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
        painter.drawText(rect, align | Qt.AlignmentFlag.AlignVCenter, text)

    def _paint_time(self, painter: QPainter, rect: QRect, *, right_aligned: bool) -> int:
        """Date then clock on one line; returns the width they take."""
        if self._now is None:
            return 0
        date_font = self._theme.font(self._metrics.px("date"))
        clock_font = self._theme.font(self._metrics.px("clock"), bold=True)
        date, clock = chinese_date(self._now), clock_text(self._now)
        gap = self._metrics.px("margin")
        painter.setFont(date_font)
        date_width = painter.fontMetrics().horizontalAdvance(date)
        painter.setFont(clock_font)
        clock_width = painter.fontMetrics().horizontalAdvance(clock)
        total = date_width + gap + clock_width
        x = rect.right() - total if right_aligned else rect.x() + (rect.width() - total) // 2
        middle = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.setFont(date_font)
        painter.setPen(self._theme.color("text"))
        painter.drawText(QRect(x, rect.y(), date_width, rect.height()), middle, date)
        painter.setFont(clock_font)
        painter.setPen(self._theme.color("accent_bright"))
        clock_rect = QRect(x + date_width + gap, rect.y(), clock_width, rect.height())
        painter.drawText(clock_rect, middle, clock)
        return total


class NoticeBand(QWidget):
    """The lower band: the current notices, one at a time, cycling when there are several.

    A notice's title shows on the first line, its text on the lines the band has room for;
    what does not fit is elided with "…", so any length of text keeps the layout.
    """

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._metrics = Metrics.for_size(theme, 1, 1)
        self._notices: list[Notice] = []
        self._index = 0
        self._title = ""
        self._lines: list[str] = []
        self._cycle = QTimer(self)
        self._cycle.setSingleShot(True)
        self._cycle.timeout.connect(self._next)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    @property
    def notices(self) -> list[Notice]:
        """The notices the band cycles through."""
        return list(self._notices)

    def current(self) -> Notice | None:
        """The notice shown now."""
        return self._notices[self._index] if self._notices else None

    def shown_text(self) -> list[str]:
        """The title and text lines drawn now, after wrapping and eliding."""
        return ([self._title] if self._title else []) + list(self._lines)

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._theme, self._metrics = theme, metrics
        self._relayout()

    def set_notices(self, notices: Sequence[Notice]) -> None:
        """Show ``notices``; the one shown now stays if it is still among them."""
        shown = self.current()
        self._notices = list(notices)
        ids = [n.id for n in self._notices]
        self._index = ids.index(shown.id) if shown is not None and shown.id in ids else 0
        self._relayout()
        self._arm()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(self.rect(), self._theme.color("band"))
        rule = self._metrics.px("rule")
        painter.fillRect(0, 0, self.width(), rule, self._theme.color("accent"))
        tag = self._tag_rect()
        painter.fillRect(tag, self._theme.color("accent"))
        painter.setFont(self._tag_font())
        painter.setPen(self._theme.color("tag_text"))
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, NOTICE_TAG)
        self._paint_notice(painter, self._text_rect())
        painter.end()

    def _paint_notice(self, painter: QPainter, rect: QRect) -> None:
        y = rect.y()
        if self._title:
            painter.setPen(self._theme.color("accent_bright"))
            y += draw_lines(painter, [self._title], self._title_font(), rect)
        painter.setPen(self._theme.color("text"))
        body = QRect(rect.x(), y, rect.width(), rect.bottom() - y)
        draw_lines(painter, self._lines, self._text_font(), body)
        if len(self._notices) > 1:
            painter.setPen(self._theme.color("text_muted"))
            painter.setFont(self._tag_font())
            page = f"{self._index + 1}/{len(self._notices)}"
            align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
            painter.drawText(rect, align, page)

    def _tag_font(self) -> QFont:
        return self._theme.font(self._metrics.px("notice_tag"), bold=True)

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
            self._title, self._lines = "", []
            self.update()
            return
        page_width = self._metrics.px("notice_tag") * 4 if len(self._notices) > 1 else 0
        title_font, text_font = self._title_font(), self._text_font()
        self._title = elide(notice.title, title_font, rect.width() - page_width)
        room = rect.height() - (line_height(title_font) if self._title else 0)
        max_lines = max(1, room // line_height(text_font))
        self._lines = wrap_lines(notice.text, text_font, rect.width(), max_lines)
        self.update()

    def _arm(self) -> None:
        self._cycle.stop()
        notice = self.current()
        if notice is not None and len(self._notices) > 1:
            seconds = notice.display_seconds or self._theme.motion.notice_seconds
            self._cycle.start(round(seconds * 1000))

    def _next(self) -> None:
        if self._notices:
            self._index = (self._index + 1) % len(self._notices)
        self._relayout()
        self._arm()
