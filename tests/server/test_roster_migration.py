"""The migration to schema version 7 (rosters keyed by organisation node) on a version 6
database.

The version 6 database is made by this code and taken back to version 6 the only way version 7
differs: ``members`` keyed by a branch name (the table as version 1 made it) and meetings
without ``node_id``. Names: 第一党支部 is one node's (matched); 第二党支部 is two nodes' and 老支部
no node's (both kept under the name, for the superuser, one log line each).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from account_helpers import add_account, bearer, login
from fastapi.testclient import TestClient
from org_helpers import ROOT, add
from server_helpers import AUTH, FakeClock
from signin_helpers import code, live, new_meeting, put_roster, roster_csv, sign_in

from content_server.db import SCHEMA_VERSION
from content_server.signin.schema import SIGNIN_SCHEMA

FIRST = [("张建国", "DY001", "13800138001"), ("李红", "DY002", "13900139002")]
SECOND = [("赵六", "ER001", "13700137006")]
OLD = [("钱七", "LD001", "13600136007"), ("孙八", "LD002", "")]


def to_version_6(data_dir: Path, renamed: dict[int, str]) -> None:
    """Members keyed by branch name (the node's name, or ``renamed[node_id]``), meetings by
    their ``branch`` only; nodes in ``renamed`` are removed (their rosters are a name's)."""
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        rows = conn.execute(
            "SELECT m.node_id, n.name, m.member_no, m.name, m.phone4, m.position, m.updated_at "
            "FROM members m JOIN org_nodes n ON n.id = m.node_id"
        ).fetchall()
        conn.execute("DROP TABLE members")
        for statement in SIGNIN_SCHEMA[:2]:  # members and its index, as version 1 made them
            conn.execute(statement)
        conn.executemany(
            "INSERT INTO members (branch, member_no, name, phone4, position, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(renamed.get(row[0], row[1]), *row[2:]) for row in rows],
        )
        for node_id, name in renamed.items():
            conn.execute("UPDATE meetings SET branch = ? WHERE node_id = ?", (name, node_id))
            conn.execute("DELETE FROM org_nodes WHERE id = ?", (node_id,))
        conn.execute("ALTER TABLE meetings DROP COLUMN node_id")
        conn.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
        conn.commit()
    finally:
        conn.close()


def schema_version(data_dir: Path) -> int:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        return int(
            conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        )
    finally:
        conn.close()


def roster(client: TestClient, branch: str, headers: dict[str, str] = AUTH) -> Any:
    return client.get(f"/api/branches/{branch}/roster", headers=headers)


@pytest.fixture
def upgraded(
    make_client: Any, data_dir: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> dict[str, Any]:
    """A version 6 database with three rosters and a meeting for each, opened by this code."""
    first = make_client()
    committee = add(first, ROOT, "党委", "机关党委")
    logistics = add(first, ROOT, "党委", "后勤党委")
    a = add(first, committee, "党支部", "第一党支部")
    b = add(first, committee, "党支部", "第二党支部")
    b_twin = add(first, logistics, "党支部", "第二党支部的前身")
    old = add(first, ROOT, "党支部", "临时支部")
    for node, members in ((a, FIRST), (b, SECOND), (old, OLD)):
        assert put_roster(first, roster_csv(members), branch=f"node:{node}").status_code == 200
    meetings = {
        key: new_meeting(first, clock, branch=f"node:{node}", to="all")["id"]
        for key, node in (("a", a), ("b", b), ("old", old))
    }
    first.close()
    to_version_6(data_dir, {old: "老支部"})
    conn = sqlite3.connect(data_dir / "content.db")
    conn.execute("UPDATE org_nodes SET name = '第二党支部' WHERE id = ?", (b_twin,))
    conn.commit()
    conn.close()

    with caplog.at_level(logging.WARNING, logger="content_server"):
        client = make_client()
        assert client.get("/healthz").status_code == 200
    return {
        "client": client,
        "ids": {"committee": committee, "a": a, "b": b, "b_twin": b_twin},
        "meetings": meetings,
        "warnings": [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING],
    }


def test_the_upgrade_keys_a_matched_roster_by_its_node(upgraded: dict[str, Any], data_dir) -> None:  # noqa: ANN001
    client, ids = upgraded["client"], upgraded["ids"]
    assert schema_version(data_dir) == SCHEMA_VERSION
    shown = roster(client, f"node:{ids['a']}").json()
    assert (shown["branch"], shown["node_id"]) == ("第一党支部", ids["a"])
    assert [m["name"] for m in shown["members"]] == ["张建国", "李红"]
    meeting = client.get(f"/api/meetings/{upgraded['meetings']['a']}", headers=AUTH).json()
    assert meeting["node_id"] == ids["a"] and meeting["live"]["expected"] == 2
    # Its branch's viewer now reads it (scope by node), the sibling's does not.
    add_account(client, "陈干事", ids["a"], "viewer")
    assert roster(client, "第一党支部", bearer(login(client, "陈干事"))).status_code == 200
    add_account(client, "周干事", ids["b"], "viewer")
    assert roster(client, "第一党支部", bearer(login(client, "周干事"))).status_code == 404


def test_unmatched_names_are_kept_for_the_superuser_with_one_log_line_each(
    upgraded: dict[str, Any],
) -> None:
    client, ids = upgraded["client"], upgraded["ids"]
    warnings = upgraded["warnings"]
    assert len(warnings) == 2
    [old] = [w for w in warnings if "'老支部'" in w]
    assert "(members: 2)" in old and "no organisation node has that name" in old
    [twin] = [w for w in warnings if "'第二党支部'" in w]
    assert "(members: 1)" in twin and "2 nodes have that name" in twin

    kept = roster(client, "老支部")
    assert kept.status_code == 200
    assert (kept.json()["node_id"], [m["name"] for m in kept.json()["members"]]) == (
        None, ["钱七", "孙八"]
    )  # fmt: skip
    # Not the branch's roster: the node keeps none until it is imported again.
    assert roster(client, f"node:{ids['b']}").json()["members"] == []
    # Only the superuser reads a kept roster; the committee's administrator does not.
    add_account(client, "刘委员", ROOT, "administrator")
    refused = roster(client, "老支部", bearer(login(client, "刘委员")))
    assert refused.status_code == 404 and refused.json()["code"] == "branch_not_found"


def test_a_meeting_of_a_kept_roster_still_signs_in(
    upgraded: dict[str, Any], clock: FakeClock
) -> None:
    client, meeting = upgraded["client"], upgraded["meetings"]["old"]
    shown = client.get(f"/api/meetings/{meeting}", headers=AUTH).json()
    assert (shown["branch"], shown["node_id"], shown["live"]["expected"]) == ("老支部", None, 2)
    w, t = code(client, meeting, clock.now)
    assert "签到成功" in sign_in(client, meeting, w, t, "孙八", "LD002").text
    assert live(client, meeting)["present"] == 1
    csv = client.get(f"/api/meetings/{meeting}/attendance.csv", headers=AUTH)
    assert "钱七" in csv.content.decode("utf-8-sig") and "孙八" in csv.content.decode("utf-8-sig")


def test_a_new_roster_for_the_node_is_keyed_by_it(upgraded: dict[str, Any]) -> None:
    client, ids = upgraded["client"], upgraded["ids"]
    answer = put_roster(client, roster_csv(SECOND), branch=f"node:{ids['b']}")
    assert answer.status_code == 200 and answer.json()["node_id"] == ids["b"]
    assert [m["name"] for m in roster(client, f"node:{ids['b']}").json()["members"]] == ["赵六"]
    assert len(roster(client, "老支部").json()["members"]) == 2  # the kept roster stays
