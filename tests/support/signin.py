"""Sign-in test data against a real server (``ServerProcess``): a roster, a meeting whose sign-in
is open now, the QR URL a screen would show, the live count.

    from tests.support.signin import import_roster, create_meeting, qr_url, live
    import_roster(server)                       # 第一党支部 (a node): 张建国 / 李红 / 王芳
    meeting = create_meeting(server, to="screen-1")
    url = qr_url(server, "screen-1", meeting["id"])   # what the screen encodes right now
    live(server, meeting["id"])["present"]
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import requests

from content_cache.signin_token import signin_url
from tests.support.screen_auth import screen_auth

BRANCH = "第一党支部"
# (name, member_no, phone): 张建国 signs in with 8001, 李红 with 9002, 王芳 (no phone) with DY003.
MEMBERS: list[tuple[str, str, str]] = [
    ("张建国", "DY001", "13800138001"),
    ("李红", "DY002", "139-0013-9002"),
    ("王芳", "DY003", ""),
]
TIMEOUT = 10


class Server(Protocol):
    """What the helpers need of a server fixture (``ServerProcess`` or ``RunningServer``)."""

    url: str
    token: str  # the admin token


def _auth(server: Server, token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token or server.token}"}


def roster_csv(
    members: list[tuple[str, str, str]] = MEMBERS,
    encoding: str = "utf-8",
    header: str = "姓名,党员编号,手机号",
) -> bytes:
    """A roster CSV file's bytes, as a spreadsheet saves it (CRLF line ends)."""
    lines = [header] + [",".join(member) for member in members]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def write_roster_csv(
    path: Path, members: list[tuple[str, str, str]] = MEMBERS, encoding: str = "utf-8"
) -> Path:
    """Write a roster CSV file; returns ``path``."""
    path.write_bytes(roster_csv(members, encoding))
    return path


def ensure_branch(server: Server, name: str = BRANCH) -> int:
    """The id of the organisation node called ``name``, made under the root (a 党支部) if no
    node has that name yet; as the superuser (a roster belongs to a node)."""
    auth = _auth(server, None)
    listed = requests.get(f"{server.url}/api/org/nodes", headers=auth, timeout=TIMEOUT)
    listed.raise_for_status()
    for node in listed.json()["nodes"]:
        if node["name"] == name:
            return int(node["id"])
    made = requests.post(
        f"{server.url}/api/org/nodes",
        json={"parent_id": 1, "kind": "党支部", "name": name},
        headers=auth,
        timeout=TIMEOUT,
    )
    assert made.status_code == 201, made.text
    return int(made.json()["node"]["id"])


def import_roster(
    server: Server,
    branch: str = BRANCH,
    members: list[tuple[str, str, str]] = MEMBERS,
    token: str | None = None,
) -> dict[str, Any]:
    """``PUT /api/branches/{branch}/roster`` (the branch's node is made first if no node has
    that name); returns the server's answer."""
    if not branch.startswith("node:"):
        ensure_branch(server, branch)
    response = requests.put(
        f"{server.url}/api/branches/{branch}/roster",
        data=roster_csv(members),
        headers={**_auth(server, token), "Content-Type": "text/csv"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def create_meeting(
    server: Server,
    *,
    to: str = "all",
    branch: str = BRANCH,
    start: datetime | None = None,
    token: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """``POST /api/meetings`` for a meeting of ``branch`` (its node made first if no node has
    that name) starting in 10 minutes (so sign-in, from 30 minutes before the start, is open
    now) unless ``start`` is given; ``fields`` override the payload.
    Returns ``{"id", "revision", "signin_url", "opens_at", "closes_at", "expected"}``."""
    start = start or datetime.now(UTC) + timedelta(minutes=10)
    if not branch.startswith("node:"):
        ensure_branch(server, branch)
    payload = {
        "meeting_type": "支部党员大会",
        "title": "学习贯彻全会精神专题会",
        "branch": branch,
        "place": "党员活动室",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "to": to,
    } | fields
    response = requests.post(
        f"{server.url}/api/meetings", json=payload, headers=_auth(server, token), timeout=TIMEOUT
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def meeting_item(server: Server, screen: str, meeting_id: str) -> dict[str, Any]:
    """The ``meeting`` item as the screen's manifest carries it (with ``signin.secret``),
    read with the screen's token."""
    headers = screen_auth(server.url, screen, server.token)
    response = requests.get(
        f"{server.url}/api/screens/{screen}/manifest", headers=headers, timeout=TIMEOUT
    )
    response.raise_for_status()
    [item] = [i for i in response.json()["items"] if i["id"] == meeting_id]
    return dict(item)


def qr_url(server: Server, screen: str, meeting_id: str, moment: datetime | None = None) -> str:
    """The URL the screen encodes in its QR code at ``moment`` (default: now)."""
    signin = meeting_item(server, screen, meeting_id)["signin"]
    return signin_url(
        signin["url"],
        signin["secret"],
        meeting_id,
        moment or datetime.now(UTC),
        signin["period_seconds"],
    )


def live(server: Server, meeting_id: str) -> dict[str, Any]:
    """``GET /api/meetings/{id}/live``."""
    response = requests.get(f"{server.url}/api/meetings/{meeting_id}/live", timeout=TIMEOUT)
    response.raise_for_status()
    return dict(response.json())


def sign_in(server: Server, screen: str, meeting_id: str, name: str, factor: str) -> None:
    """Sign ``name`` in as a phone would: post the form with the code the screen shows now."""
    url = qr_url(server, screen, meeting_id)
    w, t = (part.split("=", 1)[1] for part in url.split("?", 1)[1].split("&"))
    response = requests.post(
        f"{server.url}/m/{meeting_id}", data={"w": w, "t": t, "name": name, "factor": factor},
        timeout=TIMEOUT,
    )  # fmt: skip
    assert response.status_code == 200 and "签到成功" in response.text, response.text
