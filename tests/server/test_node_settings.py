"""Screen settings of an organisation node (``/api/org/nodes/{id}/settings``): between the level
for all screens and each screen's own, told to exactly the screens of the subtree, and scoped by
the node. The tree: root → 机关党委 → 第一党支部 (screen-a), 第二党支部 (screen-b); screen-root
belongs to the root."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from account_helpers import add_account, bearer, login
from fastapi.testclient import TestClient
from org_helpers import ROOT, committee_with_two_branches
from server_helpers import AUTH, RecordingNotifier, get_manifest, manifest

SCREENS = ("screen-a", "screen-b", "screen-root")


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def client(make_client: Callable[..., TestClient], notifier: RecordingNotifier) -> TestClient:
    return make_client(notifier=notifier)


@pytest.fixture
def ids(client: TestClient) -> dict[str, int]:
    found = committee_with_two_branches(client)
    manifest(client, "screen-root")  # seen once: a screen of the root
    return found


def put(client: TestClient, node: int, headers: dict[str, str] = AUTH, **fields: Any) -> Any:
    return client.put(f"/api/org/nodes/{node}/settings", headers=headers, json=fields)


def get(client: TestClient, node: int, headers: dict[str, str] = AUTH) -> Any:
    return client.get(f"/api/org/nodes/{node}/settings", headers=headers)


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json())


def settings_of(client: TestClient, screen: str) -> dict[str, Any]:
    return dict(manifest(client, screen)["settings"])


def test_a_nodes_settings_sit_between_all_screens_and_each_screens_own(
    client: TestClient, ids: dict[str, int]
) -> None:
    ok(client.put("/api/screens/all/settings", headers=AUTH, json={"theme": "solemn"}))
    ok(put(client, ids["committee"], org_name="机关党委", mourning_dates=["2026-04-04"]))
    ok(put(client, ids["a"], theme="high-contrast", mourning_dates=["2026-09-30"]))
    ok(client.put("/api/screens/screen-a/settings", headers=AUTH, json={"poster_seconds": 20}))

    a, b, root = (settings_of(client, screen) for screen in SCREENS)
    assert (a["theme"], b["theme"], root["theme"]) == ("high-contrast", "solemn", "solemn")
    assert a["org_name"] == b["org_name"] == "机关党委" and root["org_name"] != "机关党委"
    assert a["mourning_dates"] == ["2026-04-04", "2026-09-30"]  # every level's days
    assert b["mourning_dates"] == ["2026-04-04"] and root["mourning_dates"] == []
    assert a["poster_seconds"] == 20

    ok(put(client, ids["a"], theme=None))  # follows the levels above again
    assert settings_of(client, "screen-a")["theme"] == "solemn"


def test_a_change_tells_and_changes_exactly_the_screens_of_the_subtree(
    client: TestClient, ids: dict[str, int], notifier: RecordingNotifier
) -> None:
    before = {screen: get_manifest(client, screen).headers["ETag"] for screen in SCREENS}
    notifier.calls.clear()
    answer = ok(put(client, ids["a"], emergency_stop=True))
    assert answer["changed"] is True
    seq = answer["revision"]
    assert notifier.calls == [(sorted([f"node:{ids['a']}", "screen:screen-a"]), seq)]
    after = {screen: get_manifest(client, screen).headers["ETag"] for screen in SCREENS}
    assert after["screen-a"] != before["screen-a"]
    assert {s: after[s] for s in SCREENS[1:]} == {s: before[s] for s in SCREENS[1:]}
    assert manifest(client, "screen-a")["revision"] == seq
    assert [settings_of(client, s)["emergency_stop"] for s in SCREENS] == [True, False, False]

    again = ok(put(client, ids["a"], emergency_stop=True))  # set already: no change
    assert again["changed"] is False and len(notifier.calls) == 1

    committee = ok(put(client, ids["committee"], emergency_stop=True))
    assert notifier.calls[-1] == (
        sorted([f"node:{ids['committee']}", "screen:screen-a", "screen:screen-b"]),
        committee["revision"],
    )


def test_a_stop_above_outlives_a_resume_below(client: TestClient, ids: dict[str, int]) -> None:
    ok(put(client, ids["committee"], emergency_stop=True))
    ok(client.put("/api/screens/screen-a/settings", headers=AUTH, json={"emergency_stop": False}))
    ok(put(client, ids["a"], emergency_stop=False))
    assert settings_of(client, "screen-a")["emergency_stop"] is True
    screen = ok(client.get("/api/screens/screen-a/settings", headers=AUTH))
    stopped_above = [level["target"] for level in screen["above"] if level["own"]]
    assert stopped_above == [f"node:{ids['committee']}"]
    ok(put(client, ids["committee"], emergency_stop=False))
    assert settings_of(client, "screen-a")["emergency_stop"] is False


def test_the_view_of_a_node(client: TestClient, ids: dict[str, int]) -> None:
    ok(client.put("/api/screens/all/settings", headers=AUTH, json={"theme": "solemn"}))
    own_change = ok(put(client, ids["committee"], org_name="机关党委"))["revision"]
    ok(put(client, ids["a"], theme="party-red", emergency_stop=True))
    ok(client.put("/api/screens/screen-b/settings", headers=AUTH, json={"emergency_stop": True}))
    ok(client.put("/api/screens/screen-b/settings", headers=AUTH, json={"theme": "solemn"}))

    view = ok(get(client, ids["committee"]))
    assert view["screen_id"] == f"node:{ids['committee']}"
    assert view["node"] == {"id": ids["committee"], "name": "机关党委", "kind": "党委"}
    assert view["own"] == {"org_name": "机关党委"}
    assert (view["settings"]["org_name"], view["settings"]["theme"]) == ("机关党委", "solemn")
    assert view["settings"]["emergency_stop"] is False  # a screen of the committee itself
    assert [(level["target"], level["own"]) for level in view["above"]] == [
        ("all", {"theme": "solemn"})
    ]
    assert view["screens_stopped"] == ["screen-b"]
    assert view["nodes_stopped"] == [{"target": f"node:{ids['a']}", "name": "第一党支部"}]
    # screen-a by its branch, screen-b by itself: both keep their theme whatever is set here.
    assert view["screens_overriding"] == {"theme": 2}
    assert view["revision"] == own_change  # the level's last change, not what happened below

    branch = ok(get(client, ids["a"]))
    assert branch["settings"]["emergency_stop"] is True
    assert branch["screens_overriding"] == {} and branch["nodes_stopped"] == []
    # The root's level is the level for all screens, whichever way it is asked for.
    assert ok(get(client, ROOT)) == ok(client.get("/api/screens/all/settings", headers=AUTH))


def test_errors_are_one_line_and_change_nothing(client: TestClient, ids: dict[str, int]) -> None:
    unknown = put(client, 999, emergency_stop=True)
    assert unknown.status_code == 404 and unknown.json()["code"] == "node_not_found"
    bad = put(client, ids["a"], orientation="sideways")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_settings"
    assert "\n" not in bad.json()["detail"]
    assert client.put(f"/api/org/nodes/{ids['a']}/settings", json={}).status_code == 401
    assert client.get("/api/org/nodes/x/settings", headers=AUTH).status_code == 422
    assert ok(get(client, ids["a"]))["own"] == {}


def test_a_branch_publisher_stops_its_own_branch_and_nothing_else(
    client: TestClient, ids: dict[str, int], data_dir: Path
) -> None:
    add_account(client, "王书记", ids["a"], "publisher")
    add_account(client, "陈干事", ids["a"], "viewer")
    publisher, viewer = bearer(login(client, "王书记")), bearer(login(client, "陈干事"))

    stopped = ok(put(client, ids["a"], publisher, emergency_stop=True))
    assert stopped["changed"] is True
    assert [settings_of(client, s)["emergency_stop"] for s in SCREENS] == [True, False, False]
    assert ok(get(client, ids["a"], viewer))["own"] == {"emergency_stop": True}

    refusals = [
        (put(client, ids["b"], publisher, emergency_stop=True), 404, "node_not_found"),
        (put(client, ids["committee"], publisher, emergency_stop=True), 404, "node_not_found"),
        (put(client, ROOT, publisher, emergency_stop=True), 404, "node_not_found"),
        (get(client, ids["b"], publisher), 404, "node_not_found"),
        (
            client.put("/api/screens/all/settings", headers=publisher, json={"emergency_stop": 1}),
            403,
            "forbidden",
        ),
        (put(client, ids["a"], viewer, emergency_stop=False), 403, "forbidden"),
    ]
    for answer, status, code in refusals:
        assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    assert [settings_of(client, s)["emergency_stop"] for s in SCREENS] == [True, False, False]

    resumed = ok(put(client, ids["a"], publisher, emergency_stop=False))
    assert resumed["changed"] is True and settings_of(client, "screen-a")["emergency_stop"] is False


def test_the_schema_declares_the_node_settings_answers(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for method in ("get", "put"):
        answers = paths["/api/org/nodes/{node_id}/settings"][method]["responses"]
        assert {"200", "401", "403", "404", "422"} <= set(answers)
