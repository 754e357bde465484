"""The glue of wall mode: snapshot in, plan out, items rotated, transitions logged.

The controller holds the current snapshot, asks the Qt-free core what to show now
(:func:`kiosk.core.schedule.plan_for`), and tells the window. It re-plans when a sync brings
a new snapshot, at the plan's ``next_change`` and at midnight (a date-trigger job on the
Qt scheduler, replaced on each re-plan). Posters are decoded one turn ahead, so a transition
never waits for a decode; a poster that cannot be decoded is skipped with one log line.
An honor roll is played page by page by :class:`~kiosk.qt.honor_player.HonorRollPlayer`;
the rotation moves on after its last page.

Each re-plan also applies, in this order: the theme (``plan.theme``: the server's choice, or
``solemn`` on mourning days) and the orientation (``kiosk run --orientation`` over the
server's setting); the power schedule (off: a black window, every rotation timer stopped,
the monitor off by DPMS where possible; on again: monitor on, the sync thread woken, content
shown again); the emergency stop (a neutral page with the organisation, date and clock).

Log events (one line per transition): ``snapshot_loaded``, ``item_shown`` (kind ``poster`` or
``honor_roll``), ``honor_page_shown``, ``item_skipped``, ``photo_skipped``, ``idle_shown``,
``urgent_shown``, ``notices_shown``, ``theme_changed``, ``orientation_changed``,
``emergency_stop``, ``emergency_resume``, ``power_off``, ``power_on``, ``screen_ready``;
the sign-in card's ``meeting_signin_shown``, ``meeting_signin_closed``, ``meeting_count`` and
``meeting_count_unavailable`` (see :mod:`kiosk.qt.signin_presenter`).

While a meeting's sign-in is open (``plan.signin``) its card replaces the rotation in the main
zone; an urgent notice and an emergency stop still win over it. When sign-in closes (a change
instant of the plan), the rotation goes on.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from content_cache.store import Snapshot
from content_cache.wire import AssetRef, HonorRoll, Notice, Poster, Video
from kiosk.core.courses import PlaybackFailures
from kiosk.core.schedule import Plan, plan_for
from kiosk.qt.display_power import DisplayPower
from kiosk.qt.honor_player import HonorRollPlayer
from kiosk.qt.image_loader import PosterLoader, PosterSource, decode_photo
from kiosk.qt.pages import waiting_status
from kiosk.qt.qt import QObject, QPixmap, QSize, QTimer, Signal, qVersion
from kiosk.qt.signin_presenter import SignInPresenter
from kiosk.qt.theme import ThemeLibrary
from kiosk.qt.video.session import PlayerFactory, default_player_factory
from kiosk.qt.video.wall_player import WallVideoPlayer
from kiosk.qt.window import Clock, KioskWindow, Page

if TYPE_CHECKING:  # the sync side (requests) and APScheduler are loaded after the first frame
    from apscheduler.schedulers.base import BaseScheduler

    from content_cache.sync import SyncResult
    from content_cache.wire import Meeting
    from kiosk.qt.live_feed import LiveCountFeed

log = logging.getLogger("kiosk.screen")

DEFAULT_TIMEZONE = "Asia/Shanghai"
REPLAN_JOB = "replan"

Shown = Poster | HonorRoll | Video


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


def _key(item: Shown) -> tuple[str, str]:
    """An item's identity for the rotation: republishing a new image makes it a new poster,
    editing a roll's entries a new roll."""
    if isinstance(item, Poster):
        return item.id, item.image.sha256
    if isinstance(item, Video):
        return item.id, item.video.sha256
    body = item.model_dump_json(include={"title", "entries"}).encode()
    return item.id, hashlib.sha256(body).hexdigest()


