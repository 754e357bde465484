"""Attendance: signing in, leave requests, the live count and the record of a meeting.

One row per member per meeting (table ``attendance``): ``present`` with the server's time of the
first sign-in, or ``leave`` with the reason. Signing in again changes nothing (the first time
stays); a member on leave who comes after all is signed in (present wins); a leave request from
a member who has signed in is refused. Every change bumps the meeting's ``live_seq``, the
``revision`` of its live count. Absent is not stored: it is every roster member with no row.
"""

from __future__ import annotations

import csv
import enum
import io
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from content_server import db
from content_server.signin.meetings import MeetingRow
from content_server.signin.roster import Member, branch_members, count_members
from content_server.timefmt import CHINA_TZ, from_db, to_db

LATEST_NAMES = 5
MAX_REASON_CHARS = 200
PRESENT, LEAVE = "present", "leave"
STATUS_LABELS = {PRESENT: "出席", LEAVE: "请假", None: "缺席"}
CSV_COLUMNS = ("姓名", "党员编号", "状态", "签到时间", "请假事由")


class Outcome(enum.Enum):
    """What a sign-in or a leave request did."""

    SIGNED_IN = "signed_in"  # first sign-in (possibly after a leave request)
    ALREADY_SIGNED_IN = "already_signed_in"  # nothing changed; ``at`` is the first time
    LEAVE_FILED = "leave_filed"
    LEAVE_UPDATED = "leave_updated"  # a second request: the reason is replaced
    LEAVE_REFUSED = "leave_refused"  # already signed in


@dataclass(frozen=True)
class Result:
    """The outcome, when the member's row was made (server time), and the live revision if
    something changed (None otherwise)."""

    outcome: Outcome
    at: datetime
    revision: int | None


@dataclass(frozen=True)
class RecordRow:
    """One line of the attendance record; ``status`` is ``present``, ``leave`` or None."""

    name: str
    member_no: str
    status: str | None
    at: datetime | None
    reason: str

    @property
    def status_label(self) -> str:
        """出席, 请假 or 缺席."""
        return STATUS_LABELS[self.status]


def sign_in(conn: sqlite3.Connection, meeting: MeetingRow, member: Member, now: datetime) -> Result:
    """Record ``member`` as present at ``now`` unless already present."""
    with db.write_transaction(conn):
        row = _row(conn, meeting.id, member.member_no)
        if row is not None and row["status"] == PRESENT:
            return Result(Outcome.ALREADY_SIGNED_IN, from_db(row["at"]), None)
        seq = _bump(conn, meeting.id)
        _upsert(conn, meeting.id, member, PRESENT, now, "", seq)
    return Result(Outcome.SIGNED_IN, now, seq)


def file_leave(
    conn: sqlite3.Connection, meeting: MeetingRow, member: Member, reason: str, now: datetime
) -> Result:
    """Record a leave request (a second one replaces the reason); refused after sign-in."""
    with db.write_transaction(conn):
        row = _row(conn, meeting.id, member.member_no)
        if row is not None and row["status"] == PRESENT:
            return Result(Outcome.LEAVE_REFUSED, from_db(row["at"]), None)
        seq = _bump(conn, meeting.id)
        if row is None:
            _upsert(conn, meeting.id, member, LEAVE, now, reason, seq)
            return Result(Outcome.LEAVE_FILED, now, seq)
        conn.execute(
            "UPDATE attendance SET reason = ?, seq = ? WHERE meeting_id = ? AND member_no = ?",
            (reason, seq, meeting.id, member.member_no),
        )
        return Result(Outcome.LEAVE_UPDATED, from_db(row["at"]), seq)


def live_count(conn: sqlite3.Connection, meeting: MeetingRow) -> dict[str, Any]:
    """The live count as the screen gets it: no secret, no phone digits, no member numbers."""
    with db.read_transaction(conn):
        seq = conn.execute("SELECT live_seq FROM meetings WHERE id = ?", (meeting.id,)).fetchone()
        counts = dict(
            conn.execute(
                "SELECT status, COUNT(*) FROM attendance WHERE meeting_id = ? GROUP BY status",
                (meeting.id,),
            ).fetchall()
        )
        latest = conn.execute(
            "SELECT name FROM attendance WHERE meeting_id = ? AND status = ? "
            "ORDER BY at DESC, seq DESC LIMIT ?",
            (meeting.id, PRESENT, LATEST_NAMES),
        ).fetchall()
        expected = count_members(conn, meeting.roster)
    return {
        "meeting_id": meeting.id,
        "present": int(counts.get(PRESENT, 0)),
        "expected": expected,
        "on_leave": int(counts.get(LEAVE, 0)),
        "latest": [str(row[0]) for row in latest],
        "revision": int(seq[0]) if seq else 0,
    }


def attendance_record(conn: sqlite3.Connection, meeting: MeetingRow) -> list[RecordRow]:
    """Every roster member in roster order, then anyone who signed in or asked for leave but
    is no longer on the roster."""
    with db.read_transaction(conn):
        members = branch_members(conn, meeting.roster)
        rows = {
            str(r["member_no"]): r
            for r in conn.execute(
                "SELECT * FROM attendance WHERE meeting_id = ? ORDER BY seq", (meeting.id,)
            )
        }
    record = [_record_row(m.name, m.member_no, rows.pop(m.member_no, None)) for m in members]
    record += [_record_row(str(r["name"]), no, r) for no, r in rows.items()]
    return record


def record_csv(record: list[RecordRow]) -> bytes:
    """The record as CSV in UTF-8 with a BOM (so Excel on Windows reads the Chinese)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in record:
        writer.writerow(
            [
                _cell(row.name),
                _cell(row.member_no),
                row.status_label,
                local_time(row.at) if row.at and row.status == PRESENT else "",
                _cell(row.reason),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def local_time(moment: datetime, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """``moment`` in China time."""
    return moment.astimezone(CHINA_TZ).strftime(fmt)


def _cell(text: str) -> str:
    # A cell starting with = + - @ would be a formula to a spreadsheet (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _record_row(name: str, member_no: str, row: sqlite3.Row | None) -> RecordRow:
    if row is None:
        return RecordRow(name, member_no, None, None, "")
    return RecordRow(name, member_no, str(row["status"]), from_db(row["at"]), str(row["reason"]))


def _row(conn: sqlite3.Connection, meeting_id: str, member_no: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT status, at, reason FROM attendance WHERE meeting_id = ? AND member_no = ?",
        (meeting_id, member_no),
    ).fetchone()
    return row


def _bump(conn: sqlite3.Connection, meeting_id: str) -> int:
    row = conn.execute(
        "UPDATE meetings SET live_seq = live_seq + 1 WHERE id = ? RETURNING live_seq",
        (meeting_id,),
    ).fetchone()
    return int(row[0])


def _upsert(
    conn: sqlite3.Connection,
    meeting_id: str,
    member: Member,
    status: str,
    now: datetime,
    reason: str,
    seq: int,
) -> None:
    conn.execute(
        "INSERT INTO attendance (meeting_id, member_no, name, status, at, reason, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (meeting_id, member_no) DO UPDATE SET "
        "name = excluded.name, status = excluded.status, at = excluded.at, "
        "reason = excluded.reason, seq = excluded.seq",
        (meeting_id, member.member_no, member.name, status, to_db(now), reason, seq),
    )
