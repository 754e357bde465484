"""Rosters belong to organisation nodes: named by ``node:<id>`` or a node's name, scoped by the
node (publishers of it or an ancestor import, viewers read), and meetings sign in against the
node's roster. The tree: root → 机关党委 → 第一党支部 (screen-a), 第二党支部 (screen-b)."""

from __future__ import annotations

from typing import Any

import pytest
from account_helpers import add_account, bearer, login
from fastapi.testclient import TestClient
from org_helpers import ROOT, add, committee_with_two_branches
from server_helpers import AUTH, FakeClock
from signin_helpers import code, live, new_meeting, roster_csv, sign_in

CSV = {"Content-Type": "text/csv"}
FIRST = [("张建国", "DY001", "13800138001"), ("李红", "DY002", "13900139002")]
SECOND = [("赵六", "ER001", "13700137006")]


@pytest.fixture
def ids(client: TestClient) -> dict[str, int]:
    return committee_with_two_branches(client)


def put(client: TestClient, branch: str, members: list[Any], headers: dict[str, str] = AUTH):  # noqa: ANN201
    return client.put(
        f"/api/branches/{branch}/roster", headers={**headers, **CSV}, content=roster_csv(members)
    )


def names(client: TestClient, branch: str, headers: dict[str, str] = AUTH) -> list[str]:
    answer = client.get(f"/api/branches/{branch}/roster", headers=headers)
    assert answer.status_code == 200, answer.text
    return [member["name"] for member in answer.json()["members"]]


def token_of(client: TestClient, name: str, node: int, *roles: str) -> dict[str, str]:
    add_account(client, name, node, *roles)
    return bearer(login(client, name))


def test_a_roster_is_its_nodes_and_follows_a_rename(
    client: TestClient, ids: dict[str, int]
) -> None:
    imported = put(client, "第一党支部", FIRST)
    assert imported.status_code == 200, imported.text
    assert imported.json()["node_id"] == ids["a"] and imported.json()["branch"] == "第一党支部"
    assert names(client, f"node:{ids['a']}") == ["张建国", "李红"]
    assert names(client, f"node:{ids['b']}") == []  # a node without a roster: empty

    renamed = client.patch(f"/api/org/nodes/{ids['a']}", headers=AUTH, json={"name": "一支部"})
    assert renamed.status_code == 200, renamed.text
    assert names(client, "一支部") == ["张建国", "李红"]
    gone = client.get("/api/branches/第一党支部/roster", headers=AUTH)
    assert gone.status_code == 404 and gone.json()["code"] == "branch_not_found"


def test_a_name_no_node_has_is_refused_in_one_line(client: TestClient, ids: dict[str, int]) -> None:
    for answer in (
        put(client, "第九党支部", FIRST),
        client.get("/api/branches/第九党支部/roster", headers=AUTH),
        put(client, "node:999", FIRST),
    ):
        assert answer.status_code == 404 and answer.json()["code"] == "branch_not_found"
        assert "\n" not in answer.json()["detail"]
    assert "kiosk admin org list" in put(client, "第九党支部", FIRST).json()["detail"]


def test_a_name_two_nodes_share_must_be_given_by_id(
    client: TestClient, ids: dict[str, int]
) -> None:
    other = add(client, ROOT, "党委", "后勤党委")
    twin = add(client, other, "党支部", "第一党支部")
    answer = put(client, "第一党支部", FIRST)
    assert answer.status_code == 422 and answer.json()["code"] == "ambiguous_branch"
    detail = answer.json()["detail"]
    assert f"编号 {ids['a']}" in detail and f"编号 {twin}" in detail and "node:编号" in detail
    assert "机关党委/第一党支部" in detail and "后勤党委/第一党支部" in detail
    assert put(client, f"node:{twin}", SECOND).status_code == 200
    assert names(client, f"node:{twin}") == ["赵六"]
    assert names(client, f"node:{ids['a']}") == []

    # A publisher of one of them sees only its own: the name is not ambiguous for it.
    mine = token_of(client, "王书记", twin, "publisher")
    assert put(client, "第一党支部", FIRST, mine).status_code == 200
    assert names(client, "第一党支部", mine) == ["张建国", "李红"]
    assert names(client, f"node:{ids['a']}") == []


