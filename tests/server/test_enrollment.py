"""Enrolling screens by pairing code and revoking them, through the real app and SQLite.

A screen asks for a code (no token), an administrator enters it for a node, the screen's next
poll carries its own credential once; revoking refuses that credential and the derived token
with 403 ``screen_revoked``. Codes are single use, expire, and are limited per address; wrong
codes lock the person entering them.
"""

from __future__ import annotations

from typing import Any

import pytest
from account_helpers import add_account, bearer, login
from fastapi.testclient import TestClient
from org_helpers import committee_with_two_branches
from server_helpers import AUTH, FakeClock, RecordingNotifier, screen_auth

from content_server.enrollment.service import PAIRINGS_PER_ADDRESS


def ask_code(client: TestClient, screen: str, **extra: Any) -> dict[str, Any]:
    answer = client.post("/api/pairings", json={"screen_id": screen, **extra})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def poll(client: TestClient, pairing: dict[str, Any]) -> Any:
    return client.post("/api/pairings/status", json={"handle": pairing["handle"]})


def enter(client: TestClient, code: str, node: int, headers: dict[str, str] = AUTH) -> Any:
    return client.post("/api/enrollments", headers=headers, json={"code": code, "node_id": node})


def manifest_with(client: TestClient, screen: str, token: str) -> Any:
    return client.get(f"/api/screens/{screen}/manifest", headers=bearer(token))


def enroll(client: TestClient, screen: str, node: int) -> str:
    """Pair ``screen`` into ``node`` as the superuser; returns its credential."""
    pairing = ask_code(client, screen)
    assert enter(client, pairing["code"], node).status_code == 201
    answer = poll(client, pairing).json()
    assert answer["status"] == "enrolled", answer
    return str(answer["token"])


def states(client: TestClient, headers: dict[str, str] = AUTH) -> dict[str, str]:
    answer = client.get("/api/screens", headers=headers)
    assert answer.status_code == 200, answer.text
    return {each["screen_id"]: each["state"] for each in answer.json()["screens"]}


@pytest.fixture
def tree(client: TestClient) -> dict[str, int]:
    return committee_with_two_branches(client)


def test_pairing_round_trip_gives_the_screen_its_own_credential(
    client: TestClient, tree: dict[str, int]
) -> None:
    pairing = ask_code(client, "hall-1", display_name="一楼大厅", orientation="portrait")
    assert len(pairing["code"]) == 6 and pairing["code"].isdigit()
    assert pairing["handle"].startswith("kh_") and pairing["poll_seconds"] > 0
    assert poll(client, pairing).json()["status"] == "waiting"
    assert manifest_with(client, "hall-1", pairing["handle"]).status_code == 401

    code = f"{pairing['code'][:3]} {pairing['code'][3:]}"  # as the screen shows it
    entered = enter(client, code, tree["a"])
    assert entered.status_code == 201, entered.text
    body = entered.json()
    assert body["screen_id"] == "hall-1" and body["display_name"] == "一楼大厅"
    assert body["node"]["name"] == "第一党支部" and body["replaced"] is False
    assert states(client)["hall-1"] == "awaiting_screen"

    answer = poll(client, pairing)
    assert answer.status_code == 200, answer.text
    enrolled = answer.json()
    assert enrolled["status"] == "enrolled" and enrolled["node"]["id"] == tree["a"]
    listed = client.get("/api/screens/hall-1/manifest", headers=AUTH).json()["signing_keys"]
    assert enrolled["signing_keys"] == listed and listed  # the keys its manifests are signed by
    token = enrolled["token"]
    assert token.startswith("kc_") and len(token) > 40
    assert poll(client, pairing).json()["code"] == "pairing_not_found"  # handed out once
    assert states(client)["hall-1"] == "enrolled"

    own = manifest_with(client, "hall-1", token)
    assert own.status_code == 200, own.text
    assert client.get("/api/screens/hall-1/node", headers=AUTH).json()["node"]["id"] == tree["a"]
    assert manifest_with(client, "screen-a", token).status_code == 401  # one screen only
    derived = client.get("/api/screens/hall-1/manifest", headers=screen_auth(client, "hall-1"))
    assert derived.status_code == 401, "an enrolled screen no longer opens with its derived token"
    records = client.post(
        "/api/screens/hall-1/learning-records", headers=bearer(token), json={"records": []}
    )
    assert records.status_code == 200, records.text


