"""Meetings with sign-in in the console (会议签到): a new meeting (三会一课 or 主题党日: type,
title, day and time, place, the organisation whose roster signs in, where it is shown), the
sign-in link and the card the screens will show; the meetings in the person's view, live or
ended, with each one's attendance (present, absent, on leave), the CSV and the printable
签到表.

Everything goes through the sign-in package's own functions: ``create_meeting`` (as
``POST /api/meetings``), ``resolve_branch``/``sees_meeting`` for scope, and the attendance
record's CSV and printable page (``record_csv``, ``record_page``), served here under the
console's session instead of a token. Rosters: ``console/rosters.py``.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from content_server import db
from content_server.console import web
from content_server.console.guard import error_status, line, page_login
from content_server.console.qr_svg import qr_svg
from content_server.console.rosters import roster_choices
from content_server.console.sections import add_publish_link, add_section
from content_server.console.targets import describe_target, publish_targets
from content_server.console.templates import render
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.items import is_valid_id
from content_server.scope import Action, Principal
from content_server.signin.attendance import attendance_record, live_count, record_csv
from content_server.signin.branches import sees_meeting
from content_server.signin.meetings import (
    MEETING_TYPES,
    MeetingRow,
    create_meeting,
    get_meeting,
    list_meetings,
    signin_page_url,
)
from content_server.signin.pages import record_page
from content_server.signin.routes import HTML_HEADERS, public_base_url
from content_server.timefmt import CHINA_TZ, parse_local_datetime

log = logging.getLogger("content_server.console")

PREFIX = "/console/meetings"
WEEKDAYS = "一二三四五六日"
PHASES = {"not_yet": "未开始", "open": "签到中", "ended": "已结束", "withdrawn": "已撤下"}


@dataclass(frozen=True)
class MeetingView:
    """A meeting as the console lists it."""

    meeting: MeetingRow
    phase: str
    present: int
    expected: int
    on_leave: int

    @property
    def phase_label(self) -> str:
        return PHASES[self.phase]


def build_router(ctx: ServerContext) -> APIRouter:
    """The meeting pages under ``/console/meetings``; none of them is in the API schema."""
    add_section("signin", PREFIX, "签到", before="items", needs=Action.VIEW)
    add_publish_link(f"{PREFIX}/new", "会议签到")
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    @router.get("")
    def meetings_page(request: Request) -> Response:
        who, acting = page_login(ctx, request)
        views = _visible(ctx, who)
        return render(
            ctx, request, "meetings.html", who=who, acting=acting, nav="signin", meetings=views
        )

    def new_page(
        request: Request,
        who: Principal,
        acting: web.Acting | None,
        form: dict[str, str],
        *,
        error: str = "",
        status_code: int = 200,
    ) -> Response:
        targets = publish_targets(ctx, who, acting)
        branches = roster_choices(ctx, who, acting, Action.PUBLISH)
        form.setdefault("to", targets[0].value if targets else "")
        form.setdefault("branch", branches[0].value if branches else "")
        return render(
            ctx,
            request,
            "meeting_new.html",
            who=who,
            acting=acting,
            nav="signin",
            form=form,
            targets=targets,
            branches=branches,
            types=MEETING_TYPES,
            error=error,
            status_code=status_code,
        )

    def not_found(
        request: Request, who: Principal, acting: web.Acting | None, exc: ApiError
    ) -> Response:
        return render(
            ctx, request, "meeting.html", who=who, acting=acting, nav="signin",
            view=None, error=line(exc.detail), status_code=404,
        )  # fmt: skip

    @router.get("/new")
    def meeting_new(request: Request) -> Response:
        who, acting = page_login(ctx, request)
        return new_page(request, who, acting, _defaults(ctx.clock()))

    @router.post("/new")
    def meeting_create(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)] = "",
        meeting_type: Annotated[str, Form(max_length=50)] = "",
        title: Annotated[str, Form(max_length=500)] = "",
        day: Annotated[str, Form(max_length=20)] = "",
        start: Annotated[str, Form(max_length=10)] = "",
        end: Annotated[str, Form(max_length=10)] = "",
        place: Annotated[str, Form(max_length=200)] = "",
        branch: Annotated[str, Form(max_length=200)] = "",
        to: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        web.check_csrf(ctx, request, csrf)
        who, acting = page_login(ctx, request)
        form = {
            "meeting_type": meeting_type,
            "title": title,
            "day": day,
            "start": start,
            "end": end,
            "place": place,
            "branch": branch,
            "to": to,
        }
        try:
            payload = _meeting_payload(form)
            made = create_meeting(ctx, payload, public_base_url(ctx, request), who)
        except ApiError as exc:
            error = line(exc.detail)
            return new_page(request, who, acting, form, error=error, status_code=error_status(exc))
        log.info("console: %s made meeting %s for %s", who.name, made["id"], branch)
        return RedirectResponse(f"{PREFIX}/{made['id']}?new=1", status_code=303)

    @router.get("/{meeting_id}")
    def meeting_page(request: Request, meeting_id: str, new: str = "") -> Response:
        who, acting = page_login(ctx, request)
        try:
            meeting = visible_meeting(ctx, who, meeting_id)
        except ApiError as exc:
            return not_found(request, who, acting, exc)
        now = ctx.clock()
        with ctx.db.connect() as conn:
            view = _view(conn, meeting, now)
            record = attendance_record(conn, meeting)
            where = describe_target(conn, meeting.target)
        url = signin_page_url(public_base_url(ctx, request), meeting.id)
        return render(
            ctx,
            request,
            "meeting.html",
            who=who,
            acting=acting,
            nav="signin",
            view=view,
            record=record,
            where=where,
            url=url,
            qr=qr_svg(url),
            new=bool(new),
            when=_when(meeting),
            opens=_clock(meeting.opens_at),
            closes=_clock(meeting.closes_at),
        )

    @router.get("/{meeting_id}/attendance.csv")
    def attendance_csv(request: Request, meeting_id: str) -> Response:
        who, acting = page_login(ctx, request)
        try:
            meeting = visible_meeting(ctx, who, meeting_id)
        except ApiError as exc:
            return not_found(request, who, acting, exc)
        with ctx.db.connect() as conn:
            body = record_csv(attendance_record(conn, meeting))
        name = quote(f"签到表-{meeting.title[:40]}.csv")
        headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)

    @router.get("/{meeting_id}/attendance")
    def attendance_sheet(request: Request, meeting_id: str) -> Response:
        who, acting = page_login(ctx, request)
        try:
            meeting = visible_meeting(ctx, who, meeting_id)
        except ApiError as exc:
            return not_found(request, who, acting, exc)
        with ctx.db.connect() as conn:
            record = attendance_record(conn, meeting)
        return HTMLResponse(record_page(meeting, record, ctx.clock()), headers=HTML_HEADERS)

    return router


def visible_meeting(ctx: ServerContext, who: Principal, meeting_id: str) -> MeetingRow:
    """The meeting if the person may view it (its screens' node or its roster's), as
    ``GET /api/meetings/{id}`` decides.

    Raises:
        ApiError: 404 ``meeting_not_found`` otherwise.
    """
    missing = ApiError(404, "meeting_not_found", "找不到该会议（或不在您的管理范围内）")
    if not is_valid_id(meeting_id):
        raise missing
    with ctx.db.connect() as conn:
        meeting = get_meeting(conn, meeting_id)
        if meeting is None or not sees_meeting(conn, who, meeting.target, meeting.node_id):
            raise missing
    return meeting


def _visible(ctx: ServerContext, who: Principal) -> list[MeetingView]:
    now = ctx.clock()
    with ctx.db.connect() as conn:
        with db.read_transaction(conn):
            meetings = [
                m for m in list_meetings(conn) if sees_meeting(conn, who, m.target, m.node_id)
            ]
        return [_view(conn, meeting, now) for meeting in meetings]


def _view(conn: sqlite3.Connection, meeting: MeetingRow, now: datetime) -> MeetingView:
    live = live_count(conn, meeting)
    return MeetingView(
        meeting, _phase(meeting, now), live["present"], live["expected"], live["on_leave"]
    )


def _phase(meeting: MeetingRow, now: datetime) -> str:
    if meeting.withdrawn:
        return "withdrawn"
    if now < meeting.opens_at:
        return "not_yet"
    if now < max(meeting.closes_at, meeting.end):
        return "open" if now < meeting.closes_at else "ended"
    return "ended"


def _defaults(now: datetime) -> dict[str, str]:
    """The next full hour at least an hour from now, for an hour and a half."""
    local = now.astimezone(CHINA_TZ)
    start = (local + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(minutes=90)
    return {
        "meeting_type": MEETING_TYPES[0],
        "title": "",
        "day": start.date().isoformat(),
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}" if end.date() == start.date() else "23:59",
        "place": "党员活动室",
    }


def _meeting_payload(form: dict[str, str]) -> dict[str, Any]:
    """What ``create_meeting`` takes, from the form (a day and two times, China time).

    Raises:
        ApiError: 422 with one sentence.
    """
    if not form["title"].strip():
        raise ApiError(422, "missing_title", "请填写会议主题")
    if not form["branch"]:
        raise ApiError(422, "missing_branch", "请选择参会的组织（用它的名单签到）")
    try:
        day = date.fromisoformat(form["day"])
        start = parse_local_datetime(f"{day.isoformat()}T{form['start']}")
        end = parse_local_datetime(f"{day.isoformat()}T{form['end']}")
    except ValueError:
        raise ApiError(422, "bad_time", "请选择会议日期和开始、结束时间") from None
    if end <= start:
        raise ApiError(422, "bad_time", "结束时间必须晚于开始时间")
    return {
        "meeting_type": form["meeting_type"],
        "title": form["title"].strip(),
        "branch": form["branch"],
        "place": form["place"].strip(),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "to": form["to"],
    }


def _when(meeting: MeetingRow) -> str:
    start = meeting.start.astimezone(CHINA_TZ)
    end = meeting.end.astimezone(CHINA_TZ)
    day = f"{start.month}月{start.day}日 星期{WEEKDAYS[start.weekday()]}"
    return f"{day} {start:%H:%M}–{end:%H:%M}"


def _clock(moment: datetime) -> str:
    local = moment.astimezone(CHINA_TZ)
    return f"{local.month}月{local.day}日 {local:%H:%M}"