def test_who_may_import_and_read_a_roster(client: TestClient, ids: dict[str, int]) -> None:
    assert put(client, "第二党支部", SECOND).status_code == 200
    publisher = token_of(client, "王书记", ids["a"], "publisher")
    committee = token_of(client, "刘委员", ids["committee"], "publisher")
    viewer = token_of(client, "陈干事", ids["a"], "viewer")

    assert put(client, "第一党支部", FIRST, publisher).status_code == 200
    assert put(client, f"node:{ids['a']}", FIRST, committee).status_code == 200  # an ancestor
    assert names(client, "第一党支部", viewer) == ["张建国", "李红"]
    refused = put(client, "第一党支部", SECOND, viewer)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    for branch in ("第二党支部", f"node:{ids['b']}"):  # the sibling: as if it did not exist
        for answer in (
            put(client, branch, FIRST, publisher),
            client.get(f"/api/branches/{branch}/roster", headers=publisher),
        ):
            assert answer.status_code == 404 and answer.json()["code"] == "branch_not_found"
    assert names(client, "第二党支部") == ["赵六"]  # unchanged


def test_a_meeting_names_its_roster_node_and_signs_in_against_it(
    client: TestClient, clock: FakeClock, ids: dict[str, int]
) -> None:
    put(client, "第一党支部", FIRST)
    put(client, "第二党支部", SECOND)
    created = new_meeting(client, clock, branch=f"node:{ids['a']}", to="all")
    assert (created["branch"], created["node_id"], created["expected"]) == (
        "第一党支部", ids["a"], 2
    )  # fmt: skip
    shown = client.get(f"/api/meetings/{created['id']}", headers=AUTH).json()
    assert (shown["branch"], shown["node_id"]) == ("第一党支部", ids["a"])

    w, t = code(client, created["id"], clock.now)
    outsider = sign_in(client, created["id"], w, t, "赵六", "7006")  # on 第二党支部's roster
    assert "签到成功" not in outsider.text
    assert "签到成功" in sign_in(client, created["id"], w, t, "李红", "9002").text
    assert live(client, created["id"])["present"] == 1

    # Renaming the node later changes nothing for the meeting's roster.
    client.patch(f"/api/org/nodes/{ids['a']}", headers=AUTH, json={"name": "一支部"})
    assert live(client, created["id"])["expected"] == 2


def test_a_branchs_viewer_reads_its_meetings_attendance_the_sibling_does_not(
    client: TestClient, clock: FakeClock, ids: dict[str, int]
) -> None:
    put(client, "第一党支部", FIRST)
    meeting = new_meeting(client, clock, branch="第一党支部", to="all")["id"]  # by the committee
    own = token_of(client, "陈干事", ids["a"], "viewer")
    sibling = token_of(client, "周干事", ids["b"], "viewer")
    for path in ("", "/attendance.csv", "/attendance"):
        assert client.get(f"/api/meetings/{meeting}{path}", headers=own).status_code == 200
        refused = client.get(f"/api/meetings/{meeting}{path}", headers=sibling)
        assert refused.status_code == 404 and refused.json()["code"] == "meeting_not_found"
    assert [m["id"] for m in client.get("/api/meetings", headers=own).json()["meetings"]] == [
        meeting
    ]
    assert client.get("/api/meetings", headers=sibling).json()["meetings"] == []


def test_a_node_with_a_roster_cannot_be_removed(client: TestClient, ids: dict[str, int]) -> None:
    put(client, "第二党支部", SECOND)
    client.put("/api/screens/screen-b/node", headers=AUTH, json={"node_id": ids["committee"]})
    answer = client.delete(f"/api/org/nodes/{ids['b']}", headers=AUTH)
    assert answer.status_code == 409 and "名单中的党员 1 名" in answer.json()["detail"]
