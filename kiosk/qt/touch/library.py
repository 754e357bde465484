"""The course library (党员智慧云课堂): categories in a column of big buttons, courses as tiles.

The first category, 全部课程, lists every course (when there are several categories), so
the library opens on a full grid rather than a category's one or two courses. Course tiles
fill the width in as many columns as fit tiles at least :data:`MIN_TILE_SHARE` of the
screen's shorter side wide (three at 1920x1080 and at 3840x2160, two on a portrait screen);
a tile is its 16:9 cover over two lines of title and the length.

Each course tile shows its cover (decoded off the GUI thread by a
:class:`~kiosk.qt.image_loader.PosterLoader`, cropped to the tile's picture area), its title
on up to two lines and its length ("12分30秒"); a course without a cover, or whose cover
cannot be decoded, keeps the themed plate with its title. Both lists scroll with a finger
(:mod:`kiosk.qt.touch.scrolling`); a touch on a tile opens the course.
"""

from __future__ import annotations

from collections.abc import Callable

from content_cache.wire import AssetRef, Video
from kiosk.core.courses import by_category, clock_text, duration_text
from kiosk.qt.image_loader import PosterLoader, PosterSource, decode_photo
from kiosk.qt.pages import style_label
from kiosk.qt.qt import QLabel, QRect, QResizeEvent, QSize, Qt, QWidget, Signal
from kiosk.qt.theme import Metrics, Theme
from kiosk.qt.touch.scrolling import finger_scroll_area
from kiosk.qt.touch.widgets import TouchButton

EMPTY_TEXT = "暂无党课视频，请稍后再来"
ALL_COURSES = "全部课程"
MIN_TILE_SHARE = 0.4  # of the shorter side: a course tile's least width (432 px at 1080p)
ONE_COLUMN = 1 << 20  # a minimum cell width no column is as wide as
CoverSource = Callable[[AssetRef], PosterSource]
Position = Callable[[Video], float | None]


