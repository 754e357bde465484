"""Screen settings in levels: defaults <- all screens <- each organisation node down the
screen's path <- the screen's own.

Each level stores only the fields set explicitly on it (JSON), so a field a screen never set
follows the nearest level above that set it, and a field set nowhere follows the wire default.
What a screen's manifest carries (:func:`effective_chain`):

- most fields: the value of the lowest level that sets it (the screen's own, else its node's,
  else the node above, ..., else all screens'), else the default;
- ``emergency_stop`` (紧急停播): in force if *any* level says so. A level stores it only as
  ``true`` or not at all (``false`` clears that level's stop), so a stop for all screens (or
  for a node) stops every screen below, whatever a screen's own settings say, and clearing it
  leaves the stops of other levels in place;
- ``mourning_dates``: the union of all levels, so a branch's own memorial day never cancels a
  day of mourning marked above it.

A level is named ``all`` (the root of the tree), ``node:<id>`` or by a screen id; ``all`` is
therefore not a valid screen id (it already means "all screens" in the ``to`` of an item).

Below a group's level (:func:`settings_below`), a screen of its subtree *overrides* a field
when its own settings or a node between the group and the screen set it: a change of that field
for the group does not reach the screen. An emergency stop set below is listed per node and per
screen, since resuming the group leaves those stops in force.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from content_cache.wire import ScreenSettings, one_line
from content_server import db
from content_server.errors import ApiError, describe_errors
from content_server.items import ALL_SCREENS, unknown_fields
from content_server.org import tree
from content_server.org.tree import Node, Placement, is_node_target, path_ids

log = logging.getLogger("content_server")

STOP_FIELD = "emergency_stop"
MOURNING_FIELD = "mourning_dates"
COMBINED_FIELDS = frozenset({STOP_FIELD, MOURNING_FIELD})  # not overridden: combined


@dataclass(frozen=True)
class Level:
    """The settings set explicitly on one level, and the change that last set them (0: none)."""

    fields: dict[str, Any]
    seq: int


def is_group(level: str) -> bool:
    """True for the level of a group of screens (``all``, ``node:<id>``), False for a screen."""
    return level == ALL_SCREENS or is_node_target(level)


def change_target(level: str) -> str:
    """The change/notification target of a level: ``all``, ``node:<id>`` or ``screen:<id>``."""
    return level if is_group(level) else f"screen:{level}"


def read_level(conn: sqlite3.Connection, level: str) -> Level:
    """The explicitly set settings of ``all``, of a node or of one screen (empty if none)."""
    row = db.get_shared_settings(conn, level) if is_group(level) else db.get_screen(conn, level)
    return _level(row)


def screen_chain(conn: sqlite3.Connection, place: Placement) -> list[Level]:
    """The levels that make a screen's settings, top first: all screens, each node down to
    the screen's own node, then the screen's own."""
    rows = db.shared_settings_rows(conn, place.levels)
    return [*(_level(rows.get(level)) for level in place.levels), read_level(conn, place.screen_id)]


def group_chain(conn: sqlite3.Connection, node: Node) -> list[tuple[Node, Level]]:
    """The group levels from the root down to ``node`` (its own last), with their nodes."""
    nodes = [tree.get_node(conn, node_id) for node_id in node.ancestry]
    known = [each for each in nodes if each is not None]
    rows = db.shared_settings_rows(conn, [each.target for each in known])
    return [(each, _level(rows.get(each.target))) for each in known]


@dataclass(frozen=True)
class Below:
    """What the levels below a group's level set (see the module docstring).

    Attributes:
        screens_stopped: screens of the subtree with an emergency stop of their own.
        nodes_stopped: nodes below the group's node with a stop on their level.
        overriding: field -> how many screens of the subtree override it.
    """

    screens_stopped: list[str]
    nodes_stopped: list[Node]
    overriding: dict[str, int]


def settings_below(conn: sqlite3.Connection, node: Node) -> Below:
    """What the nodes below ``node`` and the screens of its subtree set themselves (three
    queries, whatever the size of the subtree)."""
    lower = tree.subtree(conn, node)[1:]
    rows = db.shared_settings_rows(conn, [each.target for each in lower]) if lower else {}
    node_fields = {
        each.id: _level(rows.get(each.target)).fields for each in lower if each.target in rows
    }
    depth = node.depth
    stopped: list[str] = []
    overriding: dict[str, int] = {}
    for screen_id, text, path in db.subtree_screen_settings(conn, node.path):
        own = normalize(_decode(text))
        if own.get(STOP_FIELD):
            stopped.append(screen_id)
        between = [node_fields.get(node_id, {}) for node_id in path_ids(path)[depth + 1 :]]
        for name in set().union(own, *between) - COMBINED_FIELDS:
            overriding[name] = overriding.get(name, 0) + 1
    nodes_stopped = [each for each in lower if node_fields.get(each.id, {}).get(STOP_FIELD)]
    return Below(stopped, nodes_stopped, dict(sorted(overriding.items())))


def save_level(conn: sqlite3.Connection, level: str, fields: dict[str, Any], seq: int) -> None:
    """Store the explicitly set settings of ``all``, a node or one screen, made by change
    ``seq``."""
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    if is_group(level):
        db.save_shared_settings(conn, level, text, seq)
    else:
        db.save_screen_settings(conn, level, text, seq)


def _level(row: sqlite3.Row | None) -> Level:
    if row is None:
        return Level({}, 0)
    return Level(normalize(_decode(row["settings"])), int(row["settings_seq"]))


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


def effective_chain(levels: Sequence[dict[str, Any]], label: str = "") -> ScreenSettings:
    """What a screen shows with: defaults <- each level in turn (top first), where the
    emergency stop and the mourning dates combine instead (see the module docstring)."""
    stopped = any(level.get(STOP_FIELD) is True for level in levels)
    merged: dict[str, Any] = {}
    for level in levels:
        merged.update(level)
    merged[STOP_FIELD] = stopped
    days = {str(d) for level in levels for d in level.get(MOURNING_FIELD) or []}
    merged[MOURNING_FIELD] = sorted(days)
    try:
        return ScreenSettings.model_validate(merged)
    except ValidationError as exc:
        # Only reachable if the wire format tightened after the settings were saved. A stop
        # stays in force whatever else is wrong.
        log.warning("settings of %s ignored: %s", label or "a screen", one_line(exc))
        return ScreenSettings(emergency_stop=stopped)


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
