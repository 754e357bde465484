"""The simple touch pages: honor rolls (光荣榜), notices (通知公告) and meeting sign-in (会议签到).

Honor rolls reuse the wall screen's :class:`~kiosk.qt.honor_view.HonorRollView` and
:class:`~kiosk.qt.honor_player.HonorRollPlayer`: the rolls page on their own, one after the
other, and 上一页 / 下一页 turn them by hand (a member looking for a name). Notices are a
finger-scrolled column of plain-text paragraphs in touch-sized type. The sign-in page is the
wall screen's :class:`~kiosk.qt.meeting_view.MeetingCard` at full size while a meeting's
sign-in is open, and otherwise says that none is open and which meeting comes next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo

from content_cache.wire import AssetRef, HonorRoll, Meeting, Notice
from kiosk.core.signin import SignInPhase, signin_state
from kiosk.qt.honor_player import HonorRollPlayer
from kiosk.qt.honor_view import DEFAULT_HEADING, HonorRollView
from kiosk.qt.image_loader import PosterLoader, PosterSource, decode_photo
from kiosk.qt.meeting_view import meeting_time_text, placeholder_text
from kiosk.qt.pages import style_label
from kiosk.qt.qt import (
    QFont,
    QLabel,
    QPainter,
    QPaintEvent,
    QPen,
    QRect,
    QResizeEvent,
    QSize,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from kiosk.qt.text import DrawnText, draw_lines, draw_text, elide, line_height, one_paragraph
from kiosk.qt.theme import Metrics, Theme
from kiosk.qt.touch.scrolling import finger_scroll_area
from kiosk.qt.touch.widgets import TouchButton

NO_HONOR_TEXT = "暂无光荣榜"
NO_NOTICES_TEXT = "暂无通知公告"
NO_SIGNIN_TEXT = "当前没有正在签到的会议"
NO_MEETING_TEXT = "近期没有会议"
NEXT_MEETING_TEXT = "下一场会议"
PANEL_COLOURS = {"headline": "accent_bright", "title": "accent", "none": "text_muted",
                 "signin": "accent_bright"}  # fmt: skip
PANEL_SCALES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)
SourceOf = Callable[[AssetRef], PosterSource]


class _RollView(HonorRollView):
    """The wall's roll view without its heading (the bar shows the title), telling when the
    roll or the page shown changes."""

    shown = Signal()

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(theme, parent)
        self.set_heading_shown(False)

    def set_roll(self, roll: HonorRoll | None, page: int = 0) -> None:
        super().set_roll(roll, page)
        self.shown.emit()

    def set_page(self, page: int) -> None:
        super().set_page(page)
        self.shown.emit()


class HonorPage(QWidget):
    """The honor rolls, paging on their own; after the last page of one roll, the next.
    上一页 / 下一页 turn a page at once (across rolls too) and give it its full time.

    The roll's title and page number go to the navigation bar (:attr:`title_changed`), so
    the cards have the page's whole height. The two buttons stand at the left and right of
    the cards on a landscape screen (tall targets, clear of the cards, whatever the height),
    under them on a portrait one; they are hidden when all the rolls together fit one page.

    Args:
        theme: colours and fonts.
        parent: the parent widget.

    Signals:
        title_changed(str): the bar's title for what is shown, e.g. "光荣榜 · 第 1/3 页".
    """

    title_changed = Signal(str)

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._metrics = Metrics.for_size(theme, 1920, 1080)
        self.view = _RollView(theme, self)
        self._photos = PosterLoader(parent=self, decode=decode_photo)
        self.player = HonorRollPlayer(self.view, self._photos, self._zone_size, self)
        self.player.finished.connect(self._next)
        self.view.shown.connect(self._emit_title)
        self._empty = QLabel(NO_HONOR_TEXT, self)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.previous_button = TouchButton("上一页", theme, self)
        self.next_button = TouchButton("下一页", theme, self)
        self.previous_button.clicked.connect(lambda: self.turn(-1))
        self.next_button.clicked.connect(lambda: self.turn(1))
        self._rolls: list[HonorRoll] = []
        self._index = 0
        self._source: SourceOf | None = None
        self._place()

    def _zone_size(self) -> QSize:
        ratio = self.devicePixelRatioF()
        return QSize(round(self.view.width() * ratio), round(self.view.height() * ratio))

    def start(self, rolls: list[HonorRoll], source: SourceOf) -> None:
        """Show ``rolls`` from the first one."""
        self._rolls, self._source, self._index = rolls, source, 0
        self._place()
        if rolls:
            self.player.play(rolls[0], source)
        else:
            self.title_changed.emit(DEFAULT_HEADING)

    def turn(self, step: int) -> None:
        """One page on (1) or back (-1); past a roll's end, the next or previous roll."""
        if not self._rolls or self._source is None or self.player.turn(step):
            return
        self._index = (self._index + step) % len(self._rolls)
        self.player.play(self._rolls[self._index], self._source)
        if step < 0:  # back from a roll's first page: the previous roll's last page
            self.player.turn(self.view.pages() - 1)

    def turns_pages(self) -> bool:
        """True when 上一页 / 下一页 are shown: the rolls take more than one page in all."""
        if not self._rolls:
            return False
        room = self._room()
        size = QSize(room.width(), room.height())
        pages = 0
        for roll in self._rolls:
            count = len(roll.entries)
            pages += self.view.grid_for(size, count).pages(count)
            if pages > 1:
                return True
        return False

    def title_text(self) -> str:
        """The bar's title: the roll's own title, and the page when it has several."""
        roll = self.player.roll or self.view.roll
        title = (roll.title.strip() if roll is not None else "") or DEFAULT_HEADING
        pages = self.view.pages()
        return f"{title} · 第 {self.view.page + 1}/{pages} 页" if pages > 1 else title

    def stop(self) -> None:
        """Stop paging."""
        self.player.stop()

    def close_down(self) -> None:
        """Stop paging and decoding."""
        self.player.stop()
        self._photos.close()

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._metrics = metrics
        self.view.set_style(theme, metrics)
        style_label(
            self._empty, theme.font(metrics.px("touch_title"), bold=True), theme.color("text")
        )
        for button in (self.previous_button, self.next_button):
            button.set_style(theme, metrics.px("touch_text"))
        self._place()
        if self.player.roll is not None:
            self.player.relayout()  # new sizes: new photo sizes

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def _room(self) -> QRect:
        """The page less a margin: the cards and the buttons share it."""
        gap = self._metrics.px("margin") // 2
        return self.rect().adjusted(gap, gap, -gap, -gap)

    def _place(self) -> None:
        room = self._room()
        paging = self.turns_pages()
        for button in (self.previous_button, self.next_button):
            button.setVisible(paging)
        self.view.setVisible(bool(self._rolls))
        self._empty.setVisible(not self._rolls)
        self._empty.setGeometry(room)
        before = self.view.size()
        if not paging:
            self.view.setGeometry(room)
        elif self.width() >= self.height():
            self._place_beside(room)
        else:
            self._place_below(room)
        if self.player.roll is not None and self.view.size() != before:
            self.player.relayout()

    def _place_beside(self, room: QRect) -> None:
        """Buttons at the left and right, vertically centred, the cards between them."""
        unit = self._metrics.px("touch_button")
        gap = self._metrics.px("margin") // 2
        width = round(unit * 1.3)
        height = min(room.height(), unit * 3)
        top = room.top() + (room.height() - height) // 2
        self.previous_button.setGeometry(QRect(room.left(), top, width, height))
        self.next_button.setGeometry(QRect(room.right() + 1 - width, top, width, height))
        left = room.left() + width + gap
        self.view.setGeometry(QRect(left, room.top(), room.width() - 2 * (width + gap),
                                    room.height()))  # fmt: skip

    def _place_below(self, room: QRect) -> None:
        """Buttons side by side under the cards."""
        unit = self._metrics.px("touch_button")
        gap = self._metrics.px("margin") // 2
        top = room.bottom() + 1 - unit
        half = (room.width() - gap) // 2
        self.previous_button.setGeometry(QRect(room.left(), top, half, unit))
        self.next_button.setGeometry(QRect(room.right() + 1 - half, top, half, unit))
        self.view.setGeometry(QRect(room.left(), room.top(), room.width(),
                                    max(1, room.height() - unit - gap)))  # fmt: skip

    def _emit_title(self) -> None:
        self.title_changed.emit(self.title_text())

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


