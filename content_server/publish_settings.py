"""Screen settings from the command line: ``kiosk publish screen``, ``emergency-stop`` and
``emergency-resume``; the options, their checks (before any request) and what is printed.

The API's answer for a level of settings (``settings_view`` in ``routes/screens.py``) is
what every message here is made from.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Any

from content_cache.wire import ITEM_ID_PATTERN
from content_server.power_rules import (
    POWER_EXAMPLE,
    PowerRuleError,
    describe_power,
    parse_power_rule,
)

ALL = "all"
THEMES = ("party-red", "solemn", "high-contrast")
ORIENTATIONS = ("auto", "portrait", "landscape")
MODES = ("wall", "touch")
POSTER_SECONDS = (2.0, 3600.0)  # content_cache.wire.ScreenSettings.poster_seconds
ORG_NAME_CHARS = 200
# --clear NAME: the option's name -> the settings field.
CLEARABLE = {
    "org-name": "org_name",
    "theme": "theme",
    "orientation": "orientation",
    "mode": "mode",
    "poster-seconds": "poster_seconds",
    "timezone": "timezone",
    "power": "power",
    "mourning-dates": "mourning_dates",
}
LABELS = {
    "org_name": "单位名称",
    "theme": "主题",
    "orientation": "方向",
    "mode": "模式",
    "poster_seconds": "海报停留",
    "timezone": "时区",
    "power": "开关机",
    "mourning_dates": "哀悼日",
    "emergency_stop": "紧急停播",
}
SHOWN_SCREENS = 5
COMBINED = ("emergency_stop", "mourning_dates")  # both levels count, see screen_settings.py
_SCREEN_ID_RE = re.compile(ITEM_ID_PATTERN)
_TIMEZONE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")


class SettingsOptionError(ValueError):
    """Bad settings options, all named in one line (a usage error)."""


def add_settings_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``kiosk publish screen``."""
    parser.add_argument("--to", required=True, help="all (every screen) or a screen id.")
    parser.add_argument("--org-name", metavar="NAME", help="Organisation name (单位名称).")
    parser.add_argument("--theme", choices=THEMES, help="Theme (主题).")
    parser.add_argument("--orientation", choices=ORIENTATIONS, help="Screen orientation.")
    parser.add_argument("--mode", choices=MODES, help="wall (云屏) or touch (一体机).")
    parser.add_argument("--poster-seconds", metavar="N", help="Seconds per poster (2-3600).")
    parser.add_argument(
        "--power",
        action="append",
        metavar="RULE",
        help=f'On/off rule, repeatable: "{POWER_EXAMPLE}" (weekdays 1=Monday..7, then on-off; '
        "replaces this level's whole schedule).",
    )
    parser.add_argument("--no-power", action="store_true", help="No power schedule: always on.")
    parser.add_argument(
        "--mourning-date",
        action="append",
        metavar="DATE",
        help="Day of mourning (YYYY-MM-DD), repeatable; replaces this level's list.",
    )
    parser.add_argument("--timezone", help="IANA time zone (default Asia/Shanghai).")
    parser.add_argument(
        "--clear",
        action="append",
        choices=sorted(CLEARABLE),
        metavar="SETTING",
        help="Remove this level's value, repeatable (the screen then follows the settings "
        f"for all screens, or the default): {', '.join(sorted(CLEARABLE))}.",
    )


