"""The simple touch pages: honor rolls (光荣榜), notices (通知公告) and meeting sign-in (会议签到).

Honor rolls reuse the wall screen's :class:`~kiosk.qt.honor_view.HonorRollView` and
:class:`~kiosk.qt.honor_player.HonorRollPlayer`: the rolls page on their own, one after the
other, and 上一页 / 下一页 turn them by hand (a member looking for a name). Notices are a
finger-scrolled column of plain-text paragraphs in touch-sized type. The
sign-in page is the wall screen's :class:`~kiosk.qt.meeting_view.MeetingCard` at full size.
"""

from __future__ import annotations

from collections.abc import Callable

from content_cache.wire import AssetRef, HonorRoll, Meeting, Notice
from kiosk.qt.honor_player import HonorRollPlayer
from kiosk.qt.honor_view import HonorRollView
from kiosk.qt.image_loader import PosterLoader, PosterSource, decode_photo
from kiosk.qt.pages import style_label
from kiosk.qt.qt import QHBoxLayout, QLabel, QSize, Qt, QVBoxLayout, QWidget
from kiosk.qt.theme import Metrics, Theme
from kiosk.qt.touch.scrolling import finger_scroll_area
from kiosk.qt.touch.widgets import TouchButton

NO_HONOR_TEXT = "暂无光荣榜"
NO_NOTICES_TEXT = "暂无通知公告"
SourceOf = Callable[[AssetRef], PosterSource]


class HonorPage(QWidget):
    """The honor rolls, paging on their own; after the last page of one roll, the next.
    上一页 / 下一页 turn a page at once (across rolls too) and give it its full time.

    Args:
        theme: colours and fonts.
        parent: the parent widget.
    """

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = HonorRollView(theme)
        self._photos = PosterLoader(parent=self, decode=decode_photo)
        self.player = HonorRollPlayer(self.view, self._photos, self._zone_size, self)
        self.player.finished.connect(self._next)
        self._empty = QLabel(NO_HONOR_TEXT)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.previous_button = TouchButton("上一页", theme, self)
        self.next_button = TouchButton("下一页", theme, self)
        self.previous_button.clicked.connect(lambda: self.turn(-1))
        self.next_button.clicked.connect(lambda: self.turn(1))
        self._bar = QWidget(self)
        bar = QHBoxLayout(self._bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addStretch(1)
        bar.addWidget(self.previous_button, 2)
        bar.addWidget(self.next_button, 2)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self._empty, 1)
        layout.addWidget(self._bar)
        self._rolls: list[HonorRoll] = []
        self._index = 0
        self._source: SourceOf | None = None

    def _zone_size(self) -> QSize:
        ratio = self.devicePixelRatioF()
        return QSize(round(self.view.width() * ratio), round(self.view.height() * ratio))

    def start(self, rolls: list[HonorRoll], source: SourceOf) -> None:
        """Show ``rolls`` from the first one."""
        self._rolls, self._source, self._index = rolls, source, 0
        self.view.setVisible(bool(rolls))
        self._empty.setVisible(not rolls)
        self._bar.setVisible(bool(rolls))
        if rolls:
            self.player.play(rolls[0], source)

    def turn(self, step: int) -> None:
        """One page on (1) or back (-1); past a roll's end, the next or previous roll."""
        if not self._rolls or self._source is None or self.player.turn(step):
            return
        self._index = (self._index + step) % len(self._rolls)
        self.player.play(self._rolls[self._index], self._source)
        if step < 0:  # back from a roll's first page: the previous roll's last page
            self.player.turn(self.view.pages() - 1)

    def stop(self) -> None:
        """Stop paging."""
        self.player.stop()

    def close_down(self) -> None:
        """Stop paging and decoding."""
        self.player.stop()
        self._photos.close()

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self.view.set_style(theme, metrics)
        style_label(
            self._empty, theme.font(metrics.px("touch_title"), bold=True), theme.color("text")
        )
        for button in (self.previous_button, self.next_button):
            button.set_style(theme, metrics.px("touch_text"))
            button.setFixedHeight(metrics.px("touch_button"))
        if self.player.roll is not None:
            self.player.relayout()

    def _next(self) -> None:
        if self._rolls and self._source is not None:
            self._index = (self._index + 1) % len(self._rolls)
            self.player.play(self._rolls[self._index], self._source)


class NoticesPage(QWidget):
    """Notices as a finger-scrolled column: a bold title, then the text, for each.

    Args:
        theme: colours and fonts.
        parent: the parent widget.
    """

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._metrics = Metrics.for_size(theme, 1920, 1080)
        self._content = QWidget()
        self._column = QVBoxLayout(self._content)
        self.area = finger_scroll_area(self._content, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.area)
        self.labels: list[QLabel] = []

    def set_notices(self, notices: list[Notice]) -> None:
        """Show ``notices`` (or a line saying there are none)."""
        for label in self.labels:
            label.deleteLater()
        self.labels = []
        while self._column.count():
            self._column.takeAt(0)
        if not notices:
            self.labels.append(self._label(NO_NOTICES_TEXT, "title"))
        for notice in notices:
            if notice.title:
                self.labels.append(self._label(notice.title, "title"))
            self.labels.append(self._label(notice.text, "text"))
        for label in self.labels:
            self._column.addWidget(label)
        self._column.addStretch(1)
        self.area.verticalScrollBar().setValue(0)
        self._apply_style()

    def texts(self) -> list[str]:
        """The texts shown, in order (for checks)."""
        return [label.text() for label in self.labels]

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._theme, self._metrics = theme, metrics
        self._apply_style()

    def _label(self, text: str, role: str) -> QLabel:
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setProperty("role", role)
        return label

    def _apply_style(self) -> None:
        metrics, theme = self._metrics, self._theme
        margin = metrics.px("margin")
        self._column.setContentsMargins(margin * 2, margin, margin * 2, margin)
        self._column.setSpacing(margin // 2)
        for label in self.labels:
            if label.property("role") == "title":
                style_label(
                    label,
                    theme.font(metrics.px("touch_title"), bold=True),
                    theme.color("accent_bright"),
                )
            else:
                style_label(label, theme.font(metrics.px("touch_text")), theme.color("text"))


class SigninPage(QWidget):
    """The sign-in card of the open meeting, full size; a hook until a card is given.

    Args:
        card: the :class:`~kiosk.qt.meeting_view.MeetingCard` to show (made by the caller,
            so the wall screen's live count can feed it too).
        parent: the parent widget.
    """

    def __init__(self, card: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card = card
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(card)

    def set_meeting(self, meeting: Meeting | None) -> None:
        """Show ``meeting``'s sign-in."""
        setter = getattr(self.card, "set_meeting", None)
        if setter is not None:
            setter(meeting)

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        setter = getattr(self.card, "set_style", None)
        if setter is not None:
            setter(theme, metrics)
