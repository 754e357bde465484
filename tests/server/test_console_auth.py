"""The console's login, session cookie, CSRF and acting node, on the real app and SQLite."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from account_helpers import PASSWORD, add_account
from fastapi.testclient import TestClient
from org_helpers import committee_with_two_branches
from server_helpers import AUTH, poster_payload, publish

CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(client: TestClient, path: str = "/console/login") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF_RE.search(page.text)
    assert match, page.text
    return match.group(1)


def console_login(client: TestClient, name: str, password: str = PASSWORD) -> None:
    answer = client.post(
        "/console/login",
        data={"name": name, "password": password, "csrf": csrf_of(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/console/"


@pytest.fixture
def tree(client: TestClient) -> dict[str, int]:
    nodes = committee_with_two_branches(client)
    add_account(client, "pub-a", nodes["a"], "publisher")
    return nodes


def test_a_page_without_login_goes_to_the_login_page_and_back(
    client: TestClient, tree: dict[str, int]
) -> None:
    answer = client.get("/console/items?status=ended", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?next=/console/items%3Fstatus%3Dended"
    page = client.get(answer.headers["location"])
    answer = client.post(
        "/console/login",
        data={
            "name": "pub-a",
            "password": PASSWORD,
            "csrf": CSRF_RE.search(page.text).group(1),  # type: ignore[union-attr]
            "next": "/console/items?status=ended",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/console/items?status=ended"


def test_session_cookie_is_httponly_and_samesite(client: TestClient, tree: dict[str, int]) -> None:
    answer = client.post(
        "/console/login",
        data={"name": "pub-a", "password": PASSWORD, "csrf": csrf_of(client)},
        follow_redirects=False,
    )
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("console_session=ks_")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http on loopback


def test_cookie_is_secure_behind_https(make_client: Callable[..., TestClient]) -> None:
    client = make_client(public_url="https://dangjian.example.cn")
    add_account(client, "pub", 1, "publisher")
    answer = client.post(
        "/console/login",
        data={"name": "pub", "password": PASSWORD, "csrf": csrf_of(client)},
        follow_redirects=False,
    )
    assert "Secure" in answer.headers["set-cookie"]


def test_the_page_says_whose_account_and_which_node(
    client: TestClient, tree: dict[str, int]
) -> None:
    console_login(client, "pub-a")
    page = client.get("/console/")
    assert 'data-testid="account">pub-a<' in page.text
    assert "第一党支部（发布员）" in page.text


def test_wrong_password_and_unknown_account_read_the_same(
    client: TestClient, tree: dict[str, int]
) -> None:
    pages = []
    for name in ("pub-a", "nobody-here"):
        answer = client.post(
            "/console/login",
            data={"name": name, "password": "wrong-password", "csrf": csrf_of(client)},
        )
        assert answer.status_code == 401
        pages.append(re.search(r'role="alert">([^<]+)<', answer.text).group(1))  # type: ignore[union-attr]
    assert pages[0] == pages[1] == "账号或密码不正确"
    assert "console_session" not in client.cookies


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, tree: dict[str, int]
) -> None:
    item = publish(client, **poster_payload(client, to=f"node:{tree['a']}"))
    console_login(client, "pub-a")
    for data in ({}, {"csrf": "x" * 43}):
        answer = client.post(f"/console/items/{item['id']}/withdraw", data=data)
        assert answer.status_code == 403
        assert "页面已过期" in answer.text
    listed = client.get("/api/items", headers=AUTH).json()["items"]
    assert listed[0]["status"] == "active"


def test_a_form_from_another_site_is_refused(client: TestClient, tree: dict[str, int]) -> None:
    item = publish(client, **poster_payload(client, to=f"node:{tree['a']}"))
    console_login(client, "pub-a")
    token = csrf_of(client, "/console/items")
    answer = client.post(
        f"/console/items/{item['id']}/withdraw",
        data={"csrf": token},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403
    assert client.get("/api/items", headers=AUTH).json()["items"][0]["status"] == "active"
    answer = client.post(
        f"/console/items/{item['id']}/withdraw",
        data={"csrf": token},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert client.get("/api/items", headers=AUTH).json()["items"][0]["status"] == "withdrawn"


def test_withdrawing_a_sibling_branch_item_is_refused(
    client: TestClient, tree: dict[str, int]
) -> None:
    own = publish(client, **poster_payload(client, to=f"node:{tree['a']}", title="本支部"))
    other = publish(client, **poster_payload(client, to=f"node:{tree['b']}", title="兄弟支部"))
    console_login(client, "pub-a")
    page = client.get("/console/items")
    assert "本支部" in page.text and "兄弟支部" not in page.text
    token = csrf_of(client, "/console/items")
    answer = client.post(f"/console/items/{other['id']}/withdraw", data={"csrf": token})
    assert answer.status_code == 200
    assert "找不到内容" in answer.text
    statuses = {
        i["id"]: i["status"] for i in client.get("/api/items", headers=AUTH).json()["items"]
    }
    assert statuses == {own["id"]: "active", other["id"]: "active"}


def test_logout_ends_the_session(client: TestClient, tree: dict[str, int]) -> None:
    console_login(client, "pub-a")
    session = client.cookies["console_session"]
    answer = client.post("/console/logout", data={"csrf": csrf_of(client, "/console/")})
    assert "已退出登录" in answer.text
    assert client.get("/api/me", headers={"Authorization": f"Bearer {session}"}).status_code == 401


def test_password_change_ends_other_sessions(
    make_client: Callable[..., TestClient], tree: dict[str, int]
) -> None:
    phone, office = make_client(), make_client()
    console_login(phone, "pub-a")
    console_login(office, "pub-a")
    answer = phone.post(
        "/console/password",
        data={
            "current": PASSWORD,
            "new": "新的密码-another-horse",
            "again": "新的密码-another-horse",
            "csrf": csrf_of(phone, "/console/password"),
        },
    )
    assert "密码已修改" in answer.text
    assert phone.get("/console/", follow_redirects=False).status_code == 200
    assert office.get("/console/", follow_redirects=False).status_code == 303


def test_next_never_leaves_the_console(client: TestClient, tree: dict[str, int]) -> None:
    for target in ("https://evil.example/", "//evil.example/console/", "/api/items"):
        answer = client.post(
            "/console/login",
            data={"name": "pub-a", "password": PASSWORD, "csrf": csrf_of(client), "next": target},
            follow_redirects=False,
        )
        assert answer.headers["location"] == "/console/"


def test_user_text_is_escaped(client: TestClient, tree: dict[str, int]) -> None:
    publish(client, **poster_payload(client, to=f"node:{tree['a']}", title="<script>x</script>"))
    console_login(client, "pub-a")
    page = client.get("/console/items").text
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_an_ended_item_is_published_again_from_now(
    client: TestClient, tree: dict[str, int], clock: Any
) -> None:
    until = (clock() + timedelta(hours=1)).isoformat()
    old = publish(
        client, **poster_payload(client, to=f"node:{tree['a']}", title="旧海报", valid_until=until)
    )
    clock.advance(hours=2)
    console_login(client, "pub-a")
    assert "再次发布" in client.get("/console/items?status=ended").text
    answer = client.post(
        f"/console/items/{old['id']}/republish", data={"csrf": csrf_of(client, "/console/items")}
    )
    assert "已再次发布" in answer.text
    items = client.get("/api/items", headers=AUTH).json()["items"]
    fresh = [i for i in items if i["id"] != old["id"]]
    assert [(i["title"], i["status"], i["to"]) for i in fresh] == [
        ("旧海报", "active", items[0]["to"])
    ]
    assert fresh[0]["valid_until"] is None


def test_a_sibling_branch_item_cannot_be_published_again(
    client: TestClient, tree: dict[str, int]
) -> None:
    other = publish(client, **poster_payload(client, to=f"node:{tree['b']}", title="兄弟支部"))
    client.delete(f"/api/items/{other['id']}", headers=AUTH)
    console_login(client, "pub-a")
    answer = client.post(
        f"/console/items/{other['id']}/republish",
        data={"csrf": csrf_of(client, "/console/items")},
    )
    assert "找不到内容" in answer.text
    assert len(client.get("/api/items", headers=AUTH).json()["items"]) == 1