def changes_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The settings fields the options change (``None``: remove the level's value).

    Raises:
        SettingsOptionError: every bad option named, in one line.
    """
    problems: list[str] = []
    changes: dict[str, Any] = {}
    if args.org_name is not None:
        if len(args.org_name.strip()) > ORG_NAME_CHARS:
            problems.append(f"--org-name 太长（最多 {ORG_NAME_CHARS} 个字）")
        changes["org_name"] = args.org_name.strip()
    for field in ("theme", "orientation", "mode"):
        if getattr(args, field) is not None:
            changes[field] = getattr(args, field)
    if args.poster_seconds is not None:
        changes["poster_seconds"] = _poster_seconds(args.poster_seconds, problems)
    if args.timezone is not None:
        changes["timezone"] = _timezone(args.timezone, problems)
    if args.power and args.no_power:
        problems.append("--power 和 --no-power 不能同时使用")
    elif args.power:
        changes["power"] = [_power_rule(text, problems) for text in args.power]
    elif args.no_power:
        changes["power"] = []
    if args.mourning_date:
        days = {_day(text, problems) for text in args.mourning_date}
        changes["mourning_dates"] = sorted(day for day in days if day)
    for option in args.clear or []:
        field = CLEARABLE[option]
        if field in changes:
            problems.append(f"--clear {option} 与同时设置的值矛盾")
        changes[field] = None
    if problems:
        raise SettingsOptionError("；".join(problems))
    return changes


def check_target(target: str) -> str:
    """``all`` or a screen id, else a usage error (before any request)."""
    if target != ALL and not _SCREEN_ID_RE.fullmatch(target):
        raise SettingsOptionError(
            f"--to 应为 all（全部屏幕）或一个屏幕编号（字母、数字、- 和 _）：{target!r}"
        )
    return target


def target_name(target: str) -> str:
    """``all`` -> ``全部屏幕``; a screen id -> ``屏幕 <id>``."""
    return "全部屏幕" if target == ALL else f"屏幕 {target}"


def target_of(target: str) -> str:
    """``all`` -> ``全部屏幕的``; a screen id -> ``屏幕 <id> 的``."""
    return "全部屏幕的" if target == ALL else f"屏幕 {target} 的"


def settings_lines(view: dict[str, Any]) -> list[str]:
    """The effective settings of a level, briefly, one setting a line, with where each
    value comes from (本屏幕, 全部屏幕 or 默认)."""
    settings: dict[str, Any] = view["settings"]
    lines = []
    for field, value in settings.items():
        label = LABELS.get(field, field)
        lines.append(f"  {label}：{_value_text(field, value)}{_source(view, field)}")
    return lines


def stop_lines(view: dict[str, Any], stop: bool) -> list[str]:
    """What ``emergency-stop`` (``stop``) or ``emergency-resume`` did, in Chinese."""
    target = str(view["screen_id"])
    name, of = target_name(target), target_of(target)
    changed = bool(view.get("changed"))
    if stop:
        resume = f"恢复：kiosk publish emergency-resume --to {target}"
        if not changed:
            return [f"{name}此前已在紧急停播中，没有变化（{resume}）"]
        return [f"已紧急停播{name}：屏幕收到后停止播放所有已发布的内容，显示中性页面（{resume}）"]
    if target == ALL:
        lines = [f"已恢复{of}播出" if changed else f"{name}没有处于紧急停播，没有变化"]
        stopped = list(view.get("screens_stopped") or [])
        if stopped:
            lines.append(
                f"注意：仍有 {len(stopped)} 块屏幕单独停播，没有恢复：{_some(stopped)}"
                "（逐个恢复：kiosk publish emergency-resume --to 屏幕编号）"
            )
        return lines
    if view.get("all_screens", {}).get("emergency_stop"):
        done = f"已取消{of}单独停播" if changed else f"{name} 没有单独停播"
        return [
            f"{done}，但全部屏幕的紧急停播仍在生效，该屏幕仍不播出"
            "（恢复全部：kiosk publish emergency-resume --to all）"
        ]
    return [f"已恢复{of}播出" if changed else f"{name} 没有处于紧急停播，没有变化"]


def override_lines(view: dict[str, Any], changes: dict[str, Any]) -> list[str]:
    """For a change to all screens: which changed settings some screens set themselves."""
    overriding: dict[str, int] = view.get("screens_overriding") or {}
    lines = []
    for field in changes:
        count = overriding.get(field, 0)
        if count and changes[field] is not None:
            option = next(o for o, f in CLEARABLE.items() if f == field)
            lines.append(
                f"注意：有 {count} 块屏幕自己设置了{LABELS.get(field, field)}，不受这次修改影响"
                f"（让某块屏幕跟随全部屏幕：kiosk publish screen --to 屏幕编号 --clear {option}）"
            )
    return lines


def _value_text(field: str, value: Any) -> str:
    if field == "power":
        return describe_power(list(value or []))
    if field == "mourning_dates":
        days = "、".join(value) if value else "无"
        return f"{days}（另有每年 12 月 13 日国家公祭日）"
    if field == "emergency_stop":
        return "是（不播出已发布的内容）" if value else "否"
    if field == "poster_seconds":
        return f"{value:g} 秒"
    if field == "org_name" and not value:
        return "（未设置）"
    return str(value)


def _source(view: dict[str, Any], field: str) -> str:
    own = view.get("own") or {}
    shared = view.get("all_screens") or {}
    here = "全部屏幕" if view.get("screen_id") == ALL else "本屏幕"
    if field == "emergency_stop" and not (own.get(field) or shared.get(field)):
        return ""
    sources = [here] if field in own else []
    sources += ["全部屏幕"] if field in shared and here != "全部屏幕" else []
    if sources and field not in COMBINED:
        sources = sources[:1]  # the screen's own value wins
    return f"〔{'＋'.join(sources) if sources else '默认'}〕"


def _some(ids: list[str]) -> str:
    shown = "、".join(ids[:SHOWN_SCREENS])
    return shown + (f" 等 {len(ids)} 块" if len(ids) > SHOWN_SCREENS else "")


def _poster_seconds(text: str, problems: list[str]) -> float | None:
    low, high = POSTER_SECONDS
    try:
        value = float(text)
    except ValueError:
        problems.append(f"--poster-seconds 应为秒数：{text!r}")
        return None
    if not low <= value <= high:
        problems.append(f"--poster-seconds 应在 {low:g} 到 {high:g} 秒之间：{text!r}")
    return value


def _timezone(text: str, problems: list[str]) -> str:
    name = text.strip()
    if not _TIMEZONE_RE.fullmatch(name):
        problems.append(f"--timezone 格式不正确：{text!r}（例如 Asia/Shanghai）")
    return name


def _power_rule(text: str, problems: list[str]) -> dict[str, Any]:
    try:
        return parse_power_rule(text)
    except PowerRuleError as exc:
        problems.append(f"--power {text!r} 格式不正确：{exc}")
        return {}


def _day(text: str, problems: list[str]) -> str:
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        problems.append(f"--mourning-date 应为日期 YYYY-MM-DD：{text!r}")
        return ""
