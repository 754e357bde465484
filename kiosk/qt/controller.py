"""The glue of wall mode: snapshot in, plan out, posters rotated, transitions logged.

The controller holds the current snapshot, asks the Qt-free core what to show now
(:func:`kiosk.core.schedule.plan_for`), and tells the window. It re-plans when a sync brings
a new snapshot, at the plan's ``next_change`` and at midnight (a date-trigger job on the
Qt scheduler, replaced on each re-plan). Posters are decoded one turn ahead, so a transition
never waits for a decode; a poster that cannot be decoded is skipped with one log line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler

from content_cache.store import Snapshot
from content_cache.sync import SyncResult
from content_cache.wire import Notice, Poster
from kiosk.core.schedule import plan_for
from kiosk.qt.image_loader import PosterLoader, PosterSource
from kiosk.qt.qt import QObject, QPixmap, QSize, QTimer, qVersion
from kiosk.qt.theme import ThemeLibrary
from kiosk.qt.window import Clock, KioskWindow, Page

log = logging.getLogger("kiosk.screen")

DEFAULT_TIMEZONE = "Asia/Shanghai"
REPLAN_JOB = "replan"


def system_clock() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def next_midnight(now: datetime) -> datetime:
    """The start of the day after ``now``, in ``now``'s time zone."""
    return datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=now.tzinfo)


def replan_deadline(next_change: datetime | None, now: datetime) -> datetime:
    """When to ask the plan again: at its next change, and at midnight at the latest."""
    midnight = next_midnight(now)
    return midnight if next_change is None else min(next_change, midnight)


def _key(item: Poster) -> tuple[str, str]:
    """A poster's identity for the rotation: republishing a new image makes it a new poster."""
    return item.id, item.image.sha256


