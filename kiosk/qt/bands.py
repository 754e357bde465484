"""The header band (organisation, date, clock) and the lower band (notices).

A short notice runs across the band as one line (a ticker: its title in bold, then its text),
at reading speed, :data:`READING_CHARS_PER_SECOND` characters a second; once it has run in
from the right edge and out at the left, the next notice follows (a single one runs again; a
notice's ``display_seconds`` applies to paged notices only). The line is rendered once into a
pixmap; each frame (:data:`TICKER_FPS` a second) scrolls what is painted and paints only the
few columns that come into view, so no text is laid out while it runs and it costs little CPU
(about 1.5 % of one core at 30 frames a second, at 1080p and 4K alike, under Xvfb).

A notice longer than :data:`TICKER_MAX_WIDTHS` band widths (or every notice, with the theme's
``notice_style = "pages"``) pages through instead: its text is wrapped once and shown a
band-full of lines at a time, each page for as long as it takes to read it (at least
:data:`MIN_PAGE_SECONDS`), then the next page, then the next notice. Lines and pages break by
the rules of :mod:`kiosk.core.linebreak` (never inside a word, a page preferably at a sentence
end). Nothing is cut for good.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime

from content_cache.wire import Notice
from kiosk.qt.qt import (
    QFont,
    QFontMetrics,
    QHideEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QRect,
    QResizeEvent,
    QShowEvent,
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
    one_paragraph,
    paginate,
)
from kiosk.qt.theme import Metrics, Theme

WEEKDAYS = "一二三四五六日"
NOTICE_TAG = "通知公告"
READING_CHARS_PER_SECOND = 5.0  # unhurried, for elderly readers
MIN_PAGE_SECONDS = 5.0
# A running line up to three band widths (some 60 characters in portrait at 1080x1920, 120 in
# landscape: 12 to 24 s of reading) is read in one go; a longer one is easier to read, and to
# read again, from still pages.
TICKER_MAX_WIDTHS = 3
# 25 steps a second: 16 px a step at 4K (8 at 1080p) still reads as a smooth glide, and it
# costs 1.4 % of a core at 4K against 1.7 % at 30 (the whole screen's budget is 5 %).
TICKER_FPS = 25
FRAME_MS = 1000 // TICKER_FPS
COVERED_CHECK_MS = 500  # while covered (touch mode), the ticker looks this often
COVERED_CHECK_FRAMES = 15  # while running, it looks every this many frames


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
    """The lower band: the current notices, one at a time.

    In the ticker style (the theme's ``notice_style``, by default), a notice whose running
    line (its title in bold, then its text) is at most :data:`TICKER_MAX_WIDTHS` band widths
    runs across the band, at :data:`READING_CHARS_PER_SECOND`, from the right edge until it
    has left on the left; then the next notice runs (a single notice runs again). A longer
    notice, or every notice in the pages style, shows its title on the first line and its
    text a page at a time (see the module's docstring); a small counter shows which notice
    and which page is on screen (pages only: the running line takes the band's width).
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
        self._paged: tuple[tuple[str, str, int, int, int], list[list[str]]] | None = None
        self._cycle = QTimer(self)
        self._cycle.setSingleShot(True)
        self._cycle.timeout.connect(self.advance)
        self._ticker = _Ticker(self, self._ticker_step)
        self._line = QRect()  # where the running line runs (empty while the notice pages)
        self._band_colour = theme.color("band")
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
    def mode(self) -> str:
        """How the current notice is shown: "ticker" (a running line) or "pages"."""
        return "ticker" if self._ticker.strip is not None else "pages"

    @property
    def ticker_offset(self) -> int:
        """How far (pixels) the running line has moved since its start entered the band."""
        return self._ticker.offset

    def ticker_speed(self) -> float:
        """The running line's speed in pixels a second (reading speed in the text's font)."""
        return READING_CHARS_PER_SECOND * QFontMetrics(self._text_font()).horizontalAdvance("字")

    def ticker_rect(self) -> QRect:
        """The part of the band the running line repaints (empty outside the ticker style)."""
        return QRect(self._line)

    @property
    def page(self) -> int:
        """The page of the current notice shown now, from 0."""
        return self._page

    def pages(self) -> int:
        """How many pages the current notice takes in the band (0 while it runs as a ticker)."""
        return len(self._pages)

    def page_text(self, page: int) -> list[str]:
        """The lines of ``page`` of the current notice."""
        return list(self._pages[page]) if 0 <= page < len(self._pages) else []

    def shown_text(self) -> list[str]:
        """The title and text lines drawn now, after wrapping and eliding (for a running
        line: its title and its whole text)."""
        if self._ticker.strip is not None:
            return [t for t in (self._ticker.title, self._ticker.text) if t]
        return ([self._title] if self._title else []) + self.page_text(self._page)

    def is_cycling(self) -> bool:
        """True while a timer will turn the page, move the running line or change the notice
        (not while the band is hidden or covered: then nothing moves)."""
        return self._cycle.isActive() or self._ticker.is_running()

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._theme, self._metrics = theme, metrics
        self._band_colour = theme.color("band")
        self._relayout()
        self._arm()

    def set_notices(self, notices: Sequence[Notice]) -> None:
        """Show ``notices``; the one shown now stays (on its page, or where its running line
        is) if it is still among them."""
        shown = self.current()
        self._notices = list(notices)
        ids = [n.id for n in self._notices]
        if shown is not None and shown.id in ids:
            self._index = ids.index(shown.id)
            if self._notices[self._index] != shown:  # edited: from its first page
                self._page = 0
                self._ticker.restart()
        else:
            self._index, self._page = 0, 0
            self._ticker.restart()
        self._relayout()
        self._arm()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()
        if not self.is_cycling():
            self._arm()  # the pages are known only once the band has its size

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._arm()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._cycle.stop()
        self._ticker.stop()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        line = self._line
        if not line.isEmpty() and line.contains(event.rect()):  # a step of the running line
            self._paint_ticker(painter, event.rect())
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.drawn_text = []
        painter.fillRect(self.rect(), self._theme.color("band"))
        rule = self._metrics.px("rule")
        painter.fillRect(0, 0, self.width(), rule, self._theme.color("accent"))
        tag = self._tag_rect()
        painter.fillRect(tag, self._theme.color("accent"))
        painter.setFont(self._tag_font())
        painter.setPen(self._theme.color("tag_text"))
        draw_text(painter, tag, Qt.AlignmentFlag.AlignCenter, NOTICE_TAG, self.drawn_text)
        if line.isEmpty():
            self._paint_notice(painter, self._text_rect())
        else:
            painter.setClipRect(line)
            self._paint_ticker(painter, line)
        painter.end()

    def _paint_ticker(self, painter: QPainter, area: QRect) -> None:
        """The running line's pixmap at its offset over the band's colour, in ``area`` (part
        of the line; the painter is clipped to it)."""
        painter.fillRect(area, self._band_colour)
        strip = self._ticker.strip
        if strip is not None:
            painter.drawPixmap(self._line.right() + 1 - self._ticker.offset, self._line.y(), strip)

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
        self._title, self._pages, self._line = "", [], QRect()
        if notice is None or rect.width() <= 0:
            self._ticker.clear()
            self.update()
            return
        if self._theme.motion.notice_style == "ticker" and self._ticker.prepare(
            notice, self._title_font(), self._text_font(), rect.width(), self._theme
        ):
            height = min(rect.height(), self._ticker.height)
            top = rect.y() + (rect.height() - height) // 2
            self._line = QRect(rect.x(), top, rect.width(), height)
            self.update()
            return
        self._ticker.clear()
        title_font, text_font = self._title_font(), self._text_font()
        room = rect.height() - line_height(title_font)  # the title row (title or counter)
        per_page = max(1, room // line_height(text_font))
        self._pages = self._paginate(notice, text_font, rect.width(), per_page)
        self._page = min(self._page, max(0, len(self._pages) - 1))
        counter_width = self._counter_width()
        gap = self._metrics.px("margin") if counter_width else 0
        self._title = elide(notice.title, title_font, rect.width() - counter_width - gap)
        self.update()

    def _counter_width(self) -> int:
        counter = self._counter()
        return QFontMetrics(self._counter_font()).horizontalAdvance(counter) if counter else 0

    def _paginate(self, notice: Notice, font: QFont, width: int, per_page: int) -> list[list[str]]:
        """The notice's text in pages at ``width`` (paged once, then remembered)."""
        key = (notice.id, notice.text, width, font.pixelSize(), per_page)
        if self._paged is None or self._paged[0] != key:
            self._paged = (key, paginate(notice.text, font, width, per_page))
        return self._paged[1]

    def _arm(self) -> None:
        self._cycle.stop()
        self._ticker.stop()
        notice = self.current()
        if notice is None or not self.isVisible():
            return
        if self._ticker.strip is not None:
            self._ticker.start(self.ticker_speed())
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
        """Show the next page of the notice, or the next notice (the band's timers call it)."""
        if self._page + 1 < len(self._pages):
            self._page += 1
        elif self._notices:
            self._index = (self._index + 1) % len(self._notices)
            self._page = 0
            self._ticker.restart()
        self._relayout()
        self._arm()

    def _ticker_step(self, moved: int) -> None:
        """Move the running line ``moved`` pixels to the left (its timer calls it); after a
        full pass, show the next notice.

        ``QWidget.scroll`` moves the pixels already painted (on X11 the X server copies them)
        and repaints only the strip that comes into view, so a frame costs a few columns of
        painting, not the whole line.
        """
        if self._ticker.passed(self._line.width()):
            self.advance()
        elif 0 < moved < self._line.width():
            self.scroll(-moved, 0, self._line)
        else:
            self.update(self._line)


class _Ticker:
    """The running line of a :class:`NoticeBand`: rendered once into a pixmap, then moved.

    No text is laid out while it runs: each frame the band scrolls the line and paints the
    columns that come into view from the pixmap. The offset follows the clock (pixels = speed
    x time), so a late frame does not slow the line down. While the band is covered (touch
    mode's screens lie over it) the line holds still, looking every :data:`COVERED_CHECK_MS`
    whether it is uncovered.
    """

    def __init__(self, band: QWidget, step: Callable[[int], None]) -> None:
        self._band = band
        self._step = step  # called with how far the offset moved
        self.strip: QPixmap | None = None
        self.title = ""
        self.text = ""
        self.length = 0  # logical pixels
        self.height = 0
        self.offset = 0
        self._key: tuple[object, ...] | None = None
        self._speed = 0.0
        self._origin = (0, 0.0)  # (offset, monotonic time) the line moves on from
        self._held = False
        self._frames = 0
        self._timer = QTimer(band)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    def prepare(
        self, notice: Notice, title_font: QFont, text_font: QFont, width: int, theme: Theme
    ) -> bool:
        """Render ``notice``'s running line for a band ``width`` pixels wide; False (and no
        line) when it is longer than :data:`TICKER_MAX_WIDTHS` band widths."""
        key = (notice.id, notice.title, notice.text, width, text_font.pixelSize(), theme)
        if key == self._key:
            return self.strip is not None
        self._key = key
        title = elide(notice.title, title_font, width) if notice.title.strip() else ""
        text = one_paragraph(notice.text)
        text_metrics = QFontMetrics(text_font)
        char = text_metrics.horizontalAdvance("字")
        gap = char if title and text else 0
        limit = TICKER_MAX_WIDTHS * width
        title_width = QFontMetrics(title_font).horizontalAdvance(title) if title else 0
        if title_width + gap + len(text) * char // 4 > limit:  # too long even in narrow glyphs
            self.clear()
            return False
        text_width = text_metrics.horizontalAdvance(text)
        if title_width + gap + text_width > limit:
            self.clear()
            return False
        self.title, self.text = title, text
        self.height = max(line_height(title_font), line_height(text_font))
        self.strip = self._render(title_font, text_font, (title_width, gap, text_width), theme)
        return True

    def _render(
        self, title_font: QFont, text_font: QFont, widths: tuple[int, int, int], theme: Theme
    ) -> QPixmap:
        title_width, gap, text_width = widths
        ratio = self._band.devicePixelRatioF()
        width = self.length = max(1, title_width + gap + text_width)
        strip = QPixmap(max(1, round(width * ratio)), max(1, round(self.height * ratio)))
        strip.setDevicePixelRatio(ratio)
        strip.fill(theme.color("band"))  # opaque: each frame is a plain copy
        painter = QPainter(strip)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        middle = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.setFont(title_font)
        painter.setPen(theme.color("accent_bright"))
        painter.drawText(QRect(0, 0, title_width, self.height), middle, self.title)
        painter.setFont(text_font)
        painter.setPen(theme.color("text"))
        painter.drawText(QRect(title_width + gap, 0, text_width, self.height), middle, self.text)
        painter.end()
        return strip

    def clear(self) -> None:
        """No running line (the notice pages, or there is none)."""
        self.stop()
        self.strip, self.title, self.text, self._key = None, "", "", None

    def restart(self) -> None:
        """The next start is from the beginning: the line enters from the right edge."""
        self.offset = 0
        self._origin = (0, time.monotonic())

    def start(self, speed: float) -> None:
        """Move the line at ``speed`` pixels a second, from where it is."""
        self._speed = speed
        self._origin = (self.offset, time.monotonic())
        self._held = False
        self._timer.start(FRAME_MS)

    def stop(self) -> None:
        """Hold the line where it is."""
        self._timer.stop()

    def is_running(self) -> bool:
        """True while the line moves (its timer runs and the band is not covered)."""
        return self._timer.isActive() and not self._held and not self._covered()

    def _covered(self) -> bool:
        return self._band.visibleRegion().isEmpty()

    def passed(self, width: int) -> bool:
        """True when the line's end has left a band ``width`` pixels wide (the pass is over)."""
        return self.strip is not None and self.offset >= width + self.length

    def _tick(self) -> None:
        self._frames += 1
        if (self._held or self._frames % COVERED_CHECK_FRAMES == 0) and self._covered():
            self._origin = (self.offset, time.monotonic())  # hold; look again later
            if not self._held:
                self._held = True
                self._timer.start(COVERED_CHECK_MS)
            return
        if self._held:
            self._held = False
            self._origin = (self.offset, time.monotonic())
            self._timer.start(FRAME_MS)
        start_offset, start_time = self._origin
        offset = start_offset + int((time.monotonic() - start_time) * self._speed)
        if offset != self.offset:
            moved, self.offset = offset - self.offset, offset
            self._step(moved)
