"""Resumable uploads (``/api/uploads``) on the real app and SQLite, and on a real server process
for a connection cut in the middle of a piece: pieces in and out of order, repeated and
overlapping pieces, a wrong total, a busy upload, another account, expiry, the checks of a
finished file (a real video probed by ffprobe), resuming by fingerprint."""

from __future__ import annotations

import fcntl
import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from account_helpers import add_account, bearer, login
from fastapi.testclient import TestClient
from server_helpers import AUTH, TOKEN, RunningServer, start_server, stop_server

PIECE = 1000
DATA = bytes(range(256)) * 14  # 3584 bytes: four pieces, the last one short


def start(client: TestClient, data: bytes = DATA, headers: dict[str, str] = AUTH, **fields: Any):  # noqa: ANN201
    body = {"size": len(data), "purpose": "any", "filename": "课程.bin", **fields}
    return client.post("/api/uploads", headers=headers, json=body)


def put(  # noqa: ANN201
    client: TestClient,
    upload_id: str,
    data: bytes,
    first: int,
    last: int | None = None,
    total: int | None = None,
    headers: dict[str, str] = AUTH,
):
    last = min(first + PIECE, len(data)) - 1 if last is None else last
    total = len(data) if total is None else total
    return client.put(
        f"/api/uploads/{upload_id}",
        headers={**headers, "Content-Range": f"bytes {first}-{last}/{total}"},
        content=data[first : last + 1],
    )


def status(client: TestClient, upload_id: str, headers: dict[str, str] = AUTH) -> Any:
    return client.get(f"/api/uploads/{upload_id}", headers=headers)


def part_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "tmp").glob("resumable-*.part"))


@pytest.fixture
def upload_id(client: TestClient) -> str:
    answer = start(client)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def test_pieces_in_order_make_the_asset(client: TestClient, upload_id: str, data_dir: Path) -> None:
    for first in range(0, len(DATA) - PIECE, PIECE):
        answer = put(client, upload_id, DATA, first)
        assert answer.status_code == 200, answer.text
        assert answer.json()["received"] == first + PIECE
        assert answer.json()["complete"] is False
    last = put(client, upload_id, DATA, 3000)
    assert last.status_code == 200, last.text
    state = last.json()
    sha256 = hashlib.sha256(DATA).hexdigest()
    assert state["complete"] is True and state["received"] == len(DATA)
    assert state["asset"] == {
        "sha256": sha256,
        "size": len(DATA),
        "media_type": "application/octet-stream",
        "video": None,
    }
    assert (data_dir / "assets" / sha256).read_bytes() == DATA
    assert part_files(data_dir) == []
    assert status(client, upload_id).json()["asset"]["sha256"] == sha256
    assert client.get(f"/assets/{sha256}").content == DATA


def test_a_piece_out_of_order_is_refused_and_nothing_is_written(
    client: TestClient, upload_id: str
) -> None:
    put(client, upload_id, DATA, 0)
    answer = put(client, upload_id, DATA, 2000)
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "upload_gap"
    assert answer.headers["Upload-Offset"] == "1000"
    assert status(client, upload_id).json()["received"] == PIECE
    assert put(client, upload_id, DATA, 1000).json()["received"] == 2000
    assert put(client, upload_id, DATA, 2000).json()["received"] == 3000


def test_a_repeated_piece_is_answered_and_not_written_twice(
    client: TestClient, upload_id: str
) -> None:
    first = put(client, upload_id, DATA, 0)
    again = put(client, upload_id, DATA, 0)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert status(client, upload_id).json()["received"] == PIECE


def test_an_overlapping_piece_is_written_from_what_the_server_has(
    client: TestClient, upload_id: str
) -> None:
    put(client, upload_id, DATA, 0, 499)
    assert put(client, upload_id, DATA, 0, 1999).json()["received"] == 2000
    done = put(client, upload_id, DATA, 1500, len(DATA) - 1).json()
    assert done["complete"] is True
    assert done["asset"]["sha256"] == hashlib.sha256(DATA).hexdigest()


def test_the_last_piece_again_after_a_lost_answer_gives_the_same_asset(
    client: TestClient, upload_id: str
) -> None:
    put(client, upload_id, DATA, 0, 2999)
    first = put(client, upload_id, DATA, 3000)
    again = put(client, upload_id, DATA, 3000)
    assert again.status_code == 200
    assert again.json()["asset"] == first.json()["asset"]


