"""Helpers for the sign-in tests with the app in-process (TestClient and the fake clock)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from server_helpers import AUTH, FakeClock, get_manifest

from content_cache.signin_token import token_for, window_at
from tests.support.signin import BRANCH, MEMBERS, roster_csv

__all__ = ["BRANCH", "MEMBERS", "roster_csv"]

_NOTICE_RE = re.compile(r'<div class="notice (\w+)"[^>]*><h2>(.*?)</h2>(?:<p>(.*?)</p>)?</div>')


def ensure_branch(client: TestClient, name: str = BRANCH) -> int:
    """The id of the organisation node called ``name``, made under the root (a 党支部) if no
    node has that name yet (a roster belongs to a node)."""
    listed = client.get("/api/org/nodes", headers=AUTH)
    assert listed.status_code == 200, listed.text
    for node in listed.json()["nodes"]:
        if node["name"] == name:
            return int(node["id"])
    made = client.post(
        "/api/org/nodes", headers=AUTH, json={"parent_id": 1, "kind": "党支部", "name": name}
    )
    assert made.status_code == 201, made.text
    return int(made.json()["node"]["id"])


def put_roster(client: TestClient, data: bytes, branch: str = BRANCH, **params: str) -> Response:
    """``PUT /api/branches/{branch}/roster`` as the superuser, the branch's node made first
    if no node has that name."""
    if not branch.startswith("node:"):
        ensure_branch(client, branch)
    return client.put(
        f"/api/branches/{branch}/roster",
        content=data,
        headers={**AUTH, "Content-Type": "text/csv"},
        params=params,
    )


def new_meeting(client: TestClient, clock: FakeClock, **fields: Any) -> dict[str, Any]:
    """A meeting of 第一党支部 starting 10 minutes after the clock (sign-in open), published to
    all screens; ``fields`` override."""
    start = clock.now + timedelta(minutes=10)
    branch = str(fields.get("branch", BRANCH))
    if not branch.startswith("node:"):
        ensure_branch(client, branch)
    payload = {
        "meeting_type": "支部党员大会",
        "title": "学习贯彻全会精神专题会",
        "branch": BRANCH,
        "place": "党员活动室",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
    } | fields
    response = client.post("/api/meetings", headers=AUTH, json=payload)
    assert response.status_code == 201, response.text
    return dict(response.json())


def meeting_item(client: TestClient, meeting_id: str, screen: str = "screen-1") -> dict[str, Any]:
    items = get_manifest(client, screen).json()["items"]
    [item] = [i for i in items if i["id"] == meeting_id]
    return dict(item)


def code(client: TestClient, meeting_id: str, moment: datetime) -> tuple[str, str]:
    """The window and token the screen shows at ``moment`` (computed from its manifest)."""
    signin = meeting_item(client, meeting_id)["signin"]
    window = window_at(moment, signin["period_seconds"])
    return str(window), token_for(signin["secret"], meeting_id, window)


def sign_in(
    client: TestClient, meeting_id: str, w: str, t: str, name: str, factor: str
) -> Response:
    return client.post(f"/m/{meeting_id}", data={"w": w, "t": t, "name": name, "factor": factor})


def leave(client: TestClient, meeting_id: str, name: str, factor: str, reason: str) -> Response:
    return client.post(
        f"/m/{meeting_id}/leave", data={"name": name, "factor": factor, "reason": reason}
    )


def notice(response: Response) -> tuple[str, str, str]:
    """The phone page's message: (ok|error|info, heading, text)."""
    match = _NOTICE_RE.search(response.text)
    assert match, response.text
    return match.group(1), match.group(2), match.group(3) or ""


def live(client: TestClient, meeting_id: str) -> dict[str, Any]:
    response = client.get(f"/api/meetings/{meeting_id}/live")
    assert response.status_code == 200, response.text
    return dict(response.json())