class _Column(QWidget):
    """Children placed in a grid of ``columns`` equal cells of a fixed height; the widget is
    as tall as its rows, so a scroll area around it scrolls them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cells: list[QWidget] = []
        self._cell_height, self._gap, self._min_width = 120, 20, 300

    def set_cells(self, cells: list[QWidget]) -> None:
        for old in self.cells:
            if old not in cells:
                old.deleteLater()
        self.cells = cells
        for cell in cells:
            cell.setParent(self)
            cell.show()
        self._place()

    def set_geometry_rules(self, cell_height: int, gap: int, min_width: int) -> None:
        self._cell_height, self._gap, self._min_width = cell_height, gap, min_width
        self._place()

    def columns(self) -> int:
        return max(1, (self.width() + self._gap) // (self._min_width + self._gap))

    def cell_size(self) -> QSize:
        columns = self.columns()
        width = (self.width() - self._gap * (columns - 1)) // columns
        return QSize(max(1, width), self._cell_height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        columns, size, gap = self.columns(), self.cell_size(), self._gap
        rows = (len(self.cells) + columns - 1) // columns
        self.setMinimumHeight(max(0, rows * (size.height() + gap) - gap))
        for index, cell in enumerate(self.cells):
            row, column = divmod(index, columns)
            x, y = column * (size.width() + gap), row * (size.height() + gap)
            cell.setGeometry(QRect(x, y, size.width(), size.height()))


class CourseLibrary(QWidget):
    """Categories and course tiles.

    Args:
        theme: colours and fonts.
        covers: decodes cover images (one with :func:`decode_photo` is made if not given).
        parent: the parent widget.

    Signals:
        course_chosen(object): the :class:`~content_cache.wire.Video` touched.
        category_shown(str): the category now listed.
    """

    course_chosen = Signal(object)
    category_shown = Signal(str)

    def __init__(
        self, theme: Theme, covers: PosterLoader | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._theme = theme
        self._metrics = Metrics.for_size(theme, 1920, 1080)
        self._covers = covers or PosterLoader(parent=self, decode=decode_photo)
        self._covers.ready.connect(self._on_cover)
        self._groups: dict[str, list[Video]] = {}
        self._category = ""
        self._cover_source: CoverSource | None = None
        self._position: Position = lambda video: None
        self.category_buttons: dict[str, TouchButton] = {}
        self.course_tiles: dict[str, TouchButton] = {}
        self._categories = _Column()
        self._courses = _Column()
        self.category_area = finger_scroll_area(self._categories, self)
        self.course_area = finger_scroll_area(self._courses, self)
        self._empty = QLabel(EMPTY_TEXT, self)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._empty.hide()

    @property
    def category(self) -> str:
        """The category listed."""
        return self._category

    def categories(self) -> list[str]:
        """The categories, in the order shown."""
        return list(self._groups)

    def set_courses(
        self,
        videos: list[Video],
        cover_source: CoverSource | None,
        position: Position | None = None,
    ) -> None:
        """List ``videos``; ``cover_source`` gives a cover's file, ``position`` where each
        course was left (shown as "上次看到 05:12")."""
        groups = by_category(videos)
        self._groups = {ALL_COURSES: list(videos), **groups} if len(groups) > 1 else groups
        self._cover_source = cover_source
        self._position = position or (lambda video: None)
        buttons: dict[str, TouchButton] = {}
        for name in self._groups:
            button = self.category_buttons.get(name)
            if button is None:
                button = TouchButton(name, self._theme)
                button.clicked.connect(lambda name=name: self.show_category(name))
            button.set_text(name, f"{len(self._groups[name])} 门课程")
            buttons[name] = button
        self.category_buttons = buttons
        self._categories.set_cells(list(buttons.values()))
        self._empty.setVisible(not self._groups)
        self.course_area.setVisible(bool(self._groups))
        self.category_area.setVisible(bool(self._groups))
        keep = self._category if self._category in self._groups else next(iter(self._groups), "")
        self._category = ""
        if keep:
            self.show_category(keep)
        self._apply_style()

    def show_category(self, name: str) -> None:
        """List the courses of category ``name``."""
        if name not in self._groups:
            return
        changed = name != self._category
        self._category = name
        for category, button in self.category_buttons.items():
            button.set_role("primary" if category == name else "plain")
        tiles: list[QWidget] = []
        shown: dict[str, TouchButton] = {}
        for video in self._groups[name]:
            tile = TouchButton(
                video.title or "未命名课程",
                self._theme,
                accept_touch=False,
                subtitle=self._subtitle(video),
                title_lines=2,
            )
            tile.clicked.connect(lambda video=video: self.course_chosen.emit(video))
            shown[video.id] = tile
            tiles.append(tile)
        self.course_tiles = shown
        self._courses.set_cells(tiles)
        self._apply_style()
        self._request_covers()
        if changed:
            self.course_area.verticalScrollBar().setValue(0)
            self.category_shown.emit(name)

    def set_style(self, theme: Theme, metrics: Metrics) -> None:
        """Use ``theme`` at the sizes of ``metrics``."""
        self._theme, self._metrics = theme, metrics
        self._apply_style()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def close(self) -> bool:  # type: ignore[override]
        """Stop decoding covers."""
        self._covers.close()
        return super().close()

    # -- internals -------------------------------------------------------------------------

    def _subtitle(self, video: Video) -> str:
        length = duration_text(video.length_seconds)
        left_at = self._position(video)
        if left_at:
            return f"上次看到 {clock_text(left_at)}"
        return f"时长 {length}" if length else ""

    def _apply_style(self) -> None:
        metrics, theme = self._metrics, self._theme
        text = metrics.px("touch_text")
        button = metrics.px("touch_button")
        gap = metrics.px("margin") // 2
        for category_button in self.category_buttons.values():
            category_button.set_style(theme, round(text * 1.1), text)
        self._categories.set_geometry_rules(round(button * 1.25), gap, ONE_COLUMN)
        for tile in self.course_tiles.values():
            tile.set_style(theme, round(text * 1.1), text)
        style_label(
            self._empty, theme.font(metrics.px("touch_title"), bold=True), theme.color("text")
        )
        self._place()

    def _place(self) -> None:
        metrics = self._metrics
        margin = metrics.px("margin")
        area = self.rect().adjusted(margin, margin // 2, -margin, -margin // 2)
        column = max(metrics.px("touch_button") * 2, area.width() * 22 // 100)
        column = min(column, metrics.px("touch_text") * 9)  # room for 6 characters
        self.category_area.setGeometry(QRect(area.left(), area.top(), column, area.height()))
        courses = QRect(
            area.left() + column + margin, area.top(), area.width() - column - margin, area.height()
        )
        self.course_area.setGeometry(courses)
        self._empty.setGeometry(area)
        tile_width = round(metrics.unit * MIN_TILE_SHARE)
        gap = margin // 2
        columns = max(1, (courses.width() + gap) // (tile_width + gap))
        width = (courses.width() - gap * (columns - 1)) // columns  # the row's share
        cover_height = width * 9 // 16
        text = metrics.px("touch_text")
        tile_height = cover_height + round(text * 1.1 * 1.3) * 2 + round(text * 1.3) + text
        self._courses.set_geometry_rules(tile_height, margin // 2, tile_width)
        self._covers.set_target_size(QSize(width, max(1, cover_height)))
        self._refresh_pixmaps()

    def _request_covers(self) -> None:
        if self._cover_source is None:
            return
        keys = []
        for video in self._groups.get(self._category, []):
            if video.cover is not None:
                keys.append(video.cover.sha256)
                self._covers.request(video.cover.sha256, self._cover_source(video.cover))
        self._covers.retain(keys, keys)
        self._refresh_pixmaps()

    def _refresh_pixmaps(self) -> None:
        for video in self._groups.get(self._category, []):
            tile = self.course_tiles.get(video.id)
            if tile is not None and video.cover is not None:
                pixmap = self._covers.pixmap(video.cover.sha256)
                if pixmap is None and self._cover_source is not None:
                    self._covers.request(video.cover.sha256, self._cover_source(video.cover))
                tile.set_pixmap(pixmap)

    def _on_cover(self, key: str) -> None:
        pixmap = self._covers.pixmap(key)
        for video in self._groups.get(self._category, []):
            if video.cover is not None and video.cover.sha256 == key:
                tile = self.course_tiles.get(video.id)
                if tile is not None:
                    tile.set_pixmap(pixmap)