class ScreenController(QObject):
    """Decides what the window shows, from the current snapshot and the clock.

    Args:
        window: the window to drive.
        loader: decodes posters off the GUI thread.
        scheduler: a started or not yet started Qt scheduler for the re-plan job, or None
            until :meth:`attach_scheduler` gives one (the screen makes it after the first
            frame, so APScheduler's imports do not hold that frame up).
        themes: themes by name (the plan names one).
        screen_id: this screen's id, for the log.
        clock: returns the current aware datetime; tests move it, the product uses the system.
        parent: the QObject parent.
        photos: decodes honor-roll photos (one with ``decode_photo`` is made if not given).
        orientation: the local override of the server's orientation setting, if any.
        wake_sync: asks the sync loop to sync at once (``SyncThread.wake``); called when the
            power schedule turns the screen back on.
        display_power: switches the monitor off and on; without it only the window blanks.
        live_counts: fetches the live sign-in count of the meeting on screen; without it the
            card shows the count as unavailable (the QR code is computed locally either way).
        failures: playback failures by video file, shared with touch mode; a video that
            failed twice is left out of the rotation.
        make_player: makes the libvlc player of wall videos (muted).

    Signals:
        content_changed(): a snapshot was loaded (at start or after a sync) and planned.
        planned(object): the :class:`Plan` of each re-plan (also while suspended), e.g. when
            a meeting's sign-in opens or closes; touch mode follows it.
    """

    content_changed = Signal()
    planned = Signal(object)

    def __init__(
        self,
        window: KioskWindow,
        loader: PosterLoader,
        scheduler: BaseScheduler | None,
        themes: ThemeLibrary,
        screen_id: str,
        clock: Clock = system_clock,
        parent: QObject | None = None,
        *,
        photos: PosterLoader | None = None,
        orientation: str | None = None,
        wake_sync: Callable[[], None] | None = None,
        display_power: DisplayPower | None = None,
        live_counts: LiveCountFeed | None = None,
        failures: PlaybackFailures | None = None,
        make_player: PlayerFactory = default_player_factory,
    ) -> None:
        super().__init__(parent)
        self._window, self._loader, self._scheduler = window, loader, scheduler
        self._themes, self._screen_id, self._clock = themes, screen_id, clock
        self._photos = photos or PosterLoader(parent=self, decode=decode_photo)
        self._orientation_override = orientation
        self._wake_sync, self._display_power = wake_sync, display_power
        self._signin = SignInPresenter(window.meeting_card, live_counts, self)
        self._snapshot: Snapshot | None = None
        self._rotation: list[Shown] = []
        self._rotation_keys: list[tuple[str, str]] = []
        self._current: Shown | None = None  # the item on screen (or last on screen)
        self._current_key: tuple[str, str] | None = None
        self._slot = 0  # its index in the rotation when it was shown
        self._waiting_for: Poster | None = None  # decoding, to be shown as soon as ready
        self._state: tuple[str, ...] = ()  # what the main zone shows, for transition logs
        self._notice_ids: tuple[str, ...] = ()
        self._missing: set[str] = set()
        self._zones: dict[str, tzinfo] = {}
        self._next_replan: datetime | None = None
        self._emergency = False
        self._closed = False
        self._dwell = self._single_shot(self._advance)
        self._replan_soon = self._single_shot(self.replan)
        self._honor = HonorRollPlayer(window.honor_view, self._photos, window.main_zone.size, self)
        self._honor.finished.connect(self._advance)
        self._failures = failures or PlaybackFailures()
        self._suspended = False  # touch mode covers the rotation: nothing moves
        self._video = WallVideoPlayer(window.video_page, make_player, self)
        self._video.finished.connect(self._advance)
        self._video.failed.connect(self._on_video_failed)
        loader.ready.connect(self._on_ready)
        loader.failed.connect(self._on_failed)
        window.main_zone.resized.connect(self._on_view_resized)
        window.first_painted.connect(self._on_first_paint)
        window.poster_view.transition_finished.connect(self._on_transition_finished)
        window.poster_view.full_released.connect(self._retain_posters)
        window.poster_view.full_needed.connect(self._on_full_needed)
        window.minute_passed.connect(self._on_minute)

    # -- public API ------------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot | None:
        """The snapshot shown from."""
        return self._snapshot

    @property
    def current_poster(self) -> Poster | None:
        """The poster in the main zone, or None when something else is shown."""
        current = self._current
        if self._window.page() is Page.POSTERS and isinstance(current, Poster):
            return current
        return None

    @property
    def current_item(self) -> Shown | None:
        """The poster or honor roll in the main zone, or None when a page is shown instead."""
        page = self._window.page()
        if self._window.is_powered() and page in (Page.POSTERS, Page.HONOR, Page.VIDEO):
            return self._current
        return None

    @property
    def playback_failures(self) -> PlaybackFailures:
        """Video playback failures by file (shared with touch mode)."""
        return self._failures

    @property
    def video_player(self) -> WallVideoPlayer:
        """The player of wall videos."""
        return self._video

    @property
    def honor_player(self) -> HonorRollPlayer:
        """The player of honor rolls."""
        return self._honor

    def timers_active(self) -> list[str]:
        """Which rotation timers run now (empty while the screen is off): for checks."""
        window = self._window
        running = {
            "dwell": self._dwell.isActive(),
            "honor_pages": self._honor.is_paging(),
            "video": self._video.is_playing(),
            "notices": window.notice_band.is_cycling(),
            "urgent_pages": window.urgent_page.is_paging(),
            "fade": window.poster_view.is_fading(),
        }
        return [name for name, active in running.items() if active]

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

    def attach_scheduler(self, scheduler: BaseScheduler) -> None:
        """Run the re-plan job on ``scheduler`` from now on (see the ``scheduler`` argument)."""
        self._scheduler = scheduler
        if self._next_replan is not None and not self._closed:
            self._schedule_replan(self._next_replan, self._now())

    def set_suspended(self, suspended: bool) -> None:
        """Stop the rotation while touch mode covers it (True); go on from a fresh plan (False).

        While suspended nothing moves: no dwell, no honor-roll page, no wall video, no decode.
        """
        if suspended == self._suspended or self._closed:
            return
        self._suspended = suspended
        if suspended:
            self._stop_rotation()
            if self._window.page() is Page.VIDEO:  # hide the native surface under touch mode
                self._window.show_page(Page.IDLE)
        else:
            self.replan()

    def on_sync_result(self, result: SyncResult) -> None:
        """Take the result of one sync (a slot for ``SyncThread.result``)."""
        if self._closed:
            return
        if result.snapshot is not None and (result.status == "updated" or self._snapshot is None):
            self._loader.forget_failures()
            self._load(result.snapshot, "sync")
        elif self._snapshot is None and result.status == "failed":
            self._window.waiting_page.set_status(waiting_status(result.message, result.retry_in))

    def _poster_source(self, item: Poster) -> PosterSource:
        return self._asset_source(item.image)

    def _asset_source(self, ref: AssetRef) -> PosterSource:
        assert self._snapshot is not None
        snapshot = self._snapshot
        return PosterSource(snapshot.asset_path(ref), lambda: snapshot.verify(ref))

    def replan(self) -> None:
        """Decide again what to show now, and when to decide next."""
        if self._closed:
            return
        now = self._now()
        manifest = self._snapshot.manifest if self._snapshot else None
        plan = plan_for(manifest, now)
        self._schedule_replan(replan_deadline(plan.next_change, now), now)
        self.planned.emit(plan)
        self._apply_look(plan)
        self._note_emergency(plan.stopped)
        if not plan.screen_on:
            self._signin.hide("power_off")
            self._power_off()
            return
        if not self._window.is_powered():
            self._power_on()
        self._rotation = self._available(plan.rotation)
        self._rotation_keys = [_key(item) for item in self._rotation]
        self._show_notices(plan.notices)
        self._retain_posters()
        if self._suspended:
            return  # touch mode is open; set_suspended(False) plans again
        if self._snapshot is None:
            self._enter_page(Page.WAITING, "no_snapshot")
        elif plan.stopped:
            self._show_stopped()
        elif plan.urgent is not None:
            self._show_urgent(plan.urgent)
        elif plan.signin is not None:
            self._show_meeting(plan.signin)
        elif not self._rotation:
            self._enter_page(Page.IDLE, "nothing_scheduled")
        elif self.current_item is None or self._index_of_current() is None:
            self._advance()  # items come back, or the one shown was withdrawn: move on now
        else:
            self._preload_next()
        if self._snapshot is None or plan.stopped or plan.urgent or plan.signin is None:
            reason = "stopped" if plan.stopped else "urgent" if plan.urgent else "closed"
            self._signin.hide(reason)

    def stop(self) -> None:
        """Stop rotating, drop the re-plan job and wait for running decodes."""
        self._closed = True
        self._dwell.stop()
        self._honor.stop()
        self._video.release()
        self._replan_soon.stop()
        if self._scheduler is not None:
            from apscheduler.jobstores.base import JobLookupError

            try:
                self._scheduler.remove_job(REPLAN_JOB)
            except JobLookupError:
                pass
        self._loader.close()
        self._photos.close()
        self._signin.close()
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
        self._window.set_org_name(settings.org_name)
        self._window.set_timezone(self._zone())
        self.replan()
        self.content_changed.emit()

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
        if self._scheduler is None:
            return  # scheduled when the scheduler is attached
        run_at = datetime.now(UTC) + (deadline - now)
        self._scheduler.add_job(
            self._replan_soon.start, "date", run_date=run_at, id=REPLAN_JOB, replace_existing=True
        )

    def _apply_look(self, plan: Plan) -> None:
        """Use the plan's theme and the orientation setting, logging each change."""
        theme = self._themes.get(plan.theme)
        shown = self._window.theme
        if theme != shown:
            log.info(
                "theme %s instead of %s",
                theme.name,
                shown.name,
                extra={"event": "theme_changed", "theme": theme.name, "previous": shown.name,
                       "mourning": plan.mourning},
            )  # fmt: skip
            self._window.set_theme(theme)
        settings = self._snapshot.manifest.settings if self._snapshot else None
        orientation = self._orientation_override or (settings.orientation if settings else "auto")
        if orientation != self._window.orientation:
            self._window.set_orientation(orientation)
            layout = "portrait" if self._window.metrics().portrait else "landscape"
            log.info(
                "orientation %s (%s layout)",
                orientation,
                layout,
                extra={"event": "orientation_changed", "orientation": orientation,
                       "layout": layout},
            )  # fmt: skip

    def _note_emergency(self, stopped: bool) -> None:
        """Log entering and leaving an emergency stop, once each."""
        if stopped == self._emergency:
            return
        self._emergency = stopped
        if stopped:
            log.warning(
                "emergency stop: published content blanked",
                extra={"event": "emergency_stop"},
            )
        else:
            log.info("emergency stop lifted", extra={"event": "emergency_resume"})

    def _available(self, items: list[Shown]) -> list[Shown]:
        """The items whose files are on disk. Honor rolls always are: a missing photo shows
        as a placeholder, so it never keeps the roll off the screen."""
        snapshot = self._snapshot
        items = [
            i
            for i in items
            if isinstance(i, Poster | HonorRoll)
            or (isinstance(i, Video) and not self._failures.skipped(i.video.sha256))
        ]
        available = [
            i
            for i in items
            if isinstance(i, HonorRoll) or (snapshot is not None and snapshot.is_available(i))
        ]
        missing = {p.id for p in items} - {p.id for p in available}
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
        """Show the next item that can be shown, or wait for its decode, or go idle."""
        if self._closed or self._snapshot is None or not self._window.is_powered():
            return
        if self._suspended:
            return
        self._dwell.stop()
        for item in self._candidates():
            if isinstance(item, HonorRoll):
                self._show_roll(item)
                return
            if isinstance(item, Video):
                if self._failures.skipped(item.video.sha256):
                    continue
                self._show_video(item)
                return
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

    def _candidates(self) -> list[Shown]:
        """The rotation, starting after the item shown (or at its old slot if withdrawn)."""
        items = self._rotation
        if not items:
            return []
        index = self._index_of_current()
        start = (index + 1 if index is not None else self._slot) % len(items)
        return items[start:] + items[:start]

    def _index_of_current(self) -> int | None:
        if self._current_key is None or self._current_key not in self._rotation_keys:
            return None
        return self._rotation_keys.index(self._current_key)

    def _make_current(self, item: Shown) -> None:
        self._current, self._current_key = item, _key(item)
        self._slot = self._index_of_current() or 0

    def _show(self, item: Poster, pixmap: QPixmap) -> None:
        """Start a display period of ``item``: cross-fade to it unless it is already shown.

        Every display period is logged, also when the only showable poster stays on screen,
        so the log is a record of what was shown when (proof of play).
        """
        self._waiting_for = None
        self._honor.stop()
        self._video.stop()
        self._arm_dwell(item)
        shown = self.current_poster
        if shown is None or _key(shown) != _key(item):
            self._make_current(item)
            self._window.show_page(Page.POSTERS)
            self._window.poster_view.show_pixmap(pixmap)
            self._state = ("poster", *_key(item))
            if not self._window.poster_view.is_fading():
                self._preload_next()  # else when the fade ends, and the old poster is let go
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

    def _show_roll(self, roll: HonorRoll) -> None:
        """Start a display period of ``roll``: its pages one after another, then ``_advance``."""
        self._waiting_for = None
        self._video.stop()
        self._make_current(roll)
        self._window.poster_view.clear()  # the next poster fades in from the background
        self._window.show_page(Page.HONOR)
        self._state = ("honor_roll", *_key(roll))
        entries = len(roll.entries)
        grid = self._window.honor_view.grid_for(self._window.main_zone.size(), entries)
        log.info(
            "showing honor roll %s %s (%d entries)",
            roll.id,
            roll.title,
            entries,
            extra={
                "event": "item_shown",
                "item_id": roll.id,
                "kind": roll.kind,
                "title": roll.title,
                "entries": entries,
                "pages": grid.pages(entries),
            },
        )
        self._honor.play(roll, self._asset_source)
        self._preload_next()

    def _show_video(self, item: Video) -> None:
        """Start a display period of ``item``: muted, to its end or its ``display_seconds``."""
        assert self._snapshot is not None
        self._waiting_for = None
        self._honor.stop()
        self._make_current(item)
        self._window.poster_view.clear()
        self._window.show_page(Page.VIDEO)
        self._state = ("video", *_key(item))
        log.info(
            "showing video %s %s",
            item.id,
            item.title,
            extra={"event": "item_shown", "item_id": item.id, "kind": item.kind,
                   "title": item.title},
        )  # fmt: skip
        self._video.play(item, self._snapshot.asset_path(item.video))

    def _arm_dwell(self, item: Poster) -> None:
        assert self._snapshot is not None
        seconds = item.display_seconds or self._snapshot.manifest.settings.poster_seconds
        self._dwell.start(round(seconds * 1000))

    def _preload_next(self) -> None:
        """Decode the item after the current one now, so its turn does not wait."""
        assert self._snapshot is not None
        for item in self._candidates():
            if isinstance(item, Video):
                break  # nothing to decode ahead
            if isinstance(item, HonorRoll):
                if item is not self._honor.roll:
                    self._honor.preload(item, self._asset_source)
                break
            key = item.image.sha256
            if self._loader.failure(key) is None:
                self._loader.request(key, self._poster_source(item))
                break
        self._retain_posters()

    def _retain_posters(self) -> None:
        """Keep the pixmaps worth keeping, and the failures of posters still in the rotation."""
        posters = [i.image.sha256 for i in self._rotation if isinstance(i, Poster)]
        self._loader.retain(self._keep_keys(), posters)

    def _keep_keys(self) -> set[str]:
        """Pixmaps worth keeping: the posters among the next two items, and the poster shown
        while the view holds it in full (once it stands, the screen's own pixels show it)."""
        keys = {i.image.sha256 for i in self._candidates()[:2] if isinstance(i, Poster)}
        if isinstance(self._current, Poster) and self._window.poster_view.holds_full():
            keys.add(self._current.image.sha256)
        return keys

    # -- pages -----------------------------------------------------------------------------

    def _stop_rotation(self) -> None:
        """Stop the item on screen from moving on: its dwell, the roll's pages, a decode."""
        self._dwell.stop()
        self._honor.stop()
        self._video.stop()
        self._waiting_for = None
        self._current = self._current_key = None

    def _enter_page(self, page: Page, reason: str) -> None:
        self._stop_rotation()
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

    def _show_stopped(self) -> None:
        """The emergency stop's neutral page (logged by :meth:`_note_emergency`)."""
        self._stop_rotation()
        self._window.poster_view.clear()
        self._window.show_page(Page.STOPPED)
        self._state = ("stopped",)

    def _show_meeting(self, meeting: Meeting) -> None:
        """The sign-in card of ``meeting`` over the rotation (logged by the presenter)."""
        self._stop_rotation()
        self._window.poster_view.clear()
        self._window.show_meeting(meeting)
        self._state = ("meeting", meeting.id)
        self._signin.show(meeting)

    def _show_urgent(self, notice: Notice) -> None:
        self._stop_rotation()
        self._window.show_urgent(notice)
        if self._state != ("urgent", notice.id, notice.text):
            self._state = ("urgent", notice.id, notice.text)
            log.info(
                "showing urgent notice %s %s",
                notice.id,
                notice.title,
                extra={"event": "urgent_shown", "item_id": notice.id, "title": notice.title},
            )

    # -- power schedule --------------------------------------------------------------------

    def _power_off(self) -> None:
        """Black window, no timer turning anything, the monitor off where possible."""
        if not self._window.is_powered():
            return
        self._stop_rotation()
        self._window.set_notices([])
        self._notice_ids = ()
        self._window.set_powered(False)
        self._state = ("off",)
        monitor = self._display_power.set_on(False) if self._display_power else "window only"
        log.info(
            "screen off by the power schedule (%s)",
            monitor,
            extra={"event": "power_off", "monitor": monitor},
        )

    def _power_on(self) -> None:
        """Monitor on, ask for fresh content at once; the re-plan under way shows content."""
        monitor = self._display_power.set_on(True) if self._display_power else "window only"
        self._window.set_powered(True)
        log.info(
            "screen on by the power schedule (%s)",
            monitor,
            extra={"event": "power_on", "monitor": monitor},
        )
        if self._wake_sync is not None:
            self._wake_sync()

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
            if isinstance(item, Poster) and item.image.sha256 == key:
                log.warning(
                    "skipped poster %s %s: %s",
                    item.id,
                    item.title,
                    reason,
                    extra={"event": "item_skipped", "item_id": item.id, "reason": reason},
                )
        if self._waiting_for is not None and self._waiting_for.image.sha256 == key:
            self._advance()
        elif self.current_item is not None:
            self._preload_next()

    def _on_video_failed(self, item_id: str, reason: str) -> None:
        item = self._current
        if isinstance(item, Video) and item.id == item_id:
            count = self._failures.record(item.video.sha256)
            log.warning(
                "skipped video %s %s: %s",
                item.id,
                item.title,
                reason,
                extra={"event": "item_skipped", "item_id": item.id, "reason": reason,
                       "failures": count},
            )  # fmt: skip
        self._advance()

    def _on_full_needed(self) -> None:
        """The view must repaint the poster it stands in for: decode it again."""
        current = self.current_poster
        if current is None or self._closed:
            return
        pixmap = self._loader.pixmap(current.image.sha256)
        if pixmap is not None:  # held as the next poster too (a rotation of one)
            self._window.poster_view.replace_pixmap(pixmap)
        else:
            self._loader.request(current.image.sha256, self._poster_source(current))

    def _on_transition_finished(self) -> None:
        """Decode the next poster once the fade has released the previous one (peak memory:
        the poster shown, the one fading out, or the next one decoding; never all three)."""
        if not self._closed and self.current_poster is not None:
            self._preload_next()

    def _on_view_resized(self, size: QSize) -> None:
        self._loader.set_target_size(size)
        if self._snapshot is None or self._closed:
            return
        current = self.current_poster
        if current is not None:
            self._loader.request(current.image.sha256, self._poster_source(current))
            self._preload_next()
        elif self._window.page() is Page.HONOR:
            self._honor.relayout()

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
