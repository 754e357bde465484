"""Main-zone pages other than posters and honor rolls: waiting, idle, stopped, urgent notice.

None of them is ever black or shows an error: the waiting page says content is on its way,
the idle page is a themed clock with the organisation's name, and so is the page of an
emergency stop (紧急停播), which shows nothing published. Labels are plain text (an
organisation name is never read as markup). An urgent notice longer than the zone pages
through like a long notice in the band.
"""

from __future__ import annotations

import re
from datetime import datetime

from content_cache.wire import Notice
from kiosk.qt.bands import MIN_PAGE_SECONDS, READING_CHARS_PER_SECOND, chinese_date, clock_text
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
    QTimer,
    QVBoxLayout,
    QWidget,
)
from kiosk.qt.text import (
    DrawnText,
    draw_lines,
    draw_text,
    elide,
    fit_to_width,
    line_height,
    paginate,
    wrap_lines,
)
from kiosk.qt.theme import Metrics, Theme

WAITING_TITLE = "正在获取内容…"
WAITING_STATUS = "正在连接内容服务器，连接不上会自动重试"
PAIRING_TITLE = "本屏尚未登记"
REVOKED_TITLE = "本屏已被管理员停用（撤销登记）"
PAIRING_ASK = "请管理员在后台输入配对码登记本屏"
PAIRING_STATUS = "配对码 15 分钟内有效，过期自动更换"
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
        label.setTextFormat(Qt.TextFormat.PlainText)
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

    def _inner_size(self) -> tuple[int, int]:
        """Width and height inside the frame and the margins, as the window will size us."""
        metrics = self._metrics
        main_height = metrics.height - metrics.header_height - metrics.notice_height
        inner = 6 * metrics.px("margin")
        return metrics.width - inner, main_height - inner

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._theme.color("background"))
        rule, margin = self._metrics.px("rule"), self._metrics.px("margin")
        painter.setPen(QPen(self._theme.color("accent"), rule))
        painter.drawRect(self.rect().adjusted(margin, margin, -margin, -margin))
        painter.end()


def waiting_status(reason: str, retry_in: float) -> str:
    """The waiting page's status line for a failed sync: what went wrong, in words an
    installer can act on, and when the screen tries again."""
    seconds = max(1, round(retry_in))
    http = re.search(r"answered HTTP (\d{3})", reason)
    if reason.startswith("server refused this screen's token"):
        what = "内容服务器拒绝了本屏幕的令牌，请检查 screen_token"
    elif "was revoked" in reason:
        return "本屏已被管理员停用（撤销登记），正在申请新的配对码"
    elif "too_many_pairings" in reason:
        what = "申请配对码太频繁"
    elif http:
        what = f"内容服务器答复出错（HTTP {http.group(1)}），请检查服务器地址"
    elif reason.startswith("manifest refused"):  # content_cache.trust: a signature problem
        what = "收到的内容未通过签名验证（可能途中被改动，或服务器换了密钥），已拒收"
    elif reason.startswith("server unreachable"):
        what = "暂时连不上内容服务器"
    else:
        what = "暂时无法获取内容"
    return f"{what}，{seconds} 秒后自动重试"


