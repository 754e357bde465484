"""The touch screen: the header band, a navigation bar, and one page below them.

At the top is the wall screen's own :class:`~kiosk.qt.bands.HeaderBand` (organisation name,
Chinese date, clock) at the window's landscape header height; touch mode feeds it the same
organisation name and minute as the wall screen. Under it the bar has a large 返回 (back one
step) on the left, the page's title in the middle and a large 主页 (home) on the right; both
buttons are ``touch_button`` tall (130 px at 1080p, about 10 cm on a 65" panel: the 15 mm
minimum is 20 px). The home page itself has neither button (there is nowhere further back
or more home to go; the idle timeout returns to the attract loop), only its title. The shell
covers the whole kiosk window while touch mode is open and is hidden in the attract loop.
"""

from __future__ import annotations

import enum
from datetime import datetime

from kiosk.qt.bands import HeaderBand
from kiosk.qt.pages import style_label
from kiosk.qt.qt import (
    QLabel,
    QPainter,
    QPaintEvent,
    QRect,
    QResizeEvent,
    QStackedWidget,
    Qt,
    QWidget,
    Signal,
)
from kiosk.qt.text import elide, fit_to_width
from kiosk.qt.theme import Metrics, Theme
from kiosk.qt.touch.widgets import TouchButton

BACK_TEXT = "返回"
HOME_TEXT = "主页"


class TouchPage(enum.Enum):
    """The pages of touch mode, with their titles."""

    HOME = "home"
    LIBRARY = "library"
    PLAYER = "player"
    HONOR = "honor"
    NOTICES = "notices"
    SIGNIN = "signin"


TITLES = {
    TouchPage.HOME: "请点击您要浏览的内容",
    TouchPage.LIBRARY: "党课视频 · 党员智慧云课堂",
    TouchPage.PLAYER: "",
    TouchPage.HONOR: "光荣榜",
    TouchPage.NOTICES: "通知公告",
    TouchPage.SIGNIN: "会议签到",
}


class TouchShell(QWidget):
    """Navigation bar and page stack.

    Args:
        theme: colours and fonts.
        parent: the parent widget (the kiosk window).

    Signals:
        back_pressed(): 返回 was touched.
        home_pressed(): 主页 was touched.
    """

    back_pressed = Signal()
    home_pressed = Signal()

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._metrics = Metrics.for_size(theme, 1920, 1080)
        self.header = HeaderBand(theme, "", self)
        self.back_button = TouchButton(BACK_TEXT, theme, self, role="nav")
        self.home_button = TouchButton(HOME_TEXT, theme, self, role="nav")
        self.back_button.setObjectName("touch-back")
        self.home_button.setObjectName("touch-home")
        self._title = ""
        self.title = QLabel("", self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget(self)
        self._pages: dict[TouchPage, QWidget] = {}
        self.back_button.clicked.connect(self.back_pressed)
        self.home_button.clicked.connect(self.home_pressed)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def add_page(self, page: TouchPage, widget: QWidget) -> None:
        """Put ``widget`` in the stack as ``page``."""
        self._pages[page] = widget
        self.stack.addWidget(widget)

    def widget(self, page: TouchPage) -> QWidget:
        """The widget of ``page``."""
        return self._pages[page]

    def page(self) -> TouchPage:
        """The page shown."""
        current = self.stack.currentWidget()
        return next(page for page, widget in self._pages.items() if widget is current)

    def show_page(self, page: TouchPage, title: str | None = None) -> None:
        """Show ``page`` under the bar, titled ``title`` (or the page's usual title)."""
        self.stack.setCurrentWidget(self._pages[page])
        at_home = page is TouchPage.HOME
        self.back_button.setVisible(not at_home)
        self.home_button.setVisible(not at_home)
        self.set_title(TITLES[page] if title is None else title)

    def set_title(self, title: str) -> None:
        """Put ``title`` in the bar (the page shown stays)."""
        self._title = title
        self._fit_title()

    def set_org_name(self, name: str) -> None:
        """Show ``name`` as the organisation in the header."""
        self.header.set_org_name(name)

    def set_now(self, moment: datetime) -> None:
        """Show the date and time of ``moment`` (already in the screen's time zone)."""
        self.header.set_now(moment)

    def title_text(self) -> str:
        """The page's whole title (the bar may show it shortened)."""
        return self._title

    def _fit_title(self) -> None:
        """The title in the room between the buttons: smaller type first, then elided."""
        metrics = self._metrics
        base = self._theme.font(metrics.px("touch_title"), bold=True)
        font = fit_to_width(base, self._title, self.title.width(), min_ratio=0.7)
        self.title.setFont(font)
        self.title.setText(elide(self._title, font, self.title.width()))

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics`` (every page that has ``set_style`` too)."""
        self._theme, self._metrics = theme, metrics
        self.header.set_style(theme, metrics)
        for button in (self.back_button, self.home_button):
            button.set_style(theme, metrics.px("touch_title"))
        style_label(
            self.title,
            theme.font(metrics.px("touch_title"), bold=True),
            theme.color("accent_bright"),
        )
        for widget in self._pages.values():
            setter = getattr(widget, "set_style", None)
            if setter is not None:
                setter(theme, metrics)
        self._place()
        self.update()

    def header_height(self) -> int:
        """The header band's height (the wall screen's, for the window's shape)."""
        return self._metrics.header_height

    def bar_height(self) -> int:
        """The navigation bar's height."""
        return self._metrics.px("touch_button") + self._metrics.px("margin")

    def content_top(self) -> int:
        """Where the pages start: under the header and the bar."""
        return self.header_height() + self.bar_height()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._theme.color("background"))
        bar = QRect(0, self.header_height(), self.width(), self.bar_height())
        painter.fillRect(bar, self._theme.color("band"))
        rule = self._metrics.px("rule")
        painter.fillRect(
            QRect(0, bar.bottom() + 1 - rule, self.width(), rule), self._theme.color("accent")
        )
        painter.end()

    def _place(self) -> None:
        metrics = self._metrics
        pad = metrics.px("margin") // 2
        button_h = metrics.px("touch_button")
        button_w = round(button_h * 2.2)
        top, bar = self.header_height(), self.bar_height()
        self.header.setGeometry(QRect(0, 0, self.width(), top))
        self.back_button.setGeometry(QRect(pad, top + pad, button_w, button_h))
        right = self.width() - pad - button_w
        self.home_button.setGeometry(QRect(right, top + pad, button_w, button_h))
        self.title.setGeometry(
            QRect(pad * 2 + button_w, top, self.width() - 4 * pad - 2 * button_w, bar)
        )
        below = top + bar
        self.stack.setGeometry(QRect(0, below, self.width(), max(0, self.height() - below)))
        self._fit_title()