def test_a_wrong_total_is_refused(client: TestClient, upload_id: str) -> None:
    answer = put(client, upload_id, DATA, 0, 99, total=len(DATA) + 1)
    assert answer.status_code == 422
    assert answer.json()["code"] == "upload_size_mismatch"
    assert "开始时是 3584 字节" in answer.json()["detail"]
    assert status(client, upload_id).json()["received"] == 0


@pytest.mark.parametrize(
    "content_range",
    [
        None,
        "bytes 0-99",
        "bytes 100-0/3584",
        "bytes 0-3584/3584",
        "items 0-99/3584",
        "bytes -1-5/9",
    ],
)
def test_a_missing_or_bad_content_range_is_refused(
    client: TestClient, upload_id: str, content_range: str | None
) -> None:
    headers = dict(AUTH) | ({"Content-Range": content_range} if content_range else {})
    answer = client.put(f"/api/uploads/{upload_id}", headers=headers, content=DATA[:100])
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "bad_range"


def test_a_body_of_another_length_than_its_range_is_refused(
    client: TestClient, upload_id: str
) -> None:
    headers = {**AUTH, "Content-Range": "bytes 0-99/3584"}
    answer = client.put(f"/api/uploads/{upload_id}", headers=headers, content=DATA[:50])
    assert answer.status_code == 400
    assert status(client, upload_id).json()["received"] == 0


def test_a_second_request_while_a_piece_is_written_is_told_to_wait(
    client: TestClient, upload_id: str, data_dir: Path
) -> None:
    (part,) = part_files(data_dir)
    with part.open("ab") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # as the request writing a piece holds it
        answer = put(client, upload_id, DATA, 0)
    assert answer.status_code == 409
    assert answer.json()["code"] == "upload_busy"
    assert answer.headers["Retry-After"]
    assert put(client, upload_id, DATA, 0).status_code == 200


def test_another_account_gets_404(client: TestClient) -> None:
    add_account(client, "wang", 1, "publisher")
    add_account(client, "li", 1, "publisher")
    wang, li = bearer(login(client, "wang")), bearer(login(client, "li"))
    upload_id = start(client, headers=wang).json()["id"]
    assert put(client, upload_id, DATA, 0, headers=wang).status_code == 200
    for headers in (li, AUTH):
        for answer in (
            status(client, upload_id, headers),
            put(client, upload_id, DATA, 1000, headers=headers),
        ):
            assert answer.status_code == 404, answer.text
            assert answer.json()["code"] == "upload_not_found"
    assert status(client, upload_id, wang).json()["received"] == PIECE


def test_a_viewer_may_not_upload(client: TestClient) -> None:
    add_account(client, "look", 1, "viewer")
    answer = start(client, headers=bearer(login(client, "look")))
    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden"


def test_a_file_over_the_limit_is_refused_at_the_start(make_client: Any) -> None:
    client = make_client(max_upload_bytes=1000)
    answer = start(client)
    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"


@pytest.mark.parametrize(
    "body",
    [{"size": 0}, {"size": 10, "purpose": "document"}, {"size": 10, "extra": 1}, {"size": "ten"}],
)
def test_a_bad_start_is_refused(client: TestClient, body: dict[str, Any]) -> None:
    answer = client.post("/api/uploads", headers=AUTH, json=body)
    assert answer.status_code == 422, answer.text
    assert set(answer.json()) == {"detail", "code"}


def test_the_same_file_started_again_resumes(client: TestClient) -> None:
    first = start(client, fingerprint="1717200000000")
    put(client, first.json()["id"], DATA, 0)
    again = start(client, fingerprint="1717200000000")
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["received"] == PIECE
    other = start(client, fingerprint="1717200099999")  # another file of the same name and size
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert start(client).json()["id"] not in (first.json()["id"], other.json()["id"])


def test_an_upload_without_progress_for_a_day_is_gone(
    make_client: Any, clock: Any, data_dir: Path
) -> None:
    client = make_client()
    upload_id = start(client).json()["id"]
    put(client, upload_id, DATA, 0)
    clock.advance(hours=23)
    assert put(client, upload_id, DATA, 1000).status_code == 200  # progress: another day
    clock.advance(hours=23)
    assert status(client, upload_id).status_code == 200
    clock.advance(hours=2)
    assert status(client, upload_id).status_code == 404
    assert len(part_files(data_dir)) == 1
    make_client()  # a server starting removes what has expired
    assert part_files(data_dir) == []
    assert status(client, upload_id).status_code == 404


