"""Screen settings from the command line: ``kiosk publish screen``, ``emergency-stop`` and
``emergency-resume``; the options, their checks (before any request), the commands and what
they print.

``--to`` names a level: ``all`` (every screen), ``node:`` and a node's id, name or path (every
screen of its subtree; resolved as for items, ``content_server/org/names.py``) or a screen id.
The API's answer for a level (``content_server/settings_view.py``) is what every message here
is made from: which level was changed or stopped, where each value comes from, which stops
above are still in force and what below overrides the change.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Any

from content_cache.wire import ITEM_ID_PATTERN
from content_server.client import PublishClient
from content_server.org.names import resolve_target
from content_server.org.tree import NODE_PREFIX
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
TO_HELP = (
    "all (every screen), node:ID or node:NAME (every screen of that organisation and below) "
    "or a screen id."
)
COMBINED = ("emergency_stop", "mourning_dates")  # both levels count, see screen_settings.py
_SCREEN_ID_RE = re.compile(ITEM_ID_PATTERN)
_TIMEZONE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")


class SettingsOptionError(ValueError):
    """Bad settings options, all named in one line (a usage error)."""


def add_settings_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``kiosk publish screen``."""
    parser.add_argument("--to", required=True, help=TO_HELP)
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
        help="Remove this level's value, repeatable (the screens then follow the level above, "
        f"or the default): {', '.join(sorted(CLEARABLE))}.",
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


def add_emergency_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``kiosk publish emergency-stop`` and ``emergency-resume``."""
    parser.add_argument("--to", default=ALL, help=f"{TO_HELP} Default: all.")


def screen_command(client: PublishClient, args: argparse.Namespace) -> int:
    """``kiosk publish screen``: change a level's settings, or show them without options."""
    target = check_target(args.to)
    changes = changes_from_args(args)  # every bad option named before any request
    level = _level(client, target)
    if not changes:
        view = client.get_settings(level)
        print(f"{level_names(view)[1]}当前设置（版本 {view['revision']}）：")
    else:
        view = client.put_settings(level, changes)
        done = "已更新" if view.get("changed") else "没有变化："
        print(f"{done}{level_names(view)[1]}设置（版本 {view['revision']}）：")
    for line in settings_lines(view):
        print(line)
    if changes and "node" in view:
        for line in override_lines(view, changes):
            print(line)
    print(view["revision"])
    return 0


def emergency_command(client: PublishClient, args: argparse.Namespace) -> int:
    """``kiosk publish emergency-stop`` (``args.stop``) or ``emergency-resume``."""
    level = _level(client, check_target(args.to))
    view = client.put_settings(level, {"emergency_stop": args.stop})
    for line in stop_lines(view, args.stop):
        print(line)
    print(view["revision"])
    return 0


def check_target(target: str) -> str:
    """``all``, ``node:`` and something, or a screen id; else a usage error (before any
    request)."""
    if target.startswith(NODE_PREFIX) and target.removeprefix(NODE_PREFIX).strip():
        return target
    if target != ALL and not _SCREEN_ID_RE.fullmatch(target):
        raise SettingsOptionError(
            "--to 应为 all（全部屏幕）、node:组织编号或名称（该组织及其下级的屏幕）"
            f"或一个屏幕编号（字母、数字、- 和 _）：{target!r}"
        )
    return target


def level_names(view: dict[str, Any]) -> tuple[str, str]:
    """How to name the level of ``view``: (``全部屏幕``, ``全部屏幕的``), (``组织「X」（编号 7）
    及其下级的全部屏幕``, ``组织「X」（编号 7）的``) or (``屏幕 S``, ``屏幕 S 的``)."""
    target = str(view["screen_id"])
    if target == ALL:
        return "全部屏幕", "全部屏幕的"
    node = view.get("node")
    if node:
        label = f"组织「{node['name']}」（编号 {node['id']}）"
        return f"{label}及其下级的全部屏幕", f"{label}的"
    return f"屏幕 {target}", f"屏幕 {target} 的"


def settings_lines(view: dict[str, Any]) -> list[str]:
    """The effective settings of a level, briefly, one setting a line, with where each
    value comes from (本屏幕, 本组织, a node above, 全部屏幕 or 默认)."""
    settings: dict[str, Any] = view["settings"]
    lines = []
    for field, value in settings.items():
        label = LABELS.get(field, field)
        lines.append(f"  {label}：{_value_text(field, value)}{_source(view, field)}")
    return lines


