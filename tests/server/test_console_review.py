"""The console's review (审核), resubmission, emergency stop and audit log pages on the real app
and SQLite, with real logins, CSRF tokens and the API's own checks."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from account_helpers import add_account, bearer, login
from fastapi.testclient import TestClient
from org_helpers import committee_with_two_branches
from server_helpers import AUTH, image_bytes, manifest, poster_payload, upload
from test_console_auth import console_login, csrf_of

World = dict[str, Any]


@pytest.fixture
def world(make_client: Callable[..., TestClient]) -> World:
    """机关党委 reviews its branches; 王发布 publishes for 第一党支部, 赵审核 reviews."""
    api = make_client()
    ids: World = dict(committee_with_two_branches(api))
    add_account(api, "王发布", ids["a"], "publisher")
    add_account(api, "赵审核", ids["committee"], "reviewer", "administrator")
    answer = api.put(f"/api/org/nodes/{ids['committee']}/review", headers=AUTH, json={"on": True})
    assert answer.status_code == 200
    return {**ids, "api": api, "publisher": bearer(login(api, "王发布"))}


def submit(world: World, **fields: Any) -> str:
    body = {"kind": "notice", "text": "周五学习", "to": f"node:{world['a']}", **fields}
    answer = world["api"].post("/api/items", headers=world["publisher"], json=body)
    assert answer.json()["review"] == "pending", answer.text
    return str(answer.json()["id"])


def nav(page: str) -> list[str]:
    block = re.search(r'<nav class="tabs">(.*?)</nav>', page, re.S)
    assert block
    return re.findall(r"<a [^>]*>([^<]+)</a>", block.group(1))


def note(page: str) -> str:
    found = re.search(r'role="(?:status|alert)">([^<]+)<', page)
    return found.group(1) if found else ""


def test_review_and_log_sections_show_only_to_those_who_may(
    make_client: Callable[..., TestClient], world: World
) -> None:
    publisher, reviewer = make_client(), make_client()
    console_login(publisher, "王发布")
    console_login(reviewer, "赵审核")
    shown = nav(publisher.get("/console/").text)
    assert "审核" not in shown and "日志" not in shown and "紧急停播" in shown
    assert {"审核", "日志", "紧急停播"} <= set(nav(reviewer.get("/console/").text))


def test_a_reviewer_rejects_with_a_comment_and_approves_from_the_console(
    make_client: Callable[..., TestClient], world: World
) -> None:
    poster = poster_payload(world["api"], to=f"node:{world['a']}", title="七一海报")
    answer = world["api"].post("/api/items", headers=world["publisher"], json=poster)
    item = answer.json()["id"]
    notice = submit(world, text="周五 15:00 学习\n地点：活动室")
    reviewer = make_client()
    console_login(reviewer, "赵审核")
    page = reviewer.get("/console/review").text
    assert f'src="/assets/{poster["image"]["sha256"]}"' in page
    assert "周五 15:00 学习\n地点：活动室" in page
    assert page.count("王发布") == 2 and "第一党支部" in page

    token = csrf_of(reviewer, "/console/review")
    refused = reviewer.post(f"/console/review/{item}/reject", data={"csrf": token, "comment": " "})
    assert note(refused.text) == "请写明退回意见，发布人据此修改"
    page = reviewer.post(
        f"/console/review/{item}/reject", data={"csrf": token, "comment": "图片不清楚<b>"}
    ).text
    assert note(page).startswith("已退回")
    assert item not in page  # gone from the queue
    page = reviewer.post(f"/console/review/{notice}/approve", data={"csrf": token}).text
    assert note(page) == "已通过，屏幕将在几秒内开始播放"
    assert [i["id"] for i in manifest(world["api"], "screen-a")["items"]] == [notice]

    publisher = make_client()
    console_login(publisher, "王发布")
    rejected = publisher.get("/console/items?status=rejected").text
    assert "退回意见：</b>图片不清楚&lt;b&gt;" in rejected  # escaped
    assert f'href="/console/items/{item}/resubmit"' in rejected


def test_the_publisher_fixes_and_resubmits_with_a_new_photo(
    make_client: Callable[..., TestClient], world: World
) -> None:
    poster = poster_payload(world["api"], to=f"node:{world['a']}", title="七一海报")
    item = world["api"].post("/api/items", headers=world["publisher"], json=poster).json()["id"]
    reviewer = bearer(login(world["api"], "赵审核"))
    world["api"].post(f"/api/items/{item}/reject", headers=reviewer, json={"comment": "换图"})
    publisher = make_client()
    console_login(publisher, "王发布")
    form = publisher.get(f"/console/items/{item}/resubmit").text
    assert "审核意见：</b>换图" in form and 'value="七一海报"' in form
    token = csrf_of(publisher, f"/console/items/{item}/resubmit")
    photo = image_bytes(size=(90, 60))
    answer = publisher.post(
        f"/console/items/{item}/resubmit",
        data={"csrf": token, "title": "七一海报（新）", "valid_from": "", "valid_until": ""},
        files={"file": ("new.png", photo, "image/png")},
    )
    assert note(answer.text) == "已重新提交，等待审核"
    listed = world["api"].get("/api/items", headers=AUTH).json()["items"]
    assert [(i["status"], i["title"]) for i in listed if i["id"] == item] == [
        ("pending", "七一海报（新）")
    ]
    queue = world["api"].get("/api/reviews", headers=reviewer).json()["items"]
    new_sha = upload(world["api"], photo).json()["sha256"]
    assert queue[0]["item"]["image"]["sha256"] == new_sha


def test_a_resubmission_without_the_csrf_token_changes_nothing(
    make_client: Callable[..., TestClient], world: World
) -> None:
    item = submit(world)
    publisher = make_client()
    console_login(publisher, "王发布")
    answer = publisher.post(f"/console/items/{item}/resubmit", data={"text": "改了"})
    assert answer.status_code == 403
    queue = world["api"].get("/api/reviews", headers=AUTH).json()["items"]
    assert queue[0]["item"]["text"] == "周五学习"


def test_the_review_switch_for_the_acting_node(
    make_client: Callable[..., TestClient], world: World
) -> None:
    reviewer = make_client()
    console_login(reviewer, "赵审核")
    page = reviewer.get("/console/review").text
    assert "需经审核" in page and "关闭审核" in page
    token = csrf_of(reviewer, "/console/review")
    page = reviewer.post("/console/review/setting", data={"csrf": token, "on": ""}).text
    assert note(page) == "已关闭审核" and "开启审核" in page
    answer = world["api"].get(f"/api/org/nodes/{world['committee']}/review", headers=AUTH)
    assert answer.json()["on"] is False


def test_emergency_stop_and_resume_of_the_acting_node(
    make_client: Callable[..., TestClient], world: World
) -> None:
    publisher = make_client()
    console_login(publisher, "王发布")
    page = publisher.get("/console/stop").text
    assert "正常播放中" in page and 'data-testid="screens">1<' in page
    token = csrf_of(publisher, "/console/stop")
    page = publisher.post("/console/stop", data={"csrf": token, "stop": "1"}).text
    assert note(page).startswith("已紧急停播") and "已紧急停播：屏幕不播放" in page
    assert manifest(world["api"], "screen-a")["settings"]["emergency_stop"] is True
    assert manifest(world["api"], "screen-b")["settings"]["emergency_stop"] is False
    page = publisher.post("/console/stop", data={"csrf": token, "stop": "0"}).text
    assert note(page) == "已恢复播出" and "正常播放中" in page
    assert manifest(world["api"], "screen-a")["settings"]["emergency_stop"] is False
    stops = world["api"].get("/api/audit?limit=10", headers=AUTH).json()["entries"]
    assert [(e["action"], e["who"], e["flag"], e["node_id"]) for e in stops[:2]] == [
        ("emergency_resume", "王发布", "emergency", world["a"]),
        ("emergency_stop", "王发布", "emergency", world["a"]),
    ]


def test_the_audit_page_filters_and_downloads_csv(
    make_client: Callable[..., TestClient], world: World
) -> None:
    submit(world)
    admin = make_client()
    console_login(admin, "赵审核")
    page = admin.get("/console/audit").text
    assert "提交审核" in page and "王发布" in page and "来自 testclient" in page
    page = admin.get("/console/audit?action=submit").text
    assert page.count('class="entry') == 1
    csv_answer = admin.get("/console/audit.csv?action=submit")
    assert csv_answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["时间", "账号", "操作"] and rows[1][1:3] == ["王发布", "提交审核"]
    publisher = make_client()
    console_login(publisher, "王发布")
    refused = publisher.get("/console/audit")
    assert refused.status_code == 403 and "没有管理权限" in refused.text