class ScreenController(QObject):
    """Decides what the window shows, from the current snapshot and the clock.

    Args:
        window: the window to drive.
        loader: decodes posters off the GUI thread.
        scheduler: a started or not yet started Qt scheduler for the re-plan job.
        themes: themes by name (the manifest names one).
        screen_id: this screen's id, for the log.
        clock: returns the current aware datetime; tests move it, the product uses the system.
        parent: the QObject parent.
    """

    def __init__(
        self,
        window: KioskWindow,
        loader: PosterLoader,
        scheduler: BaseScheduler,
        themes: ThemeLibrary,
        screen_id: str,
        clock: Clock = system_clock,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window, self._loader, self._scheduler = window, loader, scheduler
        self._themes, self._screen_id, self._clock = themes, screen_id, clock
        self._snapshot: Snapshot | None = None
        self._rotation: list[Poster] = []
        self._current: Poster | None = None  # the poster on screen (or last on screen)
        self._slot = 0  # its index in the rotation when it was shown
        self._waiting_for: Poster | None = None  # decoding, to be shown as soon as ready
        self._state: tuple[str, ...] = ()  # what the main zone shows, for transition logs
        self._notice_ids: tuple[str, ...] = ()
        self._missing: set[str] = set()
        self._zones: dict[str, tzinfo] = {}
        self._next_replan: datetime | None = None
        self._stopped = False
        self._dwell = self._single_shot(self._advance)
        self._replan_soon = self._single_shot(self.replan)
        loader.ready.connect(self._on_ready)
        loader.failed.connect(self._on_failed)
        window.main_zone.resized.connect(self._on_view_resized)
        window.first_painted.connect(self._on_first_paint)
        window.minute_passed.connect(self._on_minute)

    # -- public API ------------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot | None:
        """The snapshot shown from."""
        return self._snapshot

    @property
    def current_poster(self) -> Poster | None:
        """The poster in the main zone, or None when a page is shown instead."""
        return self._current if self._window.page() is Page.POSTERS else None

    @property
    def next_replan(self) -> datetime | None:
        """When (by the controller's clock) the next re-plan is due."""
        return self._next_replan

    def start(self, snapshot: Snapshot | None) -> None:
        """Show ``snapshot`` (the cached one at start-up), or the waiting page if None."""
        self._on_view_resized(self._window.main_zone.device_size())
        if snapshot is None:
            self.replan()
        else:
            self._load(snapshot, "cache")

    def on_sync_result(self, result: SyncResult) -> None:
        """Take the result of one sync (a slot for ``SyncThread.result``)."""
        if self._stopped:
            return
        if result.snapshot is not None and (result.status == "updated" or self._snapshot is None):
            self._loader.forget_failures()
            self._load(result.snapshot, "sync")
        elif self._snapshot is None and result.status == "failed":
            seconds = max(1, round(result.retry_in))
            self._window.waiting_page.set_status(f"暂时连不上内容服务器，{seconds} 秒后自动重试")

    def _poster_source(self, item: Poster) -> PosterSource:
        assert self._snapshot is not None
        snapshot, ref = self._snapshot, item.image
        return PosterSource(snapshot.asset_path(ref), lambda: snapshot.verify(ref))

    def replan(self) -> None:
        """Decide again what to show now, and when to decide next."""
        if self._stopped:
            return
        now = self._now()
        manifest = self._snapshot.manifest if self._snapshot else None
        plan = plan_for(manifest, now)
        self._schedule_replan(replan_deadline(plan.next_change, now), now)
        self._rotation = self._available([i for i in plan.rotation if isinstance(i, Poster)])
        self._show_notices(plan.notices)
        self._loader.retain(self._keep_keys(), (i.image.sha256 for i in self._rotation))
        if self._snapshot is None:
            self._enter_page(Page.WAITING, "no_snapshot")
        elif plan.urgent is not None:
            self._show_urgent(plan.urgent)
        elif not self._rotation:
            self._enter_page(Page.IDLE, "nothing_scheduled")
        elif self.current_poster is None or self._index_of(self._current) is None:
            self._advance()  # posters come back, or the one shown was withdrawn: move on now
        else:
            self._preload_next()

    def stop(self) -> None:
        """Stop rotating, drop the re-plan job and wait for running decodes."""
        self._stopped = True
        self._dwell.stop()
        self._replan_soon.stop()
        try:
            self._scheduler.remove_job(REPLAN_JOB)
        except JobLookupError:
            pass
        self._loader.close()
        self._window.close_down()

    # -- snapshot and plan -------------------------------------------------------------------

    def _load(self, snapshot: Snapshot, source: str) -> None:
        self._snapshot = snapshot
        manifest = snapshot.manifest
        log.info(
            "snapshot revision %d loaded from %s (%d items)",
            manifest.revision,
            source,
            len(manifest.items),
            extra={"event": "snapshot_loaded", "revision": manifest.revision, "source": source},
        )
        settings = manifest.settings
        self._window.set_theme(self._themes.get(settings.theme))
        self._window.set_org_name(settings.org_name)
        self._window.set_timezone(self._zone())
        self.replan()

    def _now(self) -> datetime:
        return self._clock().astimezone(self._zone())

    def _zone(self) -> tzinfo:
        name = self._snapshot.manifest.settings.timezone if self._snapshot else DEFAULT_TIMEZONE
        if name not in self._zones:
            try:
                self._zones[name] = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                log.warning(
                    "unknown time zone %r, using %s",
                    name,
                    DEFAULT_TIMEZONE,
                    extra={"event": "timezone_fallback", "timezone": name},
                )
                self._zones[name] = ZoneInfo(DEFAULT_TIMEZONE)
        return self._zones[name]

    def _schedule_replan(self, deadline: datetime, now: datetime) -> None:
        """Re-plan at ``deadline``: the job waits in real time for as long as the clock would."""
        self._next_replan = deadline
        run_at = datetime.now(UTC) + (deadline - now)
        self._scheduler.add_job(
            self._replan_soon.start, "date", run_date=run_at, id=REPLAN_JOB, replace_existing=True
        )

    def _available(self, posters: list[Poster]) -> list[Poster]:
        snapshot = self._snapshot
        available = [p for p in posters if snapshot is not None and snapshot.is_available(p)]
        missing = {p.id for p in posters} - {p.id for p in available}
        for item_id in sorted(missing - self._missing):
            log.warning(
                "skipped poster %s: file missing from the cache",
                item_id,
                extra={"event": "item_skipped", "item_id": item_id, "reason": "file missing"},
            )
        self._missing = missing
        return available

    def _show_notices(self, notices: list[Notice]) -> None:
        self._window.set_notices(notices)
        ids = tuple(n.id for n in notices)
        if ids != self._notice_ids:
            self._notice_ids = ids
            log.info(
                "showing %d notices %s",
                len(ids),
                " ".join(ids),
                extra={"event": "notices_shown", "item_ids": list(ids)},
            )

    # -- rotation ----------------------------------------------------------------------------

    def _advance(self) -> None:
        """Show the next poster that can be shown, or wait for its decode, or go idle."""
        if self._stopped or self._snapshot is None:
            return
        self._dwell.stop()
        for item in self._candidates():
            key = item.image.sha256
            if self._loader.failure(key) is not None:
                continue
            pixmap = self._loader.pixmap(key)
            if pixmap is not None:
                self._show(item, pixmap)
            else:
                self._waiting_for = item
                self._loader.request(key, self._poster_source(item))
            return
        reason = "nothing_decodable" if self._rotation else "nothing_scheduled"
        self._enter_page(Page.IDLE, reason)

    def _candidates(self) -> list[Poster]:
        """The rotation, starting after the poster shown (or at its old slot if withdrawn)."""
        items = self._rotation
        if not items:
            return []
        index = self._index_of(self._current)
        start = (index + 1 if index is not None else self._slot) % len(items)
        return items[start:] + items[:start]

    def _index_of(self, item: Poster | None) -> int | None:
        if item is None:
            return None
        keys = [_key(i) for i in self._rotation]
        return keys.index(_key(item)) if _key(item) in keys else None

    def _show(self, item: Poster, pixmap: QPixmap) -> None:
        """Start a display period of ``item``: cross-fade to it unless it is already shown.

        Every display period is logged, also when the only showable poster stays on screen,
        so the log is a record of what was shown when (proof of play).
        """
        self._waiting_for = None
        self._arm_dwell(item)
        shown = self.current_poster
        if shown is None or _key(shown) != _key(item):
            self._current = item
            self._slot = self._index_of(item) or 0
            self._window.show_page(Page.POSTERS)
            self._window.poster_view.show_pixmap(pixmap)
            self._state = ("poster", *_key(item))
            self._preload_next()
        log.info(
            "showing poster %s %s",
            item.id,
            item.title,
            extra={
                "event": "item_shown",
                "item_id": item.id,
                "kind": item.kind,
                "title": item.title,
            },
        )

    def _arm_dwell(self, item: Poster) -> None:
        assert self._snapshot is not None
        seconds = item.display_seconds or self._snapshot.manifest.settings.poster_seconds
        self._dwell.start(round(seconds * 1000))

    def _preload_next(self) -> None:
        """Decode the poster after the current one now, so its turn does not wait."""
        assert self._snapshot is not None
        for item in self._candidates():
            key = item.image.sha256
            if self._loader.failure(key) is None:
                self._loader.request(key, self._poster_source(item))
                break
        self._loader.retain(self._keep_keys(), (i.image.sha256 for i in self._rotation))

    def _keep_keys(self) -> set[str]:
        """Pixmaps worth keeping: the poster shown and the next two in the rotation."""
        keys = {item.image.sha256 for item in self._candidates()[:2]}
        if self._current is not None:
            keys.add(self._current.image.sha256)
        return keys

    # -- pages -----------------------------------------------------------------------------

    def _enter_page(self, page: Page, reason: str) -> None:
        self._dwell.stop()
        self._waiting_for = None
        self._current = None
        self._window.poster_view.clear()
        self._window.show_page(page)
        if self._state != ("idle", reason):
            self._state = ("idle", reason)
            log.info(
                "showing the %s page (%s)",
                page.value,
                reason,
                extra={"event": "idle_shown", "reason": reason},
            )

    def _show_urgent(self, notice: Notice) -> None:
        self._dwell.stop()
        self._waiting_for = None
        self._current = None
        self._window.show_urgent(notice)
        if self._state != ("urgent", notice.id, notice.text):
            self._state = ("urgent", notice.id, notice.text)
            log.info(
                "showing urgent notice %s %s",
                notice.id,
                notice.title,
                extra={"event": "urgent_shown", "item_id": notice.id, "title": notice.title},
            )

    # -- loader and window events ----------------------------------------------------------------

    def _on_ready(self, key: str) -> None:
        if self._waiting_for is not None and self._waiting_for.image.sha256 == key:
            self._advance()
        elif self.current_poster is not None and self.current_poster.image.sha256 == key:
            pixmap = self._loader.pixmap(key)  # decoded again for a new view size
            if pixmap is not None:
                self._window.poster_view.replace_pixmap(pixmap)

    def _on_failed(self, key: str, reason: str) -> None:
        for item in self._rotation:
            if item.image.sha256 == key:
                log.warning(
                    "skipped poster %s %s: %s",
                    item.id,
                    item.title,
                    reason,
                    extra={"event": "item_skipped", "item_id": item.id, "reason": reason},
                )
        if self._waiting_for is not None and self._waiting_for.image.sha256 == key:
            self._advance()
        elif self.current_poster is not None:
            self._preload_next()

    def _on_view_resized(self, size: QSize) -> None:
        self._loader.set_target_size(size)
        current = self.current_poster
        if current is not None and self._snapshot is not None and not self._stopped:
            self._loader.request(current.image.sha256, self._poster_source(current))
            self._preload_next()

    def _on_minute(self) -> None:
        """Re-plan now if the wall clock has already passed the deadline.

        The scheduler's timer counts elapsed time, so after a clock jump (NTP setting the
        time of a board without a real-time clock) it would fire late.
        """
        if self._next_replan is not None and self._now() >= self._next_replan:
            self.replan()

    def _on_first_paint(self) -> None:
        log.info(
            "screen %s ready (%dx%d)",
            self._screen_id,
            self._window.width(),
            self._window.height(),
            extra={
                "event": "screen_ready",
                "screen_id": self._screen_id,
                "width": self._window.width(),
                "height": self._window.height(),
                "qt_version": qVersion(),
            },
        )

    def _single_shot(self, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(slot)
        return timer