def test_a_code_is_single_use_and_expires(
    client: TestClient, tree: dict[str, int], clock: FakeClock
) -> None:
    used = ask_code(client, "hall-1")
    assert enter(client, used["code"], tree["a"]).status_code == 201
    again = enter(client, used["code"], tree["a"])
    assert again.status_code == 404 and again.json()["code"] == "pairing_not_found"

    late = ask_code(client, "hall-2")
    clock.advance(minutes=14, seconds=59)
    assert poll(client, late).json()["status"] == "waiting"
    clock.advance(seconds=1)
    assert poll(client, late).json()["status"] == "expired"
    refused = enter(client, late["code"], tree["a"])
    assert refused.status_code == 404 and "已过期" in refused.json()["detail"]
    assert "hall-2" not in states(client)

    # The entered code's credential waits 15 minutes for its screen, then ends too.
    clock.advance(minutes=1)
    assert poll(client, used).json()["status"] == "expired"


def test_codes_are_limited_per_address(client: TestClient, clock: FakeClock) -> None:
    for number in range(PAIRINGS_PER_ADDRESS):
        ask_code(client, f"s-{number}")
    refused = client.post("/api/pairings", json={"screen_id": "one-more"})
    assert refused.status_code == 429, refused.text
    assert refused.json()["code"] == "too_many_pairings"
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    clock.advance(minutes=10)
    ask_code(client, "one-more")


def test_wrong_codes_lock_the_person_who_enters_them(
    client: TestClient, tree: dict[str, int]
) -> None:
    pairing = ask_code(client, "hall-1")
    wrong = "000000" if pairing["code"] != "000000" else "111111"
    for _ in range(5):
        answer = enter(client, wrong, tree["a"])
        assert answer.status_code == 404 and answer.json()["code"] == "pairing_not_found"
    locked = enter(client, pairing["code"], tree["a"])  # even the right one, for now
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts"
    assert int(locked.headers["Retry-After"]) > 0
    assert poll(client, pairing).json()["status"] == "waiting"


