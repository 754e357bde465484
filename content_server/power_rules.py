"""Power schedules as a publisher types them: ``"1-5 07:30-18:00"``, and back to Chinese.

A rule is the ISO weekdays (1 = Monday ... 7 = Sunday; ranges and commas: ``1-5``,
``1,3,5``, ``1-3,6``; left out: every day), a space, then the on and off times (``HH:MM``,
``24:00`` for midnight as an off time). An off time not after the on time runs past midnight
into the next day, as the screen's schedule reads it (``kiosk/core/schedule.py``).
"""

from __future__ import annotations

import re
from typing import Any

POWER_EXAMPLE = "1-5 07:30-18:00"
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

_RULE_RE = re.compile(r"^(?:(?P<days>[0-9,\-]+)\s+)?(?P<on>[0-9:]+)\s*[-~–]\s*(?P<off>[0-9:]+)$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_WIDE = str.maketrans({"，": ",", "：": ":", "－": "-", "～": "~", "\u3000": " "})


class PowerRuleError(ValueError):
    """A rule cannot be read; the message (Chinese, one line) says why."""


def parse_power_rule(text: str) -> dict[str, Any]:
    """``"1-5 07:30-18:00"`` -> ``{"weekdays": [1, 2, 3, 4, 5], "on": "07:30", "off": "18:00"}``.

    Raises:
        PowerRuleError: the text is not a rule.
    """
    match = _RULE_RE.match(text.translate(_WIDE).strip())
    if match is None:
        raise PowerRuleError(f"应为“星期 开机-关机”，例如 {POWER_EXAMPLE}")
    days = parse_weekdays(match["days"]) if match["days"] else list(range(1, 8))
    on, off = _clock(match["on"], "开机"), _clock(match["off"], "关机", midnight_ok=True)
    if on == off:
        raise PowerRuleError("开机和关机时间相同")
    return {"weekdays": days, "on": on, "off": off}


def parse_weekdays(text: str) -> list[int]:
    """``"1-3,6"`` -> ``[1, 2, 3, 6]``.

    Raises:
        PowerRuleError: a part is not a weekday 1..7 or a rising range of them.
    """
    days: set[int] = set()
    for part in text.split(","):
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise PowerRuleError(f"星期 {text!r} 应写成 1-5 或 1,3,5 这样（1 为周一，7 为周日）")
        low, high = int(first), int(last) if dash else int(first)
        if not 1 <= low <= high <= 7:
            raise PowerRuleError(f"星期 {part!r} 不对：应为 1（周一）到 7（周日），由小到大")
        days.update(range(low, high + 1))
    return sorted(days)


def describe_power(rules: list[dict[str, Any]]) -> str:
    """Power rules as one Chinese line; no rules: always on."""
    if not rules:
        return "不限（一直开机）"
    return "；".join(_describe_rule(rule) for rule in rules)


def describe_weekdays(days: list[int]) -> str:
    """``[1, 2, 3, 4, 5]`` -> ``周一至周五``; ``[1, 3]`` -> ``周一、周三``; all -> ``每天``."""
    days = sorted(set(days))
    if days == list(range(1, 8)):
        return "每天"
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        names = [WEEKDAY_NAMES[d - 1] for d in run]
        parts.append(f"{names[0]}至{names[-1]}" if len(run) > 2 else "、".join(names))
    return "、".join(parts)


def _describe_rule(rule: dict[str, Any]) -> str:
    on, off = str(rule["on"])[:5], str(rule["off"])[:5]
    days = describe_weekdays(list(rule.get("weekdays") or range(1, 8)))
    overnight = "次日 " if off <= on else ""
    return f"{days} {on} 开机，{overnight}{off} 关机"


def _clock(text: str, what: str, midnight_ok: bool = False) -> str:
    match = _TIME_RE.match(text)
    if match is None:
        raise PowerRuleError(f"{what}时间 {text!r} 应写成 HH:MM，例如 07:30")
    hour, minute = int(match[1]), int(match[2])
    if midnight_ok and (hour, minute) == (24, 0):
        return "00:00"
    if hour > 23 or minute > 59:
        raise PowerRuleError(f"{what}时间 {text!r} 不存在（00:00 到 23:59）")
    return f"{hour:02d}:{minute:02d}"
