"""Screen settings in two levels: defaults <- settings for all screens <- the screen's own.

Each level stores only the fields set explicitly on it (JSON), so a field a screen never set
follows the all-screens value, and a field set for neither follows the wire default. What a
screen's manifest carries (:func:`effective`):

- most fields: the screen's own value, else the all-screens value, else the default;
- ``emergency_stop`` (紧急停播): in force if *either* level says so. A level stores it only as
  ``true`` or not at all (``false`` clears that level's stop), so a stop for all screens stops
  every screen, whatever a screen's own settings say, and clearing it leaves the stops of
  single screens in place;
- ``mourning_dates``: the union of both levels, so a branch's own memorial day never cancels a
  day of mourning marked for all screens.

The level is named ``all`` or by a screen id; ``all`` is therefore not a valid screen id
(it already means "all screens" in the ``to`` of a published item).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import zoneinfo
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from content_cache.wire import ScreenSettings, one_line
from content_server import db
from content_server.errors import ApiError, describe_errors
from content_server.items import ALL_SCREENS, unknown_fields

log = logging.getLogger("content_server")

STOP_FIELD = "emergency_stop"
MOURNING_FIELD = "mourning_dates"
COMBINED_FIELDS = frozenset({STOP_FIELD, MOURNING_FIELD})  # not overridden: combined


@dataclass(frozen=True)
class Level:
    """The settings set explicitly on one level, and the change that last set them (0: none)."""

    fields: dict[str, Any]
    seq: int


def change_target(level: str) -> str:
    """The change/notification target of a level: ``all`` or ``screen:<id>``."""
    return ALL_SCREENS if level == ALL_SCREENS else f"screen:{level}"


def read_level(conn: sqlite3.Connection, level: str) -> Level:
    """The explicitly set settings of ``all`` or of one screen (empty if none)."""
    if level == ALL_SCREENS:
        row = db.get_shared_settings(conn, ALL_SCREENS)
    else:
        row = db.get_screen(conn, level)
    if row is None:
        return Level({}, 0)
    return Level(normalize(_decode(row["settings"])), int(row["settings_seq"]))


def save_level(conn: sqlite3.Connection, level: str, fields: dict[str, Any], seq: int) -> None:
    """Store the explicitly set settings of ``all`` or of one screen, made by change ``seq``."""
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    if level == ALL_SCREENS:
        db.save_shared_settings(conn, ALL_SCREENS, text, seq)
    else:
        db.save_screen_settings(conn, level, text, seq)


def merge_changes(stored: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply a partial update to one level: ``None`` removes a field (it then follows the
    level below), ``emergency_stop: false`` removes the level's stop.

    Returns:
        the level's new explicit fields, validated and normalised.

    Raises:
        ApiError: 422 ``invalid_settings``, ``unknown_field`` or ``unknown_timezone``.
    """
    merged = {key: value for key, value in {**stored, **changes}.items() if value is not None}
    try:
        settings = ScreenSettings.model_validate(merged)
    except ValidationError as exc:
        raise ApiError(422, "invalid_settings", describe_errors(exc.errors())) from None
    explicit = settings.model_dump(mode="json", exclude_unset=True)
    unknown = list(unknown_fields(merged, explicit))
    if unknown:
        raise ApiError(422, "unknown_field", f"未知的设置项：{'、'.join(unknown[:5])}")
    if "timezone" in explicit:
        _check_timezone(explicit["timezone"])
    return normalize(explicit)


def normalize(fields: dict[str, Any]) -> dict[str, Any]:
    """A level's fields with the stop kept only when true and mourning dates sorted, unique."""
    fields = dict(fields)
    if fields.get(STOP_FIELD) is not True:
        fields.pop(STOP_FIELD, None)
    if isinstance(fields.get(MOURNING_FIELD), list):
        fields[MOURNING_FIELD] = sorted({str(day) for day in fields[MOURNING_FIELD]})
    return fields


def effective(shared: dict[str, Any], own: dict[str, Any], label: str = "") -> ScreenSettings:
    """What a screen shows with: defaults <- ``shared`` (all screens) <- ``own``, where the
    emergency stop and the mourning dates combine instead (see the module docstring)."""
    stopped = bool(shared.get(STOP_FIELD) is True or own.get(STOP_FIELD) is True)
    merged: dict[str, Any] = {**shared, **own, STOP_FIELD: stopped}
    days = {str(d) for level in (shared, own) for d in level.get(MOURNING_FIELD) or []}
    merged[MOURNING_FIELD] = sorted(days)
    try:
        return ScreenSettings.model_validate(merged)
    except ValidationError as exc:
        # Only reachable if the wire format tightened after the settings were saved. A stop
        # stays in force whatever else is wrong.
        log.warning("settings of %s ignored: %s", label or "a screen", one_line(exc))
        return ScreenSettings(emergency_stop=stopped)


def screens_with_own(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Every screen that has settings of its own: screen id -> its explicit fields."""
    return {
        screen_id: normalize(_decode(text)) for screen_id, text in db.screens_with_settings(conn)
    }


def _decode(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _check_timezone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # Without a time-zone database on this machine nothing can be checked; the screen
        # falls back to China time for a name it does not know.
        if zoneinfo.available_timezones():
            raise ApiError(
                422, "unknown_timezone", f"时区 {name[:64]!r} 不存在（例如 Asia/Shanghai）"
            ) from None
