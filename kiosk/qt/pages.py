"""Main-zone pages other than posters: waiting, idle and the urgent notice.

None of them is ever black or shows an error: the waiting page says content is on its way,
the idle page is a themed clock with the organisation's name.
"""

from __future__ import annotations

from datetime import datetime

from content_cache.wire import Notice
from kiosk.qt.bands import chinese_date, clock_text
from kiosk.qt.qt import (
    QColor,
    QFont,
    QLabel,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QRect,
    QResizeEvent,
    Qt,
    QVBoxLayout,
    QWidget,
)
from kiosk.qt.text import draw_lines, fit_to_width, line_height, wrap_lines
from kiosk.qt.theme import Metrics, Theme

WAITING_TITLE = "正在获取内容…"
WAITING_STATUS = "正在连接内容服务器，连接不上会自动重试"
URGENT_TAG = "紧急通知"


def style_label(label: QLabel, font: QFont, colour: QColor) -> None:
    """Give ``label`` a font and a text colour."""
    label.setFont(font)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, colour)
    label.setPalette(palette)


class _FramedPage(QWidget):
    """A page of centred labels on the theme background inside a thin gold frame."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._metrics = Metrics.for_size(theme, 1, 1)
        self._layout = QVBoxLayout(self)
        self._layout.addStretch(1)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def _add_label(self, text: str = "") -> QLabel:
        label = QLabel(text, self)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        self._layout.addWidget(label)
        return label

    def _finish_layout(self) -> None:
        self._layout.addStretch(1)

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._theme, self._metrics = theme, metrics
        margin = metrics.px("margin") * 2
        self._layout.setContentsMargins(margin, margin, margin, margin)
        self._layout.setSpacing(metrics.px("margin"))
        self._style_labels()
        self.update()

    def _style_labels(self) -> None:
        raise NotImplementedError

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._theme.color("background"))
        rule, margin = self._metrics.px("rule"), self._metrics.px("margin")
        painter.setPen(QPen(self._theme.color("accent"), rule))
        painter.drawRect(self.rect().adjusted(margin, margin, -margin, -margin))
        painter.end()


class WaitingPage(_FramedPage):
    """Shown while the screen has no content at all yet (first start, server unreachable)."""

    def __init__(self, theme: Theme, screen_id: str, parent: QWidget | None = None) -> None:
        super().__init__(theme, parent)
        self.title_label = self._add_label(WAITING_TITLE)
        self.screen_label = self._add_label(f"屏幕编号：{screen_id}")
        self.status_label = self._add_label(WAITING_STATUS)
        self._finish_layout()

    def set_status(self, text: str) -> None:
        """Replace the small status line (e.g. when the next retry is)."""
        self.status_label.setText(text)

    def _style_labels(self) -> None:
        theme, metrics = self._theme, self._metrics
        title = theme.font(metrics.px("waiting_title"), bold=True)
        style_label(self.title_label, title, theme.color("accent_bright"))
        detail = theme.font(metrics.px("waiting_detail"))
        style_label(self.screen_label, detail, theme.color("text"))
        style_label(self.status_label, detail, theme.color("text_muted"))


class IdlePage(_FramedPage):
    """Shown when there is content but nothing to show now: the organisation and a clock."""

    def __init__(self, theme: Theme, org_name: str, parent: QWidget | None = None) -> None:
        super().__init__(theme, parent)
        self.name_label = self._add_label(org_name)
        self.clock_label = self._add_label()
        self.date_label = self._add_label()
        self._finish_layout()

    def set_org_name(self, name: str) -> None:
        """Show ``name`` as the organisation."""
        self.name_label.setText(name)
        self._style_labels()

    def set_now(self, moment: datetime) -> None:
        """Show the date and time of ``moment``."""
        self.clock_label.setText(clock_text(moment))
        self.date_label.setText(chinese_date(moment))

    def _style_labels(self) -> None:
        theme, metrics = self._theme, self._metrics
        name = theme.font(metrics.px("idle_title"), serif=True, bold=True)
        width = metrics.width - 6 * metrics.px("margin")  # inside the frame and the margins
        name = fit_to_width(name, self.name_label.text(), width)
        style_label(self.name_label, name, theme.color("accent"))
        clock = theme.font(metrics.px("idle_clock"), bold=True)
        style_label(self.clock_label, clock, theme.color("accent_bright"))
        style_label(self.date_label, theme.font(metrics.px("idle_date")), theme.color("text"))


class UrgentPage(QWidget):
    """An urgent notice in large type, replacing the posters until it is withdrawn."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._metrics = Metrics.for_size(theme, 1, 1)
        self._notice: Notice | None = None
        self._title: list[str] = []
        self._lines: list[str] = []
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    @property
    def notice(self) -> Notice | None:
        """The urgent notice shown."""
        return self._notice

    def shown_text(self) -> list[str]:
        """The title and text lines drawn now, after wrapping and eliding."""
        return self._title + self._lines

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._theme, self._metrics = theme, metrics
        self._relayout()

    def set_notice(self, notice: Notice) -> None:
        """Show ``notice``."""
        self._notice = notice
        self._relayout()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(self.rect(), self._theme.color("urgent_background"))
        rule = self._metrics.px("rule") * 2
        painter.setPen(QPen(self._theme.color("accent"), rule))
        painter.drawRect(self._frame())
        tag = self._tag_rect()
        painter.fillRect(tag, self._theme.color("accent"))
        painter.setFont(self._tag_font())
        painter.setPen(self._theme.color("tag_text"))
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, URGENT_TAG)
        area = self._text_area()
        painter.setPen(self._theme.color("accent_bright"))
        centre = Qt.AlignmentFlag.AlignHCenter
        used = draw_lines(painter, self._title, self._title_font(), area, centre)
        painter.setPen(self._theme.color("text"))
        draw_lines(painter, self._lines, self._text_font(), area.adjusted(0, used, 0, 0))
        painter.end()

    def _tag_font(self) -> QFont:
        return self._theme.font(self._metrics.px("urgent_tag"), bold=True)

    def _title_font(self) -> QFont:
        return self._theme.font(self._metrics.px("urgent_title"), bold=True)

    def _text_font(self) -> QFont:
        return self._theme.font(self._metrics.px("urgent_text"))

    def _frame(self) -> QRect:
        margin = self._metrics.px("margin")
        return self.rect().adjusted(margin, margin, -margin, -margin)

    def _tag_rect(self) -> QRect:
        frame, font_px = self._frame(), self._metrics.px("urgent_tag")
        width, height = font_px * (len(URGENT_TAG) + 2), font_px * 2
        return QRect(frame.center().x() - width // 2, frame.y() + font_px, width, height)

    def _text_area(self) -> QRect:
        frame, margin = self._frame(), self._metrics.px("margin")
        top = self._tag_rect().bottom() + margin
        return QRect(
            frame.x() + margin, top, frame.width() - 2 * margin, frame.bottom() - margin - top
        )

    def _relayout(self) -> None:
        area = self._text_area()
        if self._notice is None or area.width() <= 0 or area.height() <= 0:
            self._title, self._lines = [], []
            self.update()
            return
        title_font, text_font = self._title_font(), self._text_font()
        title_lines = min(2, area.height() // line_height(title_font))
        self._title = wrap_lines(self._notice.title, title_font, area.width(), title_lines)
        room = area.height() - len(self._title) * line_height(title_font)
        max_lines = room // line_height(text_font)
        self._lines = wrap_lines(self._notice.text, text_font, area.width(), max_lines)
        self.update()
