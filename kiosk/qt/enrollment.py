"""Pairing on the screen: the code on the waiting page, and a status strip over the content of
a screen that has content but no working credential (it was revoked).

``kiosk.core.screen_link.ScreenLink`` reports each step of pairing from the sync thread through
:class:`PairingBridge` (a queued signal); :class:`PairingPresenter` shows it on the GUI thread:

- the waiting page (nothing cached) shows the code large, with the screen's id and server;
- over cached content, :class:`StatusStrip` says at the bottom of the main zone that the
  screen is not (or no longer) enrolled, with the code, while the cache keeps playing.
"""

from __future__ import annotations

import logging

from kiosk.core.screen_link import PairingState
from kiosk.qt.pages import REVOKED_TITLE, waiting_status
from kiosk.qt.qt import QEvent, QFont, QObject, QPainter, QPaintEvent, Qt, QWidget, Signal
from kiosk.qt.text import DrawnText, draw_lines, line_height, wrap_lines
from kiosk.qt.window import KioskWindow, Page

log = logging.getLogger("kiosk.screen")


class PairingBridge(QObject):
    """Carries :class:`PairingState` from the sync thread to the GUI thread.

    Signals:
        changed(PairingState): emitted by :meth:`send` on any thread, delivered on this
            object's thread.
    """

    changed = Signal(object)

    def send(self, state: PairingState) -> None:
        """Pass ``state`` on (any thread)."""
        self.changed.emit(state)


class StatusStrip(QWidget):
    """A band of text at the bottom of the main zone, over whatever it shows: at most two
    lines, broken by the screen's Chinese line-breaking rules."""

    MAX_LINES = 2

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window.main_zone)
        self._window = window
        self._text = ""
        self._lines: list[str] = []
        self.drawn_text: list[DrawnText] = []
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.hide()
        window.main_zone.installEventFilter(self)
        window.main_zone.currentChanged.connect(lambda index: self._place())

    def text(self) -> str:
        """What the strip says ("" when it says nothing)."""
        return self._text

    def lines(self) -> list[str]:
        """The text as broken into lines for the strip's width."""
        return list(self._lines)

    def say(self, text: str) -> None:
        """Show ``text`` (over any page but the waiting page, which says it itself)."""
        self._text = text
        self._place()

    def clear(self) -> None:
        self._text = ""
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._place()
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        theme = self._window.theme
        self.drawn_text = []
        painter = QPainter(self)
        painter.fillRect(self.rect(), theme.color("urgent_background"))
        painter.setPen(theme.color("accent"))
        painter.drawLine(0, 0, self.width(), 0)
        painter.setPen(theme.color("accent_bright"))
        area = self.rect().adjusted(self._pad(), self._pad() // 2, -self._pad(), 0)
        centre = Qt.AlignmentFlag.AlignHCenter
        draw_lines(painter, self._lines, self._font(), area, centre, self.drawn_text)
        painter.end()

    def _font(self) -> QFont:
        metrics = self._window.metrics()
        return self._window.theme.font(round(metrics.px("waiting_detail") * 1.2), bold=True)

    def _pad(self) -> int:
        return self._window.metrics().px("margin")

    def _place(self) -> None:
        window = self._window
        if not self._text or window.page() is Page.WAITING:
            self.hide()
            return
        zone, font = window.main_zone, self._font()
        self._lines = wrap_lines(self._text, font, zone.width() - 2 * self._pad(), self.MAX_LINES)
        height = len(self._lines) * line_height(font) + self._pad()
        self.setGeometry(0, zone.height() - height, zone.width(), height)
        self.show()
        self.raise_()
        self.update()


class PairingPresenter(QObject):
    """Shows the steps of pairing on ``window``: connect :attr:`bridge`'s ``send`` to the
    screen link's ``on_pairing``."""

    def __init__(self, window: KioskWindow, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self.bridge = PairingBridge(self)
        self.bridge.changed.connect(self.show_state)
        self.strip = StatusStrip(window)

    def show_state(self, state: PairingState) -> None:
        """Show one step of pairing (a slot for ``PairingBridge.changed``)."""
        event, page = state.event, self._window.waiting_page
        if event.kind == "enrolled":
            page.clear_pairing()
            self.strip.clear()
            return
        if event.code is not None:
            page.show_pairing(event.code.shown, revoked=state.revoked)
        if event.kind == "failed":
            page.set_status(waiting_status(event.message, event.retry_in))
        self.strip.say(self._strip_text(state))
        if event.kind == "code":
            self._log_shown(state)

    def _log_shown(self, state: PairingState) -> None:
        """One line per new code, saying what the screen shows and where."""
        page = self._window.waiting_page
        on_page = self._window.page() is Page.WAITING
        shown = page.code_label.text() if on_page else self.strip.text()
        log.info(
            "pairing code shown on the %s: %s",
            "waiting page" if on_page else "status strip over the cached content",
            shown,
            extra={
                "event": "pairing_shown",
                "code": page.pairing_code.replace(" ", ""),
                "where": "waiting_page" if on_page else "status_strip",
                "title": page.title_label.text() if on_page else "",
                "text": shown,
                "revoked": state.revoked,
            },
        )

    def _strip_text(self, state: PairingState) -> str:
        code = state.event.code
        if state.revoked:
            if code is None:
                return f"{REVOKED_TITLE}，请联系管理员重新登记"
            return f"{REVOKED_TITLE}。重新登记：请管理员在后台输入配对码 {code.shown}"
        if code is None:
            return "本屏尚未登记，正在向内容服务器申请配对码"
        return f"本屏尚未登记：请管理员在后台输入配对码 {code.shown} 登记本屏"
