"""HTTP routes of meeting sign-in.

With a caller (``Authorization: Bearer``), each checked by ``content_server.scope``
(rosters by their node, meetings by their target or roster node; viewers read, publishers
write; see ``content_server/signin/branches.py``). ``{branch}`` is ``node:<id>`` or a node's name:
    PUT  /api/branches/{branch}/roster          import a roster (the CSV file's bytes as body)
    GET  /api/branches/{branch}/roster          the roster (names and member numbers only)
    POST /api/meetings                          create a meeting and publish it to screens
    GET  /api/meetings                          meetings, latest start first
    GET  /api/meetings/{id}                     one meeting with its live count
    GET  /api/meetings/{id}/attendance.csv      the record as CSV (UTF-8 with BOM)
    GET  /api/meetings/{id}/attendance          the record as a printable page (会议签到表)

Public (no token; nothing secret in them):
    GET  /api/meetings/{id}/live                the live count (JSON)
    GET  /api/meetings/{id}/live/events         the live count as server-sent events
    GET  /m/{id}?w=WINDOW&t=TOKEN               the phone page a scanned code opens
    POST /m/{id}                                sign in (form: w, t, name, factor)
    POST /m/{id}/leave                          ask for leave (form: name, factor, reason)
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Body, Form, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response, StreamingResponse

from content_server import db
from content_server.api_schema import content_response, event_stream_response
from content_server.auth import Caller
from content_server.context import ServerContext
from content_server.errors import ApiError, error_responses, page_responses
from content_server.items import is_valid_id
from content_server.scope import Action, Principal
from content_server.signin.attendance import attendance_record, live_count, record_csv
from content_server.signin.branches import Branch, resolve_branch, sees_meeting
from content_server.signin.meetings import (
    MeetingRow,
    create_meeting,
    get_meeting,
    list_meetings,
)
from content_server.signin.pages import record_page
from content_server.signin.phone import Client, PhoneAnswer, PhoneDesk, new_device_id
from content_server.signin.roster import (
    RosterCsvError,
    branch_members,
    parse_roster,
    replace_roster,
)

log = logging.getLogger("content_server.signin")

MAX_ROSTER_BYTES = 4 * 1024 * 1024
KEEPALIVE_SECONDS = 15.0
COOKIE_DAYS = 180
NAME_COOKIE, FACTOR_COOKIE, DEVICE_COOKIE = "signin_name", "signin_factor", "signin_device"
HTML_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
# The phone pages answer every refusal with a page for the person holding the phone.
PHONE_PAGE: dict[int | str, dict[str, Any]] = {200: content_response("签到页面", "text/html")}
PHONE_REFUSALS = (400, 403, 404, 409, 410, 429)


def public_base_url(ctx: ServerContext, request: Request) -> str:
    """The server's URL as phones reach it: the ``public_url`` setting, else the request's."""
    return (ctx.settings.public_url or str(request.base_url)).rstrip("/")


def topic(meeting_id: str) -> str:
    """The notifier topic of a meeting's live count."""
    return f"meeting:{meeting_id}"