def test_bad_requests_are_one_chinese_line(client: TestClient) -> None:
    bad_id = client.post("/api/pairings", json={"screen_id": "../etc"})
    assert bad_id.status_code == 400 and bad_id.json()["code"] == "bad_screen_id"
    reserved = client.post("/api/pairings", json={"screen_id": "all"})
    assert reserved.json()["code"] == "reserved_screen_id"
    extra = client.post("/api/pairings", json={"screen_id": "s1", "token": "x"})
    assert extra.status_code == 422
    unknown = client.post("/api/pairings/status", json={"handle": "kh_nothing"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "pairing_not_found"
    anonymous = client.post("/api/enrollments", json={"code": "123456", "node_id": 1})
    assert anonymous.status_code == 401


def test_an_administrator_enrolls_and_revokes_only_within_their_node(
    client: TestClient, tree: dict[str, int]
) -> None:
    add_account(client, "李委员", tree["b"], "administrator")
    add_account(client, "张发布", tree["b"], "publisher")
    caller = bearer(login(client, "李委员"))
    publisher = bearer(login(client, "张发布"))

    into_sibling = ask_code(client, "new-1")
    answer = enter(client, into_sibling["code"], tree["a"], caller)
    assert answer.status_code == 404 and answer.json()["code"] == "node_not_found"
    answer = enter(client, into_sibling["code"], tree["committee"], caller)
    assert answer.status_code == 404
    answer = enter(client, into_sibling["code"], tree["b"], publisher)
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"

    sibling_screen = ask_code(client, "screen-a")  # a screen of 第一党支部 asks for a code
    answer = enter(client, sibling_screen["code"], tree["b"], caller)
    assert answer.status_code == 404 and answer.json()["code"] == "screen_not_found"
    assert poll(client, sibling_screen).json()["status"] == "waiting"
    assert client.get("/api/screens/screen-a/node", headers=AUTH).json()["node"]["id"] == tree["a"]

    revoked = client.delete("/api/screens/screen-a/enrollment", headers=caller)
    assert revoked.status_code == 404 and revoked.json()["code"] == "screen_not_found"
    assert states(client)["screen-a"] == "not_enrolled"

    mine = enter(client, into_sibling["code"], tree["b"], caller)  # a new screen: into b
    assert mine.status_code == 201, mine.text
    assert client.delete("/api/screens/screen-b/enrollment", headers=caller).status_code == 200
    seen = states(client, caller)
    assert seen == {"new-1": "awaiting_screen", "screen-b": "revoked"}


def test_revoking_one_screen_refuses_its_credential_and_derived_token_only(
    make_client, tree: dict[str, int]
) -> None:
    notifier = RecordingNotifier()
    client = make_client(notifier=notifier)
    token = enroll(client, "hall-1", tree["a"])
    old_style = screen_auth(client, "screen-b")  # an existing install: derived token
    assert client.get("/api/screens/screen-b/manifest", headers=old_style).status_code == 200

    for screen in ("hall-1", "screen-b"):
        answer = client.delete(f"/api/screens/{screen}/enrollment", headers=AUTH)
        assert answer.status_code == 200 and answer.json()["changed"] is True
    assert ([f"screen:{'screen-b'}"], notifier.calls[-1][1]) == notifier.calls[-1]
    again = client.delete("/api/screens/hall-1/enrollment", headers=AUTH)
    assert again.json()["changed"] is False

    for screen, headers in (("hall-1", bearer(token)), ("screen-b", old_style)):
        for path in ("manifest", "events"):
            refused = client.get(f"/api/screens/{screen}/{path}", headers=headers)
            assert refused.status_code == 403, refused.text
            assert refused.json()["code"] == "screen_revoked"
            assert "停用" in refused.json()["detail"]
    wrong = client.get("/api/screens/hall-1/manifest", headers=bearer("kc_" + "x" * 43))
    assert wrong.status_code == 401  # a stranger is not told the screen was revoked
    other = client.get("/api/screens/screen-a/manifest", headers=screen_auth(client, "screen-a"))
    assert other.status_code == 200
    assert client.get("/api/screens/hall-1/manifest", headers=AUTH).status_code == 200
    assert states(client)["hall-1"] == "revoked"

    # A new code enrolls the revoked screen again; its old credential stays refused.
    fresh = enroll(client, "hall-1", tree["a"])
    assert manifest_with(client, "hall-1", fresh).status_code == 200
    assert manifest_with(client, "hall-1", token).status_code == 401
    assert states(client)["hall-1"] == "enrolled"


def test_enrolling_again_replaces_the_credential_and_revoking_ends_a_waiting_one(
    client: TestClient, tree: dict[str, int]
) -> None:
    first = enroll(client, "hall-1", tree["a"])
    pairing = ask_code(client, "hall-1")
    answer = enter(client, pairing["code"], tree["b"])
    assert answer.json()["replaced"] is True
    assert manifest_with(client, "hall-1", first).status_code == 401
    second = poll(client, pairing).json()["token"]
    assert manifest_with(client, "hall-1", second).status_code == 200
    assert client.get("/api/screens/hall-1/node", headers=AUTH).json()["node"]["id"] == tree["b"]

    waiting = ask_code(client, "hall-2")
    assert enter(client, waiting["code"], tree["a"]).status_code == 201
    assert client.delete("/api/screens/hall-2/enrollment", headers=AUTH).status_code == 200
    assert poll(client, waiting).json()["status"] == "expired"  # no credential after all
