"""Plays one honor roll: page after page, photos decoded off the GUI thread before their page.

Page time (also in ``themes/README.md``): when the roll has
``display_seconds``, that is the time of the whole roll, divided evenly across its pages but
never less than :data:`MIN_PAGE_SECONDS` a page (a long roll with a short time still reads;
it then takes longer than asked). Without it, each page shows for the theme's
``motion.honor_page_seconds`` (8 s in party-red). After the last page's time the player emits
``finished`` and the rotation moves on.

Photos are decoded by their own :class:`~kiosk.qt.image_loader.PosterLoader` (with
:func:`~kiosk.qt.image_loader.decode_photo`) at the size of the grid's photo frame, each
file's hash checked first as for posters. The photos of the page shown and of the next page
are kept; a photo that cannot be used is logged once and drawn as a placeholder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from content_cache.wire import AssetRef, HonorEntry, HonorRoll
from kiosk.qt.honor_view import HonorRollView
from kiosk.qt.image_loader import PosterLoader, PosterSource
from kiosk.qt.qt import QObject, QSize, QTimer, Signal

log = logging.getLogger("kiosk.screen")

MIN_PAGE_SECONDS = 3.0

SourceOf = Callable[[AssetRef], PosterSource]


def page_seconds(display_seconds: float | None, pages: int, default: float) -> float:
    """How long one page of a roll of ``pages`` pages shows (see the module's docstring)."""
    if display_seconds is None:
        return default
    return max(MIN_PAGE_SECONDS, display_seconds / max(1, pages))


class HonorRollPlayer(QObject):
    """Pages an :class:`HonorRollView` and feeds it photos.

    Args:
        view: the view to drive.
        photos: a loader that decodes with ``decode_photo``.
        zone_size: the size of the main zone now (the view's size once it is shown).
        parent: the QObject parent.

    Signals:
        finished(): the last page of the roll has had its time.
    """

    finished = Signal()

    def __init__(
        self,
        view: HonorRollView,
        photos: PosterLoader,
        zone_size: Callable[[], QSize],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._view, self._photos, self._zone_size = view, photos, zone_size
        self._roll: HonorRoll | None = None
        self._source: SourceOf | None = None
        self._preloaded: list[HonorEntry] = []
        self._preload_roll: HonorRoll | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._turn)
        view.set_photo_lookup(photos.pixmap)
        photos.ready.connect(self._on_ready)
        photos.failed.connect(self._on_failed)

    @property
    def roll(self) -> HonorRoll | None:
        """The roll playing, or None."""
        return self._roll

    def is_paging(self) -> bool:
        """True while a page's timer runs."""
        return self._timer.isActive()

    def play(self, roll: HonorRoll, source: SourceOf) -> None:
        """Show ``roll`` from its first page."""
        self._roll, self._source = roll, source
        self._preloaded, self._preload_roll = [], None
        self._view.set_roll(roll)
        self._fit_photos()
        self._show_page(0)

    def preload(self, roll: HonorRoll, source: SourceOf) -> None:
        """Decode the photos of ``roll``'s first page now, before its turn.

        Only while no roll plays: the loader decodes for one photo size at a time.
        """
        if self._roll is not None:
            return
        self._source, self._preload_roll = source, roll
        grid = self._view.grid_for(self._zone_size(), len(roll.entries))
        self._photos.set_target_size(grid.photo)
        self._preloaded = list(roll.entries[: grid.page_span(len(roll.entries), 0)[1]])
        self._request(self._preloaded)
        self._retain()

    def turn(self, step: int) -> bool:
        """Show the page ``step`` pages on (-1: back) now, and give it its full time.

        Returns False, changing nothing, when there is no such page in this roll.
        """
        page = self._view.page + step
        if self._roll is None or not 0 <= page < self._view.pages():
            return False
        self._show_page(page)
        return True

    def stop(self) -> None:
        """Stop paging; the view keeps what it shows until it is replaced."""
        self._timer.stop()
        self._roll = None

    def relayout(self) -> None:
        """The zone changed size: keep the first card shown on screen, re-decode the photos."""
        if self._roll is None:
            return
        first = self._view.first_entry()
        self._view.set_roll(self._roll)
        self._fit_photos()
        self._view.set_page(self._view.page_of(first))
        self._request(self._view.page_entries())
        self._retain()

    # -- paging ------------------------------------------------------------------------------

    def _show_page(self, page: int) -> None:
        assert self._roll is not None
        self._view.set_page(page)
        pages = self._view.pages()
        self._request(self._view.page_entries())
        self._request(self._view.page_entries(page + 1))
        self._retain()
        default = self._view.theme.motion.honor_page_seconds
        seconds = page_seconds(self._roll.display_seconds, pages, default)
        self._timer.start(round(seconds * 1000))
        log.info(
            "showing page %d/%d of honor roll %s",
            self._view.page + 1,
            pages,
            self._roll.id,
            extra={
                "event": "honor_page_shown",
                "item_id": self._roll.id,
                "page": self._view.page + 1,
                "pages": pages,
                "per_page": self._view.grid.per_page,
            },
        )

    def _turn(self) -> None:
        if self._roll is None:
            return
        if self._view.page + 1 < self._view.pages():
            self._show_page(self._view.page + 1)
        else:
            self.finished.emit()

    # -- photos ------------------------------------------------------------------------------

    def _fit_photos(self) -> None:
        self._photos.set_target_size(self._view.grid_for(self._zone_size()).photo)

    def _request(self, entries: list[HonorEntry]) -> None:
        if self._source is None:
            return
        for entry in entries:
            if entry.photo is not None:
                self._photos.request(entry.photo.sha256, self._source(entry.photo))

    def _retain(self) -> None:
        keep = [e for e in self._preloaded if e.photo is not None]
        if self._roll is not None:
            page = self._view.page
            keep += self._view.page_entries() + self._view.page_entries(page + 1)
        keys = {e.photo.sha256 for e in keep if e.photo is not None}
        failures = set(keys)  # remembered while their roll is on: tried and logged once
        for roll in (self._roll, self._preload_roll):
            if roll is not None:
                failures |= {e.photo.sha256 for e in roll.entries if e.photo is not None}
        self._photos.retain(keys, failures)

    def _on_ready(self, key: str) -> None:
        if any(e.photo is not None and e.photo.sha256 == key for e in self._view.page_entries()):
            self._view.update()

    def _on_failed(self, key: str, reason: str) -> None:
        for roll in (self._roll, self._preload_roll, self._view.roll):
            if roll is None:
                continue
            for index, entry in enumerate(roll.entries):
                if entry.photo is not None and entry.photo.sha256 == key:
                    log.warning(
                        "honor roll %s: photo of entry %d unusable, showing a placeholder: %s",
                        roll.id,
                        index + 1,
                        reason,
                        extra={
                            "event": "photo_skipped",
                            "item_id": roll.id,
                            "entry": index + 1,
                            "reason": reason,
                        },
                    )
                    return