class WaitingPage(_FramedPage):
    """Shown while the screen has no content at all yet (first start, server unreachable).

    A screen that has no credential shows its pairing code here instead, large enough to read
    from across the room, with what to do with it (:meth:`show_pairing`).
    """

    def __init__(
        self, theme: Theme, screen_id: str, server: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(theme, parent)
        self.title_label = self._add_label(WAITING_TITLE)
        self.ask_label = self._add_label(PAIRING_ASK)
        self.code_label = self._add_label()
        self.screen_label = self._add_label(f"屏幕编号：{screen_id}")
        self.server_label = self._add_label(f"内容服务器：{server}" if server else "")
        self.server_label.setVisible(bool(server))
        self.status_label = self._add_label(WAITING_STATUS)
        self._finish_layout()
        self._code = ""
        self.ask_label.hide()
        self.code_label.hide()

    @property
    def pairing_code(self) -> str:
        """The pairing code shown ("" when none)."""
        return self._code

    def set_status(self, text: str) -> None:
        """Replace the small status line (e.g. when the next retry is)."""
        self.status_label.setText(text)
        self._style_status()

    def show_pairing(self, code: str, *, revoked: bool = False) -> None:
        """Show ``code`` (``123 456``) for an administrator to enter; ``revoked``: the server
        revoked this screen."""
        self._code = code
        self.title_label.setText(REVOKED_TITLE if revoked else PAIRING_TITLE)
        self.code_label.setText(code)
        self.status_label.setText(PAIRING_STATUS)
        self.ask_label.show()
        self.code_label.show()
        self._style_labels()
        self._layout.activate()  # the new sizes now, not at the next turn of the event loop

    def clear_pairing(self) -> None:
        """Back to the plain waiting page (the screen is enrolled)."""
        self._code = ""
        self.title_label.setText(WAITING_TITLE)
        self.ask_label.hide()
        self.code_label.hide()
        self.set_status(WAITING_STATUS)
        self._style_labels()
        self._layout.activate()

    def _style_labels(self) -> None:
        theme, metrics = self._theme, self._metrics
        width, _ = self._inner_size()
        detail = theme.font(metrics.px("waiting_detail"))
        fonts = {
            self.title_label: theme.font(metrics.px("waiting_title"), bold=True),
            self.ask_label: fit_to_width(
                theme.font(round(metrics.px("waiting_title") * 0.62), bold=True), PAIRING_ASK, width
            ),
            self.code_label: fit_to_width(
                theme.font(metrics.px("idle_clock"), bold=True), self._code or "000 000", width
            ),
            self.screen_label: detail,
            self.server_label: QFont(detail),
            self.status_label: fit_to_width(
                QFont(detail), self.status_label.text(), width, min_ratio=0.8
            ),
        }
        if self._code:
            self._fit_height(fonts)
        colours = {self.title_label: "accent_bright", self.code_label: "accent_bright"}
        colours[self.status_label] = "text_muted"
        for label, font in fonts.items():
            style_label(label, font, theme.color(colours.get(label, "text")))

    def _style_status(self) -> None:
        """The status line's font, shrunk (a little) when a line is long for the page."""
        width, _ = self._inner_size()
        font = self.status_label.font() if self._code else None
        detail = font or self._theme.font(self._metrics.px("waiting_detail"))
        font = fit_to_width(detail, self.status_label.text(), width, min_ratio=0.8)
        style_label(self.status_label, font, self._theme.color("text_muted"))

    def _fit_height(self, fonts: dict[QLabel, QFont]) -> None:
        """Shrink the lines of the pairing page together when the page is too low for them
        (large-type themes in landscape); the code stays the largest."""
        metrics = self._metrics
        margin = metrics.px("margin")
        # The waiting page shows while nothing is cached: no notice band under it.
        height = metrics.height - metrics.header_height - 4 * margin
        shown = [label for label in fonts if label is not self.server_label or label.text()]
        room = height - margin * (len(shown) - 1)
        needed = sum(line_height(fonts[label]) for label in shown)
        if needed > room > 0:
            for label in shown:
                font = fonts[label]
                font.setPixelSize(max(1, font.pixelSize() * room // needed))


class IdlePage(_FramedPage):
    """Shown when there is content but nothing to show now: the organisation and a clock.

    The three lines shrink together when the zone is too low for them (large-type themes in
    landscape), and a long organisation name is elided, so nothing is ever cut.
    """

    def __init__(self, theme: Theme, org_name: str, parent: QWidget | None = None) -> None:
        super().__init__(theme, parent)
        self._org_name = org_name
        self.name_label = self._add_label(org_name)
        self.clock_label = self._add_label()
        self.date_label = self._add_label()
        self._finish_layout()

    @property
    def org_name(self) -> str:
        """The organisation name, before eliding."""
        return self._org_name

    def set_org_name(self, name: str) -> None:
        """Show ``name`` as the organisation."""
        self._org_name = name
        self._style_labels()

    def set_now(self, moment: datetime) -> None:
        """Show the date and time of ``moment``."""
        self.clock_label.setText(clock_text(moment))
        self.date_label.setText(chinese_date(moment))

    def _style_labels(self) -> None:
        theme, metrics = self._theme, self._metrics
        width, height = self._inner_size()
        fonts = [
            theme.font(metrics.px("idle_title"), serif=True, bold=True),
            theme.font(metrics.px("idle_clock"), bold=True),
            theme.font(metrics.px("idle_date")),
        ]
        needed = sum(line_height(f) for f in fonts) + 2 * metrics.px("margin")
        if needed > height > 0:
            for font in fonts:
                font.setPixelSize(max(1, font.pixelSize() * height // needed))
        name_font, clock_font, date_font = fonts
        name_font = fit_to_width(name_font, self._org_name, width)
        self.name_label.setText(elide(self._org_name, name_font, width))
        style_label(self.name_label, name_font, theme.color("accent"))
        style_label(self.clock_label, clock_font, theme.color("accent_bright"))
        style_label(self.date_label, date_font, theme.color("text"))


class StoppedPage(IdlePage):
    """Shown during an emergency stop (紧急停播): the organisation, clock and date, nothing else."""


class UrgentPage(QWidget):
    """An urgent notice in large type, replacing the posters until it is withdrawn.

    A text longer than the zone shows a zone-full at a time, each page for as long as it takes
    to read, with the page number at the bottom. Pages break as in the notice band
    (:func:`kiosk.qt.text.paginate`): never inside a word, preferably at a sentence end.
    """

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._metrics = Metrics.for_size(theme, 1, 1)
        self._notice: Notice | None = None
        self._title: list[str] = []
        self._pages: list[list[str]] = []
        self._page = 0
        self._title_font_used = self._title_font()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.advance)
        self.drawn_text: list[DrawnText] = []
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    @property
    def notice(self) -> Notice | None:
        """The urgent notice shown."""
        return self._notice

    @property
    def page(self) -> int:
        """The page shown, from 0."""
        return self._page

    def pages(self) -> int:
        """How many pages the notice takes."""
        return len(self._pages)

    def page_text(self, page: int) -> list[str]:
        """The text lines of ``page``."""
        return list(self._pages[page]) if 0 <= page < len(self._pages) else []

    def shown_text(self) -> list[str]:
        """The title and text lines drawn now, after wrapping and eliding."""
        return self._title + self.page_text(self._page)

    def is_paging(self) -> bool:
        """True while a timer will turn the page."""
        return self._timer.isActive()

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._theme, self._metrics = theme, metrics
        self._relayout()

    def set_notice(self, notice: Notice) -> None:
        """Show ``notice`` (from its first page unless it is the one shown)."""
        if notice != self._notice:
            self._notice, self._page = notice, 0
            self._relayout()
            self._arm()
        elif not self._timer.isActive():
            self._arm()

    def stop(self) -> None:
        """Stop turning pages (the page is not shown)."""
        self._timer.stop()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()
        if self.isVisible() and not self._timer.isActive():
            self._arm()  # the pages are known only once the page has its size

    def paintEvent(self, event: QPaintEvent) -> None:
        self.drawn_text = []
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
        draw_text(painter, tag, Qt.AlignmentFlag.AlignCenter, URGENT_TAG, self.drawn_text)
        area = self._text_area()
        painter.setPen(self._theme.color("accent_bright"))
        centre = Qt.AlignmentFlag.AlignHCenter
        title_font = self._title_font_used
        used = draw_lines(painter, self._title, title_font, area, centre, self.drawn_text)
        painter.setPen(self._theme.color("text"))
        body = area.adjusted(0, used, 0, 0)
        lines = self.page_text(self._page)
        draw_lines(painter, lines, self._text_font(), body, drawn=self.drawn_text)
        if len(self._pages) > 1:
            painter.setPen(self._theme.color("text_muted"))
            painter.setFont(self._tag_font())
            corner = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            counter = f"第{self._page + 1}/{len(self._pages)}页"
            draw_text(painter, self._counter_rect(), corner, counter, self.drawn_text)
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

    def _counter_rect(self) -> QRect:
        frame, margin = self._frame(), self._metrics.px("margin")
        height = line_height(self._tag_font())
        top = frame.bottom() - margin // 2 - height
        return QRect(frame.x() + margin, top, frame.width() - 2 * margin, height)

    def _text_area(self, counter: bool | None = None) -> QRect:
        """Where title and text go; above the page counter when there is one."""
        counter = len(self._pages) > 1 if counter is None else counter
        frame, margin = self._frame(), self._metrics.px("margin")
        top = self._tag_rect().bottom() + margin
        bottom = self._counter_rect().y() if counter else frame.bottom() - margin
        return QRect(frame.x() + margin, top, frame.width() - 2 * margin, bottom - top)

    def _relayout(self) -> None:
        self._title, self._pages = [], []
        area = self._text_area(counter=False)
        if self._notice is not None and area.width() > 0 and area.height() > 0:
            text, font = self._notice.text, self._text_font()
            for counter in (False, True):
                self._title, per_page = self._fit_title(self._text_area(counter))
                self._pages = paginate(text, font, area.width(), per_page) if per_page else []
                if len(self._pages) <= 1:
                    break
        self._page = min(self._page, max(0, len(self._pages) - 1))
        self.update()

    def _fit_title(self, area: QRect) -> tuple[list[str], int]:
        """The title's lines and how many text lines fit under them: two title lines if two
        text lines still fit, else one; in a low zone the title takes the text's size
        rather than be left out."""
        assert self._notice is not None
        text_step = line_height(self._text_font())
        small = self._theme.font(self._metrics.px("urgent_text"), bold=True)
        for count, font in ((2, self._title_font()), (1, self._title_font()), (1, small)):
            room = area.height() - count * line_height(font)
            if room >= count * text_step:
                self._title_font_used = font
                title = wrap_lines(self._notice.title, font, area.width(), count)
                return title, (area.height() - len(title) * line_height(font)) // text_step
        return [], max(0, area.height()) // text_step

    def _arm(self) -> None:
        self._timer.stop()
        if len(self._pages) > 1:
            chars = sum(len(line) for line in self.page_text(self._page))
            seconds = max(MIN_PAGE_SECONDS, chars / READING_CHARS_PER_SECOND)
            self._timer.start(round(seconds * 1000))

    def advance(self) -> None:
        """Show the next page (after the last, the first again); the page's timer calls it."""
        self._page = (self._page + 1) % max(1, len(self._pages))
        self.update()
        self._arm()
