"""The meeting sign-in card (扫码签到): the meeting, a large rotating QR code, the live count.

The card computes the QR code itself from the meeting's sign-in parameters and its clock
(:func:`kiosk.core.signin.signin_state`), so the code keeps rotating while the server is
unreachable; a one-second timer (running only while the card is visible) updates the
countdown and renders the next code at each window change. The live count comes from outside
(:meth:`MeetingCard.set_count`, fed by :class:`~kiosk.qt.live_feed.LiveCountFeed`); while it is
unavailable the count is greyed with "签到人数暂不可用" and the QR code stays.

Layout: a wide card (touch tiles, landscape zones) puts the code on the left and the text on
the right; otherwise the text goes above and below the code. The code is dark on white with a
quiet zone of four modules, whole pixels per module, and at least 40% of the card's shorter
side; the text shrinks together (down to half its size) to leave it that room, and every line
is elided rather than cut. Everything is painted as plain text, so a name like ``<b>张三</b>``
shows as typed. Used by the wall screen's main zone and by touch mode's home tile.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from content_cache.wire import Meeting
from kiosk.core.signin import SignInPhase, SignInState, signin_state
from kiosk.qt.qt import (
    QColor,
    QFont,
    QHideEvent,
    QImage,
    QPainter,
    QPaintEvent,
    QPen,
    QRect,
    QResizeEvent,
    QShowEvent,
    Qt,
    QTimer,
    QWidget,
    Signal,
)
from kiosk.qt.text import (
    DrawnText,
    draw_lines,
    draw_text,
    elide,
    fit_to_width,
    line_height,
    one_paragraph,
    wrap_lines,
)
from kiosk.qt.theme import Metrics, Theme

if TYPE_CHECKING:  # the live count's module loads requests; the card needs only the type
    from content_cache.live_count import LiveCount

Clock = Callable[[], datetime]

QUIET_MODULES = 4
QR_MIN_SHARE = 0.4  # of the card's shorter side: scannable from one to two metres
QR_MAX_SHARE = 0.85  # of the text width in the stacked layout
WIDE_RATIO = 1.2  # wider than this times the height: code left, text right
SCALES = (1.0, 0.92, 0.84, 0.76, 0.68, 0.6, 0.52)
SCAN_HINT = "请用手机扫码签到"
COUNT_UNAVAILABLE = "签到人数暂不可用"
COUNT_PENDING = "正在获取签到人数…"
NAME_GAP = "　"  # an ideographic space between names

WHITE, DARK = QColor("#FFFFFF"), QColor("#000000")


def meeting_time_text(meeting: Meeting, zone: tzinfo) -> str:
    """``11月24日 14:30–16:00`` (the end's date too when it is another day)."""
    start, end = meeting.start.astimezone(zone), meeting.end.astimezone(zone)
    day = f"{start.month}月{start.day}日"
    if end.date() == start.date():
        return f"{day} {start:%H:%M}–{end:%H:%M}"
    return f"{day} {start:%H:%M}–{end.month}月{end.day}日 {end:%H:%M}"


def countdown_text(state: SignInState, zone: tzinfo) -> str:
    """The line under the code: when it changes, when sign-in closes (or opens)."""
    if state.phase is SignInPhase.OPEN and state.seconds_left is not None:
        seconds = max(1, math.ceil(state.seconds_left))
        closes = state.closes_at.astimezone(zone) if state.closes_at else None
        tail = f" · {closes:%H:%M} 截止" if closes is not None else ""
        return f"二维码 {seconds} 秒后更新{tail}"
    return ""


def placeholder_text(state: SignInState, zone: tzinfo) -> str:
    """What stands in for the code while sign-in is not open."""
    if state.phase is SignInPhase.NOT_YET and state.changes_at is not None:
        opens = state.changes_at.astimezone(zone)
        return f"签到将于 {opens.month}月{opens.day}日 {opens:%H:%M} 开始"
    return "签到已结束"


def qr_matrix(data: str) -> list[list[bool]]:
    """The modules of a QR code (medium error correction) for ``data``, without quiet zone."""
    from qrcode.constants import ERROR_CORRECT_M  # loaded when a meeting is first shown
    from qrcode.main import QRCode

    code = QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def qr_image(data: str, side: int) -> QImage:
    """The QR code of ``data``: a white square of at most ``side`` pixels, dark modules of whole
    pixels, a quiet zone of four modules (smaller than ``side`` by less than one module row)."""
    matrix = qr_matrix(data)
    modules = len(matrix) + 2 * QUIET_MODULES
    module = max(1, side // modules)
    image = QImage(module * modules, module * modules, QImage.Format.Format_RGB32)
    image.fill(WHITE)
    painter = QPainter(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                left, top = (x + QUIET_MODULES) * module, (y + QUIET_MODULES) * module
                painter.fillRect(left, top, module, module, DARK)
    painter.end()
    return image


@dataclass(frozen=True)
class _Fonts:
    tag: QFont
    title: QFont
    text: QFont
    hint: QFont
    small: QFont
    count: QFont


@dataclass(frozen=True)
class _Row:
    """One block of text: its region name, font, lines, colour role and alignment."""

    name: str
    font: QFont
    lines: tuple[str, ...]
    colour: str
    height: int


class MeetingCard(QWidget):
    """A meeting with its sign-in QR code, countdown and live count.

    Args:
        theme: the theme to paint with (the code is dark on white in every theme).
        clock: returns the current aware datetime; tests move it.
        parent: the parent widget.
        timezone: the time zone of the times shown.

    Signals:
        url_changed(str): the code now encodes this URL ("" while sign-in is not open).
        phase_changed(str): sign-in moved to this :class:`SignInPhase` value.
    """

    url_changed = Signal(str)
    phase_changed = Signal(str)

    def __init__(
        self,
        theme: Theme,
        clock: Clock,
        parent: QWidget | None = None,
        *,
        timezone: tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self._theme, self._clock = theme, clock
        self._zone: tzinfo = timezone or ZoneInfo("Asia/Shanghai")
        self._metrics = Metrics.for_size(theme, 1, 1)
        self._meeting: Meeting | None = None
        self._state = SignInState(SignInPhase.CLOSED)
        self._count: LiveCount | None = None
        self._count_available: bool | None = None  # None: nothing heard yet
        self._regions: dict[str, QRect] = {}
        self._rows: list[_Row] = []
        self._fonts = self._make_fonts(1.0)
        self._wide = False
        self._qr: tuple[str, int, QImage] | None = None
        self.drawn_text: list[DrawnText] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.refresh)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    # -- public API ------------------------------------------------------------------------

    @property
    def meeting(self) -> Meeting | None:
        """The meeting shown."""
        return self._meeting

    @property
    def state(self) -> SignInState:
        """The sign-in state as of the last refresh."""
        return self._state

    @property
    def url(self) -> str | None:
        """The URL the code encodes now (None while sign-in is not open)."""
        return self._state.url

    @property
    def count(self) -> LiveCount | None:
        """The last live count received for the meeting."""
        return self._count

    @property
    def count_available(self) -> bool | None:
        """True while counts arrive, False after the server stopped answering, None before."""
        return self._count_available

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics`` (the window's)."""
        self._theme, self._metrics = theme, metrics
        self._relayout()

    def set_timezone(self, zone: tzinfo) -> None:
        """Show times in ``zone``."""
        self._zone = zone
        self._relayout()

    def set_meeting(self, meeting: Meeting | None) -> None:
        """Show ``meeting`` (None: nothing); its count starts again as not yet known."""
        if meeting == self._meeting:
            return
        if meeting is None or self._meeting is None or meeting.id != self._meeting.id:
            self._count, self._count_available = None, None
        self._meeting = meeting
        self._relayout()
        self.refresh()

    def set_count(self, count: LiveCount) -> None:
        """Show ``count`` (ignored unless it is the shown meeting's)."""
        if self._meeting is None or count.meeting_id != self._meeting.id:
            return
        self._count, self._count_available = count, True
        self.update()

    def set_count_unavailable(self) -> None:
        """Grey the count: the server does not answer (the code stays)."""
        self._count_available = False
        self.update()

    def refresh(self) -> None:
        """Compute the sign-in state now: new code, countdown, phase; arm the next tick."""
        old = self._state
        if self._meeting is None:
            self._state = SignInState(SignInPhase.CLOSED)
        else:
            self._state = signin_state(self._meeting, self._clock())
        if self._state.phase is not old.phase:
            self.phase_changed.emit(self._state.phase.value)
        if self._state.url != old.url:
            self.url_changed.emit(self._state.url or "")
        self._arm()
        self.update()

    def countdown_text(self) -> str:
        """The countdown line as shown now."""
        return countdown_text(self._state, self._zone)

    def count_text(self) -> str:
        """The count line as shown now: ``已签到 N / 应到 M``, or why there is none."""
        if self._count_available is False:
            return COUNT_UNAVAILABLE
        if self._count is None:
            return COUNT_PENDING
        text = f"已签到 {self._count.present} / 应到 {self._count.expected}"
        return text + (f" · 请假 {self._count.on_leave}" if self._count.on_leave else "")

    def latest_text(self) -> str:
        """The latest names line (empty when there are none or the count is unavailable)."""
        if self._count is None or self._count_available is False or not self._count.latest:
            return ""
        return "最新签到：" + NAME_GAP.join(one_paragraph(n) for n in self._count.latest)

    def regions(self) -> dict[str, QRect]:
        """Where each part goes (``tag``, ``title``, ``time``, ``place``, ``qr``, ``hint``,
        ``countdown``, ``count``, ``latest``), in the card's coordinates."""
        return dict(self._regions)

    def qr_rect(self) -> QRect:
        """The white square of the code (quiet zone included) as painted."""
        area = self._regions.get("qr", QRect())
        image = self._qr_image(area.width())
        if image is None:
            return QRect()
        side = image.width()
        return QRect(area.x() + (area.width() - side) // 2, area.y(), side, side)

    # -- events ----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def paintEvent(self, event: QPaintEvent) -> None:
        self.drawn_text = []
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(self.rect(), self._theme.color("background"))
        painter.setPen(QPen(self._theme.color("accent"), self._metrics.px("rule")))
        painter.drawRect(self._frame())
        if self._meeting is not None:
            self._paint_rows(painter)
            self._paint_code(painter)
        painter.end()

    # -- layout ----------------------------------------------------------------------------

    def _make_fonts(self, scale: float) -> _Fonts:
        theme, metrics = self._theme, self._metrics

        def px(role: str, factor: float = 1.0) -> int:
            return max(1, round(metrics.px(role) * scale * factor))

        return _Fonts(
            tag=theme.font(px("meeting_text", 0.85), bold=True),
            title=theme.font(px("meeting_title"), serif=True, bold=True),
            text=theme.font(px("meeting_text")),
            hint=theme.font(px("meeting_text"), bold=True),
            small=theme.font(px("meeting_text", 0.8)),
            count=theme.font(px("meeting_count"), bold=True),
        )

    def _frame(self) -> QRect:
        margin = self._metrics.px("margin") // 2
        return self.rect().adjusted(margin, margin, -margin, -margin)

    def _inner(self) -> QRect:
        margin = self._metrics.px("margin")
        return self._frame().adjusted(margin, margin, -margin, -margin)

    def _gap(self, fonts: _Fonts) -> int:
        return max(2, line_height(fonts.text) // 4)

    def _relayout(self) -> None:
        self._regions, self._rows = {}, []
        inner = self._inner()
        if self._meeting is None or inner.width() <= 0 or inner.height() <= 0:
            self.update()
            return
        self._wide = self.width() > WIDE_RATIO * self.height()
        needed = QR_MIN_SHARE * min(self.width(), self.height())
        best: tuple[int, dict[str, QRect], list[_Row], _Fonts] | None = None
        for scale in SCALES:
            fonts = self._make_fonts(scale)
            for title_lines in (2, 1):
                regions, rows, qr_side = self._place(inner, fonts, title_lines)
                if best is None or qr_side > best[0]:
                    best = (qr_side, regions, rows, fonts)
                if qr_side >= needed:
                    break
            if best is not None and best[0] >= needed:
                break
        assert best is not None
        _, self._regions, self._rows, self._fonts = best
        self.update()

    def _place(
        self, inner: QRect, fonts: _Fonts, title_lines: int
    ) -> tuple[dict[str, QRect], list[_Row], int]:
        """Regions and rows for one font scale; the third value is the code's side (<= 0: no
        room)."""
        gap = self._gap(fonts)
        regions: dict[str, QRect] = {}
        if self._wide:
            qr_side = min(inner.height(), inner.width() // 2)
            text_x = inner.x() + qr_side + 3 * gap
            width = inner.right() + 1 - text_x
            head, foot = self._rows_for(fonts, width, title_lines)
            rows = head + foot
            total = sum(r.height for r in rows) + gap * (len(rows) + 1)
            if total > inner.height():
                return {}, [], 0
            qr_top = inner.y() + (inner.height() - qr_side) // 2
            regions["qr"] = QRect(inner.x(), qr_top, qr_side, qr_side)
            top = inner.y() + (inner.height() - total) // 2
            self._stack(regions, head, text_x, top, width, gap)
            bottom = top + total - sum(r.height for r in foot) - gap * len(foot)
            self._stack(regions, foot, text_x, bottom, width, gap)
            return regions, rows, qr_side
        width = inner.width()
        head, foot = self._rows_for(fonts, width, title_lines)
        rows = head + foot
        text = sum(r.height for r in rows) + gap * (len(rows) + 1)
        qr_side = min(inner.height() - text, round(width * QR_MAX_SHARE))
        if qr_side <= 0:
            return {}, [], 0
        top = inner.y() + (inner.height() - text - qr_side) // 2
        y = self._stack(regions, head, inner.x(), top, width, gap)
        regions["qr"] = QRect(inner.x() + (width - qr_side) // 2, y + gap, qr_side, qr_side)
        self._stack(regions, foot, inner.x(), y + 2 * gap + qr_side, width, gap)
        return regions, rows, qr_side

    @staticmethod
    def _stack(
        regions: dict[str, QRect], rows: list[_Row], x: int, top: int, width: int, gap: int
    ) -> int:
        """Place ``rows`` one under the other from ``top``; returns the bottom."""
        y = top
        for row in rows:
            regions[row.name] = QRect(x, y, width, row.height)
            y += row.height + gap
        return y - gap

    def _rows_for(
        self, fonts: _Fonts, width: int, title_lines: int
    ) -> tuple[list[_Row], list[_Row]]:
        """The text above (or beside, at the top) the code, and below it (or at the bottom)."""
        meeting = self._meeting
        assert meeting is not None

        def row(name: str, font: QFont, lines: list[str], colour: str) -> _Row:
            return _Row(name, font, tuple(lines), colour, line_height(font) * max(1, len(lines)))

        tag_height = line_height(fonts.tag) + line_height(fonts.tag) // 3
        head = [_Row("tag", fonts.tag, (elide(meeting.meeting_type, fonts.tag, width),),
                     "tag_text", tag_height)]  # fmt: skip
        title = wrap_lines(meeting.title, fonts.title, width, title_lines) or [""]
        head.append(row("title", fonts.title, title, "accent_bright"))
        when = meeting_time_text(meeting, self._zone)
        place = f"地点：{one_paragraph(meeting.place)}" if meeting.place.strip() else ""
        if self._wide and place:  # a wide card has the width, not the height: one row
            head.append(
                row(
                    "time",
                    fonts.text,
                    [elide(f"{when}{NAME_GAP}{place}", fonts.text, width)],
                    "text",
                )
            )
        else:
            head.append(row("time", fonts.text, [when], "text"))
            if place:
                head.append(row("place", fonts.text, [elide(place, fonts.text, width)], "text"))
        foot = [
            row("hint", fonts.hint, [SCAN_HINT], "accent_bright"),
            row("countdown", fonts.small, [""], "text_muted"),
            row("count", fonts.count, [""], "accent_bright"),
            row("latest", fonts.text, [""], "text"),
        ]
        return head, foot

    def _align(self) -> Qt.AlignmentFlag:
        return Qt.AlignmentFlag.AlignLeft if self._wide else Qt.AlignmentFlag.AlignHCenter

    # -- painting --------------------------------------------------------------------------

    def _paint_rows(self, painter: QPainter) -> None:
        dynamic = {
            "countdown": self.countdown_text(),
            "count": self.count_text(),
            "latest": self.latest_text(),
        }
        for row in self._rows:
            rect = self._regions[row.name]
            if row.name == "tag":
                self._paint_tag(painter, row, rect)
                continue
            lines = list(row.lines)
            colour = row.colour
            font = row.font
            if row.name in dynamic:
                text = dynamic[row.name]
                if row.name == "count" and self._count_available is not True:
                    font, colour = self._fonts.text, "text_muted"
                if row.name == "count":  # the numbers shrink before they are elided
                    font = fit_to_width(font, text, rect.width() * 96 // 100, min_ratio=0.55)
                lines = [elide(text, font, rect.width())] if text else []
            if row.name == "hint" and not self._state.is_open:
                continue
            painter.setPen(self._theme.color(colour))
            draw_lines(painter, lines, font, rect, self._align(), self.drawn_text)

    def _paint_tag(self, painter: QPainter, row: _Row, rect: QRect) -> None:
        text = row.lines[0]
        painter.setFont(row.font)
        pad = line_height(row.font) // 2
        width = min(rect.width(), painter.fontMetrics().horizontalAdvance(text) + 2 * pad)
        left = rect.x() if self._wide else rect.x() + (rect.width() - width) // 2
        tag = QRect(left, rect.y(), width, rect.height())
        painter.fillRect(tag, self._theme.color("accent"))
        painter.setPen(self._theme.color("tag_text"))
        inside = tag.adjusted(min(pad, (width - 1) // 2), 0, -min(pad, (width - 1) // 2), 0)
        text = elide(text, row.font, inside.width())
        draw_text(painter, inside, Qt.AlignmentFlag.AlignCenter, text, self.drawn_text)

    def _paint_code(self, painter: QPainter) -> None:
        area = self._regions.get("qr")
        if area is None:
            return
        if self._state.is_open:
            image = self._qr_image(area.width())
            if image is not None:
                painter.drawImage(self.qr_rect().topLeft(), image)
            return
        painter.setPen(QPen(self._theme.color("text_muted"), self._metrics.px("rule")))
        painter.drawRect(area)
        font = self._fonts.hint
        text = placeholder_text(self._state, self._zone)
        inside = area.adjusted(line_height(font), 0, -line_height(font), 0)
        lines = wrap_lines(text, font, inside.width(), 3)
        height = line_height(font) * len(lines)
        box = QRect(
            inside.x(), inside.y() + (inside.height() - height) // 2, inside.width(), height
        )
        painter.setPen(self._theme.color("text"))
        draw_lines(painter, lines, font, box, Qt.AlignmentFlag.AlignHCenter, self.drawn_text)

    def _qr_image(self, side: int) -> QImage | None:
        url = self._state.url
        if not url or side <= 0:
            return None
        if self._qr is None or self._qr[:2] != (url, side):
            self._qr = (url, side, qr_image(url, side))
        return self._qr[2]

    def _arm(self) -> None:
        """Tick at the next whole second of the countdown (only while visible and open)."""
        self._timer.stop()
        left = self._state.seconds_left
        if left is None or not self.isVisible():
            return
        wait = left - math.ceil(left) + 1 + 0.005  # just after the shown number changes
        if self._state.phase is not SignInPhase.OPEN:
            wait = min(max(left, 0.05), 60.0)  # wake for the opening, at least once a minute
        self._timer.start(max(20, round(wait * 1000)))