def next_meeting(meetings: Iterable[Meeting], now: datetime) -> Meeting | None:
    """The meeting to announce while no sign-in is open: of those whose sign-in is still to
    open, or that have not started yet, the one that starts first (then by id)."""

    def coming(meeting: Meeting) -> bool:
        if meeting.signin is not None and now < meeting.signin.opens_at:
            return True
        return now < meeting.start

    upcoming = [meeting for meeting in meetings if coming(meeting)]
    return min(upcoming, key=lambda m: (m.start.astimezone(UTC), m.id), default=None)


def next_meeting_lines(meeting: Meeting, now: datetime, zone: tzinfo) -> list[tuple[str, str]]:
    """The lines describing the next meeting, each with its role: ``title``, ``type``,
    ``time``, ``place``, ``signin`` (when sign-in opens)."""
    kind = one_paragraph(meeting.meeting_type)
    if meeting.branch.strip():
        kind = f"{kind} · {one_paragraph(meeting.branch)}"
    lines = [("title", one_paragraph(meeting.title) or kind), ("type", kind),
             ("time", f"时间：{meeting_time_text(meeting, zone)}")]  # fmt: skip
    if meeting.place.strip():
        lines.append(("place", f"地点：{one_paragraph(meeting.place)}"))
    state = signin_state(meeting, now)
    if state.phase is SignInPhase.NOT_YET:
        lines.append(("signin", placeholder_text(state, zone)))
    return lines


