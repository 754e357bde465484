"""Publishing to organisation nodes: what each screen's manifest holds, its revision and ETag,
and who is told. The tree: root → 机关党委 → 第一党支部 (screen-a), 第二党支部 (screen-b); a
screen never assigned (screen-root) belongs to the root."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from org_helpers import ROOT, add, assign, committee_with_two_branches
from server_helpers import AUTH, RecordingNotifier, get_manifest, manifest, publish

SCREENS = ("screen-a", "screen-b", "screen-root")


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def client(make_client: Callable[..., TestClient], notifier: RecordingNotifier) -> TestClient:
    return make_client(notifier=notifier)


@pytest.fixture
def ids(client: TestClient) -> dict[str, int]:
    return committee_with_two_branches(client)


def texts(client: TestClient, screen: str) -> list[str]:
    return [item["text"] for item in manifest(client, screen)["items"]]


def etags(client: TestClient) -> dict[str, str]:
    return {screen: get_manifest(client, screen).headers["etag"] for screen in SCREENS}


def notice(client: TestClient, text: str, to: str) -> dict:
    return publish(client, kind="notice", text=text, to=to)


def test_an_item_for_a_branch_reaches_its_screens_only(
    client: TestClient, ids: dict[str, int]
) -> None:
    notice(client, "全体", "all")
    notice(client, "党委", f"node:{ids['committee']}")
    notice(client, "一支部", f"node:{ids['a']}")
    notice(client, "二支部", f"node:{ids['b']}")
    notice(client, "A 屏", "screen-a")
    assert texts(client, "screen-a") == ["全体", "党委", "一支部", "A 屏"]
    assert texts(client, "screen-b") == ["全体", "党委", "二支部"]
    assert texts(client, "screen-root") == ["全体"]


def test_the_root_can_be_named_all_or_node_1(client: TestClient, ids: dict[str, int]) -> None:
    item = notice(client, "根", f"node:{ROOT}")
    assert texts(client, "screen-b") == ["根"]
    listed = client.get("/api/items", headers=AUTH).json()["items"]
    assert {i["id"]: i["to"] for i in listed}[item["id"]] == "all"
    branch = notice(client, "支部", f"node:{ids['a']}")
    listed = client.get("/api/items", headers=AUTH).json()["items"]
    assert {i["id"]: i["to"] for i in listed}[branch["id"]] == f"node:{ids['a']}"


@pytest.mark.parametrize(
    ("to", "code"),
    [("node:999", "unknown_node"), ("node:abc", "bad_target"), ("node:", "bad_target")],
)
def test_an_unknown_or_malformed_node_is_refused(
    client: TestClient, ids: dict[str, int], to: str, code: str
) -> None:
    before = etags(client)
    answer = client.post("/api/items", headers=AUTH, json={"kind": "notice", "text": "x", "to": to})
    assert answer.status_code == 422 and answer.json()["code"] == code
    assert etags(client) == before


def test_publishing_to_a_branch_changes_only_its_screens_revisions_and_etags(
    client: TestClient, ids: dict[str, int], notifier: RecordingNotifier
) -> None:
    notice(client, "全体", "all")
    before = etags(client)
    notifier.calls.clear()

    item = notice(client, "一支部", f"node:{ids['a']}")

    after = etags(client)
    assert after["screen-a"] != before["screen-a"]
    assert after["screen-b"] == before["screen-b"]
    assert after["screen-root"] == before["screen-root"]
    assert manifest(client, "screen-a")["revision"] == item["revision"]
    assert manifest(client, "screen-b")["revision"] < item["revision"]
    assert notifier.calls == [([f"node:{ids['a']}", "screen:screen-a"], item["revision"])]

    notifier.calls.clear()
    committee = notice(client, "党委", f"node:{ids['committee']}")
    later = etags(client)
    assert later["screen-a"] != after["screen-a"] and later["screen-b"] != after["screen-b"]
    assert later["screen-root"] == before["screen-root"]
    told = [f"node:{ids['committee']}", "screen:screen-a", "screen:screen-b"]
    assert notifier.calls == [(told, committee["revision"])]

    notifier.calls.clear()
    withdrawn = client.delete(f"/api/items/{item['id']}", headers=AUTH).json()
    assert notifier.calls == [([f"node:{ids['a']}", "screen:screen-a"], withdrawn["revision"])]
    assert etags(client)["screen-b"] == later["screen-b"]


def test_moving_a_screen_changes_what_it_gets_and_its_etag(
    client: TestClient, ids: dict[str, int], notifier: RecordingNotifier
) -> None:
    notice(client, "一支部", f"node:{ids['a']}")
    notice(client, "二支部", f"node:{ids['b']}")
    before = etags(client)
    revision_before = manifest(client, "screen-a")["revision"]
    notifier.calls.clear()

    moved = assign(client, "screen-a", ids["b"])

    assert texts(client, "screen-a") == ["二支部"]
    after = etags(client)
    assert after["screen-a"] != before["screen-a"]
    assert after["screen-b"] == before["screen-b"]
    assert moved["revision"] == manifest(client, "screen-a")["revision"] > revision_before
    assert notifier.calls == [(["screen:screen-a"], moved["revision"])]


def test_moving_a_node_changes_its_screens_and_only_theirs(
    client: TestClient, ids: dict[str, int], notifier: RecordingNotifier
) -> None:
    other = add(client, ROOT, "党委", "后勤党委")
    notice(client, "机关党委", f"node:{ids['committee']}")
    notice(client, "后勤党委", f"node:{other}")
    assert texts(client, "screen-a") == ["机关党委"]
    before = etags(client)
    notifier.calls.clear()

    answer = client.patch(
        f"/api/org/nodes/{ids['a']}", headers=AUTH, json={"parent_id": other}
    ).json()

    assert texts(client, "screen-a") == ["后勤党委"]
    after = etags(client)
    assert after["screen-a"] != before["screen-a"]
    assert after["screen-b"] == before["screen-b"] and after["screen-root"] == before["screen-root"]
    assert manifest(client, "screen-a")["revision"] == answer["revision"]
    assert notifier.calls == [([f"node:{ids['a']}", "screen:screen-a"], answer["revision"])]


def test_renaming_or_adding_nodes_changes_no_manifest(
    client: TestClient, ids: dict[str, int], notifier: RecordingNotifier
) -> None:
    notice(client, "全体", "all")
    before = etags(client)
    notifier.calls.clear()
    client.patch(f"/api/org/nodes/{ids['a']}", headers=AUTH, json={"name": "第一支部"})
    add(client, ids["a"], "党小组", "第一党小组")
    assert etags(client) == before
    assert notifier.calls == []


def test_a_meeting_published_to_a_branch_reaches_its_screen_only(
    client: TestClient, ids: dict[str, int]
) -> None:
    meeting = {
        "meeting_type": "党课",
        "title": "七月党课",
        "branch": "第一党支部",
        "place": "活动室",
        "start": "2026-07-01T09:00",
        "end": "2026-07-01T10:00",
        "to": f"node:{ids['a']}",
    }
    created = client.post("/api/meetings", headers=AUTH, json=meeting)
    assert created.status_code == 201, created.text
    kinds = {screen: [i["kind"] for i in manifest(client, screen)["items"]] for screen in SCREENS}
    assert kinds == {"screen-a": ["meeting"], "screen-b": [], "screen-root": []}
    unknown = client.post("/api/meetings", headers=AUTH, json={**meeting, "to": "node:404"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_node"
