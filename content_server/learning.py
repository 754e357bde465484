"""Learning records (学习记录) on the server: stored once per UUID, totals per course and branch.

A screen posts batches of ``{"records": [...]}`` (``content_cache.learning``). Each record is
validated on its own: the good ones are stored, the bad ones are listed in the answer with a
Chinese reason, and a record whose UUID is known already is counted as a duplicate (a batch
sent twice after a crash is stored once). The answer is 200 whenever the batch itself is
well-formed, so the screen marks the whole batch sent.

Branch: a record is counted for the screen's *branch when it arrived*, which is the screen's
``org_name`` setting (its own, else the one set for all screens); a screen without one counts
as :data:`NO_BRANCH`. Moving a screen to another branch later does not move its old records.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from content_cache.wire import ITEM_ID_PATTERN
from content_server import db
from content_server.errors import ApiError, describe_errors
from content_server.org.tree import placement
from content_server.screen_settings import effective_chain, screen_chain
from content_server.timefmt import to_db

MAX_BATCH = 500
MAX_SECONDS = 24 * 3600.0  # one playback of more than a day is not a playback
FUTURE_SLACK = timedelta(days=1)  # a screen's clock may be off, but not by days
NO_BRANCH = ""
NO_BRANCH_LABEL = "（未设置支部）"
TOTALS_BY = ("course", "branch")


class LearningRecordIn(BaseModel):
    """One record as a screen sends it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    course_id: Annotated[str, Field(pattern=ITEM_ID_PATTERN)]
    title: Annotated[str, Field(max_length=500)] = ""
    category: Annotated[str, Field(max_length=100)] = ""
    started_at: AwareDatetime
    seconds_watched: Annotated[float, Field(ge=0, le=MAX_SECONDS)]
    completed: bool = False


class LearningBatch(BaseModel):
    """The body of ``POST /api/screens/{id}/learning-records``; records are checked one by one."""

    records: Annotated[list[Any], Field(max_length=MAX_BATCH)]


def store_batch(
    conn: sqlite3.Connection, screen_id: str, body: Any, now: datetime
) -> dict[str, Any]:
    """Validate and store a batch; returns ``{"accepted", "duplicates", "rejected"}``.

    ``rejected`` lists ``{"index", "id", "error"}`` for each record refused.

    Raises:
        ApiError: 422 when the body is not ``{"records": [...]}`` of at most 500 records.
    """
    try:
        batch = LearningBatch.model_validate(body)
    except ValidationError as exc:
        raise ApiError(422, "invalid_batch", describe_errors(exc.errors())) from None
    good: list[LearningRecordIn] = []
    rejected: list[dict[str, Any]] = []
    for index, raw in enumerate(batch.records):
        try:
            record = LearningRecordIn.model_validate(raw)
        except ValidationError as exc:
            rejected.append(_rejection(index, raw, describe_errors(exc.errors())))
            continue
        if record.started_at > now + FUTURE_SLACK:
            rejected.append(_rejection(index, raw, "开始时间 started_at 在未来"))
            continue
        good.append(record)
    with db.write_transaction(conn):
        branch = screen_branch(conn, screen_id)
        accepted = sum(_insert(conn, screen_id, branch, record, now) for record in good)
    return {"accepted": accepted, "duplicates": len(good) - accepted, "rejected": rejected}


def screen_branch(conn: sqlite3.Connection, screen_id: str) -> str:
    """The screen's branch: its effective ``org_name`` setting ('' when none)."""
    levels = [level.fields for level in screen_chain(conn, placement(conn, screen_id))]
    return effective_chain(levels, f"screen {screen_id}").org_name.strip()


def totals(
    conn: sqlite3.Connection, by: str, scope: tuple[str, list[str]] = ("1 = 1", [])
) -> list[dict[str, Any]]:
    """Watch time, plays and completions per course or per branch, most watched first.

    Rows by course: ``course_id, title, category, plays, completions, watch_seconds, branches``.
    Rows by branch: ``branch, plays, completions, watch_seconds, courses, screens``.

    ``scope`` is an SQL condition on ``node_path`` (the path of the node the record's screen
    belongs to now; the root's for a screen never assigned) and its parameters, from
    ``content_server.scope.path_filter``: only those records count.

    Raises:
        ApiError: 422 when ``by`` is neither ``course`` nor ``branch``.
    """
    condition, params = scope
    records = (
        "(SELECT r.*, COALESCE(n.path, '/1/') AS node_path FROM learning_records r "
        "LEFT JOIN screens s ON s.id = r.screen_id LEFT JOIN org_nodes n ON n.id = s.node_id) "
        f"AS records WHERE {condition}"
    )
    if by == "course":
        rows = conn.execute(
            "SELECT course_id, MAX(title) AS title, MAX(category) AS category, "
            "COUNT(*) AS plays, SUM(completed) AS completions, "
            "SUM(seconds_watched) AS watch_seconds, COUNT(DISTINCT branch) AS branches "
            f"FROM {records} GROUP BY course_id "
            "ORDER BY watch_seconds DESC, course_id",
            params,
        ).fetchall()
    elif by == "branch":
        rows = conn.execute(
            "SELECT branch, COUNT(*) AS plays, SUM(completed) AS completions, "
            "SUM(seconds_watched) AS watch_seconds, COUNT(DISTINCT course_id) AS courses, "
            "COUNT(DISTINCT screen_id) AS screens "
            f"FROM {records} GROUP BY branch ORDER BY watch_seconds DESC, branch",
            params,
        ).fetchall()
    else:
        raise ApiError(422, "bad_by", "参数 by 只能是 course（按课程）或 branch（按支部）")
    return [_total(row) for row in rows]


def _total(row: sqlite3.Row) -> dict[str, Any]:
    data = db.row_dict(row)
    data["watch_seconds"] = round(float(data["watch_seconds"] or 0), 3)
    data["completions"] = int(data["completions"] or 0)
    return data


def _insert(
    conn: sqlite3.Connection,
    screen_id: str,
    branch: str,
    record: LearningRecordIn,
    now: datetime,
) -> int:
    cursor = conn.execute(
        "INSERT INTO learning_records (id, screen_id, branch, course_id, title, category, "
        "started_at, seconds_watched, completed, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        (
            str(record.id),
            screen_id,
            branch,
            record.course_id,
            record.title,
            record.category,
            to_db(record.started_at),
            record.seconds_watched,
            int(record.completed),
            to_db(now),
        ),
    )
    return cursor.rowcount


def _rejection(index: int, raw: Any, error: str) -> dict[str, Any]:
    record_id = raw.get("id") if isinstance(raw, dict) else None
    return {"index": index, "id": str(record_id)[:64] if record_id else None, "error": error}
