"""One member of a roster added, changed or removed (the console's roster page), with the rules
of a roster file (``content_server.signin.roster``): a name, a member number of letters and
digits, and a phone of which only the last four digits are kept.

Each change reads the roster and writes it back whole with ``replace_roster`` (the function an
import uses) in one write transaction, so the order and the stored form stay as an import
leaves them.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime

from content_server import db
from content_server.errors import ApiError
from content_server.signin.roster import (
    MAX_MEMBER_NO_CHARS,
    MAX_MEMBERS,
    MAX_NAME_CHARS,
    Member,
    RosterRef,
    branch_members,
    phone_last4,
    replace_roster,
)

_MEMBER_NO_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.-]*")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def checked_name(name: str) -> str:
    """Raises ApiError 422 for an empty, too long or garbled name."""
    name = name.strip()
    if not name:
        raise ApiError(422, "missing_name", "请填写姓名")
    if len(name) > MAX_NAME_CHARS or _CONTROL_RE.search(name):
        raise ApiError(422, "bad_name", f"姓名不正确（最多 {MAX_NAME_CHARS} 字）")
    return name


def checked_member_no(member_no: str) -> str:
    """Raises ApiError 422 for a member number a roster file would refuse."""
    member_no = member_no.strip()
    if not member_no:
        raise ApiError(422, "missing_member_no", "请填写党员编号")
    if len(member_no) > MAX_MEMBER_NO_CHARS or not _MEMBER_NO_RE.fullmatch(member_no):
        raise ApiError(
            422,
            "bad_member_no",
            f"党员编号只能有字母、数字、- _ .（最长 {MAX_MEMBER_NO_CHARS} 位）",
        )
    return member_no


def checked_phone(phone: str) -> str:
    """The last four digits of ``phone`` ('' for none). Raises ApiError 422 if not a number."""
    if not phone.strip():
        return ""
    found = phone_last4(phone)
    if found is None:
        raise ApiError(422, "bad_phone", "手机号不正确（应为数字，例如 13800138000）")
    return found


def add_member(db_conn: sqlite3.Connection, node_id: int, member: Member, now: datetime) -> None:
    """Put ``member`` at the end of the roster.

    Raises:
        ApiError: 409 ``member_exists`` for a member number already on it; 422 when full.
    """
    with db.write_transaction(db_conn):
        members = branch_members(db_conn, RosterRef(node_id))
        if any(each.member_no == member.member_no for each in members):
            raise ApiError(409, "member_exists", f"党员编号 {member.member_no} 已在名单中")
        if len(members) >= MAX_MEMBERS:
            raise ApiError(422, "roster_full", f"名单最多 {MAX_MEMBERS} 人")
        replace_roster(db_conn, node_id, [*members, member], now)


def update_member(
    db_conn: sqlite3.Connection, node_id: int, member_no: str, name: str, phone4: str | None,
    now: datetime,
) -> None:  # fmt: skip
    """Change a member's name and (unless ``phone4`` is None) phone digits, in place.

    Raises:
        ApiError: 404 ``member_not_found``.
    """
    with db.write_transaction(db_conn):
        members = branch_members(db_conn, RosterRef(node_id))
        changed = [
            Member(name, each.member_no, each.phone4 if phone4 is None else phone4)
            if each.member_no == member_no
            else each
            for each in members
        ]
        if changed == members and not any(each.member_no == member_no for each in members):
            raise _not_found(member_no)
        replace_roster(db_conn, node_id, changed, now)


def remove_member(db_conn: sqlite3.Connection, node_id: int, member_no: str, now: datetime) -> str:
    """Take a member off the roster; returns their name.

    Raises:
        ApiError: 404 ``member_not_found``.
    """
    with db.write_transaction(db_conn):
        members = branch_members(db_conn, RosterRef(node_id))
        gone = [each for each in members if each.member_no == member_no]
        if not gone:
            raise _not_found(member_no)
        replace_roster(db_conn, node_id, [m for m in members if m.member_no != member_no], now)
    return gone[0].name


def _not_found(member_no: str) -> ApiError:
    return ApiError(404, "member_not_found", f"名单中没有党员编号 {member_no[:40]}")