def build_router(ctx: ServerContext) -> APIRouter:
    """Routes for rosters, meetings, the live count and the phone page."""
    router = APIRouter()
    desk = PhoneDesk(ctx.db, ctx.clock, lambda mid, rev: ctx.notifier.notify_topic(topic(mid), rev))

    @router.put(
        "/api/branches/{branch}/roster",
        responses=error_responses(403, 404, 413, 422),
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": "名单 CSV 文件（UTF-8 或 GBK）",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        },
    )
    async def put_roster(
        branch: str,
        request: Request,
        who: Caller,
        filename: Annotated[str, Query(max_length=200)] = "名单.csv",
    ) -> dict[str, Any]:
        """Replace the roster of the node ``branch`` names (``node:<id>`` or its name) with the
        CSV file sent as the body."""
        named = await run_in_threadpool(_branch, ctx, who, branch, Action.PUBLISH, False)
        data = await _read_body(request, MAX_ROSTER_BYTES)
        return await run_in_threadpool(_import_roster, ctx, named, data, filename)

    @router.get("/api/branches/{branch}/roster", responses=error_responses(403, 404))
    def get_roster(branch: str, who: Caller) -> dict[str, Any]:
        """The roster of the node ``branch`` names (``node:<id>`` or its name): name, member
        number and whether a phone is known."""
        named = _branch(ctx, who, branch, Action.VIEW, True)
        with ctx.db.connect() as conn:
            members = branch_members(conn, named.roster)
        return {
            "branch": named.name,
            "node_id": named.roster.node_id,
            "members": [
                {"name": m.name, "member_no": m.member_no, "has_phone": bool(m.phone4)}
                for m in members
            ],
        }

    @router.post("/api/meetings", status_code=201, responses=error_responses(403, 404, 422))
    def post_meeting(
        payload: Annotated[dict[str, Any], Body()], request: Request, who: Caller
    ) -> Any:
        """Create a meeting and publish it to ``to`` as a ``meeting`` item (a publisher of
        both ``to`` and the branch: ``node:<id>`` or a node's name)."""
        return create_meeting(ctx, payload, public_base_url(ctx, request), who)

    @router.get("/api/meetings")
    def get_meetings(request: Request, who: Caller) -> dict[str, Any]:
        """Meetings the caller may view, the latest start first (no secrets)."""
        base = public_base_url(ctx, request)
        with ctx.db.connect() as conn, db.read_transaction(conn):
            meetings = list_meetings(conn)
            shown = [m for m in meetings if sees_meeting(conn, who, m.target, m.node_id)]
        return {"meetings": [m.summary(base) for m in shown]}

    @router.get("/api/meetings/{meeting_id}", responses=error_responses(404))
    def get_one_meeting(meeting_id: str, request: Request, who: Caller) -> dict[str, Any]:
        """One meeting (no secret) and its live count."""
        meeting = _meeting(ctx, meeting_id, who)
        with ctx.db.connect() as conn:
            live = live_count(conn, meeting)
        return {**meeting.summary(public_base_url(ctx, request)), "live": live}

    @router.get(
        "/api/meetings/{meeting_id}/attendance.csv",
        response_class=Response,
        responses={
            200: content_response("签到表 CSV（UTF-8，带 BOM）", "text/csv"),
            **error_responses(404),
        },
    )
    def get_attendance_csv(meeting_id: str, who: Caller) -> Response:
        """The attendance record as CSV: 姓名, 党员编号, 状态, 签到时间, 请假事由."""
        meeting = _meeting(ctx, meeting_id, who)
        with ctx.db.connect() as conn:
            body = record_csv(attendance_record(conn, meeting))
        name = quote(f"签到表-{meeting.title[:40]}.csv")
        headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)

    @router.get(
        "/api/meetings/{meeting_id}/attendance",
        response_class=Response,
        responses={
            200: content_response("打印用的签到表页面", "text/html"),
            **error_responses(404),
        },
    )
    def get_attendance_page(meeting_id: str, who: Caller) -> HTMLResponse:
        """The attendance record as a page to print (A4)."""
        meeting = _meeting(ctx, meeting_id, who)
        with ctx.db.connect() as conn:
            record = attendance_record(conn, meeting)
        return HTMLResponse(record_page(meeting, record, ctx.clock()), headers=HTML_HEADERS)

    @router.get("/api/meetings/{meeting_id}/live", responses=error_responses(404))
    def get_live(meeting_id: str) -> dict[str, Any]:
        """``{meeting_id, present, expected, on_leave, latest, revision}``."""
        meeting = _meeting(ctx, meeting_id)
        with ctx.db.connect() as conn:
            return live_count(conn, meeting)

    @router.get(
        "/api/meetings/{meeting_id}/live/events",
        response_class=Response,
        responses={
            200: event_stream_response(
                "签到人数：连上时一次，之后每次变化一次", {"type": "object"}
            ),
            **error_responses(404),
        },
    )
    async def get_live_events(meeting_id: str) -> StreamingResponse:
        """Server-sent events: the live count as ``data:`` at once and after every change;
        a keep-alive comment every 15 s; ended when the server stops."""
        meeting = await run_in_threadpool(_meeting, ctx, meeting_id)
        subscription = ctx.notifier.subscribe_topic(topic(meeting.id))  # before the first read

        async def stream() -> AsyncIterator[bytes]:
            try:
                yield await run_in_threadpool(_live_event, ctx, meeting)
                while not subscription.closed:
                    revision = await subscription.next_revision(KEEPALIVE_SECONDS)
                    if subscription.closed:
                        break
                    if revision is None:
                        yield b": keep-alive\n\n"
                    else:
                        yield await run_in_threadpool(_live_event, ctx, meeting)
            finally:
                ctx.notifier.unsubscribe(subscription)

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    @router.get(
        "/m/{meeting_id}",
        response_class=Response,
        responses={**PHONE_PAGE, **page_responses(*PHONE_REFUSALS)},
    )
    def phone_page(
        meeting_id: str, request: Request, w: str | None = None, t: str | None = None
    ) -> Response:
        """The page a scanned sign-in code opens."""
        client = _client(request)
        return _respond(desk.page(meeting_id, w, t, client), request, client)

    @router.post(
        "/m/{meeting_id}",
        response_class=Response,
        responses={**PHONE_PAGE, **page_responses(*PHONE_REFUSALS)},
    )
    def phone_sign_in(
        meeting_id: str,
        request: Request,
        w: Annotated[str, Form()] = "",
        t: Annotated[str, Form()] = "",
        name: Annotated[str, Form()] = "",
        factor: Annotated[str, Form()] = "",
    ) -> Response:
        """Sign in with the scanned code, a name and a second factor."""
        client = _client(request)
        return _respond(desk.sign_in(meeting_id, w, t, name, factor, client), request, client)

    @router.post(
        "/m/{meeting_id}/leave",
        response_class=Response,
        responses={**PHONE_PAGE, **page_responses(*PHONE_REFUSALS)},
    )
    def phone_leave(
        meeting_id: str,
        request: Request,
        name: Annotated[str, Form()] = "",
        factor: Annotated[str, Form()] = "",
        reason: Annotated[str, Form()] = "",
    ) -> Response:
        """Ask for leave before the meeting starts."""
        client = _client(request)
        return _respond(desk.leave(meeting_id, name, factor, reason, client), request, client)

    return router


