"""What to show now: a pure function of (manifest, now), without Qt.

Semantics, all in the screen's own timezone (``settings.timezone``, China time by default):

- The display window of an item is [valid_from, valid_until): from ``valid_from`` inclusive up
  to ``valid_until`` exclusive. Datetimes are timezone-aware and compared as instants.
- An item with ``show_on`` days ("MM-DD") shows only on those days, every year, within its
  window: holiday and anniversary posters need nobody to publish them on the day.
- Mourning days are 12-13 (国家公祭日) every year plus ``settings.mourning_dates``. On them the
  theme is ``solemn`` and items marked ``festive`` are held back.
- Power: with ``settings.power`` rules, the screen is on only inside a rule's [on, off) on one
  of its weekdays (a rule whose ``off`` is not after ``on`` runs past midnight into the next
  day). No rules: always on.
- Emergency stop (紧急停播) blanks every published item: the screen shows a neutral page.
- Urgent notices replace the main zone, highest priority first; normal notices go to the band.
- A meeting in its display window whose sign-in is open (``kiosk.core.signin``) is
  ``plan.signin``: the wall screen shows its card above the rotation. An urgent notice and an
  emergency stop still win over it. Sign-in opening and closing are change instants.

``now`` is injected by the caller, so tests move the clock instead of sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypeGuard
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from content_cache.wire import (
    HonorRoll,
    ItemBase,
    Manifest,
    Meeting,
    Notice,
    Poster,
    PowerRule,
    Video,
)
from kiosk.core.signin import open_meetings, signin_edges

RotationItem = Poster | HonorRoll | Video

DEFAULT_TIMEZONE = "Asia/Shanghai"
NATIONAL_MOURNING_DAYS = ("12-13",)  # 南京大屠杀死难者国家公祭日
SOLEMN_THEME = "solemn"


@dataclass(frozen=True)
class Plan:
    """The answer for one instant.

    Attributes:
        rotation: posters, honor rolls and the videos published into the rotation, for the
            main zone, highest priority first, in manifest order otherwise.
        courses: every video in its window, in the same order: the touch screen's course
            library (a video is a course whether or not it is also in the rotation).
        notices: normal notices for the lower band, highest priority first.
        urgent: the urgent insert that replaces the main zone, if any.
        meetings: meetings in their display window.
        signin: the meeting among ``meetings`` whose sign-in card to show now (sign-in open;
            with several open, the one starting first), or None.
        theme: the theme to use now (``solemn`` on mourning days).
        mourning: today is a mourning day.
        screen_on: the power schedule has the screen on.
        stopped: an emergency stop is in force; nothing published is shown.
        next_change: the next instant at which the answer may change (at the latest the next
            local midnight), or None when nothing is cached.
    """

    rotation: list[RotationItem] = field(default_factory=list)
    courses: list[Video] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    urgent: Notice | None = None
    meetings: list[Meeting] = field(default_factory=list)
    signin: Meeting | None = None
    theme: str = "party-red"
    mourning: bool = False
    screen_on: bool = True
    stopped: bool = False
    next_change: datetime | None = None

    def opening_poster(self) -> Poster | None:
        """The poster a wall screen starting now opens on, if it opens on one.

        That is the head of the rotation when it is a poster, the screen is on and nothing
        covers the main zone (emergency stop, urgent notice, sign-in card). A start-up hint
        (the screen reads its picture early): the screen may still pass it over, e.g. when
        its file cannot be decoded.
        """
        if not self.screen_on or self.stopped or self.urgent or self.signin or not self.rotation:
            return None
        head = self.rotation[0]
        return head if isinstance(head, Poster) else None


def plan_for(manifest: Manifest | None, now: datetime) -> Plan:
    """Decide what the screen shows at ``now``.

    Args:
        manifest: the current snapshot's manifest, or None when nothing is cached yet.
        now: a timezone-aware instant.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if manifest is None:
        return Plan()
    settings = manifest.settings
    local = now.astimezone(screen_timezone(settings.timezone))
    mourning = is_mourning_day(local.date(), settings.mourning_dates)
    theme = SOLEMN_THEME if mourning else settings.theme
    screen_on = power_is_on(settings.power, local)
    next_change = _next_change(manifest, now, local)
    if settings.emergency_stop:
        return Plan(
            theme=theme, mourning=mourning, screen_on=screen_on, stopped=True,
            next_change=next_change,
        )  # fmt: skip
    live = [item for item in manifest.items if _shows(item, now, local.date(), mourning)]
    live.sort(key=lambda item: -item.priority)  # stable: manifest order within a priority
    notices = [i for i in live if isinstance(i, Notice)]
    meetings = [i for i in live if isinstance(i, Meeting)]
    return Plan(
        rotation=[i for i in live if _in_rotation(i)],
        courses=[i for i in live if isinstance(i, Video)],
        notices=[n for n in notices if not n.urgent],
        urgent=next((n for n in notices if n.urgent), None),
        meetings=meetings,
        signin=next(iter(open_meetings(meetings, now)), None),
        theme=theme,
        mourning=mourning,
        screen_on=screen_on,
        next_change=next_change,
    )


