"""The audit log on the real app and SQLite: what is recorded (once, with who, where and which
node), who may read it, the CSV for Excel, and that nothing can change it."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from account_helpers import PASSWORD, add_account, bearer, login, personal_token
from fastapi.testclient import TestClient
from org_helpers import add, committee_with_two_branches
from server_helpers import AUTH, FakeClock
from test_console_auth import console_login, csrf_of
from test_scope_every_route import flat_routes

from content_server.audit.export import HEADER
from content_server.audit.log import ACTIONS

ROOT = Path(__file__).resolve().parents[2]
CLIENT = "testclient"  # the client address TestClient's requests come from


def audit_rows(data_dir: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        return conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
    finally:
        conn.close()


def entries(client: TestClient, query: str = "", headers: dict[str, str] = AUTH) -> list[Any]:
    answer = client.get(f"/api/audit?limit=5000{query}", headers=headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["entries"])


def ok(answer: Any, status: int = 200) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    return dict(answer.json())


def test_every_action_is_recorded_once_with_who_where_and_which_node(
    client: TestClient,
) -> None:
    """Do each recordable thing once through the API, then read the log back."""
    before = len(entries(client))
    tree = committee_with_two_branches(client)  # org_add x3, screen_assign x2
    a, committee = tree["a"], tree["committee"]
    group = add(client, a, "党小组", "第一小组")
    ok(client.patch(f"/api/org/nodes/{group}", headers=AUTH, json={"name": "一组"}))
    ok(client.patch(f"/api/org/nodes/{group}", headers=AUTH, json={"parent_id": tree["b"]}))
    ok(client.delete(f"/api/org/nodes/{group}", headers=AUTH))
    add_account(client, "王发布", a, "publisher")  # account_create, grant
    add_account(client, "赵审核", committee, "reviewer", "administrator")
    ok(client.delete(f"/api/accounts/赵审核/grants/{committee}/administrator", headers=AUTH))
    ok(client.put("/api/accounts/王发布/password", headers=AUTH, json={"password": PASSWORD}))
    bad = client.post("/api/login", json={"name": "王发布", "password": "wrong-password"})
    assert bad.status_code == 401
    publisher = bearer(login(client, "王发布"))
    reviewer = bearer(login(client, "赵审核"))
    ok(
        client.post(
            "/api/me/password",
            headers=publisher,
            json={"current_password": PASSWORD, "new_password": PASSWORD + "-2"},
        )
    )
    token = personal_token(client, publisher["Authorization"].removeprefix("Bearer "))
    ok(client.delete(f"/api/me/tokens/{token['id']}", headers=publisher))
    notice = {"kind": "notice", "text": "学习通知", "to": f"node:{a}"}
    published = ok(client.post("/api/items", headers=publisher, json=notice), 201)
    ok(client.delete(f"/api/items/{published['id']}", headers=publisher))
    ok(client.put(f"/api/org/nodes/{committee}/review", headers=AUTH, json={"on": True}))
    held = ok(client.post("/api/items", headers=publisher, json=notice), 201)["id"]
    ok(client.post(f"/api/items/{held}/reject", headers=reviewer, json={"comment": "请修改"}))
    ok(client.post(f"/api/items/{held}/resubmit", headers=publisher, json={"changes": {}}))
    ok(client.post(f"/api/items/{held}/approve", headers=reviewer))
    ok(client.put(f"/api/org/nodes/{committee}/review", headers=AUTH, json={"on": False}))
    stop = {"emergency_stop": True}
    ok(client.put("/api/screens/screen-a/settings", headers=AUTH, json=stop))
    ok(client.put("/api/screens/screen-a/settings", headers=AUTH, json={"emergency_stop": None}))
    ok(client.put("/api/screens/all/settings", headers=AUTH, json={"theme": "solemn"}))
    code = ok(client.post("/api/pairings", json={"screen_id": "lobby-9"}), 201)["code"]
    enrolled = {"code": code, "node_id": a}
    ok(client.post("/api/enrollments", headers=AUTH, json=enrolled), 201)
    ok(client.delete("/api/screens/lobby-9/enrollment", headers=AUTH))
    ok(client.post("/api/logout", headers=publisher))

    found = entries(client)[: len(entries(client)) - before]
    counts = Counter(entry["action"] for entry in found)
    assert set(counts) == set(ACTIONS), set(ACTIONS) - set(counts)
    several = {"org_add": 4, "screen_assign": 2, "account_create": 2, "grant": 3, "login": 2}
    assert counts == Counter({**dict.fromkeys(ACTIONS, 1), **several})

    by_action = {entry["action"]: entry for entry in reversed(found)}  # the first of each
    assert all(entry["address"] == CLIENT for entry in found)
    assert by_action["login_failed"]["who"] == "王发布"
    assert by_action["login_failed"]["node_id"] == a
    assert by_action["publish"]["who"] == "王发布"
    assert by_action["publish"]["node"] == "本级党组织/机关党委/第一党支部"
    assert by_action["submit"]["target"] == held
    assert by_action["reject"]["detail"] == "请修改"
    assert by_action["approve"]["who"] == "赵审核"
    assert by_action["emergency_stop"]["flag"] == "emergency"
    assert by_action["emergency_stop"]["node_id"] == a  # screen-a's node
    assert by_action["settings"]["detail"] == "theme"
    assert by_action["org_add"]["who_label"] == "超级管理员（管理员令牌）"
    assert by_action["grant"]["detail"] in ("发布员", "审核员", "管理员")
    assert by_action["screen_enroll"]["target"] == "lobby-9"


def test_a_failed_login_of_an_unknown_name_is_recorded_for_the_root(client: TestClient) -> None:
    answer = client.post("/api/login", json={"name": "没有这个人", "password": "x" * 12})
    assert answer.status_code == 401
    failed = entries(client, "&action=login_failed")
    assert [(e["who"], e["node_id"], e["address"]) for e in failed] == [("没有这个人", 1, CLIENT)]


def test_console_logins_logouts_and_password_changes_are_recorded(client: TestClient) -> None:
    add_account(client, "王发布", 1, "publisher")
    console_login(client, "王发布")
    page = client.post(
        "/console/password",
        data={
            "current": PASSWORD,
            "new": PASSWORD + "-2",
            "again": PASSWORD + "-2",
            "csrf": csrf_of(client, "/console/password"),
        },
    )
    assert page.status_code == 200, page.text
    client.post("/console/logout", data={"csrf": csrf_of(client, "/console/")})
    mine = [e["action"] for e in reversed(entries(client)) if e["who"] == "王发布"]
    assert mine == ["login", "password_change", "logout"]


def test_administrators_read_their_subtree_only(client: TestClient) -> None:
    tree = committee_with_two_branches(client)
    add_account(client, "甲管理", tree["a"], "administrator")
    add_account(client, "乙发布", tree["b"], "publisher")
    admin_a = bearer(login(client, "甲管理"))
    bad = client.post("/api/login", json={"name": "乙发布", "password": "wrong-password"})
    assert bad.status_code == 401
    seen = entries(client, headers=admin_a)
    assert seen and all(e["node"].startswith("本级党组织/机关党委/第一党支部") for e in seen)
    assert "乙发布" not in str(seen)
    sibling = client.get(f"/api/audit?node={tree['b']}", headers=admin_a)
    assert (sibling.status_code, sibling.json()["code"]) == (404, "node_not_found")
    publisher = bearer(login(client, "乙发布"))
    refused = client.get("/api/audit", headers=publisher)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert client.get("/api/audit.csv", headers=publisher).status_code == 403


def test_filters_by_node_time_and_action(client: TestClient, clock: FakeClock) -> None:
    tree = committee_with_two_branches(client)
    clock.advance(days=2)  # 2026-06-03 12:00 in Beijing
    add(client, tree["b"], "党小组", "二支部一组")
    only_b = entries(client, f"&node={tree['b']}")
    assert [e["action"] for e in only_b] == ["org_add", "screen_assign", "org_add"]
    assert [e["target"] for e in entries(client, "&from=2026-06-03")] == ["二支部一组"]
    assert len(entries(client, "&until=2026-06-01")) == 5  # a date: to its end
    assert entries(client, "&from=2026-06-03T13:00") == []
    assert [e["action"] for e in entries(client, "&action=screen_assign")] == ["screen_assign"] * 2
    bad = client.get("/api/audit?from=yesterday", headers=AUTH)
    assert (bad.status_code, bad.json()["code"]) == (422, "bad_time")
    bad = client.get("/api/audit?action=hack", headers=AUTH)
    assert (bad.status_code, bad.json()["code"]) == (422, "bad_action")


def test_the_csv_opens_in_excel(client: TestClient) -> None:
    committee_with_two_branches(client)
    client.post("/api/login", json={"name": "=HYPERLINK(1)", "password": "x" * 12})
    answer = client.get("/api/audit.csv", headers=AUTH)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == HEADER
    assert len(rows) == 1 + len(entries(client))
    assert rows[1][1] == "'=HYPERLINK(1)"  # newest first; never a formula
    assert rows[1][2] == "登录失败"
    assert re.fullmatch(r"2026-06-01 12:00:00", rows[1][0])  # China time


def test_no_code_updates_or_deletes_the_audit_log() -> None:
    forbidden = re.compile(
        r"\b(UPDATE|DELETE\s+FROM|REPLACE\s+INTO|INSERT\s+OR\s+REPLACE\s+INTO|DROP\s+TABLE"
        r"(\s+IF\s+EXISTS)?|ALTER\s+TABLE)\s+audit_log\b",
        re.IGNORECASE,
    )
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("content_server", "content_cache", "kiosk")
        for path in (ROOT / package).rglob("*.py")
        if forbidden.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_every_route_with_every_method_only_ever_appends(
    client: TestClient, data_dir: Path
) -> None:
    tree = committee_with_two_branches(client)
    add_account(client, "王发布", tree["a"], "publisher")
    item = ok(
        client.post("/api/items", headers=AUTH, json={"kind": "notice", "text": "x", "to": "all"}),
        201,
    )["id"]
    values = {
        "item_id": item,
        "screen_id": "screen-a",
        "node_id": str(tree["a"]),
        "name": "王发布",
        "branch": "第一党支部",
        "meeting_id": "m-nothing",
        "sha256": "0" * 64,
        "token_id": "1",
        "role": "publisher",
        "key_id": "0123456789abcdef",
    }
    paths = sorted({str(route.path) for route in flat_routes(client)})
    before = audit_rows(data_dir)
    assert before
    walked = 0
    for path in paths:
        if path.endswith("/events"):
            continue  # endless event streams; they read, never write
        url = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            for headers in (AUTH, {}):
                client.request(method, url, headers=headers, json={})
                walked += 1
    after = audit_rows(data_dir)
    assert walked > 100
    assert after[: len(before)] == before
