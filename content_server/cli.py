"""Command line: ``kiosk server`` (run the content server) and ``kiosk publish`` (publish).

``kiosk/cli.py`` registers both through :func:`add_server_parser` and
:func:`add_publish_parser`; ``python -m content_server.cli`` runs them without it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from content_server.cli_common import (
    UsageError,
    connection_options,
    fail,
    one_line_errors,
    publish_token,
    server_url,
)
from content_server.client import PublishClient, PublishError
from content_server.org.names import resolve_branch, resolve_target
from content_server.publish_settings import (
    SettingsOptionError,
    add_emergency_options,
    add_settings_options,
    emergency_command,
    screen_command,
)
from content_server.timefmt import CHINA_TZ, parse_local_datetime

log = logging.getLogger("content_server")

ADMIN_TOKEN_ENV = "KIOSK_ADMIN_TOKEN"
SCREEN_KEY_ENV = "KIOSK_SCREEN_KEY"
SHORT_TOKEN = 16
TIME_EXAMPLE = "2026-12-01T08:00 或 2026-12-01 08:00"


# --- kiosk server ----------------------------------------------------------------------


def add_server_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``server``: run the content server until SIGTERM or Ctrl+C."""
    parser = subparsers.add_parser(
        "server",
        help="Run the content server (内容服务器).",
        description="Run the content server. Naive times in published items are +08:00.",
    )
    parser.add_argument("--data", type=Path, required=True, help="Data directory (created).")
    parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
    parser.add_argument(
        "--port", type=int, default=8080, help="Port to listen on; 0 picks a free one."
    )
    parser.add_argument(
        "--admin-token",
        default=os.environ.get(ADMIN_TOKEN_ENV),
        help=f"Token for publishing (default: ${ADMIN_TOKEN_ENV}).",
    )
    parser.add_argument(
        "--screen-key",
        default=os.environ.get(SCREEN_KEY_ENV),
        help=f"Secret from which every screen's token is derived (default: ${SCREEN_KEY_ENV}; "
        "if neither is set, one is generated and kept in DATA/screen.key).",
    )
    parser.add_argument("--public-url", help="Base URL screens and phones use to reach us.")
    parser.add_argument("--access-log", action="store_true", help="Log every request.")
    parser.set_defaults(func=server_command)
    one_line_errors(parser)
    return parser


def server_command(args: argparse.Namespace) -> int:
    """Run the server in the foreground; returns the exit code."""
    _setup_server_logging()
    if not args.admin_token:
        message = f"缺少管理令牌：请用 --admin-token 或环境变量 {ADMIN_TOKEN_ENV} 提供"
        return fail("kiosk server", message, "no_admin_token", 2)
    if len(args.admin_token) < SHORT_TOKEN:
        log.warning("the admin token is short; use at least %d random characters", SHORT_TOKEN)
    if args.screen_key is not None and len(args.screen_key) < SHORT_TOKEN:
        message = f"屏幕密钥太短：至少 {SHORT_TOKEN} 个随机字符（或不设置，由服务器生成）"
        return fail("kiosk server", message, "short_screen_key", 2)
    from content_server.screen_key import ScreenKeyError
    from content_server.serve import data_dir_problem, run_server
    from content_server.settings import ServerSettings
    from content_server.signing import SigningKeyError

    problem = data_dir_problem(args.data)
    if problem:
        return fail("kiosk server", problem, "bad_data_dir", 1)
    settings = ServerSettings(
        data_dir=args.data,
        admin_token=args.admin_token,
        screen_key=args.screen_key,
        public_url=args.public_url,
    )
    try:
        return run_server(settings, args.host, args.port, access_log=args.access_log)
    except ScreenKeyError as exc:
        return fail("kiosk server", str(exc), "bad_screen_key", 1)
    except SigningKeyError as exc:
        return fail("kiosk server", str(exc), "bad_signing_key", 1)
    except sqlite3.Error as exc:
        return fail("kiosk server", f"无法打开数据库：{exc}", "database_error", 1)
    except OSError as exc:
        where = f"{args.host}:{args.port}"
        return fail(
            "kiosk server", f"无法启动（{where}）：{exc.strerror or exc}", "start_failed", 1
        )


