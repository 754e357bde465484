"""Times: the publishers' local zone, lenient parsing and the database's text format.

Naive times (no UTC offset) given by a publisher are read as China Standard Time, +08:00,
the zone every deployment of this system runs in (Asia/Shanghai has had no daylight saving
time since 1991, so a fixed offset is exact and needs no tz database).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "CST")
_DB_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def parse_local_datetime(text: str) -> datetime:
    """Parse an ISO 8601 date-time; naive values are taken as +08:00.

    Accepts ``2026-12-01T08:00``, ``2026-12-01 08:00``, ``2026-12-01T08:00:00+08:00``,
    ``2026-12-01T00:00Z`` and a bare date ``2026-12-01`` (midnight).

    Raises:
        ValueError: the text is not an ISO 8601 date or date-time.
    """
    value = datetime.fromisoformat(text.strip())
    return localize(value)


def localize(value: datetime) -> datetime:
    """``value`` with +08:00 attached if it has no offset; aware values are unchanged."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=CHINA_TZ)
    return value


def to_db(value: datetime) -> str:
    """An aware datetime as fixed-width UTC text, so the database can compare it as a string."""
    return value.astimezone(UTC).strftime(_DB_FORMAT)


def from_db(text: str) -> datetime:
    """The inverse of :func:`to_db`: an aware UTC datetime."""
    return datetime.strptime(text, _DB_FORMAT).replace(tzinfo=UTC)


def utc_now() -> datetime:
    """The current time, timezone-aware (the default clock of the server)."""
    return datetime.now(UTC)