def test_a_real_video_in_pieces_is_probed_and_a_non_video_refused_for_good(
    client: TestClient, test_videos: Any, data_dir: Path
) -> None:
    video = test_videos.path("good").read_bytes()
    upload_id = start(client, video, purpose="video", filename="第一课.mp4").json()["id"]
    first = 0
    while first < len(video):
        last = min(first + 64 * 1024, len(video)) - 1
        answer = put(client, upload_id, video, first, last)
        assert answer.status_code == 200, answer.text
        first = last + 1
    facts = answer.json()["asset"]
    assert facts["media_type"] == "video/mp4"
    assert facts["video"]["video_codec"] == "h264"
    assert status(client, upload_id).json()["asset"] == facts

    garbage = test_videos.path("garbage").read_bytes()
    bad_id = start(client, garbage, purpose="video", filename="假视频.mp4").json()["id"]
    refused = put(client, bad_id, garbage, 0, len(garbage) - 1)
    assert refused.status_code == 422
    assert refused.json()["code"] == "not_a_video"
    again = put(client, bad_id, garbage, 0, len(garbage) - 1)
    assert (again.status_code, again.json()) == (422, refused.json())
    assert status(client, bad_id).json()["error"] == refused.json()["detail"]
    assert part_files(data_dir) == []


def test_the_schema_declares_the_upload_routes(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    put_op = paths["/api/uploads/{upload_id}"]["put"]
    assert {"400", "404", "409", "422", "507"} <= set(put_op["responses"])
    assert "application/octet-stream" in put_op["requestBody"]["content"]
    assert {"200", "201", "403", "413"} <= set(paths["/api/uploads"]["post"]["responses"])


# --- a real server: a connection cut in the middle of a piece --------------------------------


@pytest.fixture
def real_server(tmp_path: Path) -> Iterator[RunningServer]:
    server = start_server(tmp_path / "data")
    try:
        yield server
    finally:
        stop_server(server.process)


def send_half_and_hang_up(url: str, upload_id: str, data: bytes, first: int, last: int) -> None:
    """PUT a piece whose body stops halfway, then close the socket (a train in a tunnel)."""
    where = urlsplit(url)
    piece = data[first : last + 1]
    head = (
        f"PUT /api/uploads/{upload_id} HTTP/1.1\r\nHost: {where.netloc}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Range: bytes {first}-{last}/{len(data)}\r\n"
        f"Content-Length: {len(piece)}\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode()
    with socket.create_connection((where.hostname, where.port), timeout=10) as sock:
        sock.sendall(head + piece[: len(piece) // 2])


def test_a_cut_piece_keeps_what_came_and_the_upload_resumes_from_there(
    real_server: RunningServer,
) -> None:
    url, auth = real_server.url, {"Authorization": f"Bearer {TOKEN}"}
    data = bytes(range(256)) * 4096  # 1 MiB
    body = {"size": len(data), "purpose": "any", "filename": "lesson.bin"}
    upload_id = requests.post(f"{url}/api/uploads", headers=auth, json=body, timeout=10).json()[
        "id"
    ]
    send_half_and_hang_up(url, upload_id, data, 0, len(data) - 1)

    def received() -> int:
        answer = requests.get(f"{url}/api/uploads/{upload_id}", headers=auth, timeout=10)
        return int(answer.json()["received"])

    # The server notices the hang-up when it reads the body again; wait for that state.
    have = wait_for(
        lambda: (
            received()
            if any("connection dropped at" in line for line in real_server.log_lines)
            else None
        )
    )
    assert 0 < have <= len(data) // 2
    rest = requests.put(
        f"{url}/api/uploads/{upload_id}",
        headers={**auth, "Content-Range": f"bytes {have}-{len(data) - 1}/{len(data)}"},
        data=data[have:],
        timeout=30,
    )
    assert rest.status_code == 200, rest.text
    assert rest.json()["asset"]["sha256"] == hashlib.sha256(data).hexdigest()


def wait_for(probe: Any, seconds: float = 20.0) -> Any:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("the condition never held")
