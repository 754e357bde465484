"""The organisation tree through the API: add, rename, move, remove, list, and the refusals."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from org_helpers import ROOT, add, assign, committee_with_two_branches, nodes
from server_helpers import AUTH, FakeClock, publish

from content_server.org import tree


def test_a_new_server_has_a_root_with_the_default_name(client: TestClient) -> None:
    tree_now = nodes(client)
    assert list(tree_now) == [ROOT]
    root = tree_now[ROOT]
    assert root["name"] == "本级党组织" and root["kind"] == "党委"
    assert root["parent_id"] is None and root["depth"] == 0 and root["target"] == "all"


def test_nodes_of_any_depth_are_listed_parents_first_with_screen_counts(
    client: TestClient,
) -> None:
    ids = committee_with_two_branches(client)
    group = add(client, ids["a"], "党小组", "第一党小组")
    assign(client, "screen-g", group)
    assign(client, "screen-a2", ids["a"])
    listed = client.get("/api/org/nodes", headers=AUTH).json()
    assert [n["id"] for n in listed["nodes"]] == [ROOT, ids["committee"], ids["a"], group, ids["b"]]
    by_id = {n["id"]: n for n in listed["nodes"]}
    assert by_id[group]["ancestry"] == [ROOT, ids["committee"], ids["a"], group]
    assert by_id[group]["depth"] == 3 and by_id[group]["target"] == f"node:{group}"
    assert (by_id[ids["a"]]["screens"], by_id[ids["a"]]["subtree_screens"]) == (2, 3)
    assert by_id[ids["committee"]]["subtree_screens"] == 4
    assert by_id[ROOT]["subtree_screens"] == 4
    assert "院系党组织" in listed["kinds"]
    one = client.get(f"/api/org/nodes/{ids['a']}", headers=AUTH).json()
    assert one["screen_ids"] == ["screen-a", "screen-a2"]


def test_rename_and_change_kind(client: TestClient) -> None:
    node = add(client, ROOT, "党总支", "机关总支")
    answer = client.patch(f"/api/org/nodes/{node}", headers=AUTH, json={"name": " 机关党总支 "})
    assert answer.status_code == 200
    assert answer.json()["node"]["name"] == "机关党总支" and answer.json()["changed"] is True
    same = client.patch(f"/api/org/nodes/{node}", headers=AUTH, json={"name": "机关党总支"})
    assert same.json()["changed"] is False and same.json()["revision"] is None
    kind = client.patch(f"/api/org/nodes/{node}", headers=AUTH, json={"kind": "党委"})
    assert kind.json()["node"]["kind"] == "党委"
    root = client.patch(f"/api/org/nodes/{ROOT}", headers=AUTH, json={"name": "中共示范县委"})
    assert root.json()["node"]["name"] == "中共示范县委"


def test_move_takes_the_subtree_along(client: TestClient) -> None:
    ids = committee_with_two_branches(client)
    group = add(client, ids["a"], "党小组", "第一党小组")
    other = add(client, ROOT, "党委", "后勤党委")
    moved = client.patch(
        f"/api/org/nodes/{ids['a']}", headers=AUTH, json={"parent_id": other}
    ).json()
    assert moved["node"]["ancestry"] == [ROOT, other, ids["a"]]
    assert nodes(client)[group]["ancestry"] == [ROOT, other, ids["a"], group]
    with client.app.state.context.db.connect() as conn:  # type: ignore[attr-defined]
        a, committee = tree.get_node(conn, ids["a"]), tree.get_node(conn, ids["committee"])
        assert a is not None and committee is not None
        assert tree.in_subtree(conn, group, other)
        assert not tree.in_subtree(conn, group, committee.id)
        assert not a.within(committee)
        assert [n.id for n in tree.subtree(conn, a)] == [ids["a"], group]


@pytest.mark.parametrize(
    ("body", "status", "code", "words"),
    [
        ({"parent_id": "SELF"}, 409, "move_into_own_subtree", "它自己之下"),
        ({"parent_id": "GROUP"}, 409, "move_into_own_subtree", "下级「第一党小组」"),
        ({"parent_id": 999}, 404, "node_not_found", "999"),
        ({"parent_id": "B"}, 409, "kind_not_allowed", "党支部「第二党支部」下不能设立党支部"),
        ({"kind": "党小组"}, 409, "kind_not_allowed", "不能改为党小组"),
        ({"kind": "支部"}, 422, "bad_kind", "组织类型应为"),
        ({"name": "第二党支部"}, 409, "name_taken", "「机关党委」下已有名为「第二党支部」"),
        ({"name": "  "}, 422, "bad_name", "不能为空"),
        ({"name": "第一\n党支部"}, 422, "bad_name", "控制字符"),
        ({"title": "x"}, 422, "invalid_request", "未知字段"),
    ],
)
def test_bad_changes_are_refused_in_one_line_and_change_nothing(
    client: TestClient, body: dict, status: int, code: str, words: str
) -> None:
    ids = committee_with_two_branches(client)
    group = add(client, ids["a"], "党小组", "第一党小组")
    names = {"SELF": ids["a"], "GROUP": group, "B": ids["b"]}
    if isinstance(body.get("parent_id"), str):
        body = {"parent_id": names[body["parent_id"]]}
    before = nodes(client)
    answer = client.patch(f"/api/org/nodes/{ids['a']}", headers=AUTH, json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code and words in answer.json()["detail"]
    assert "\n" not in answer.json()["detail"]
    assert nodes(client) == before


def test_the_root_cannot_move_or_go(client: TestClient) -> None:
    other = add(client, ROOT, "党委", "机关党委")
    moved = client.patch(f"/api/org/nodes/{ROOT}", headers=AUTH, json={"parent_id": other})
    assert (moved.status_code, moved.json()["code"]) == (409, "root_node")
    removed = client.delete(f"/api/org/nodes/{ROOT}", headers=AUTH)
    assert (removed.status_code, removed.json()["code"]) == (409, "root_node")


def test_adding_checks_parent_kind_and_name(client: TestClient) -> None:
    branch = add(client, ROOT, "党支部", "第一党支部")

    def refused(body: dict) -> tuple[int, str]:
        answer = client.post("/api/org/nodes", headers=AUTH, json=body)
        return answer.status_code, answer.json()["code"]

    assert refused({"parent_id": 77, "kind": "党支部", "name": "x"}) == (404, "node_not_found")
    under_branch = {"parent_id": branch, "kind": "党总支", "name": "x"}
    assert refused(under_branch) == (409, "kind_not_allowed")
    assert refused({"parent_id": ROOT, "kind": "党支部", "name": "第一党支部"}) == (
        409,
        "name_taken",
    )
    assert refused({"parent_id": ROOT, "kind": "党支部"}) == (422, "invalid_request")
    # 党委 under 党委 is allowed (县委 → 镇党委); the same name under another parent too.
    town = add(client, ROOT, "党委", "城关镇党委")
    add(client, town, "党支部", "第一党支部")


def test_removing_an_empty_node(client: TestClient) -> None:
    node = add(client, ROOT, "党支部", "临时党支部")
    answer = client.delete(f"/api/org/nodes/{node}", headers=AUTH)
    assert answer.status_code == 200 and answer.json()["id"] == node
    assert node not in nodes(client)
    again = client.delete(f"/api/org/nodes/{node}", headers=AUTH)
    assert (again.status_code, again.json()["code"]) == (404, "node_not_found")


def test_removing_a_node_that_holds_something_says_what_in_one_line(
    client: TestClient, clock: FakeClock
) -> None:
    ids = committee_with_two_branches(client)
    add(client, ids["a"], "党小组", "第一党小组")
    roster = "姓名,党员编号\n张三,DY001\n李四,DY002\n".encode()
    imported = client.put(
        "/api/branches/第一党支部/roster",
        headers={**AUTH, "Content-Type": "text/csv"},
        content=roster,
    )
    assert imported.status_code == 200, imported.text
    publish(client, kind="notice", title="支部通知", text="周五学习", to=f"node:{ids['a']}")

    answer = client.delete(f"/api/org/nodes/{ids['a']}", headers=AUTH)
    assert answer.status_code == 409 and answer.json()["code"] == "node_not_empty"
    detail = answer.json()["detail"]
    assert "\n" not in detail
    for words in ("「第一党支部」", "下级组织 1 个（第一党小组）", "屏幕 1 块（screen-a）"):
        assert words in detail
    assert "名单中的党员 2 名" in detail and "正在发布的内容 1 条（「支部通知」）" in detail
    assert ids["a"] in nodes(client)


def test_content_that_ended_or_was_withdrawn_does_not_keep_a_node(
    client: TestClient, clock: FakeClock
) -> None:
    node = add(client, ROOT, "党支部", "第三党支部")
    item = publish(client, kind="notice", text="旧", to=f"node:{node}")
    client.delete(f"/api/items/{item['id']}", headers=AUTH)
    publish(client, kind="notice", text="短", to=f"node:{node}", valid_until="2026-06-01T13:00")
    blocked = client.delete(f"/api/org/nodes/{node}", headers=AUTH)
    assert blocked.status_code == 409 and "正在发布的内容 1 条" in blocked.json()["detail"]
    clock.advance(hours=2)  # 2026-06-01T06:00Z = 14:00 in Beijing: the notice has ended
    assert client.delete(f"/api/org/nodes/{node}", headers=AUTH).status_code == 200


def test_the_tree_routes_need_the_admin_token(client: TestClient) -> None:
    for method, path in (
        ("GET", "/api/org/nodes"),
        ("POST", "/api/org/nodes"),
        ("GET", "/api/org/nodes/1"),
        ("PATCH", "/api/org/nodes/1"),
        ("DELETE", "/api/org/nodes/1"),
        ("GET", "/api/screens/s1/node"),
        ("PUT", "/api/screens/s1/node"),
    ):
        answer = client.request(method, path, json={})
        assert answer.status_code == 401 and answer.json()["code"] == "unauthorized", path


def test_assigning_a_screen(client: TestClient) -> None:
    branch = add(client, ROOT, "党支部", "第一党支部")
    fresh = client.get("/api/screens/never-seen/node", headers=AUTH).json()
    assert fresh["node"]["id"] == ROOT and fresh["revision"] == 0
    first = assign(client, "never-seen", branch)
    assert first["changed"] is True and first["node"]["id"] == branch
    again = assign(client, "never-seen", branch)
    assert again["changed"] is False and again["revision"] == first["revision"]
    unknown = client.put("/api/screens/never-seen/node", headers=AUTH, json={"node_id": 42})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "node_not_found")
    reserved = client.put("/api/screens/all/node", headers=AUTH, json={"node_id": branch})
    assert (reserved.status_code, reserved.json()["code"]) == (400, "reserved_screen_id")


def test_the_openapi_schema_declares_the_new_routes_answers(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    error = {"$ref": "#/components/schemas/ErrorBody"}
    expected = {
        ("/api/org/nodes", "get"): {"200", "401"},
        ("/api/org/nodes", "post"): {"201", "400", "401", "403", "404", "409", "422"},
        ("/api/org/nodes/{node_id}", "get"): {"200", "401", "404", "422"},
        ("/api/org/nodes/{node_id}", "patch"): {"200", "400", "401", "403", "404", "409", "422"},
        ("/api/org/nodes/{node_id}", "delete"): {"200", "401", "403", "404", "409", "422"},
        ("/api/screens/{screen_id}/node", "get"): {"200", "400", "401", "404", "422"},
        ("/api/screens/{screen_id}/node", "put"): {"200", "400", "401", "403", "404", "422"},
    }
    for (path, method), statuses in expected.items():
        responses = schema["paths"][path][method]["responses"]
        assert set(responses) == statuses, (path, method)
        for status in statuses - {"200", "201"}:
            assert responses[status]["content"]["application/json"]["schema"] == error


def test_subtree_questions_stay_cheap_for_thousands_of_nodes(client: TestClient) -> None:
    """3 000 nodes and 5 000 screens: ancestry and subtree questions are index lookups."""
    with client.app.state.context.db.connect() as conn:  # type: ignore[attr-defined]
        conn.execute("BEGIN")
        root = tree.get_node(conn, ROOT)
        assert root is not None
        leaves = []
        for c in range(30):
            committee = tree.insert_node(conn, root, "党委", f"党委{c}", "2026-06-01T00:00:00Z")
            for b in range(99):
                leaves.append(tree.insert_node(conn, committee, "党支部", f"支部{b}", "x"))
        for index in range(5000):
            tree.assign_screen(conn, f"s{index}", leaves[index % len(leaves)], 1)
        conn.execute("COMMIT")
        started = time.perf_counter()
        for index in range(200):
            place = tree.placement(conn, f"s{index}")
            assert len(place.targets) == 4
            assert tree.in_subtree(conn, place.node.id, place.node.ancestry[1])
        committee = tree.get_node(conn, leaves[0].parent_id or 0)
        assert committee is not None
        expected = sum(1 for index in range(5000) if index % len(leaves) < 99)
        assert len(tree.subtree_screens(conn, committee)) == expected
        assert time.perf_counter() - started < 2.0
