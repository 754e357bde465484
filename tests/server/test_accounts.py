"""Accounts: argon2id hashes, logins and sessions, password changes, personal API tokens, roles
that reach down the tree, account administration and stored login limits (in-process app,
real SQLite, a clock the tests move)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from account_helpers import PASSWORD, add_account, bearer, grant, login, personal_token
from fastapi.testclient import TestClient
from org_helpers import ROOT, committee_with_two_branches
from server_helpers import AUTH, FakeClock


@pytest.fixture
def tree(client: TestClient) -> dict[str, int]:
    return committee_with_two_branches(client)


def rows(data_dir: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def notice(to: str) -> dict[str, Any]:
    return {"kind": "notice", "text": "支部通知", "to": to}


def test_passwords_are_stored_as_argon2id_and_tokens_as_hashes(
    client: TestClient, tree: dict[str, int], data_dir: Path
) -> None:
    add_account(client, "王书记", tree["a"], "publisher")
    session = login(client, "王书记")
    token = personal_token(client, session)["token"]
    [(stored,)] = rows(data_dir, "SELECT password_hash FROM accounts WHERE name = '王书记'")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    dump = "\n".join(line for line in sqlite3.connect(data_dir / "content.db").iterdump())
    assert session not in dump and token not in dump and PASSWORD not in dump


def test_login_me_and_logout(client: TestClient, tree: dict[str, int]) -> None:
    add_account(client, "王书记", tree["a"], "publisher")
    grant(client, "王书记", tree["b"], "viewer")
    answer = client.post("/api/login", json={"name": "王书记", "password": PASSWORD})
    assert answer.status_code == 200
    assert answer.json()["expires_at"] == "2026-06-01T16:00:00+00:00"  # 12 hours
    session = answer.json()["token"]
    me = client.get("/api/me", headers=bearer(session)).json()
    assert me["name"] == "王书记" and me["superuser"] is False
    assert [(g["path"], g["role"]) for g in me["grants"]] == [
        ("本级党组织/机关党委/第一党支部", "publisher"),
        ("本级党组织/机关党委/第二党支部", "viewer"),
    ]
    assert client.post("/api/logout", headers=bearer(session)).json() == {"ended": True}
    assert client.get("/api/me", headers=bearer(session)).status_code == 401


def test_wrong_password_and_unknown_name_get_the_same_answer(
    client: TestClient, tree: dict[str, int]
) -> None:
    add_account(client, "王书记", tree["a"])
    wrong = client.post("/api/login", json={"name": "王书记", "password": "not it at all"})
    unknown = client.post("/api/login", json={"name": "没有这个人", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "bad_credentials"


def test_a_session_expires(client: TestClient, tree: dict[str, int], clock: FakeClock) -> None:
    add_account(client, "王书记", tree["a"], "viewer")
    session = login(client, "王书记")
    clock.advance(hours=11, minutes=59)
    assert client.get("/api/me", headers=bearer(session)).status_code == 200
    clock.advance(minutes=1)
    assert client.get("/api/me", headers=bearer(session)).status_code == 401


def test_a_password_change_ends_the_other_sessions(
    client: TestClient, tree: dict[str, int]
) -> None:
    add_account(client, "王书记", tree["a"], "viewer")
    here, elsewhere = login(client, "王书记"), login(client, "王书记")
    change = {"current_password": PASSWORD, "new_password": "新的密码-new-password"}
    wrong = client.post(
        "/api/me/password", headers=bearer(here), json={**change, "current_password": "nope!!!!"}
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "bad_password"
    answer = client.post("/api/me/password", headers=bearer(here), json=change)
    assert answer.json()["ended_sessions"] == 1
    assert client.get("/api/me", headers=bearer(here)).status_code == 200
    assert client.get("/api/me", headers=bearer(elsewhere)).status_code == 401
    assert (
        client.post("/api/login", json={"name": "王书记", "password": PASSWORD}).status_code == 401
    )
    login(client, "王书记", "新的密码-new-password")
    short = client.post(
        "/api/me/password", headers=bearer(here), json={**change, "new_password": "short"}
    )
    assert short.status_code == 422 and short.json()["code"] == "weak_password"


def test_an_administrator_sets_a_forgotten_password_and_every_session_ends(
    client: TestClient, tree: dict[str, int]
) -> None:
    add_account(client, "支部管理员", tree["a"], "administrator")
    add_account(client, "王书记", tree["a"], "viewer")
    session = login(client, "王书记")
    admin = bearer(login(client, "支部管理员"))
    answer = client.put(
        "/api/accounts/王书记/password", headers=admin, json={"password": "重设的密码123"}
    )
    assert answer.status_code == 200 and answer.json()["ended_sessions"] == 1
    assert client.get("/api/me", headers=bearer(session)).status_code == 401
    login(client, "王书记", "重设的密码123")


def test_personal_tokens_are_shown_once_used_and_revoked(
    client: TestClient, tree: dict[str, int]
) -> None:
    add_account(client, "王书记", tree["a"], "publisher")
    add_account(client, "李委员", tree["b"], "publisher")
    session = login(client, "王书记")
    made = personal_token(client, session, "笔记本电脑")
    assert made["token"].startswith("kp_")
    listed = client.get("/api/me/tokens", headers=bearer(session)).json()["tokens"]
    assert [t["label"] for t in listed] == ["笔记本电脑"] and "token" not in listed[0]
    published = client.post(
        "/api/items", headers=bearer(made["token"]), json=notice(f"node:{tree['a']}")
    )
    assert published.status_code == 201, published.text
    # Someone else cannot revoke it, whatever id they send.
    other = bearer(login(client, "李委员"))
    assert client.delete(f"/api/me/tokens/{made['id']}", headers=other).status_code == 404
    assert client.get("/api/me", headers=bearer(made["token"])).status_code == 200
    # Logging out of the session leaves the token working; revoking it ends it.
    client.post("/api/logout", headers=bearer(session))
    assert client.get("/api/me", headers=bearer(made["token"])).status_code == 200
    revoked = client.delete(f"/api/me/tokens/{made['id']}", headers=bearer(made["token"]))
    assert revoked.json() == {"id": made["id"], "revoked": True}
    assert client.get("/api/me", headers=bearer(made["token"])).status_code == 401


def test_the_admin_token_is_the_superuser_but_has_no_personal_tokens(client: TestClient) -> None:
    assert client.get("/api/me", headers=AUTH).json() == {
        "name": "superuser",
        "superuser": True,
        "grants": [],
    }
    answer = client.post("/api/me/tokens", headers=AUTH, json={"label": "x"})
    assert answer.status_code == 403 and answer.json()["code"] == "not_an_account"


def test_roles_reach_down_the_tree(client: TestClient, tree: dict[str, int]) -> None:
    add_account(client, "党委宣传委员", tree["committee"], "publisher")
    who = bearer(login(client, "党委宣传委员"))
    for to in (f"node:{tree['committee']}", f"node:{tree['a']}", f"node:{tree['b']}", "screen-a"):
        assert client.post("/api/items", headers=who, json=notice(to)).status_code == 201, to
    above = client.post("/api/items", headers=who, json=notice("all"))
    assert above.status_code == 403 and above.json()["code"] == "forbidden"
    # A role on a node goes with it when it moves.
    moved = client.patch(f"/api/org/nodes/{tree['a']}", headers=AUTH, json={"parent_id": ROOT})
    assert moved.status_code == 200
    lost = client.post("/api/items", headers=who, json=notice(f"node:{tree['a']}"))
    assert lost.status_code == 404 and lost.json()["code"] == "node_not_found"


def test_a_viewer_reads_but_does_not_publish(client: TestClient, tree: dict[str, int]) -> None:
    add_account(client, "观察员", tree["a"], "viewer")
    who = bearer(login(client, "观察员"))
    item = client.post("/api/items", headers=AUTH, json=notice(f"node:{tree['a']}")).json()["id"]
    assert [i["id"] for i in client.get("/api/items", headers=who).json()["items"]] == [item]
    refused = client.post("/api/items", headers=who, json=notice(f"node:{tree['a']}"))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert client.delete(f"/api/items/{item}", headers=who).status_code == 403


def test_a_branch_administrator_manages_accounts_of_its_subtree_only(
    client: TestClient, tree: dict[str, int]
) -> None:
    add_account(client, "支部管理员", tree["a"], "administrator")
    add_account(client, "外支部的人", tree["b"], "viewer")
    admin = bearer(login(client, "支部管理员"))
    add_account(client, "新党员", tree["a"], "viewer", headers=admin)
    listed = client.get("/api/accounts", headers=admin).json()["accounts"]
    assert sorted(a["name"] for a in listed) == sorted(["新党员", "支部管理员"])
    elsewhere = {"name": "越权", "password": PASSWORD, "node_id": tree["b"]}
    assert client.post("/api/accounts", headers=admin, json=elsewhere).status_code == 404
    on_sibling = {"node_id": tree["b"], "role": "publisher"}
    assert (
        client.post("/api/accounts/新党员/grants", headers=admin, json=on_sibling).status_code
        == 404
    )
    foreign = {"node_id": tree["a"], "role": "viewer"}
    assert (
        client.post("/api/accounts/外支部的人/grants", headers=admin, json=foreign).status_code
        == 404
    )
    revoked = client.delete(f"/api/accounts/新党员/grants/{tree['a']}/viewer", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["grants"] == []
    duplicate = client.post("/api/accounts", headers=AUTH, json={**elsewhere, "name": "新党员"})
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "account_exists"
    # Managing the tree: add below its own node, not rename or remove the node itself.
    added = client.post(
        "/api/org/nodes",
        headers=admin,
        json={"parent_id": tree["a"], "kind": "党小组", "name": "一组"},
    )
    assert added.status_code == 201
    rename = client.patch(f"/api/org/nodes/{tree['a']}", headers=admin, json={"name": "改名"})
    assert rename.status_code == 403


def test_a_node_with_accounts_or_roles_is_not_removed(
    client: TestClient, tree: dict[str, int]
) -> None:
    add_account(client, "王书记", tree["committee"])
    grant(client, "王书记", tree["b"], "viewer")
    client.put("/api/screens/screen-b/node", headers=AUTH, json={"node_id": tree["committee"]})
    answer = client.delete(f"/api/org/nodes/{tree['b']}", headers=AUTH)
    assert answer.status_code == 409 and "王书记" in answer.json()["detail"]


def test_failed_logins_lock_the_account_then_let_go(
    client: TestClient, tree: dict[str, int], clock: FakeClock
) -> None:
    add_account(client, "王书记", tree["a"])
    for _ in range(5):
        assert (
            client.post("/api/login", json={"name": "王书记", "password": "guess!!!"}).status_code
            == 401
        )
    locked = client.post("/api/login", json={"name": "王书记", "password": PASSWORD})
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts"
    assert locked.headers["retry-after"] == "900"
    assert "15 分钟" in locked.json()["detail"] and "try again in 15 min" in locked.json()["detail"]
    clock.advance(minutes=14)
    assert (
        client.post("/api/login", json={"name": "王书记", "password": PASSWORD}).status_code == 429
    )
    clock.advance(minutes=1)
    login(client, "王书记")


def test_failures_spread_over_names_lock_the_address(
    client: TestClient, tree: dict[str, int]
) -> None:
    add_account(client, "王书记", tree["a"])
    for n in range(5):
        client.post("/api/login", json={"name": f"猜{n}", "password": "guess!!!"})
    answer = client.post("/api/login", json={"name": "王书记", "password": PASSWORD})
    assert answer.status_code == 429


def test_failures_older_than_the_window_do_not_count(
    client: TestClient, tree: dict[str, int], clock: FakeClock
) -> None:
    add_account(client, "王书记", tree["a"])
    for _ in range(4):
        client.post("/api/login", json={"name": "王书记", "password": "guess!!!"})
    clock.advance(minutes=16)
    client.post("/api/login", json={"name": "王书记", "password": "guess!!!"})
    login(client, "王书记")