def _meeting(ctx: ServerContext, meeting_id: str, who: Principal | None = None) -> MeetingRow:
    """The meeting; with ``who``, only if that caller may view it (else the same 404)."""
    missing = ApiError(404, "meeting_not_found", f"找不到会议 {meeting_id[:64]}")
    meeting = None
    if is_valid_id(meeting_id):
        with ctx.db.connect() as conn:
            meeting = get_meeting(conn, meeting_id)
            if meeting is not None and who is not None:
                if not sees_meeting(conn, who, meeting.target, meeting.node_id):
                    meeting = None
    if meeting is None:
        raise missing
    return meeting


def _branch(ctx: ServerContext, who: Principal, text: str, action: Action, legacy: bool) -> Branch:
    with ctx.db.connect() as conn, db.read_transaction(conn):
        return resolve_branch(conn, who, text, action, legacy=legacy)


def _live_event(ctx: ServerContext, meeting: MeetingRow) -> bytes:
    with ctx.db.connect() as conn:
        live = live_count(conn, meeting)
    data = json.dumps(live, ensure_ascii=False, separators=(",", ":"))
    return f"id: {live['revision']}\ndata: {data}\n\n".encode()


def _import_roster(
    ctx: ServerContext, branch: Branch, data: bytes, filename: str
) -> dict[str, Any]:
    try:
        roster = parse_roster(data, filename)
    except RosterCsvError as exc:
        raise ApiError(422, exc.code, str(exc)) from None
    node_id = branch.roster.node_id
    assert node_id is not None  # imports resolve to a node (legacy=False)
    with ctx.db.connect() as conn, db.write_transaction(conn):
        result = replace_roster(conn, node_id, roster.members, ctx.clock())
    log.info(
        "roster of node %d (%s) imported: %d members (%d added, %d updated, %d removed)",
        node_id,
        branch.name,
        result.members,
        result.added,
        result.updated,
        result.removed,
    )
    return {
        "branch": branch.name,
        "node_id": node_id,
        "members": result.members,
        "added": result.added,
        "updated": result.updated,
        "removed": result.removed,
        "encoding": roster.encoding,
        "ignored_columns": roster.ignored_columns,
    }


async def _read_body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", f"文件太大（上限 {limit // 1024**2} MB）")
        chunks.append(chunk)
    return b"".join(chunks)


def _client(request: Request) -> Client:
    cookies = request.cookies
    return Client(
        address=request.client.host if request.client else "-",
        device=cookies.get(DEVICE_COOKIE, "")[:32],
        name=unquote(cookies.get(NAME_COOKIE, ""))[:50],
        factor=unquote(cookies.get(FACTOR_COOKIE, ""))[:40],
    )


def _respond(answer: PhoneAnswer, request: Request, client: Client) -> Response:
    response = HTMLResponse(answer.html, answer.status, headers={**HTML_HEADERS, **answer.extra})
    options: dict[str, Any] = {
        "max_age": COOKIE_DAYS * 86400,
        "path": "/m/",
        "httponly": True,
        "samesite": "lax",
        "secure": request.url.scheme == "https",
    }
    if not client.device:
        response.set_cookie(DEVICE_COOKIE, new_device_id(), **options)
    if answer.remember is not None:
        name, factor = answer.remember
        response.set_cookie(NAME_COOKIE, quote(name), **options)
        response.set_cookie(FACTOR_COOKIE, quote(factor), **options)
    return response
