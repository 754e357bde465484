"""The home screen of touch mode: a few very large tiles, each one touch from its content.

党课视频 (video courses), 光荣榜 (honor rolls), 通知公告 (notices) and, while a meeting's
sign-in is open or a meeting is coming, 会议签到 (its line says 正在签到, or when the next
meeting is). Tiles sit in one row on a landscape screen and in a column on a
portrait one; each is at least ``touch_button`` tall (far above the 15 mm minimum) and its
label is ``touch_tile`` pixels.
"""

from __future__ import annotations

from kiosk.qt.qt import QRect, QResizeEvent, QWidget, Signal
from kiosk.qt.theme import Metrics, Theme
from kiosk.qt.touch.widgets import TouchButton

COURSES, HONOR, NOTICES, SIGNIN = "courses", "honor", "notices", "signin"
TILES = ((COURSES, "党课视频"), (HONOR, "光荣榜"), (NOTICES, "通知公告"), (SIGNIN, "会议签到"))


class HomePage(QWidget):
    """The home tiles.

    Args:
        theme: colours and fonts.
        parent: the parent widget.

    Signals:
        chosen(str): a tile was touched: ``"courses"``, ``"honor"``, ``"notices"`` or
            ``"signin"``.
    """

    chosen = Signal(str)

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._metrics = Metrics.for_size(theme, 1920, 1080)
        self.tiles: dict[str, TouchButton] = {}
        for name, label in TILES:
            tile = TouchButton(label, theme, self, role="primary" if name == COURSES else "plain")
            tile.clicked.connect(lambda name=name: self.chosen.emit(name))
            self.tiles[name] = tile
        self.tiles[SIGNIN].hide()

    def set_summary(self, name: str, subtitle: str) -> None:
        """The small line under tile ``name`` (e.g. "共 12 门课程")."""
        tile = self.tiles[name]
        tile.set_text(tile.text, subtitle)

    def set_signin(self, summary: str | None) -> None:
        """Show the 会议签到 tile with ``summary`` under its label, or hide it (None)."""
        tile = self.tiles[SIGNIN]
        if summary is None:
            tile.hide()
        else:
            tile.set_text(tile.text, summary)
            tile.show()
        self._place()

    def visible_tiles(self) -> list[str]:
        """The names of the tiles shown, in order."""
        return [name for name, tile in self.tiles.items() if not tile.isHidden()]

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._theme, self._metrics = theme, metrics
        for tile in self.tiles.values():
            tile.set_style(theme, metrics.px("touch_tile"), metrics.px("touch_text"))
        self._place()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        shown = [self.tiles[name] for name in self.visible_tiles()]
        if not shown:
            return
        margin = self._metrics.px("margin")
        gap = margin
        area = self.rect().adjusted(margin, margin, -margin, -margin)
        count = len(shown)
        if self.width() >= self.height():  # one row
            width = (area.width() - gap * (count - 1)) // count
            height = min(area.height(), max(self._metrics.px("touch_button"), width * 5 // 4))
            top = area.top() + (area.height() - height) // 2
            for index, tile in enumerate(shown):
                tile.setGeometry(QRect(area.left() + index * (width + gap), top, width, height))
        else:  # one column
            height = (area.height() - gap * (count - 1)) // count
            height = min(height, area.width() * 2 // 3)
            top = area.top() + (area.height() - height * count - gap * (count - 1)) // 2
            for index, tile in enumerate(shown):
                y = top + index * (height + gap)
                tile.setGeometry(QRect(area.left(), y, area.width(), height))