def screen_timezone(name: str) -> ZoneInfo:
    """The named timezone, or China time if the name is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def is_mourning_day(day: date, marked: list[date]) -> bool:
    """True on 国家公祭日 and on the days the publisher marked."""
    return day.strftime("%m-%d") in NATIONAL_MOURNING_DAYS or day in marked


def power_is_on(rules: list[PowerRule], local: datetime) -> bool:
    """Whether the power schedule has the screen on at the local time ``local``."""
    if not rules:
        return True
    return any(_rule_covers(rule, local) for rule in rules)


def _rule_covers(rule: PowerRule, local: datetime) -> bool:
    clock = local.time().replace(tzinfo=None)
    if rule.on < rule.off:
        return local.isoweekday() in rule.weekdays and rule.on <= clock < rule.off
    # past midnight: on from `on` on a listed day until `off` on the next day
    yesterday = (local - timedelta(days=1)).isoweekday()
    return (local.isoweekday() in rule.weekdays and clock >= rule.on) or (
        yesterday in rule.weekdays and clock < rule.off
    )


def _shows(item: ItemBase, now: datetime, today: date, mourning: bool) -> bool:
    if not item.in_window(now):
        return False
    if item.show_on and today.strftime("%m-%d") not in item.show_on:
        return False
    return not (mourning and item.festive)


def _in_rotation(item: ItemBase) -> TypeGuard[Poster | HonorRoll | Video]:
    """Posters and honor rolls rotate; a video only if its publisher put it in the rotation."""
    if isinstance(item, Video):
        return item.rotation
    return isinstance(item, Poster | HonorRoll)


def _next_change(manifest: Manifest, now: datetime, local: datetime) -> datetime | None:
    """The earliest instant after ``now`` at which the plan may differ."""
    edges = [
        edge
        for item in manifest.items
        for edge in (item.valid_from, item.valid_until)
        if edge is not None and edge > now
    ]
    meetings = [item for item in manifest.items if isinstance(item, Meeting)]
    edges.extend(signin_edges(meetings, now))
    # the day turns at local midnight: calendar items, mourning days
    edges.append(_next_local(local, time(0, 0)))
    settings = manifest.settings
    for rule in settings.power:
        edges.extend(_next_local(local, moment) for moment in (rule.on, rule.off))
    return min(edges, default=None)


def _next_local(local: datetime, moment: time) -> datetime:
    """The next local instant after ``local`` whose wall-clock time is ``moment``."""
    candidate = datetime.combine(local.date(), moment, tzinfo=local.tzinfo)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), moment, tzinfo=local.tzinfo)
    return candidate
