"""The audit log as a CSV file for Excel, and the time filters as people type them."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

from content_server.audit.log import local_time
from content_server.errors import ApiError
from content_server.timefmt import parse_local_datetime

HEADER = ("时间", "账号", "操作", "组织", "对象", "说明", "来源地址", "标记")


def audit_csv(entries: list[dict[str, Any]]) -> bytes:
    """Entries (as :func:`content_server.audit.log.entries` gives them) as CSV in UTF-8 with a
    BOM, so Excel on Windows reads the Chinese; times in China time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for entry in entries:
        writer.writerow(
            _cell(str(value))
            for value in (
                local_time(datetime.fromisoformat(entry["at"])),
                entry["who_label"],
                entry["action_label"],
                entry["node"],
                entry["target"],
                entry["detail"],
                entry["address"],
                entry["flag_label"],
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def parse_bound(text: str | None, *, end: bool, name: str) -> datetime | None:
    """A ``from``/``until`` filter: a date (``2026-06-01``: from its start, or until its end)
    or a date-time; naive = +08:00. Empty: no bound.

    Raises:
        ApiError: 422 ``bad_time`` naming the parameter.
    """
    if text is None or not text.strip():
        return None
    try:
        moment = parse_local_datetime(text)
    except ValueError:
        raise ApiError(
            422, "bad_time", f"{name} 不是有效的日期或时间（例如 2026-06-01 或 2026-06-01T08:00）"
        ) from None
    if end and len(text.strip()) == len("2026-06-01"):
        moment += timedelta(days=1)  # a bare date: until the end of that day
    return moment


def _cell(text: str) -> str:
    # A cell starting with = + - @ would be a formula to a spreadsheet (CSV injection); a
    # failed login's typed name is anyone's text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