def _setup_server_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.captureWarnings(True)


# --- kiosk publish ---------------------------------------------------------------------


def add_publish_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``publish`` with its actions: ``poster``, ``video``, ``notice``, ``honor-roll``,
    ``roster``, ``meeting``, ``attendance``, ``withdraw``, ``screen``, ``screen-token``,
    ``emergency-stop`` and ``emergency-resume``."""
    common = connection_options(argparse.SUPPRESS)
    parser = subparsers.add_parser(
        "publish",
        help="Publish to screens (一键发布).",
        description="Publish posters, notices and honor rolls to screens, withdraw them, "
        "change screen settings or stop all screens at once. "
        "Times are ISO 8601; without an offset they are Beijing time (+08:00).",
        parents=[connection_options(None)],
    )
    parser.set_defaults(func=publish_command)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    poster = actions.add_parser(
        "poster", help="Upload an image and publish it as a poster.", parents=[common]
    )
    poster.add_argument("file", type=Path, metavar="FILE", help="JPEG, PNG or WebP image.")
    poster.add_argument("--title", required=True, help="Title (标题).")
    poster.add_argument(
        "--show-on",
        action="append",
        default=[],
        metavar="MM-DD",
        help="Show only on this day every year (repeatable), e.g. 10-01 for 国庆节.",
    )
    poster.add_argument(
        "--festive",
        action="store_true",
        help="Festive content: held back on mourning days (国家公祭日 and marked days).",
    )
    _window_options(poster)
    poster.set_defaults(run=_publish_item, build=_poster_payload)

    video = actions.add_parser(
        "video",
        help="Upload a video course (党课视频) and publish it.",
        description="The server probes the video and refuses what the screens cannot play "
        "(H.264/H.265/VP8/VP9/AV1/MPEG-4 video, AAC/MP3/Opus/Vorbis sound; MP4, MKV, WebM, TS, "
        "AVI or FLV). In wall mode it plays muted to its end, or for --seconds.",
        parents=[common],
    )
    video.add_argument("file", type=Path, metavar="FILE", help="The video, e.g. an H.264 MP4.")
    video.add_argument("--title", required=True, help="Title (标题).")
    video.add_argument(
        "--category", required=True, help="Category (分类), e.g. 党史故事 or 时政热点."
    )
    video.add_argument("--cover", type=Path, metavar="IMAGE", help="Cover image (封面).")
    video.add_argument(
        "--rotation",
        action="store_true",
        help="Also play it in the rotation (云屏轮播 and the touch screen's attract loop), "
        "muted; without it the video is in the touch screen's course library only.",
    )
    video.add_argument(
        "--seconds",
        type=float,
        metavar="N",
        help="In the rotation, play only the first N seconds (default: to the end); "
        "implies --rotation.",
    )
    _window_options(video)
    video.set_defaults(run=_publish_item, build=_video_payload)

    notice = actions.add_parser("notice", help="Publish a text notice.", parents=[common])
    notice.add_argument("--text", required=True, help="Text of the notice (正文).")
    notice.add_argument("--title", default="通知公告", help="Title (default: 通知公告).")
    notice.add_argument("--urgent", action="store_true", help="Interrupt what is on screen.")
    _window_options(notice)
    notice.set_defaults(run=_publish_item, build=_notice_payload)

    honor = actions.add_parser(
        "honor-roll",
        help="Publish an honor roll (光荣榜) from a CSV file.",
        description="CSV header: name,title,citation,photo (or 姓名,称号,事迹,照片); photo is "
        "a path relative to the CSV file. UTF-8 (with or without BOM) or GBK.",
        parents=[common],
    )
    honor.add_argument("--title", required=True, help="Title (标题), e.g. 光荣榜.")
    honor.add_argument("--csv", type=Path, required=True, metavar="FILE", help="The CSV file.")
    _window_options(honor)
    honor.set_defaults(run=_publish_item, build=_honor_roll_payload)

    roster = actions.add_parser(
        "roster",
        help="Import a branch's roster (党员名单) from a CSV file.",
        description="CSV header: name,member_no,phone (or 姓名,党员编号,手机号); only the "
        "phone's last four digits are kept. UTF-8 (with or without BOM) or GBK. Importing "
        "again replaces the branch's roster.",
        parents=[common],
    )
    roster.add_argument(
        "--branch", required=True, help="The branch's node (支部): 第一党支部, a path or node:ID."
    )
    roster.add_argument("file", type=Path, metavar="FILE", help="The CSV file.")
    roster.set_defaults(run=_roster)

    meeting = actions.add_parser(
        "meeting",
        help="Create a meeting with sign-in (三会一课) and publish it to screens.",
        description="Sign-in opens 30 minutes before the start and closes 30 minutes after "
        "it unless --signin-opens/--signin-closes say otherwise.",
        parents=[common],
    )
    meeting.add_argument(
        "--type",
        dest="meeting_type",
        required=True,
        help="支部党员大会, 支部委员会, 党小组会, 党课 or 主题党日.",
    )
    meeting.add_argument("--title", required=True, help="Title (会议名称).")
    meeting.add_argument(
        "--branch", required=True, help="The node (支部) whose roster signs in, as for roster."
    )
    meeting.add_argument("--place", default="", help="Place (地点).")
    meeting.add_argument("--start", required=True, metavar="T", help="Start (ISO 8601).")
    meeting.add_argument("--end", required=True, metavar="T", help="End (ISO 8601).")
    meeting.add_argument("--signin-opens", metavar="T", help="Sign-in opens (default start-30m).")
    meeting.add_argument("--signin-closes", metavar="T", help="Sign-in closes (default start+30m).")
    _window_options(meeting)
    meeting.set_defaults(run=_meeting)

    attendance = actions.add_parser(
        "attendance",
        help="Show or save a meeting's attendance record (会议签到表).",
        parents=[common],
    )
    attendance.add_argument("meeting_id", metavar="MEETING_ID", help="Id printed by meeting.")
    attendance.add_argument("--csv", type=Path, metavar="OUT", help="Save as CSV (Excel).")
    attendance.add_argument("--html", type=Path, metavar="OUT", help="Save the printable page.")
    attendance.set_defaults(run=_attendance)

    learning = actions.add_parser(
        "learning-totals",
        help="Show learning totals per course or branch (学习统计).",
        description="Watch time, plays and completions from the screens' learning records. "
        "A record counts for the branch (org_name) its screen had when the record arrived.",
        parents=[common],
    )
    learning.add_argument(
        "--by", choices=("course", "branch"), default="course", help="Group by (default course)."
    )
    learning.set_defaults(run=_learning_totals)

    withdraw = actions.add_parser("withdraw", help="Withdraw an item (撤回).", parents=[common])
    withdraw.add_argument("item_id", metavar="ITEM_ID", help="Id printed when it was published.")
    withdraw.set_defaults(run=_withdraw)

    screen = actions.add_parser(
        "screen",
        help="Change screen settings: one screen, an organisation's or all (屏幕设置).",
        description="Change the settings of one screen, of every screen of an organisation "
        "(node:ID or node:NAME) or of all screens; without options, show them. A lower level's "
        "settings override those above; an emergency stop at any level is in force.",
        parents=[common],
    )
    add_settings_options(screen)
    screen.set_defaults(run=screen_command)

    token = actions.add_parser(
        "screen-token",
        help="Show a screen's token, for its screen_token setting (屏幕令牌).",
        description="Print the token a screen needs to read its content, and the line to put "
        "into that screen's config file. Tokens are derived from the server's screen key; "
        "changing the key changes every screen's token.",
        parents=[common],
    )
    token.add_argument("screen_id", metavar="SCREEN_ID", help="The screen's id (its screen).")
    token.set_defaults(run=_screen_token)

    stop = actions.add_parser(
        "emergency-stop", help="Stop showing published content (紧急停播).", parents=[common]
    )
    resume = actions.add_parser(
        "emergency-resume", help="End an emergency stop (恢复播出).", parents=[common]
    )
    for each, stopping in ((stop, True), (resume, False)):
        add_emergency_options(each)
        each.set_defaults(run=emergency_command, stop=stopping)

    for each in (
        parser,
        poster,
        video,
        notice,
        honor,
        roster,
        meeting,
        attendance,
        learning,
        withdraw,
        screen,
        token,
        stop,
        resume,
    ):
        one_line_errors(each)
    return parser


def publish_command(args: argparse.Namespace) -> int:
    """Run one publish action. The last line of stdout is the item id (poster, notice,
    honor-roll, meeting, attendance, withdraw), the roster's size (roster), the screen's token
    (screen-token) or the new revision (screen, emergency-stop, emergency-resume)."""
    prog = f"kiosk publish {args.action}"
    try:
        client = PublishClient(server_url(args), publish_token(args))
        try:
            return int(args.run(client, args))
        finally:
            client.close()
    except (UsageError, SettingsOptionError) as exc:
        return fail(prog, str(exc), "usage", 2)
    except PublishError as exc:
        return fail(prog, exc.message, exc.code, 1)
    except Exception as exc:  # noqa: BLE001 - the CLI boundary: one line, never a traceback
        return fail(prog, f"内部错误：{type(exc).__name__}: {exc}", "internal_error", 1)


def _publish_item(client: PublishClient, args: argparse.Namespace) -> int:
    window = _window(args)  # bad times and an unknown node are reported before any upload
    window["to"], where = resolve_target(client, args.to)
    payload = {**args.build(client, args), **window}
    result = client.publish(payload)
    print(f"已发布「{payload['title']}」到{where}（版本 {result['revision']}）")
    print(result["id"])
    return 0


def _roster(client: PublishClient, args: argparse.Namespace) -> int:
    branch, _ = resolve_branch(client, args.branch)
    result = client.import_roster(branch, args.file)
    if result.get("ignored_columns"):
        print(f"忽略了不认识的列：{'、'.join(result['ignored_columns'])}")
    print(
        f"已导入「{result['branch']}」名单：{result['members']} 人（新增 {result['added']}，"
        f"更新 {result['updated']}，移除 {result['removed']}；{result['encoding']} 编码）"
    )
    print(result["members"])
    return 0


def _meeting(client: PublishClient, args: argparse.Namespace) -> int:
    payload = {
        "meeting_type": args.meeting_type,
        "title": args.title,
        "place": args.place,
        "start": _time_option("--start", args.start),
        "end": _time_option("--end", args.end),
        "opens_at": _time_option("--signin-opens", args.signin_opens),
        "closes_at": _time_option("--signin-closes", args.signin_closes),
        **_window(args),
    }  # bad times are reported before any request
    payload["branch"], name = resolve_branch(client, args.branch)
    payload["to"], where = resolve_target(client, args.to)
    payload = {key: value for key, value in payload.items() if value is not None}
    result = client.create_meeting(payload)
    opens = datetime.fromisoformat(result["opens_at"]).astimezone(CHINA_TZ)
    closes = datetime.fromisoformat(result["closes_at"]).astimezone(CHINA_TZ)
    print(f"已发布会议「{args.title}」到{where}（版本 {result['revision']}）")
    print(
        f"签到时间：{opens:%Y-%m-%d %H:%M} – {closes:%Y-%m-%d %H:%M}，签到页 {result['signin_url']}"
    )
    if not result.get("expected"):
        print(
            f"注意：「{name}」还没有导入名单，无人能签到"
            f"（kiosk publish roster --branch {payload['branch']} 名单.csv）"
        )
    else:
        print(f"应到 {result['expected']} 人")
    print(result["id"])
    return 0


def _attendance(client: PublishClient, args: argparse.Namespace) -> int:
    import csv
    import io

    meeting = client.get_meeting(args.meeting_id)
    data = client.attendance_csv(args.meeting_id)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))[1:]
    print(f"{meeting['meeting_type']}「{meeting['title']}」（{meeting['branch']}）")
    for name, member_no, status, at, reason in rows:
        print("  ".join(part for part in (name, member_no, status, at, reason) if part))
    live = meeting["live"]
    absent = sum(1 for row in rows if row[2] == "缺席")
    print(
        f"应到 {live['expected']}，出席 {live['present']}，请假 {live['on_leave']}，缺席 {absent}"
    )
    if args.csv is not None:
        _write_file(args.csv, data)
        print(f"已保存 CSV：{args.csv}")
    if args.html is not None:
        _write_file(args.html, client.attendance_page(args.meeting_id).encode("utf-8"))
        print(f"已保存签到表：{args.html}")
    print(meeting["id"])
    return 0


def _write_file(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise PublishError(f"无法写入文件 {path}：{exc.strerror or exc}", "file_error") from None


def _learning_totals(client: PublishClient, args: argparse.Namespace) -> int:
    rows = client.learning_totals(args.by)
    if args.by == "course":
        header = ["课程", "分类", "播放次数", "完成次数", "观看时长"]
        table = [
            [f"{r['title'] or r['course_id']}（{r['course_id']}）", r["category"] or "-"]
            + _learning_figures(r)
            for r in rows
        ]
    else:
        header = ["支部", "播放次数", "完成次数", "观看时长"]
        table = [[r["branch"] or "（未设置支部）", *_learning_figures(r)] for r in rows]
    if not table:
        print("还没有学习记录")
        return 0
    for line in _table_lines(header, table):
        print(line)
    return 0


def _learning_figures(row: dict[str, Any]) -> list[str]:
    seconds = round(float(row["watch_seconds"]))
    hours, rest = divmod(seconds, 3600)
    watched = f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return [str(row["plays"]), str(row["completions"]), watched]


def _table_lines(header: list[str], rows: list[list[str]]) -> list[str]:
    """Columns padded to the widest cell; CJK characters count as two columns."""
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    widths = [max(width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(row)).rstrip()
        for row in [header, *rows]
    ]


def _withdraw(client: PublishClient, args: argparse.Namespace) -> int:
    result = client.withdraw(args.item_id)
    print(f"已撤回（版本 {result['revision']}）")
    print(result["id"])
    return 0


def _screen_token(client: PublishClient, args: argparse.Namespace) -> int:
    if args.screen_id == "all":
        raise UsageError("screen-token 需要一个屏幕编号（all 表示全部屏幕，没有令牌）")
    answer = client.screen_token(args.screen_id)
    print(f"屏幕 {answer['screen_id']} 的令牌；把下面这一行写入该屏幕的配置文件（kiosk.toml）：")
    print(answer["config"])
    print(answer["token"])
    return 0


def _poster_payload(client: PublishClient, args: argparse.Namespace) -> dict[str, Any]:
    days = [_month_day(day) for day in args.show_on]  # checked before anything is uploaded
    image = client.upload_asset(args.file, purpose="image")
    print(f"已上传图片 {image['sha256'][:12]}（{image['size']} 字节，{image['media_type']}）")
    payload = {"kind": "poster", "title": args.title, "image": image}
    if days:
        payload["show_on"] = days
    if args.festive:
        payload["festive"] = True
    return payload


def _video_payload(client: PublishClient, args: argparse.Namespace) -> dict[str, Any]:
    """Check the options and the cover locally, then upload the video (probed by the
    server) and the cover."""
    if not args.category.strip():
        raise UsageError("--category 不能为空（例如 党史故事）")
    if args.seconds is not None and not 1 <= args.seconds <= 86400:
        raise UsageError("--seconds 应在 1 到 86400 之间")
    if args.cover is not None:
        if not args.cover.is_file():
            raise PublishError(f"找不到封面文件：{args.cover}", "file_not_found")
        problem = _photo_problem(args.cover)
        if problem:
            raise PublishError(f"封面 {args.cover}：{problem}", "not_an_image")
    video = client.upload_asset(args.file, purpose="video")
    facts = video.get("video") or {}
    codecs = "/".join(c for c in (facts.get("video_codec"), facts.get("audio_codec")) if c)
    print(
        f"已上传视频 {video['sha256'][:12]}（{video['size']} 字节，"
        f"{facts.get('length_seconds', 0):.1f} 秒，{codecs}，"
        f"{facts.get('width', 0)}x{facts.get('height', 0)}）"
    )
    payload: dict[str, Any] = {
        "kind": "video",
        "title": args.title,
        "category": args.category.strip(),
        "video": {"sha256": video["sha256"]},
    }
    if args.cover is not None:
        cover = client.upload_asset(args.cover, purpose="image")
        print(f"已上传封面 {cover['sha256'][:12]}（{cover['size']} 字节）")
        payload["cover"] = {"sha256": cover["sha256"]}
    if args.seconds is not None:
        payload["display_seconds"] = args.seconds
    if args.rotation or args.seconds is not None:
        payload["rotation"] = True
    return payload


def _month_day(text: str) -> str:
    """``MM-DD`` (``M-D`` accepted) as the wire format wants it, or a UsageError."""
    try:
        month, day = (int(part) for part in text.strip().split("-"))
        datetime(2024, month, day)  # a leap year, so 02-29 is a real day
    except ValueError:
        raise UsageError(f"--show-on 的日期格式不正确：{text!r}（例如 10-01）") from None
    return f"{month:02d}-{day:02d}"


def _notice_payload(client: PublishClient, args: argparse.Namespace) -> dict[str, Any]:
    if not args.text.strip():
        raise UsageError("--text 不能为空")
    return {"kind": "notice", "title": args.title, "text": args.text, "urgent": args.urgent}


def _honor_roll_payload(client: PublishClient, args: argparse.Namespace) -> dict[str, Any]:
    """Read and check the whole CSV file first; upload photos only if every row is good."""
    from content_server.honor_csv import HonorCsvError, read_honor_csv

    try:
        table = read_honor_csv(args.csv, _photo_problem)
    except HonorCsvError as exc:
        raise PublishError(str(exc), exc.code) from None
    if table.ignored_columns:
        print(f"忽略了不认识的列：{'、'.join(table.ignored_columns)}")
    refs: dict[Path, dict[str, Any]] = {}
    for path, row in table.photos().items():
        try:
            refs[path] = client.upload_asset(path, purpose="image")
        except PublishError as exc:
            if exc.status is None or exc.status >= 500:
                raise
            where = f"第 {row.row} 行：照片 {row.photo_text}：{exc.message}"
            raise PublishError(where, exc.code, exc.status) from None
    print(f"已读取 {len(table.rows)} 条（{table.encoding} 编码），上传照片 {len(refs)} 张")
    entries = [
        {
            "name": row.name,
            "title": row.title,
            "citation": row.citation,
            "photo": {"sha256": refs[row.photo]["sha256"]} if row.photo else None,
        }
        for row in table.rows
    ]
    return {"kind": "honor_roll", "title": args.title, "entries": entries}


def _photo_problem(path: Path) -> str | None:
    """Why a photo cannot be published (checked locally, so nothing is uploaded in vain)."""
    from content_server.assets import AssetRejected, check_image
    from content_server.settings import ServerSettings

    max_pixels = int(ServerSettings.model_fields["max_image_pixels"].default)
    try:
        check_image(path, max_pixels)
    except AssetRejected as exc:
        return (
            "不是可识别的图片（支持 JPEG、PNG、WebP）" if exc.code == "not_an_image" else exc.detail
        )
    return None


def _window(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "to": args.to,
        "priority": args.priority,
        "valid_from": _time_option("--from", args.valid_from),
        "valid_until": _time_option("--until", args.valid_until),
    }


def _time_option(option: str, text: str | None) -> str | None:
    if text is None:
        return None
    try:
        value: datetime = parse_local_datetime(text)
    except ValueError:
        raise UsageError(f"{option} 的时间格式不正确：{text!r}（例如 {TIME_EXAMPLE}）") from None
    return value.isoformat()


def _window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--to",
        default="all",
        help="all (default), a screen id, or node:ID / node:NAME (an organisation and every "
        "screen below it).",
    )
    parser.add_argument("--from", dest="valid_from", metavar="T", help="Show from (ISO 8601).")
    parser.add_argument("--until", dest="valid_until", metavar="T", help="Show until, exclusive.")
    parser.add_argument("--priority", type=int, default=0, help="Higher shows first (default 0).")


# --- python -m content_server.cli --------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """A parser with just ``server`` and ``publish`` (for ``python -m content_server.cli``)."""
    parser = argparse.ArgumentParser(prog="kiosk", description="Content server and publishing.")
    one_line_errors(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_server_parser(subparsers)
    add_publish_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``server`` or ``publish``; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
