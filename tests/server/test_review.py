"""Review (审核) on the real app and SQLite: a committee reviews what its branches publish.

机关党委 (committee, review on) → 第一党支部 (screen-a) and 第二党支部 (screen-b). Branch a's
publisher 王发布 submits; the committee's reviewer 赵审核 rejects with a comment, approves; the
reviewer of the sibling branch 钱审核 can neither see nor approve.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from account_helpers import add_account, bearer, login
from fastapi.testclient import TestClient
from org_helpers import committee_with_two_branches
from server_helpers import AUTH, RecordingNotifier, image_bytes, manifest, poster_payload, upload

World = dict[str, Any]


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def world(make_client: Callable[..., TestClient], notifier: RecordingNotifier) -> World:
    client = make_client(notifier=notifier)
    ids: World = dict(committee_with_two_branches(client))
    add_account(client, "王发布", ids["a"], "publisher")
    add_account(client, "周管理", ids["a"], "administrator")
    add_account(client, "赵审核", ids["committee"], "reviewer")
    add_account(client, "钱审核", ids["b"], "reviewer")
    answer = client.put(
        f"/api/org/nodes/{ids['committee']}/review", headers=AUTH, json={"on": True}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["on"] is True and answer.json()["changed"] is True
    people = {
        name: bearer(login(client, name)) for name in ("王发布", "周管理", "赵审核", "钱审核")
    }
    return {**ids, "client": client, **people}


def item_ids(client: TestClient, screen: str) -> list[str]:
    return [item["id"] for item in manifest(client, screen)["items"]]


def listed(client: TestClient, headers: dict[str, str], item_id: str) -> dict[str, Any]:
    items = client.get("/api/items", headers=headers).json()["items"]
    return next(item for item in items if item["id"] == item_id)


def submit_notice(world: World, text: str = "本周五学习会", **fields: Any) -> str:
    client = world["client"]
    body = {"kind": "notice", "text": text, "to": f"node:{world['a']}", **fields}
    answer = client.post("/api/items", headers=world["王发布"], json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["review"] == "pending"
    return str(answer.json()["id"])


def test_the_whole_flow_submit_reject_resubmit_approve(
    world: World, notifier: RecordingNotifier
) -> None:
    client = world["client"]
    revision_before = manifest(client, "screen-a")["revision"]
    calls_before = len(notifier.calls)
    item = submit_notice(world, "本周五学习会（草稿）")

    # Held: in no manifest, no screen told, the revision of screen-a unchanged.
    assert item not in item_ids(client, "screen-a")
    assert manifest(client, "screen-a")["revision"] == revision_before
    assert len(notifier.calls) == calls_before
    assert listed(client, world["王发布"], item)["status"] == "pending"

    # The committee's reviewer sees it, with who sent it where.
    queue = client.get("/api/reviews", headers=world["赵审核"]).json()["items"]
    assert [each["id"] for each in queue] == [item]
    assert queue[0]["submitted_by"] == "王发布"
    assert queue[0]["to_label"] == "第一党支部"
    assert queue[0]["item"]["text"] == "本周五学习会（草稿）"

    # Rejected with a comment: the publisher sees it under 已退回 with the comment.
    comment = "请写明地点和时间"
    answer = client.post(
        f"/api/items/{item}/reject", headers=world["赵审核"], json={"comment": comment}
    )
    assert answer.status_code == 200, answer.text
    mine = listed(client, world["王发布"], item)
    assert (mine["status"], mine["review"], mine["review_comment"]) == (
        "rejected",
        "rejected",
        comment,
    )
    assert client.get("/api/reviews", headers=world["赵审核"]).json()["items"] == []
    assert item not in item_ids(client, "screen-a")

    # Fixed and resubmitted: pending again, still not on screens.
    answer = client.post(
        f"/api/items/{item}/resubmit",
        headers=world["王发布"],
        json={"changes": {"text": "本周五 15:00 在党员活动室学习", "title": "学习会"}},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["review"] == "pending"
    assert listed(client, world["王发布"], item)["status"] == "pending"
    assert item not in item_ids(client, "screen-a")
    assert len(notifier.calls) == calls_before

    # Approved: on screen-a with the fixed text, screen-a told, screen-b not.
    answer = client.post(f"/api/items/{item}/approve", headers=world["赵审核"])
    assert answer.status_code == 200, answer.text
    revision = answer.json()["revision"]
    shown = manifest(client, "screen-a")
    assert shown["revision"] == revision
    assert [(i["id"], i["text"], i["title"]) for i in shown["items"]] == [
        (item, "本周五 15:00 在党员活动室学习", "学习会")
    ]
    assert item not in item_ids(client, "screen-b")
    targets, told = notifier.calls[-1]
    assert told == revision and "screen:screen-a" in targets and "screen:screen-b" not in targets
    assert listed(client, world["王发布"], item)["status"] == "active"


def test_a_reviewer_of_a_sibling_branch_neither_sees_nor_approves(world: World) -> None:
    client = world["client"]
    item = submit_notice(world)
    assert client.get("/api/reviews", headers=world["钱审核"]).json()["items"] == []
    for action, body in (("approve", None), ("reject", {"comment": "不行"})):
        answer = client.post(f"/api/items/{item}/{action}", headers=world["钱审核"], json=body)
        assert answer.status_code == 404, answer.text
        assert answer.json()["code"] == "item_not_found"
    assert listed(client, AUTH, item)["status"] == "pending"


def test_the_publisher_and_the_branch_administrator_cannot_approve(world: World) -> None:
    client = world["client"]
    item = submit_notice(world)
    for person in ("王发布", "周管理"):
        answer = client.post(f"/api/items/{item}/approve", headers=world[person])
        assert answer.status_code == 403, answer.text
        assert answer.json()["code"] == "forbidden"
    assert item not in item_ids(client, "screen-a")


def test_reviewers_and_administrators_above_publish_at_once(world: World) -> None:
    client = world["client"]
    add_account(client, "孙委员", world["committee"], "publisher", "reviewer")
    person = bearer(login(client, "孙委员"))
    body = {"kind": "notice", "text": "委员会通知", "to": f"node:{world['a']}"}
    answer = client.post("/api/items", headers=person, json=body)
    assert answer.json()["review"] == "approved"
    assert answer.json()["id"] in item_ids(client, "screen-a")
    superuser = client.post("/api/items", headers=AUTH, json=body)
    assert superuser.json()["review"] == "approved"


def test_a_publisher_outside_any_reviewing_node_publishes_at_once(world: World) -> None:
    client = world["client"]
    client.put(f"/api/org/nodes/{world['committee']}/review", headers=AUTH, json={"on": False})
    body = {"kind": "notice", "text": "不需审核", "to": f"node:{world['a']}"}
    answer = client.post("/api/items", headers=world["王发布"], json=body)
    assert answer.json()["review"] == "approved"
    assert answer.json()["id"] in item_ids(client, "screen-a")


def test_a_rejection_needs_a_comment_of_at_most_500_characters(world: World) -> None:
    client = world["client"]
    item = submit_notice(world)
    for comment, code in (("  ", "comment_required"), ("太长" * 251, "comment_too_long")):
        answer = client.post(
            f"/api/items/{item}/reject", headers=world["赵审核"], json={"comment": comment}
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == code
    assert listed(client, AUTH, item)["status"] == "pending"


def test_an_approved_item_cannot_be_approved_again_or_resubmitted(world: World) -> None:
    client = world["client"]
    item = submit_notice(world)
    assert client.post(f"/api/items/{item}/approve", headers=world["赵审核"]).status_code == 200
    again = client.post(f"/api/items/{item}/approve", headers=world["赵审核"])
    assert (again.status_code, again.json()["code"]) == (409, "not_pending")
    answer = client.post(
        f"/api/items/{item}/resubmit", headers=world["王发布"], json={"changes": {}}
    )
    assert (answer.status_code, answer.json()["code"]) == (409, "not_resubmittable")


def test_a_resubmission_is_checked_like_a_publication(world: World) -> None:
    client = world["client"]
    item = submit_notice(world)
    client.post(f"/api/items/{item}/reject", headers=world["赵审核"], json={"comment": "改"})
    cases = (
        ({"text": ""}, 422, "invalid_item"),
        ({"valid_untill": "2026-07-01"}, 422, "unknown_field"),
        ({"kind": "poster"}, 422, "unknown_field"),
        ({"to": f"node:{world['b']}"}, 404, "node_not_found"),
    )
    for changes, status, code in cases:
        answer = client.post(
            f"/api/items/{item}/resubmit", headers=world["王发布"], json={"changes": changes}
        )
        assert (answer.status_code, answer.json()["code"]) == (status, code), changes
    assert listed(client, AUTH, item)["status"] == "rejected"


def test_a_rejected_poster_gets_a_new_image(world: World) -> None:
    client = world["client"]
    payload = poster_payload(client, to=f"node:{world['a']}", title="七一海报")
    answer = client.post("/api/items", headers=world["王发布"], json=payload)
    item = answer.json()["id"]
    client.post(f"/api/items/{item}/reject", headers=world["赵审核"], json={"comment": "换图"})
    new_image = upload(client, image_bytes(size=(80, 60))).json()["sha256"]
    assert new_image != payload["image"]["sha256"]
    answer = client.post(
        f"/api/items/{item}/resubmit",
        headers=world["王发布"],
        json={"changes": {"image": {"sha256": new_image}}},
    )
    assert answer.status_code == 200, answer.text
    client.post(f"/api/items/{item}/approve", headers=world["赵审核"])
    shown = manifest(client, "screen-a")["items"]
    assert [(i["id"], i["image"]["sha256"]) for i in shown] == [(item, new_image)]


def test_an_urgent_notice_by_the_branch_administrator_bypasses_review_and_is_flagged(
    world: World,
) -> None:
    client = world["client"]
    body = {"kind": "notice", "text": "暴雨停课", "urgent": True, "to": f"node:{world['a']}"}
    answer = client.post("/api/items", headers=world["周管理"], json=body)
    assert answer.json()["review"] == "approved"
    item = answer.json()["id"]
    assert item in item_ids(client, "screen-a")
    entries = client.get("/api/audit?action=publish", headers=AUTH).json()["entries"]
    flagged = [e for e in entries if e["target"] == item]
    assert [(e["who"], e["flag"]) for e in flagged] == [("周管理", "bypassed_review")]
    # A plain publisher's urgent notice still waits.
    answer = client.post("/api/items", headers=world["王发布"], json=body)
    assert answer.json()["review"] == "pending"


def test_the_review_setting_is_for_administrators_of_the_node_or_above(world: World) -> None:
    client = world["client"]
    url = f"/api/org/nodes/{world['a']}/review"
    assert client.put(url, headers=world["王发布"], json={"on": True}).status_code == 403
    answer = client.put(url, headers=world["周管理"], json={"on": True})
    assert answer.status_code == 200 and answer.json()["on"] is True
    sibling = client.put(
        f"/api/org/nodes/{world['b']}/review", headers=world["周管理"], json={"on": True}
    )
    assert sibling.status_code == 404
    seen = client.get(url, headers=world["王发布"]).json()
    assert seen["on"] is True and seen["set_by"] == "周管理"