class NoSigninPanel(QWidget):
    """What the sign-in page shows while no meeting's sign-in is open: that no meeting is
    signing in, then the next meeting (title, type, time, place, when sign-in opens) or
    that there is none soon. Painted as plain text; every line shrinks together to fit.

    Attributes:
        drawn_text: the text of the last paint, for checks.
    """

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._metrics = Metrics.for_size(theme, 1920, 1080)
        self._lines: list[tuple[str, str]] = []
        self.drawn_text: list[DrawnText] = []
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def set_next(self, meeting: Meeting | None, now: datetime, zone: tzinfo) -> None:
        """Announce ``meeting`` (None: there is no meeting soon) as of ``now``."""
        lines = [("headline", NO_SIGNIN_TEXT)]
        if meeting is None:
            lines.append(("none", NO_MEETING_TEXT))
        else:
            lines.append(("tag", NEXT_MEETING_TEXT))
            lines.extend(next_meeting_lines(meeting, now, zone))
        if lines != self._lines:
            self._lines = lines
            self.update()

    def texts(self) -> list[str]:
        """The lines to show, in order (before eliding)."""
        return [text for _, text in self._lines]

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._theme, self._metrics = theme, metrics
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        self.drawn_text = []
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        theme, metrics = self._theme, self._metrics
        painter.fillRect(self.rect(), theme.color("background"))
        margin = metrics.px("margin")
        frame = self.rect().adjusted(margin // 2, margin // 2, -margin // 2, -margin // 2)
        painter.setPen(QPen(theme.color("accent"), metrics.px("rule")))
        painter.drawRect(frame)
        inner = frame.adjusted(margin, margin, -margin, -margin)
        rows = self._rows(inner)
        y = inner.top() + max(0, (inner.height() - sum(h for *_, h in rows)) // 2)
        for role, font, text, height in rows:
            box = QRect(inner.left(), y, inner.width(), height)
            if role == "tag":
                self._paint_tag(painter, font, text, box)
            else:
                painter.setPen(theme.color(PANEL_COLOURS.get(role, "text")))
                centre = Qt.AlignmentFlag.AlignCenter
                line = QRect(box.left(), box.top(), box.width(), line_height(font))
                draw_lines(painter, [text], font, line, centre, self.drawn_text)
            y += height
        painter.end()

    def _rows(self, inner: QRect) -> list[tuple[str, QFont, str, int]]:
        """(role, font, text, height) of every line, at the largest scale that fits."""
        for scale in PANEL_SCALES:
            rows = []
            for role, text in self._lines:
                font = self._font(role, scale)
                step = line_height(font)
                height = step * 3 // 2 if role in ("headline", "tag", "none") else step
                rows.append((role, font, elide(text, font, inner.width()), height))
            if sum(row[3] for row in rows) <= inner.height():
                break
        return rows

    def _font(self, role: str, scale: float) -> QFont:
        metrics, theme = self._metrics, self._theme

        def px(key: str) -> int:
            return max(1, round(metrics.px(key) * scale))

        if role == "headline":
            return theme.font(px("meeting_title"), bold=True)
        if role == "title":
            return theme.font(px("meeting_title"), serif=True, bold=True)
        if role == "tag":
            return theme.font(px("touch_text"), bold=True)
        return theme.font(px("meeting_text"))

    def _paint_tag(self, painter: QPainter, font: QFont, text: str, box: QRect) -> None:
        """``text`` on a gold plate, centred."""
        painter.setFont(font)
        pad = line_height(font) // 2
        width = min(box.width(), painter.fontMetrics().horizontalAdvance(text) + 2 * pad)
        height = line_height(font) * 5 // 4
        tag = QRect(box.left() + (box.width() - width) // 2, box.top(), width, height)
        painter.fillRect(tag, self._theme.color("accent"))
        painter.setPen(self._theme.color("tag_text"))
        inside = tag.adjusted(min(pad, (width - 1) // 2), 0, -min(pad, (width - 1) // 2), 0)
        text = elide(text, font, inside.width())
        draw_text(painter, inside, Qt.AlignmentFlag.AlignCenter, text, self.drawn_text)


class SigninPage(QWidget):
    """会议签到: the open meeting's sign-in card full size, or, while no sign-in is open,
    :class:`NoSigninPanel` with the next meeting.

    Args:
        card: the :class:`~kiosk.qt.meeting_view.MeetingCard` to show (made by the caller,
            so its presenter can feed it the live count).
        theme: colours and fonts (of the panel).
        parent: the parent widget.
    """

    def __init__(self, card: QWidget, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card = card
        self.panel = NoSigninPanel(theme)
        self._stack = QStackedWidget(self)
        self._stack.addWidget(card)
        self._stack.addWidget(self.panel)
        self._stack.setCurrentWidget(self.panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)

    def show_card(self) -> None:
        """Show the card (its presenter has put the open meeting on it)."""
        self._stack.setCurrentWidget(self.card)

    def show_no_signin(self, meeting: Meeting | None, now: datetime, zone: tzinfo) -> None:
        """No sign-in is open: say so, and announce ``meeting`` (None: none soon)."""
        self.panel.set_next(meeting, now, zone)
        self._stack.setCurrentWidget(self.panel)

    def is_card_shown(self) -> bool:
        """True while the sign-in card is shown, False while the panel is."""
        return self._stack.currentWidget() is self.card

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self.panel.set_style(theme, metrics)
        setter = getattr(self.card, "set_style", None)
        if setter is not None:
            setter(theme, metrics)