def stop_lines(view: dict[str, Any], stop: bool) -> list[str]:
    """What ``emergency-stop`` (``stop``) or ``emergency-resume`` did, in Chinese: which level,
    how to resume it, and which stops above or below are still in force."""
    target = str(view["screen_id"])
    name, of = level_names(view)
    changed = bool(view.get("changed"))
    if stop:
        resume = f"恢复：kiosk publish emergency-resume --to {target}"
        if not changed:
            return [f"{name}此前已在紧急停播中，没有变化（{resume}）"]
        return [f"已紧急停播{name}：屏幕收到后停止播放所有已发布的内容，显示中性页面（{resume}）"]
    screen = "node" not in view
    above = [level for level in view.get("above") or [] if level["own"].get("emergency_stop")]
    if above:
        done = f"已取消{of}单独停播" if changed else f"{name}{' ' if screen else ''}没有单独停播"
        names = "、".join(_above_label(level) for level in reversed(above))
        commands = "；".join(
            f"kiosk publish emergency-resume --to {level['target']}" for level in reversed(above)
        )
        still = "该屏幕" if screen else "这些屏幕"
        return [f"{done}，但{names}的紧急停播仍在生效，{still}仍不播出（恢复：{commands}）"]
    if changed:
        lines = [f"已恢复{name}{' ' if screen else ''}的播出"]
    else:
        lines = [f"{name}{' ' if screen else ''}没有处于紧急停播，没有变化"]
    return lines + _stopped_below(view)


def override_lines(view: dict[str, Any], changes: dict[str, Any]) -> list[str]:
    """For a change to a group's level: which changed settings some screens below set
    themselves (or a node between sets for them)."""
    overriding: dict[str, int] = view.get("screens_overriding") or {}
    here = "全部屏幕" if view["screen_id"] == ALL else "本组织"
    lines = []
    for field in changes:
        count = overriding.get(field, 0)
        if count and changes[field] is not None:
            option = next(o for o, f in CLEARABLE.items() if f == field)
            lines.append(
                f"注意：有 {count} 块屏幕自己（或其所在的下级组织）设置了"
                f"{LABELS.get(field, field)}，不受这次修改影响"
                f"（让某块屏幕跟随{here}：kiosk publish screen --to 屏幕编号 --clear {option}）"
            )
    return lines


def _level(client: PublishClient, target: str) -> str:
    """``node:<name or path or id>`` as the API takes it (``node:<id>``, or ``all`` for the
    root); ``all`` and screen ids as they are."""
    if not target.startswith(NODE_PREFIX):
        return target
    return resolve_target(client, target)[0]


def _stopped_below(view: dict[str, Any]) -> list[str]:
    lines = []
    nodes = list(view.get("nodes_stopped") or [])
    if nodes:
        shown = nodes[:SHOWN_SCREENS]
        named = "、".join(f"「{node['name']}」（--to {node['target']}）" for node in shown)
        more = f" 等 {len(nodes)} 个" if len(nodes) > SHOWN_SCREENS else ""
        lines.append(
            f"注意：下级组织 {named}{more} 仍在紧急停播，没有恢复"
            "（逐个恢复：kiosk publish emergency-resume --to node:编号）"
        )
    stopped = list(view.get("screens_stopped") or [])
    if stopped:
        lines.append(
            f"注意：仍有 {len(stopped)} 块屏幕单独停播，没有恢复：{_some(stopped)}"
            "（逐个恢复：kiosk publish emergency-resume --to 屏幕编号）"
        )
    return lines


def _above_label(level: dict[str, Any]) -> str:
    return "全部屏幕" if level["target"] == ALL else f"组织「{level['name']}」"


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
    above = view.get("above")
    if above is None:  # an older server: the level for all screens only
        above = [{"target": ALL, "name": "", "own": view.get("all_screens") or {}}]
    if view.get("screen_id") == ALL:
        here = "全部屏幕"
    else:
        here = "本组织" if "node" in view else "本屏幕"
    sources = [here] if field in own else []
    sources += [_above_label(level) for level in reversed(above) if field in level["own"]]
    if field == "emergency_stop" and not sources:
        return ""
    if sources and field not in COMBINED:
        sources = sources[:1]  # the lowest level that sets it wins
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
