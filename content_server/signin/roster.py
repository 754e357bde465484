"""A branch's roster (党员名单): reading it from a CSV file and storing it.

The first non-blank row is the header: ``name, member_no, phone`` or the Chinese
``姓名, 党员编号, 手机号``, in any order; other columns (``序号``...) are ignored. Name and member
number are required; the phone is optional (a member without one signs in with the member
number). Only the phone's last four digits are kept: they are the second factor a member types
on the phone page, and nothing more of the number is needed. The file may be UTF-8, with or
without a BOM, or GBK/GB18030, as a spreadsheet saves it.

Every row is checked first: a bad file raises one :class:`RosterCsvError` whose one-line message
names the first few problems with their row numbers as a spreadsheet numbers them (the header is
row 1), and nothing is stored. Importing a roster again replaces the branch's roster: members
are matched by member number (updated), new ones added, those no longer listed removed.

A roster belongs to an organisation node (``members.node_id``, schema version 7), so renaming or
moving the node takes its roster along. A roster stored before version 7 whose branch name
matched no node (or several) was kept under that name (``members.legacy_branch``, ``node_id``
NULL): only the superuser reads it, and meetings that used it still sign in against it
(:class:`RosterRef`).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from content_server import sheet_csv
from content_server.timefmt import to_db

MAX_MEMBERS = 5000
MAX_NAME_CHARS = 50
MAX_MEMBER_NO_CHARS = 40
MAX_BRANCH_CHARS = 200  # as the wire format's Meeting.branch
SHOWN_PROBLEMS = 5

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "姓名", "名字"),
    "member_no": ("member_no", "member no", "number", "党员编号", "编号", "党员号"),
    "phone": ("phone", "mobile", "手机号", "手机号码", "手机", "电话", "联系电话"),
}
LABELS = {"name": "姓名", "member_no": "党员编号", "phone": "手机号"}
HEADER_HELP = "姓名/name、党员编号/member_no、手机号/phone"
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_MEMBER_NO_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.-]*$")
_PHONE_JUNK_RE = re.compile(r"[\s\-()（）]")


class RosterCsvError(ValueError):
    """The roster cannot be imported; the message is one line (code ``bad_csv``)."""

    code = "bad_csv"


@dataclass(frozen=True)
class Member:
    """One member of a branch; ``row`` is the spreadsheet row it was read from (0 if stored)."""

    name: str
    member_no: str
    phone4: str
    row: int = 0


@dataclass(frozen=True)
class Roster:
    """The members read from a file and the encoding it was read in."""

    members: list[Member]
    encoding: str
    ignored_columns: list[str]


@dataclass(frozen=True)
class RosterRef:
    """Whose roster: an organisation node's, or (``node_id`` None) one kept from before schema
    version 7 under a branch name that matched no node."""

    node_id: int | None
    legacy_branch: str = ""

    @property
    def key(self) -> str:
        """``node:<id>`` or ``branch:<name>``: one string per roster (log lines, rate limits)."""
        if self.node_id is not None:
            return f"node:{self.node_id}"
        return f"branch:{self.legacy_branch}"

    def condition(self) -> tuple[str, tuple[object, ...]]:
        """The SQL condition on ``members`` for this roster, and its parameters."""
        if self.node_id is not None:
            return "node_id = ?", (self.node_id,)
        return "node_id IS NULL AND legacy_branch = ?", (self.legacy_branch,)


@dataclass(frozen=True)
class ImportResult:
    """What importing a roster changed."""

    node_id: int
    members: int
    added: int
    updated: int
    removed: int


def check_branch(branch: str) -> str | None:
    """Why ``branch`` cannot be a branch name, or None (names are used in URL paths)."""
    if not branch.strip():
        return "支部名称不能为空"
    if branch != branch.strip():
        return "支部名称前后不能有空格"
    if len(branch) > MAX_BRANCH_CHARS:
        return f"支部名称太长（最多 {MAX_BRANCH_CHARS} 个字符）"
    if "/" in branch or "\\" in branch or _CONTROL_RE.search(branch):
        return "支部名称不能含有 / \\ 或控制字符"
    return None


def parse_roster(data: bytes, filename: str = "名单.csv") -> Roster:
    """Read and check a roster CSV file's bytes.

    Raises:
        RosterCsvError: unknown encoding, no header, missing columns, too many rows, or any bad
            row (all counted, the first few named in the message).
    """
    text, encoding = sheet_csv.decode(data, RosterCsvError)
    records = sheet_csv.records(text, RosterCsvError)
    header_at, header = sheet_csv.header(records, HEADER_HELP, RosterCsvError)
    columns, ignored = sheet_csv.map_columns(
        header, COLUMNS, LABELS, ("name", "member_no"), HEADER_HELP, RosterCsvError
    )
    problems: list[str] = []
    members: list[Member] = []
    first_row: dict[str, int] = {}
    for number, cells in records[header_at:]:
        if not any(cell.strip() for cell in cells):
            continue
        member, row_problems = _read_row(number, cells, columns)
        if member.member_no and member.member_no in first_row:
            row_problems.append(
                f"党员编号 {member.member_no} 与第 {first_row[member.member_no]} 行重复"
            )
        elif member.member_no:
            first_row[member.member_no] = number
        problems.extend(f"第 {number} 行：{problem}" for problem in row_problems)
        members.append(member)
    if not members:
        raise RosterCsvError(f"{filename} 里没有任何党员（第一行是表头，下面每行一人）")
    if len(members) > MAX_MEMBERS:
        raise RosterCsvError(f"人数太多：{len(members)} 人，一个支部的名单最多 {MAX_MEMBERS} 人")
    if problems:
        listed = sheet_csv.summary(problems, SHOWN_PROBLEMS)
        raise RosterCsvError(f"{filename} 有 {len(problems)} 处问题，名单没有导入：{listed}")
    return Roster(members, encoding, ignored)


def phone_last4(text: str) -> str | None:
    """The last four digits of a phone number as typed in a spreadsheet, or None if it is not
    a phone number. ``138 0013 8000``, ``+86-13800138000`` and ``13800138000.0`` are fine."""
    value = _PHONE_JUNK_RE.sub("", text)
    value = value.removesuffix(".0")
    if value.startswith("+"):
        value = value[1:]
    if not value.isascii() or not value.isdigit() or not 4 <= len(value) <= 15:
        return None
    return value[-4:]


def _read_row(number: int, cells: list[str], columns: dict[str, int]) -> tuple[Member, list[str]]:
    fields = ("name", "member_no", "phone")
    name, member_no, phone = (sheet_csv.cell(cells, columns, f) for f in fields)
    problems: list[str] = []
    if not name:
        problems.append("缺少姓名")
    elif len(name) > MAX_NAME_CHARS:
        problems.append(f"姓名太长（{len(name)} 字，最多 {MAX_NAME_CHARS} 字）")
    elif _CONTROL_RE.search(name):
        problems.append("姓名含有看不见的控制字符")
    if not member_no:
        problems.append("缺少党员编号")
    elif len(member_no) > MAX_MEMBER_NO_CHARS or not _MEMBER_NO_RE.fullmatch(member_no):
        problems.append(
            f"党员编号 {member_no[:MAX_MEMBER_NO_CHARS]} 不正确（只能有字母、数字、- _ .，"
            f"最长 {MAX_MEMBER_NO_CHARS} 位）"
        )
    phone4 = ""
    if phone:
        found = phone_last4(phone)
        if "e+" in phone.casefold():
            problems.append("手机号被表格软件改成了科学计数法，请把该列设为“文本”后重新保存")
        elif found is None:
            problems.append("手机号不正确（应为数字，例如 13800138000）")
        else:
            phone4 = found
    return Member(name, member_no, phone4, number), problems


# --- storage -------------------------------------------------------------------------------


def replace_roster(
    conn: sqlite3.Connection, node_id: int, members: list[Member], now: datetime
) -> ImportResult:
    """Make ``members`` the roster of node ``node_id`` (call inside a write transaction)."""
    before = {
        str(row[0]): (str(row[1]), str(row[2]))
        for row in conn.execute(
            "SELECT member_no, name, phone4 FROM members WHERE node_id = ?", (node_id,)
        )
    }
    listed = {m.member_no for m in members}
    removed = [no for no in before if no not in listed]
    conn.executemany(
        "DELETE FROM members WHERE node_id = ? AND member_no = ?", [(node_id, no) for no in removed]
    )
    added = updated = 0
    for position, member in enumerate(members):
        old = before.get(member.member_no)
        if old is None:
            added += 1
        elif old != (member.name, member.phone4):
            updated += 1
        conn.execute(
            "INSERT INTO members (node_id, member_no, name, phone4, position, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (node_id, member_no) DO UPDATE SET "
            "name = excluded.name, phone4 = excluded.phone4, position = excluded.position, "
            "updated_at = excluded.updated_at",
            (node_id, member.member_no, member.name, member.phone4, position, to_db(now)),
        )
    return ImportResult(node_id, len(members), added, updated, len(removed))


def branch_members(conn: sqlite3.Connection, roster: RosterRef) -> list[Member]:
    """The roster in the order of the file it was imported from."""
    where, params = roster.condition()
    rows = conn.execute(
        f"SELECT name, member_no, phone4 FROM members WHERE {where} ORDER BY position", params
    ).fetchall()
    return [Member(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def count_members(conn: sqlite3.Connection, roster: RosterRef) -> int:
    """How many members the roster has."""
    where, params = roster.condition()
    row = conn.execute(f"SELECT COUNT(*) FROM members WHERE {where}", params).fetchone()
    return int(row[0])


def legacy_roster_exists(conn: sqlite3.Connection, branch: str) -> bool:
    """True if a roster from before schema version 7 was kept under ``branch`` (no node)."""
    row = conn.execute(
        "SELECT 1 FROM members WHERE node_id IS NULL AND legacy_branch = ? LIMIT 1", (branch,)
    ).fetchone()
    return row is not None


def find_member(
    conn: sqlite3.Connection, roster: RosterRef, name: str, factor: str
) -> list[Member]:
    """Members of the roster called ``name`` whose phone's last four digits or member number
    is ``factor`` (normally one; several only if two namesakes share the factor)."""
    factor = factor.strip()
    if not factor:
        return []
    where, params = roster.condition()
    rows = conn.execute(
        f"SELECT name, member_no, phone4 FROM members WHERE {where} AND name = ? "
        "AND ((phone4 <> '' AND phone4 = ?) OR member_no = ?) ORDER BY position",
        (*params, name.strip(), factor, factor),
    ).fetchall()
    return [Member(str(r[0]), str(r[1]), str(r[2])) for r in rows]
