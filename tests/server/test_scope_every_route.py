"""Every route of the app, from ``app.routes``, has a scope decision here; a route added
without one fails ``test_every_route_has_a_decision``.

The caller is 李委员, administrator and publisher of 第二党支部 (branch b). Each request
names things of the sibling 第一党支部 (branch a): its node, its screen, its items, its
meeting, its roster, its people. A scoped route must answer 403 or 404 (never 401: the
caller's token is good) and leave every table as it was; a list must leave out everything
of branch a; a screen's own route refuses anything but that screen's token (401).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from account_helpers import add_account, bearer, login, personal_token
from fastapi.testclient import TestClient
from org_helpers import committee_with_two_branches
from server_helpers import AUTH, screen_auth

from tests.support.images import jpeg_bytes

ROSTER = "姓名,党员编号,手机号\n张三,A001,13800000001\n".encode()

_PHOTO = {"file": ("IMG_0001.JPG", jpeg_bytes())}  # a real JPEG, for the publishing forms
Ids = dict[str, Any]
Request = tuple[str, str, dict[str, Any]]  # method, url, keyword arguments for the client


@dataclass(frozen=True)
class Public:
    reason: str


@dataclass(frozen=True)
class ScreenOnly:
    """A screen's own route: only that screen's token (or the admin token) opens it."""

    path: Callable[[Ids], str]


@dataclass(frozen=True)
class OwnAccount:
    reason: str


@dataclass(frozen=True)
class Scoped:
    requests: Callable[[Ids], list[Request]]


@dataclass(frozen=True)
class Filtered:
    """A list: answered, but with nothing of branch a in it."""

    url: str
    hidden: Callable[[Ids], list[str]]


@dataclass(frozen=True)
class ConsolePage:
    """A console page (the caller's console session cookie): answered, without anything of
    branch a in it."""

    url: str
    hidden: Callable[[Ids], list[str]]


@dataclass(frozen=True)
class ConsoleForm:
    """A console form aimed at branch a (with the caller's session and a good CSRF token):
    refused in a page, nothing of branch a shown, nothing changed."""

    requests: Callable[[Ids], list[Request]]


def _post_meeting(to: str, branch: str) -> Request:
    body = {
        "meeting_type": "党课",
        "title": "越权的会议",
        "branch": branch,
        "place": "活动室",
        "start": "2026-06-02T09:00",
        "end": "2026-06-02T10:00",
        "to": to,
    }
    return ("POST", "/api/meetings", {"json": body})


DECISIONS: dict[tuple[str, str], object] = {
    ("GET", "/healthz"): Public("liveness for load balancers; says nothing"),
    ("GET", "/api/openapi.json"): Public("the API's schema; the same for everyone"),
    ("GET", "/assets/{sha256}"): Public(
        "content-addressed and immutable; only a manifest names a hash (see Screen credentials)"
    ),
    ("HEAD", "/assets/{sha256}"): Public("as GET /assets/{sha256}"),
    ("GET", "/api/meetings/{meeting_id}/live"): Public(
        "the live count already on the screen; never the secret"
    ),
    ("GET", "/api/meetings/{meeting_id}/live/events"): Public("as /live, as a stream"),
    ("GET", "/m/{meeting_id}"): Public("the phone page a scanned code opens; checks the code"),
    ("POST", "/m/{meeting_id}"): Public("phone sign-in; checks the rotating code and the roster"),
    ("POST", "/m/{meeting_id}/leave"): Public("phone leave request; checks the roster"),
    ("POST", "/api/login"): Public("the way in; rate-limited per account and address"),
    ("POST", "/api/pairings"): Public(
        "a screen with no credential asks for a code; the code enrolls nothing until an "
        "administrator of a node enters it (scoped); limited per address and in all"
    ),
    ("POST", "/api/pairings/status"): Public(
        "answers only to the secret handle its screen got with the code (a 256-bit random)"
    ),
    ("GET", "/console"): Public("redirects to /console/"),
    ("GET", "/console/static/{name}"): Public("the console's CSS and JavaScript"),
    ("GET", "/console/login"): Public("the console's login page"),
    ("POST", "/console/login"): Public("the console's way in, as POST /api/login"),
    ("POST", "/console/logout"): OwnAccount("ends the caller's own console session"),
    ("GET", "/console/password"): OwnAccount("the form to change one's own password"),
    ("POST", "/console/password"): OwnAccount("changes the caller's own password"),
    ("POST", "/console/acting"): ConsoleForm(
        lambda ids: [("POST", "/console/acting", {"data": {"node": ids["a"]}})]
    ),
    ("GET", "/console/"): ConsolePage("/console/", lambda ids: ["第一党支部"]),
    ("GET", "/console/items"): ConsolePage(
        "/console/items?status=active", lambda ids: ids["a_items"]
    ),
    ("POST", "/console/items/{item_id}/withdraw"): ConsoleForm(
        lambda ids: [("POST", f"/console/items/{item}/withdraw", {}) for item in ids["a_items"]]
    ),
    ("POST", "/console/items/{item_id}/republish"): ConsoleForm(
        lambda ids: [("POST", f"/console/items/{item}/republish", {}) for item in ids["a_items"]]
    ),
    ("GET", "/console/publish/poster"): ConsolePage(
        "/console/publish/poster", lambda ids: ["第一党支部", "screen-a"]
    ),
    ("POST", "/console/publish/poster"): ConsoleForm(
        lambda ids: [
            ("POST", "/console/publish/poster", {"data": {"to": to}, "files": _PHOTO})
            for to in (f"node:{ids['a']}", "screen-a")
        ]
    ),
    ("GET", "/console/publish/holiday"): ConsolePage(
        "/console/publish/holiday", lambda ids: ["第一党支部", "screen-a"]
    ),
    ("POST", "/console/publish/holiday"): ConsoleForm(
        lambda ids: [
            (
                "POST",
                "/console/publish/holiday",
                {"data": {"to": to, "day": "2026-07-01"}, "files": _PHOTO},
            )
            for to in (f"node:{ids['a']}", "screen-a")
        ]
    ),
    ("GET", "/console/publish/notice"): ConsolePage(
        "/console/publish/notice", lambda ids: ["第一党支部", "screen-a"]
    ),
    ("POST", "/console/publish/notice"): ConsoleForm(
        lambda ids: [
            ("POST", "/console/publish/notice", {"data": {"to": to, "text": "越权"}})
            for to in (f"node:{ids['a']}", "screen-a")
        ]
    ),
    ("POST", "/console/publish/upload"): OwnAccount(
        "as POST /api/assets: any publisher may upload; an asset reaches screens only through "
        "an item, and the publishing forms check the item's target"
    ),
    ("GET", "/console/publish/done/{item_id}"): ConsoleForm(
        lambda ids: [("GET", f"/console/publish/done/{item}", {}) for item in ids["a_items"]]
    ),
    ("GET", "/console/publish/screens.css"): Public(
        "the preview's layout numbers, from the theme files; the same for everyone"
    ),
    ("POST", "/api/logout"): OwnAccount("ends the caller's own session"),
    ("GET", "/api/me"): OwnAccount("the caller's own name and roles"),
    ("POST", "/api/me/password"): OwnAccount("the caller's own password"),
    ("POST", "/api/me/tokens"): OwnAccount("a token of the caller's own"),
    ("GET", "/api/me/tokens"): OwnAccount("the caller's own tokens"),
    ("POST", "/api/assets"): OwnAccount(
        "any publisher may upload: an asset belongs to no node and reaches a screen only "
        "through an item, which is scoped"
    ),
    ("POST", "/api/uploads"): OwnAccount(
        "as POST /api/assets: any publisher may upload; the upload belongs to its caller"
    ),
    ("GET", "/api/uploads/{upload_id}"): Scoped(
        lambda ids: [("GET", f"/api/uploads/{ids['a_upload']}", {})]
    ),
    ("PUT", "/api/uploads/{upload_id}"): Scoped(
        lambda ids: [("PUT", f"/api/uploads/{ids['a_upload']}", {"content": b"x"})]
    ),
    ("POST", "/console/uploads"): OwnAccount(
        "the console's door to POST /api/uploads (session and CSRF header): the caller's own"
    ),
    ("GET", "/console/uploads/{upload_id}"): OwnAccount(
        "the caller's own upload, as GET /api/uploads/{id}: anyone else's is 404 "
        "(tests/server/test_console_video_form.py)"
    ),
    ("PUT", "/console/uploads/{upload_id}"): OwnAccount(
        "the caller's own upload, as PUT /api/uploads/{id}: anyone else's is 404 "
        "(tests/server/test_console_video_form.py)"
    ),
    ("GET", "/console/video"): ConsolePage(
        "/console/video", lambda ids: ["第一党支部", "screen-a"]
    ),
    ("POST", "/console/video"): ConsoleForm(
        lambda ids: [
            (
                "POST",
                "/console/video",
                {
                    "data": {
                        "to": to,
                        "upload": ids["a_upload"],
                        "title": "课",
                        "category": "党史故事",
                    }
                },
            )
            for to in (f"node:{ids['a']}", "screen-a")
        ]
    ),
    ("GET", "/console/honor"): ConsolePage(
        "/console/honor", lambda ids: ["第一党支部", "screen-a"]
    ),
    ("POST", "/console/honor"): ConsoleForm(
        lambda ids: [
            (
                "POST",
                "/console/honor",
                {
                    "data": {
                        "to": to,
                        "key": "k" * 22,
                        "name": "越权",
                        "entry_title": "",
                        "citation": "",
                        "photo": "",
                    }
                },
            )
            for to in (f"node:{ids['a']}", "screen-a")
        ]
    ),
    ("POST", "/console/honor/import"): OwnAccount(
        "reads a CSV file into the caller's own form; its photos are stored as POST "
        "/api/assets stores them; it publishes nothing (publishing is POST /console/honor)"
    ),
    ("GET", "/console/meetings"): ConsolePage("/console/meetings", lambda ids: [ids["meeting"]]),
    ("GET", "/console/meetings/new"): ConsolePage(
        "/console/meetings/new", lambda ids: ["第一党支部", "screen-a"]
    ),
    ("POST", "/console/meetings/new"): ConsoleForm(
        lambda ids: [
            (
                "POST",
                "/console/meetings/new",
                {
                    "data": {
                        "meeting_type": "党课",
                        "title": "越权的会议",
                        "day": "2026-06-02",
                        "start": "09:00",
                        "end": "10:00",
                        "branch": branch,
                        "to": to,
                    }
                },
            )
            for branch, to in (
                (f"node:{ids['a']}", f"node:{ids['b']}"),
                (f"node:{ids['b']}", f"node:{ids['a']}"),
                (f"node:{ids['b']}", "screen-a"),
            )
        ]
    ),
    ("GET", "/console/meetings/{meeting_id}"): ConsoleForm(
        lambda ids: [("GET", f"/console/meetings/{ids['meeting']}", {})]
    ),
    ("GET", "/console/meetings/{meeting_id}/attendance.csv"): ConsoleForm(
        lambda ids: [("GET", f"/console/meetings/{ids['meeting']}/attendance.csv", {})]
    ),
    ("GET", "/console/meetings/{meeting_id}/attendance"): ConsoleForm(
        lambda ids: [("GET", f"/console/meetings/{ids['meeting']}/attendance", {})]
    ),
    ("GET", "/console/rosters"): ConsolePage("/console/rosters", lambda ids: ["第一党支部"]),
    ("GET", "/console/rosters/{node_id}"): ConsoleForm(
        lambda ids: [("GET", f"/console/rosters/{ids['a']}", {})]
    ),
    ("POST", "/console/rosters/{node_id}/import"): ConsoleForm(
        lambda ids: [
            (
                "POST",
                f"/console/rosters/{ids['a']}/import",
                {"files": {"file": ("名单.csv", ROSTER)}},
            )
        ]
    ),
    ("POST", "/console/rosters/{node_id}/members"): ConsoleForm(
        lambda ids: [
            (
                "POST",
                f"/console/rosters/{ids['a']}/members",
                {"data": {"name": "越权", "member_no": "X1"}},
            )
        ]
    ),
    ("POST", "/console/rosters/{node_id}/members/{member_no}"): ConsoleForm(
        lambda ids: [
            ("POST", f"/console/rosters/{ids['a']}/members/A001", {"data": {"name": "改名"}})
        ]
    ),
    ("POST", "/console/rosters/{node_id}/members/{member_no}/remove"): ConsoleForm(
        lambda ids: [("POST", f"/console/rosters/{ids['a']}/members/A001/remove", {})]
    ),
    ("GET", "/api/screens/{screen_id}/manifest"): ScreenOnly(
        lambda ids: "/api/screens/screen-a/manifest"
    ),
    ("GET", "/api/screens/{screen_id}/events"): ScreenOnly(
        lambda ids: "/api/screens/screen-a/events"
    ),
    ("POST", "/api/screens/{screen_id}/learning-records"): ScreenOnly(
        lambda ids: "/api/screens/screen-a/learning-records"
    ),
    ("DELETE", "/api/me/tokens/{token_id}"): Scoped(
        lambda ids: [("DELETE", f"/api/me/tokens/{ids['alice_token']}", {})]
    ),
    ("POST", "/api/items"): Scoped(
        lambda ids: [
            ("POST", "/api/items", {"json": {"kind": "notice", "text": "x", "to": to}})
            for to in (f"node:{ids['a']}", "screen-a", "all", f"node:{ids['committee']}")
        ]
    ),
    ("DELETE", "/api/items/{item_id}"): Scoped(
        lambda ids: [("DELETE", f"/api/items/{item}", {}) for item in ids["a_items"]]
    ),
    ("GET", "/api/items"): Filtered("/api/items", lambda ids: ids["a_items"]),
    ("POST", "/api/enrollments"): Scoped(
        lambda ids: [
            ("POST", "/api/enrollments", {"json": {"code": code, "node_id": node}})
            for code, node in (
                (ids["code_new"], ids["a"]),
                (ids["code_new"], ids["committee"]),
                (ids["code_a"], ids["b"]),
            )
        ]
    ),
    ("DELETE", "/api/screens/{screen_id}/enrollment"): Scoped(
        lambda ids: [("DELETE", "/api/screens/screen-a/enrollment", {})]
    ),
    ("GET", "/api/screens"): Filtered("/api/screens", lambda ids: ["screen-a"]),
    ("GET", "/api/screens/{screen_id}/token"): Scoped(
        lambda ids: [("GET", "/api/screens/screen-a/token", {})]
    ),
    ("GET", "/api/screens/{screen_id}/settings"): Scoped(
        lambda ids: [("GET", f"/api/screens/{s}/settings", {}) for s in ("screen-a", "all")]
    ),
    ("PUT", "/api/screens/{screen_id}/settings"): Scoped(
        lambda ids: [
            ("PUT", f"/api/screens/{s}/settings", {"json": {"emergency_stop": True}})
            for s in ("screen-a", "all")
        ]
    ),
    ("GET", "/api/org/nodes/{node_id}/settings"): Scoped(
        lambda ids: [
            ("GET", f"/api/org/nodes/{n}/settings", {}) for n in (ids["a"], ids["committee"], 1)
        ]
    ),
    ("PUT", "/api/org/nodes/{node_id}/settings"): Scoped(
        lambda ids: [
            ("PUT", f"/api/org/nodes/{n}/settings", {"json": {"emergency_stop": True}})
            for n in (ids["a"], ids["committee"], 1)
        ]
    ),
    ("GET", "/api/learning/totals"): Filtered(
        "/api/learning/totals?by=course", lambda ids: [ids["course"]]
    ),
    ("PUT", "/api/branches/{branch}/roster"): Scoped(
        lambda ids: [("PUT", "/api/branches/第一党支部/roster", {"content": ROSTER})]
    ),
    ("GET", "/api/branches/{branch}/roster"): Scoped(
        lambda ids: [("GET", "/api/branches/第一党支部/roster", {})]
    ),
    ("POST", "/api/meetings"): Scoped(
        lambda ids: [
            _post_meeting(f"node:{ids['a']}", "第二党支部"),
            _post_meeting(f"node:{ids['b']}", "第一党支部"),
        ]
    ),
    ("GET", "/api/meetings"): Filtered("/api/meetings", lambda ids: [ids["meeting"]]),
    ("GET", "/api/meetings/{meeting_id}"): Scoped(
        lambda ids: [("GET", f"/api/meetings/{ids['meeting']}", {})]
    ),
    ("GET", "/api/meetings/{meeting_id}/attendance.csv"): Scoped(
        lambda ids: [("GET", f"/api/meetings/{ids['meeting']}/attendance.csv", {})]
    ),
    ("GET", "/api/meetings/{meeting_id}/attendance"): Scoped(
        lambda ids: [("GET", f"/api/meetings/{ids['meeting']}/attendance", {})]
    ),
    ("GET", "/api/org/nodes"): Filtered("/api/org/nodes", lambda ids: ["第一党支部", "机关党委"]),
    ("POST", "/api/org/nodes"): Scoped(
        lambda ids: [
            ("POST", "/api/org/nodes", {"json": {"parent_id": p, "kind": "党小组", "name": "组"}})
            for p in (ids["a"], ids["committee"])
        ]
    ),
    ("GET", "/api/org/nodes/{node_id}"): Scoped(
        lambda ids: [("GET", f"/api/org/nodes/{ids['a']}", {})]
    ),
    ("PATCH", "/api/org/nodes/{node_id}"): Scoped(
        lambda ids: [
            ("PATCH", f"/api/org/nodes/{ids['a']}", {"json": {"name": "改名"}}),
            ("PATCH", f"/api/org/nodes/{ids['b']}", {"json": {"parent_id": ids["a"]}}),
            ("PATCH", f"/api/org/nodes/{ids['b']}", {"json": {"name": "自己改名"}}),
        ]
    ),
    ("DELETE", "/api/org/nodes/{node_id}"): Scoped(
        lambda ids: [("DELETE", f"/api/org/nodes/{n}", {}) for n in (ids["a"], ids["b"])]
    ),
    ("GET", "/api/screens/{screen_id}/node"): Scoped(
        lambda ids: [("GET", "/api/screens/screen-a/node", {})]
    ),
    ("PUT", "/api/screens/{screen_id}/node"): Scoped(
        lambda ids: [
            ("PUT", "/api/screens/screen-a/node", {"json": {"node_id": ids["b"]}}),
            ("PUT", "/api/screens/screen-b/node", {"json": {"node_id": ids["a"]}}),
        ]
    ),
    ("GET", "/api/signing-keys"): OwnAccount(
        "the fleet's public manifest-signing keys: public, the same for everyone signed in"
    ),
    ("POST", "/api/signing-keys"): Scoped(lambda ids: [("POST", "/api/signing-keys", {})]),
    ("DELETE", "/api/signing-keys/{key_id}"): Scoped(
        lambda ids: [("DELETE", "/api/signing-keys/0123456789abcdef", {})]
    ),
    ("GET", "/api/accounts"): Filtered("/api/accounts", lambda ids: ["王书记"]),
    ("POST", "/api/accounts"): Scoped(
        lambda ids: [
            (
                "POST",
                "/api/accounts",
                {"json": {"name": "越权", "password": "password-123", "node_id": ids["a"]}},
            )
        ]
    ),
    ("PUT", "/api/accounts/{name}/password"): Scoped(
        lambda ids: [("PUT", "/api/accounts/王书记/password", {"json": {"password": "x" * 12}})]
    ),
    ("POST", "/api/accounts/{name}/grants"): Scoped(
        lambda ids: [
            (
                "POST",
                "/api/accounts/王书记/grants",
                {"json": {"node_id": ids["b"], "role": "viewer"}},
            ),
            (
                "POST",
                "/api/accounts/李委员/grants",
                {"json": {"node_id": ids["a"], "role": "publisher"}},
            ),
        ]
    ),
    ("DELETE", "/api/accounts/{name}/grants/{node_id}/{role}"): Scoped(
        lambda ids: [
            ("DELETE", f"/api/accounts/王书记/grants/{ids['a']}/publisher", {}),
            ("DELETE", f"/api/accounts/李委员/grants/{ids['committee']}/viewer", {}),
        ]
    ),
    ("GET", "/api/reviews"): Filtered("/api/reviews", lambda ids: [ids["a_pending"]]),
    ("POST", "/api/items/{item_id}/approve"): Scoped(
        lambda ids: [("POST", f"/api/items/{i}/approve", {}) for i in ids["a_reviewable"]]
    ),
    ("POST", "/api/items/{item_id}/reject"): Scoped(
        lambda ids: [
            ("POST", f"/api/items/{i}/reject", {"json": {"comment": "越权"}})
            for i in ids["a_reviewable"]
        ]
    ),
    ("POST", "/api/items/{item_id}/resubmit"): Scoped(
        lambda ids: [
            ("POST", f"/api/items/{i}/resubmit", {"json": {"changes": {"text": "改"}}})
            for i in ids["a_reviewable"]
        ]
    ),
    ("GET", "/api/org/nodes/{node_id}/review"): Scoped(
        lambda ids: [("GET", f"/api/org/nodes/{ids['a']}/review", {})]
    ),
    ("PUT", "/api/org/nodes/{node_id}/review"): Scoped(
        lambda ids: [
            ("PUT", f"/api/org/nodes/{n}/review", {"json": {"on": False}})
            for n in (ids["a"], ids["committee"])
        ]
    ),
    ("GET", "/console/review"): ConsolePage("/console/review", lambda ids: [ids["a_pending"]]),
    ("POST", "/console/review/{item_id}/approve"): ConsoleForm(
        lambda ids: [("POST", f"/console/review/{i}/approve", {}) for i in ids["a_reviewable"]]
    ),
    ("POST", "/console/review/{item_id}/reject"): ConsoleForm(
        lambda ids: [
            ("POST", f"/console/review/{i}/reject", {"data": {"comment": "越权"}})
            for i in ids["a_reviewable"]
        ]
    ),
    ("POST", "/console/review/setting"): ConsoleForm(
        # Acts on the caller's own acting node only: a node field is ignored.
        lambda ids: [("POST", "/console/review/setting", {"data": {"on": "", "node": ids["a"]}})]
    ),
    ("GET", "/console/items/{item_id}/resubmit"): ConsoleForm(
        lambda ids: [("GET", f"/console/items/{i}/resubmit", {}) for i in ids["a_reviewable"]]
    ),
    ("POST", "/console/items/{item_id}/resubmit"): ConsoleForm(
        lambda ids: [
            ("POST", f"/console/items/{i}/resubmit", {"data": {"text": "改"}})
            for i in ids["a_reviewable"]
        ]
    ),
    ("GET", "/console/stop"): ConsolePage("/console/stop", lambda ids: ["第一党支部"]),
    ("POST", "/console/stop"): ConsoleForm(
        # Acts on the caller's own acting node only: a node field is ignored.
        lambda ids: [("POST", "/console/stop", {"data": {"stop": "0", "node": ids["a"]}})]
    ),
    ("GET", "/console/audit"): ConsolePage("/console/audit", lambda ids: ["第一党支部", "王书记"]),
    ("GET", "/console/audit.csv"): ConsolePage(
        "/console/audit.csv", lambda ids: ["第一党支部", "王书记"]
    ),
    ("GET", "/api/audit"): Filtered(
        "/api/audit?limit=5000", lambda ids: ["第一党支部", "王书记", *ids["a_items"]]
    ),
    ("GET", "/api/audit.csv"): Filtered(
        "/api/audit.csv", lambda ids: ["第一党支部", "王书记", *ids["a_items"]]
    ),
}


def flat_routes(client: TestClient) -> list[Any]:
    """Every route, with routers included by FastAPI (0.165 keeps an included router as one
    ``_IncludedRouter`` entry of ``app.routes``; older versions copy its routes in)."""
    flat = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is None:
            flat.append(route)
        else:
            flat.extend(context.original_route for context in contexts())
    return flat


def route_keys(client: TestClient) -> set[tuple[str, str]]:
    keys = set()
    for route in flat_routes(client):
        methods = set(getattr(route, "methods", None) or ())
        if len(methods) > 1:
            methods.discard("HEAD")  # the HEAD Starlette adds to a plain GET route
        keys |= {(method, str(route.path)) for method in methods}
    return keys


def dump(data_dir: Path) -> list[str]:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def world(client: TestClient) -> Ids:
    """Two sibling branches with a screen, items, a meeting, a roster, learning and people."""
    ids: Ids = committee_with_two_branches(client)
    a_items = []
    for to in (f"node:{ids['a']}", "screen-a"):
        answer = client.post(
            "/api/items", headers=AUTH, json={"kind": "notice", "text": "一支部", "to": to}
        )
        a_items.append(answer.json()["id"])
    roster = client.put("/api/branches/第一党支部/roster", headers=AUTH, content=ROSTER)
    assert roster.status_code == 200, roster.text
    meeting = client.post(
        "/api/meetings",
        headers=AUTH,
        json=_post_meeting(f"node:{ids['a']}", "第一党支部")[2]["json"],
    )
    assert meeting.status_code == 201, meeting.text
    course = a_items[0]
    record = {
        "id": "0b4e7c5e-5f0e-4b8e-9d0a-1c2b3d4e5f60",
        "course_id": course,
        "title": "课程",
        "category": "党史故事",
        "started_at": "2026-06-01T11:00:00+08:00",
        "seconds_watched": 60,
        "completed": True,
    }
    posted = client.post(
        "/api/screens/screen-a/learning-records",
        headers=screen_auth(client, "screen-a"),
        json={"records": [record]},
    )
    assert posted.json()["accepted"] == 1, posted.text
    codes = {
        screen: client.post("/api/pairings", json={"screen_id": screen}).json()["code"]
        for screen in ("screen-new", "screen-a")  # a new screen; one of branch a
    }
    add_account(client, "王书记", ids["a"], "publisher", "administrator")
    alice = personal_token(client, login(client, "王书记"))
    add_account(client, "李委员", ids["b"], "publisher", "administrator")
    caller = personal_token(client, login(client, "李委员"))
    # The committee reviews what its branches publish: 王书记's notice waits for review.
    client.put(f"/api/org/nodes/{ids['committee']}/review", headers=AUTH, json={"on": True})
    held = client.post(
        "/api/items",
        headers=bearer(alice["token"]),
        json={"kind": "notice", "text": "待审核", "to": f"node:{ids['a']}"},
    )
    assert held.json()["review"] == "pending", held.text
    a_upload = client.post(
        "/api/uploads", headers=bearer(alice["token"]), json={"size": 10, "purpose": "any"}
    )
    assert a_upload.status_code == 201, a_upload.text
    ids.update(
        a_items=a_items,
        meeting=meeting.json()["id"],
        course=course,
        alice_token=alice["id"],
        code_new=codes["screen-new"],
        code_a=codes["screen-a"],
        caller=bearer(caller["token"]),
        console_session=login(client, "李委员"),
        a_pending=held.json()["id"],
        a_reviewable=[held.json()["id"], *a_items],
        a_upload=a_upload.json()["id"],
    )
    return ids


def test_every_route_has_a_decision(client: TestClient) -> None:
    routes = route_keys(client)
    schema = client.get("/api/openapi.json").json()["paths"]
    documented = {(m.upper(), path) for path, ops in schema.items() for m in ops}
    assert documented <= routes, "the walk over app.routes missed routes the schema has"
    assert routes - DECISIONS.keys() == set(), "routes without a scope decision"
    assert DECISIONS.keys() - routes == set(), "decisions for routes that do not exist"


@pytest.mark.parametrize("key", sorted(DECISIONS), ids=lambda key: f"{key[0]} {key[1]}")
def test_a_caller_of_a_sibling_branch_reaches_nothing_of_it(
    key: tuple[str, str], client: TestClient, world: Ids, data_dir: Path
) -> None:
    decision = DECISIONS[key]
    caller = world["caller"]
    before = dump(data_dir)
    if isinstance(decision, (Public, OwnAccount)):
        assert decision.reason
        return
    if isinstance(decision, (ConsolePage, ConsoleForm)):
        check_console(client, decision, world)
        assert dump(data_dir) == before
        return
    if isinstance(decision, ScreenOnly):
        method = key[0]
        answer = client.request(method, decision.path(world), headers=caller, json={"records": []})
        assert answer.status_code == 401, answer.text
        assert answer.json()["code"] == "screen_unauthorized"
    elif isinstance(decision, Filtered):
        answer = client.get(decision.url, headers=caller)
        assert answer.status_code == 200, answer.text
        for hidden in decision.hidden(world):
            assert str(hidden) not in answer.text
        # ...while the superuser does see them (the filter is not an accident of the data).
        everything = client.get(decision.url, headers=AUTH).text
        assert all(str(hidden) in everything for hidden in decision.hidden(world))
    else:
        assert isinstance(decision, Scoped)
        for method, url, kwargs in decision.requests(world):
            answer = client.request(method, url, headers=caller, **kwargs)
            assert answer.status_code in (403, 404), (method, url, answer.status_code, answer.text)
            assert set(answer.json()) == {"detail", "code"}
    assert dump(data_dir) == before


def check_console(client: TestClient, decision: ConsolePage | ConsoleForm, world: Ids) -> None:
    """The caller's console session (a session of 李委员, logged in), a good CSRF token."""
    csrf = "c" * 43
    client.cookies.set("console_session", world["console_session"], path="/console")
    client.cookies.set("console_csrf", csrf, path="/console")
    if isinstance(decision, ConsolePage):
        requests: list[Request] = [("GET", decision.url, {})]
        hidden = decision.hidden(world)
    else:
        requests = decision.requests(world)
        hidden = [str(each) for each in world["a_items"]] + ["第一党支部"]
    for method, url, kwargs in requests:
        if method == "POST":
            kwargs = {**kwargs, "data": {**kwargs.get("data", {}), "csrf": csrf}}
        answer = client.request(method, url, **kwargs)
        assert answer.status_code in (200, 403, 404), (method, url, answer.status_code)
        assert "李委员" in answer.text, "the caller's session was not used"
        for each in hidden:
            if str(each) not in url:  # an error may repeat what the caller sent
                assert str(each) not in answer.text, (method, url, each)


def test_the_same_caller_does_reach_its_own_branch(client: TestClient, world: Ids) -> None:
    caller = world["caller"]
    notice = {"kind": "notice", "text": "二支部", "to": f"node:{world['b']}"}
    item = client.post("/api/items", headers=caller, json=notice)
    assert item.status_code == 201
    assert client.delete(f"/api/items/{item.json()['id']}", headers=caller).status_code == 200
    assert (
        client.put(
            "/api/screens/screen-b/settings", headers=caller, json={"emergency_stop": True}
        ).status_code
        == 200
    )
    assert client.get("/api/screens/screen-b/token", headers=caller).status_code == 200
    assert client.get(f"/api/org/nodes/{world['b']}", headers=caller).status_code == 200
