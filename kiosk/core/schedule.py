"""What to show now: a pure function of (manifest, now), without Qt.

The display window of an item is [valid_from, valid_until): an item shows from ``valid_from``
inclusive up to ``valid_until`` exclusive. All datetimes are timezone-aware; "now" is injected
by the caller, so tests move the clock instead of sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from content_cache.wire import HonorRoll, Manifest, Meeting, Notice, Poster, Video

RotationItem = Poster | HonorRoll | Video


@dataclass(frozen=True)
class Plan:
    """The answer for one instant.

    Attributes:
        rotation: items for the main zone, highest priority first, in manifest order otherwise
            (posters for now; honor rolls and videos join when the screen can render them).
        notices: normal notices for the lower band, highest priority first.
        urgent: the urgent insert that replaces the main zone, if any.
        meetings: meetings in their display window.
        next_change: the next instant at which the answer changes, or None if it never does.
    """

    rotation: list[RotationItem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    urgent: Notice | None = None
    meetings: list[Meeting] = field(default_factory=list)
    next_change: datetime | None = None


def plan_for(manifest: Manifest | None, now: datetime) -> Plan:
    """Decide what the screen shows at ``now``.

    Args:
        manifest: the current snapshot's manifest, or None when nothing is cached yet.
        now: a timezone-aware instant.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if manifest is None or manifest.settings.emergency_stop:
        return Plan(next_change=None)
    live = [item for item in manifest.items if item.in_window(now)]
    live.sort(key=lambda item: -item.priority)  # stable: manifest order within a priority
    notices = [i for i in live if isinstance(i, Notice)]
    urgent = next((n for n in notices if n.urgent), None)
    return Plan(
        rotation=[i for i in live if isinstance(i, Poster)],
        notices=[n for n in notices if not n.urgent],
        urgent=urgent,
        meetings=[i for i in live if isinstance(i, Meeting)],
        next_change=_next_change(manifest, now),
    )


def _next_change(manifest: Manifest, now: datetime) -> datetime | None:
    """The earliest window edge strictly after ``now``."""
    edges = [
        edge
        for item in manifest.items
        for edge in (item.valid_from, item.valid_until)
        if edge is not None and edge > now
    ]
    return min(edges, default=None)
