"""Publishing a video course from the console on the real app and SQLite: the upload doors of
the page's script (session + CSRF header), the form, publishing once per upload, scope."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from account_helpers import add_account
from fastapi.testclient import TestClient
from org_helpers import committee_with_two_branches
from server_helpers import AUTH
from test_console_auth import console_login, csrf_of

ALERT = 'role="alert">'


@pytest.fixture
def tree(client: TestClient) -> dict[str, int]:
    nodes = committee_with_two_branches(client)
    add_account(client, "pub-a", nodes["a"], "publisher")
    add_account(client, "pub-b", nodes["b"], "publisher")
    return nodes


def logged_in(client: TestClient, name: str = "pub-a") -> str:
    console_login(client, name)
    return csrf_of(client, "/console/video")


def send_file(
    client: TestClient, csrf: str, data: bytes, name: str = "第一课.mp4"
) -> dict[str, Any]:
    """What video.js does: start, then pieces of 64 KiB; returns the last answer."""
    headers = {"X-CSRF-Token": csrf}
    body = {"size": len(data), "purpose": "video", "filename": name, "fingerprint": "17"}
    answer = client.post("/console/uploads", headers=headers, json=body)
    assert answer.status_code in (200, 201), answer.text
    state = answer.json()
    while not state["complete"]:
        first = state["received"]
        last = min(first + 65536, len(data)) - 1
        piece = client.put(
            f"/console/uploads/{state['id']}",
            headers={**headers, "Content-Range": f"bytes {first}-{last}/{len(data)}"},
            content=data[first : last + 1],
        )
        assert piece.status_code == 200, piece.text
        state = piece.json()
    return dict(state)


def video_form(csrf: str, upload: str, **fields: str) -> dict[str, str]:
    return {
        "csrf": csrf,
        "upload": upload,
        "title": "红船精神",
        "category": "党史故事",
        "window": "always",
        **fields,
    }


def items(client: TestClient) -> list[dict[str, Any]]:
    return list(client.get("/api/items", headers=AUTH).json()["items"])


def test_the_page_offers_the_categories_and_the_home_page_links_to_it(
    client: TestClient, tree: dict[str, int]
) -> None:
    logged_in(client)
    page = client.get("/console/video").text
    for category in ("时政热点", "权威政策解读", "党史故事", "国史讲堂", "青少年百集党史课"):
        assert f">{category}</option>" in page
    assert "/console/static/video.js" in page and "第二党支部" not in page
    assert 'href="/console/video"' in client.get("/console/").text


def test_the_upload_doors_need_the_session_and_the_csrf_header(
    client: TestClient, tree: dict[str, int]
) -> None:
    body = {"size": 10, "purpose": "video", "filename": "a.mp4"}
    csrf = csrf_of(client, "/console/login")
    answer = client.post("/console/uploads", headers={"X-CSRF-Token": csrf}, json=body)
    assert answer.status_code == 401
    assert answer.json()["code"] == "login_required"
    csrf = logged_in(client)
    assert client.post("/console/uploads", json=body).status_code == 403  # no header
    assert (
        client.post("/console/uploads", headers={"X-CSRF-Token": "x" * 43}, json=body).status_code
        == 403
    )
    # The JSON API does not take the console's cookie.
    assert client.post("/api/uploads", headers={"X-CSRF-Token": csrf}, json=body).status_code == 401


def test_a_video_publishes_once_however_often_the_form_is_sent(
    client: TestClient, tree: dict[str, int], test_videos: Any, data_dir: Path
) -> None:
    csrf = logged_in(client)
    state = send_file(client, csrf, test_videos.path("short").read_bytes())
    assert state["asset"]["video"]["video_codec"] == "h264"
    form = video_form(csrf, state["id"], to=f"node:{tree['a']}", rotation="1")
    first = client.post("/console/video", data=form, follow_redirects=False)
    assert first.status_code == 303, first.text
    again = client.post("/console/video", data=form, follow_redirects=False)  # a second tap
    assert again.headers["location"] == first.headers["location"]
    assert first.headers["location"].endswith("?again=video")
    videos = [item for item in items(client) if item["kind"] == "video"]
    assert len(videos) == 1
    body = json.loads(item_body(data_dir, videos[0]["id"]))
    assert body["category"] == "党史故事" and body["rotation"] is True
    assert body["video"]["sha256"] == state["asset"]["sha256"]
    assert body["length_seconds"] == pytest.approx(1.0, abs=0.2)
    done = client.get(first.headers["location"]).text
    assert '<span class="kind">视频课程</span>' in done and "再发一个视频课程" in done


def test_publishing_needs_a_finished_upload_of_ones_own(
    client: TestClient, tree: dict[str, int], test_videos: Any
) -> None:
    data = test_videos.path("short").read_bytes()
    csrf = logged_in(client, "pub-b")
    theirs = send_file(client, csrf, data)["id"]
    client.cookies.clear()
    csrf = logged_in(client, "pub-a")
    answer = client.post("/console/video", data=video_form(csrf, theirs))
    assert answer.status_code == 404
    assert "找不到上传" in answer.text
    body = {"size": len(data), "purpose": "video", "filename": "x.mp4"}
    unfinished = client.post("/console/uploads", headers={"X-CSRF-Token": csrf}, json=body)
    answer = client.post("/console/video", data=video_form(csrf, unfinished.json()["id"]))
    assert answer.status_code == 422
    assert "还没有上传完" in answer.text
    assert items(client) == []


def test_a_hand_edited_target_is_refused_and_nothing_published(
    client: TestClient, tree: dict[str, int], test_videos: Any
) -> None:
    csrf = logged_in(client)
    state = send_file(client, csrf, test_videos.path("short").read_bytes())
    for to in (f"node:{tree['b']}", "screen-b"):
        answer = client.post("/console/video", data=video_form(csrf, state["id"], to=to))
        assert answer.status_code in (403, 404), answer.text
        assert ALERT in answer.text and "第二党支部" not in answer.text
    assert items(client) == []
    assert "视频已上传" in answer.text  # the upload is kept for another try


def test_a_missing_title_keeps_the_form_and_the_upload(
    client: TestClient, tree: dict[str, int], test_videos: Any
) -> None:
    csrf = logged_in(client)
    state = send_file(client, csrf, test_videos.path("short").read_bytes())
    answer = client.post("/console/video", data=video_form(csrf, state["id"], title=" "))
    assert answer.status_code == 422
    assert "请填写课程标题" in answer.text
    assert f'value="{state["id"]}" data-upload-id' in answer.text


def test_an_unfinished_upload_is_named_on_the_page(
    client: TestClient, tree: dict[str, int]
) -> None:
    csrf = logged_in(client)
    body = {"size": 1000, "purpose": "video", "filename": "党课录像.mp4", "fingerprint": "9"}
    started = client.post("/console/uploads", headers={"X-CSRF-Token": csrf}, json=body).json()
    piece = client.put(
        f"/console/uploads/{started['id']}",
        headers={"X-CSRF-Token": csrf, "Content-Range": "bytes 0-249/1000"},
        content=b"\0" * 250,
    )
    assert piece.json()["received"] == 250
    page = client.get("/console/video").text
    assert "上次没有传完：<b>党课录像.mp4</b>（已传 25%）" in page
    again = client.post("/console/uploads", headers={"X-CSRF-Token": csrf}, json=body)
    assert again.status_code == 200 and again.json()["received"] == 250


def item_body(data_dir: Path, item_id: str) -> str:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        return str(conn.execute("SELECT body FROM items WHERE id = ?", (item_id,)).fetchone()[0])
    finally:
        conn.close()


def test_another_accounts_upload_is_404_through_the_console_too(
    client: TestClient, tree: dict[str, int]
) -> None:
    csrf = logged_in(client, "pub-b")
    body = {"size": 100, "purpose": "video", "filename": "b.mp4"}
    theirs = client.post("/console/uploads", headers={"X-CSRF-Token": csrf}, json=body).json()["id"]
    client.cookies.clear()
    csrf = logged_in(client, "pub-a")
    headers = {"X-CSRF-Token": csrf, "Content-Range": "bytes 0-9/100"}
    for answer in (
        client.get(f"/console/uploads/{theirs}"),
        client.put(f"/console/uploads/{theirs}", headers=headers, content=b"0123456789"),
    ):
        assert answer.status_code == 404
        assert answer.json()["code"] == "upload_not_found"
