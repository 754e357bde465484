"""Meetings (三会一课 and 主题党日): created by an admin and published to screens in one step.

A meeting is stored twice, in one transaction: as a ``meeting`` item (what screens get, through
the usual publish path, so targeting, revisions, push and withdrawal work as for any item) and
as a row of ``meetings`` (what the server needs to check sign-ins: the secret, the sign-in
window, the node whose roster signs in). Both share one id, which is also the ``meeting_id`` of
the sign-in tokens.

The item's ``signin.url`` is the absolute URL of the phone page ``/m/{id}``: under the server's
``public_url`` setting (``kiosk server --public-url``) if set, else under the URL the admin's
request came in on. The item shows from its publishing (so screens know the next meeting before
its sign-in opens), until the later of sign-in closing and the end (unless the admin gives
``valid_from``/``valid_until``); the wall screen shows its card only while sign-in is open.
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from content_cache.signin_token import DEFAULT_PERIOD_SECONDS
from content_server.context import ServerContext
from content_server.errors import ApiError, describe_errors
from content_server.items import ItemDraft, localize_datetimes, new_item_id
from content_server.routes.items import publish
from content_server.scope import SUPERUSER, Action, Principal
from content_server.signin.branches import resolve_branch
from content_server.signin.roster import RosterRef, count_members
from content_server.timefmt import from_db, to_db

MEETING_TYPES = ("支部党员大会", "支部委员会", "党小组会", "党课", "主题党日")
SIGNIN_OPENS_BEFORE = timedelta(minutes=30)
SIGNIN_CLOSES_AFTER = timedelta(minutes=30)
SECRET_BYTES = 32  # secrets.token_urlsafe: 43 characters


class MeetingRequest(BaseModel):
    """What an admin sends to ``POST /api/meetings``; naive times are +08:00."""

    model_config = ConfigDict(extra="forbid")

    meeting_type: str
    title: Annotated[str, Field(min_length=1, max_length=500)]
    branch: str  # the node whose roster signs in: node:<id> or its name
    place: Annotated[str, Field(max_length=200)] = ""
    start: AwareDatetime
    end: AwareDatetime
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    period_seconds: Annotated[int, Field(ge=5, le=600)] = DEFAULT_PERIOD_SECONDS
    to: Any = "all"
    priority: Annotated[int, Field(ge=-1000, le=1000)] = 0
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None


@dataclass(frozen=True)
class MeetingRow:
    """A meeting as the sign-in code needs it.

    Attributes:
        branch: the name of the roster's node when the meeting was made (for display).
        node_id: the node whose roster signs in; None for a meeting from before schema
            version 7 whose branch matched no node (its roster is kept under ``branch``).
    """

    id: str
    meeting_type: str
    title: str
    branch: str
    node_id: int | None
    place: str
    start: datetime
    end: datetime
    opens_at: datetime
    closes_at: datetime
    period_seconds: int
    secret: str
    target: str
    live_seq: int
    withdrawn: bool

    @property
    def roster(self) -> RosterRef:
        """The roster members sign in against."""
        if self.node_id is not None:
            return RosterRef(self.node_id)
        return RosterRef(None, self.branch)

    def summary(self, base_url: str) -> dict[str, Any]:
        """The meeting for an admin: everything but the secret."""
        return {
            "id": self.id,
            "meeting_type": self.meeting_type,
            "title": self.title,
            "branch": self.branch,
            "node_id": self.node_id,
            "place": self.place,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "opens_at": self.opens_at.isoformat(),
            "closes_at": self.closes_at.isoformat(),
            "period_seconds": self.period_seconds,
            "signin_url": signin_page_url(base_url, self.id),
            "to": self.target.removeprefix("screen:"),
            "withdrawn": self.withdrawn,
        }


def signin_page_url(base_url: str, meeting_id: str) -> str:
    """The phone page of a meeting: ``<base>/m/<id>``."""
    return f"{base_url.rstrip('/')}/m/{meeting_id}"


def create_meeting(
    ctx: ServerContext,
    payload: dict[str, Any],
    base_url: str,
    principal: Principal = SUPERUSER,
) -> dict[str, Any]:
    """Check ``payload``, store the meeting and publish it to its screens.

    Returns:
        ``{"id", "revision", "signin_url", "opens_at", "closes_at", "expected"}``.

    Raises:
        ApiError: 422 with one Chinese line (bad type, branch, times, unknown field...);
            404/403 for a branch the caller may not see or publish for
            (:func:`~content_server.signin.branches.resolve_branch`).
    """
    request = _parse(payload)
    with ctx.db.connect() as conn:
        branch = resolve_branch(conn, principal, request.branch, Action.PUBLISH)
    assert branch.node is not None  # new meetings use a node's roster, never a kept one
    node_id = branch.node.id
    now = ctx.clock()
    opens_at = request.opens_at or request.start - SIGNIN_OPENS_BEFORE
    closes_at = request.closes_at or request.start + SIGNIN_CLOSES_AFTER
    _check_times(request, opens_at, closes_at, now)
    meeting_id = new_item_id("meeting")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    url = signin_page_url(base_url, meeting_id)
    item = {
        "kind": "meeting",
        "to": request.to,
        "title": request.title.strip(),
        "meeting_type": request.meeting_type,
        "branch": branch.name,
        "place": request.place.strip(),
        "start": request.start.isoformat(),
        "end": request.end.isoformat(),
        "priority": request.priority,
        # From publishing on: the touch screen announces the next meeting (下一场) before its
        # sign-in opens, and a screen that goes offline still knows when to open it.
        "valid_from": (request.valid_from or min(now, opens_at, request.start)).isoformat(),
        "valid_until": (request.valid_until or max(closes_at, request.end)).isoformat(),
        "signin": {
            "url": url,
            "secret": secret,
            "period_seconds": request.period_seconds,
            "opens_at": opens_at.isoformat(),
            "closes_at": closes_at.isoformat(),
        },
    }

    def store(conn: sqlite3.Connection, draft: ItemDraft) -> None:
        _insert(conn, draft, request, (branch.name, node_id), (opens_at, closes_at), secret, now)

    result = publish(ctx, item, item_id=meeting_id, also=store, principal=principal)
    with ctx.db.connect() as conn:
        expected = count_members(conn, RosterRef(node_id))
    return {
        "id": meeting_id,
        "branch": branch.name,
        "node_id": node_id,
        "revision": result["revision"],
        "signin_url": url,
        "opens_at": opens_at.isoformat(),
        "closes_at": closes_at.isoformat(),
        "expected": expected,
    }


def get_meeting(conn: sqlite3.Connection, meeting_id: str) -> MeetingRow | None:
    """The meeting, or None; ``withdrawn`` if its item was withdrawn."""
    row = conn.execute(
        "SELECT m.*, i.withdrawn_at FROM meetings m LEFT JOIN items i ON i.id = m.id "
        "WHERE m.id = ?",
        (meeting_id,),
    ).fetchone()
    return _row(row) if row else None


def list_meetings(conn: sqlite3.Connection, limit: int = 500) -> list[MeetingRow]:
    """Meetings, the latest start first."""
    rows = conn.execute(
        "SELECT m.*, i.withdrawn_at FROM meetings m LEFT JOIN items i ON i.id = m.id "
        "ORDER BY m.start_at DESC, m.rowid DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [_row(row) for row in rows]


def _parse(payload: dict[str, Any]) -> MeetingRequest:
    try:
        request = MeetingRequest.model_validate(localize_datetimes(payload))
    except ValidationError as exc:
        raise ApiError(422, "invalid_meeting", describe_errors(exc.errors())) from None
    if request.meeting_type not in MEETING_TYPES:
        raise ApiError(
            422,
            "bad_meeting_type",
            f"会议类型不正确：{request.meeting_type[:20]!r}（可选 {'、'.join(MEETING_TYPES)}）",
        )
    if not request.title.strip():
        raise ApiError(422, "invalid_meeting", "会议标题 title 不能为空")
    return request


def _check_times(
    request: MeetingRequest, opens_at: datetime, closes_at: datetime, now: datetime
) -> None:
    if request.end <= request.start:
        raise ApiError(422, "invalid_meeting", "会议结束时间 end 必须晚于开始时间 start")
    if closes_at <= opens_at:
        raise ApiError(422, "invalid_meeting", "签到结束时间 closes_at 必须晚于开始时间 opens_at")
    if closes_at <= now:
        raise ApiError(422, "already_ended", "签到结束时间已经过去，无法签到")


def _insert(
    conn: sqlite3.Connection,
    draft: ItemDraft,
    request: MeetingRequest,
    branch: tuple[str, int],
    signin: tuple[datetime, datetime],
    secret: str,
    now: datetime,
) -> None:
    (name, node_id), (opens_at, closes_at) = branch, signin
    conn.execute(
        "INSERT INTO meetings (id, meeting_type, title, branch, node_id, place, start_at, "
        "end_at, opens_at, closes_at, period_seconds, secret, target, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            draft.item.id,
            request.meeting_type,
            draft.item.title,
            name,
            node_id,
            request.place.strip(),
            to_db(request.start),
            to_db(request.end),
            to_db(opens_at),
            to_db(closes_at),
            request.period_seconds,
            secret,
            draft.target,
            to_db(now),
        ),
    )


def _row(row: sqlite3.Row) -> MeetingRow:
    return MeetingRow(
        id=str(row["id"]),
        meeting_type=str(row["meeting_type"]),
        title=str(row["title"]),
        branch=str(row["branch"]),
        node_id=int(row["node_id"]) if row["node_id"] is not None else None,
        place=str(row["place"]),
        start=from_db(row["start_at"]),
        end=from_db(row["end_at"]),
        opens_at=from_db(row["opens_at"]),
        closes_at=from_db(row["closes_at"]),
        period_seconds=int(row["period_seconds"]),
        secret=str(row["secret"]),
        target=str(row["target"]),
        live_seq=int(row["live_seq"]),
        withdrawn=row["withdrawn_at"] is not None,
    )
