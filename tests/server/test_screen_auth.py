"""Screen credentials: a screen's manifest and event stream need its own token (or the admin
token); tokens are derived from the server's screen key, which is generated on first start and
kept in the data directory."""

from __future__ import annotations

import hashlib
import hmac
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient
from server_helpers import (
    AUTH,
    TOKEN,
    assert_one_line_error,
    clean_env,
    last_line,
    publish,
    publish_cli,
    run_cli,
    screen_auth,
    start_server,
    stop_server,
)
from signin_helpers import ensure_branch

from content_server.screen_key import SCREEN_KEY_FILE, ScreenKeyError, load_or_create_screen_key
from tests.support.screen_auth import bearer, screen_token

SCREEN_ROUTES = ["/api/screens/screen-1/manifest", "/api/screens/screen-1/events"]


def assert_refused(response: requests.Response | object) -> None:
    assert response.status_code == 401, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["code"] == "screen_unauthorized"
    assert "screen_token" in body["detail"] and "屏幕令牌" in body["detail"]
    assert response.headers["WWW-Authenticate"] == "Bearer"  # type: ignore[attr-defined]
    assert "Traceback" not in response.text  # type: ignore[attr-defined]


# --- in process --------------------------------------------------------------------------


@pytest.mark.parametrize("path", SCREEN_ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic abc"},
    ],
    ids=["missing", "wrong", "empty", "not-bearer"],
)
def test_screen_routes_refuse_without_a_valid_token(
    client: TestClient, path: str, headers: dict[str, str]
) -> None:
    publish(client, kind="notice", text="通知", to="all")
    assert_refused(client.get(path, headers=headers))


@pytest.mark.parametrize("path", SCREEN_ROUTES)
def test_another_screens_token_is_refused(client: TestClient, path: str) -> None:
    assert_refused(client.get(path, headers=screen_auth(client, "screen-2")))


def test_the_screens_token_and_the_admin_token_read_the_manifest(client: TestClient) -> None:
    item = publish(client, kind="notice", text="通知", to="all")
    for headers in (screen_auth(client, "screen-1"), AUTH):
        response = client.get("/api/screens/screen-1/manifest", headers=headers)
        assert response.status_code == 200, response.text
        assert [i["id"] for i in response.json()["items"]] == [item["id"]]


def test_a_manifest_with_a_meeting_secret_is_not_readable_anonymously(
    client: TestClient,
) -> None:
    start = "2026-06-01T12:30:00+08:00"
    meeting = {"meeting_type": "党课", "title": "党课", "branch": "第一党支部",
               "start": start, "end": "2026-06-01T13:30:00+08:00", "to": "all"}  # fmt: skip
    ensure_branch(client, "第一党支部")
    assert client.post("/api/meetings", headers=AUTH, json=meeting).status_code == 201
    anonymous = client.get("/api/screens/screen-1/manifest")
    assert_refused(anonymous)
    assert "secret" not in anonymous.text


def test_the_token_route_is_for_admins(client: TestClient) -> None:
    refused = client.get("/api/screens/screen-1/token", headers=screen_auth(client, "screen-1"))
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
    answer = client.get("/api/screens/screen-1/token", headers=AUTH).json()
    assert answer["screen_id"] == "screen-1"
    assert answer["config"] == f'screen_token = "{answer["token"]}"'
    bad = client.get("/api/screens/bad%20id/token", headers=AUTH)
    assert bad.status_code == 400 and bad.json()["code"] == "bad_screen_id"


def test_tokens_are_the_documented_hmac_of_the_screen_key(
    make_client: Callable[..., TestClient],
) -> None:
    key = "k" * 40
    client = make_client(screen_key=key)
    expected = hmac.new(key.encode(), b"screen:screen-1", hashlib.sha256).hexdigest()
    assert screen_token(client, "screen-1", TOKEN) == expected
    assert screen_token(client, "screen-2", TOKEN) != expected


def test_the_generated_key_is_private_and_kept(
    make_client: Callable[..., TestClient], data_dir: Path
) -> None:
    first = screen_token(make_client(), "screen-1", TOKEN)
    key_file = data_dir / SCREEN_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert screen_token(make_client(), "screen-1", TOKEN) == first  # a new app, same data


def test_a_given_key_is_not_written_and_changing_it_rotates_every_token(
    make_client: Callable[..., TestClient], data_dir: Path
) -> None:
    old = screen_token(make_client(screen_key="a" * 32), "screen-1", TOKEN)
    assert not (data_dir / SCREEN_KEY_FILE).exists()
    rotated = make_client(screen_key="b" * 32)
    response = rotated.get("/api/screens/screen-1/manifest", headers=bearer(old))
    assert_refused(response)


def test_a_damaged_key_file_is_reported_in_one_line(tmp_path: Path) -> None:
    (tmp_path / SCREEN_KEY_FILE).write_text("short\n")
    with pytest.raises(ScreenKeyError, match="太短"):
        load_or_create_screen_key(tmp_path)


# --- real processes ------------------------------------------------------------------------


@pytest.mark.e2e
def test_the_generated_key_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data)
    try:
        token = screen_token(server.url, "lobby-1", TOKEN)
        assert "generated a new screen key" in "".join(server.log_lines)
    finally:
        stop_server(server.process)
    assert stat.S_IMODE((data / SCREEN_KEY_FILE).stat().st_mode) == 0o600
    again = start_server(data)
    try:
        assert screen_token(again.url, "lobby-1", TOKEN) == token
        manifest = requests.get(
            f"{again.url}/api/screens/lobby-1/manifest", headers=bearer(token), timeout=10
        )
        assert manifest.status_code == 200
    finally:
        stop_server(again.process)


@pytest.mark.e2e
def test_publish_screen_token_prints_a_token_that_works(live_server) -> None:  # noqa: ANN001
    result = publish_cli(live_server.url, "screen-token", "cli-token-screen")
    token = last_line(result)
    assert f'screen_token = "{token}"' in result.stdout
    url = f"{live_server.url}/api/screens/cli-token-screen/manifest"
    assert requests.get(url, headers=bearer(token), timeout=10).status_code == 200
    assert_refused(requests.get(url, timeout=10))
    other = f"{live_server.url}/api/screens/another-screen/manifest"
    assert_refused(requests.get(other, headers=bearer(token), timeout=10))


@pytest.mark.e2e
def test_publish_screen_token_refuses_all_in_one_line(live_server) -> None:  # noqa: ANN001
    assert_one_line_error(publish_cli(live_server.url, "screen-token", "all"), "usage", 2)


@pytest.mark.e2e
def test_the_event_stream_needs_the_screens_token(live_server) -> None:  # noqa: ANN001
    url = f"{live_server.url}/api/screens/stream-screen/events"
    assert_refused(requests.get(url, timeout=10))
    headers = screen_auth(live_server.url, "stream-screen")
    with requests.get(url, headers=headers, stream=True, timeout=10) as response:
        assert response.status_code == 200
        first = next(response.iter_lines(decode_unicode=True))
    assert first == "event: revision"


@pytest.mark.e2e
def test_server_takes_the_screen_key_from_the_environment(tmp_path: Path) -> None:
    key = "fleet-secret-0123456789abcdef"
    env = {**clean_env(), "KIOSK_SCREEN_KEY": key}
    server = start_server(tmp_path / "data", env=env)
    try:
        expected = hmac.new(key.encode(), b"screen:s1", hashlib.sha256).hexdigest()
        assert screen_token(server.url, "s1", TOKEN) == expected
    finally:
        stop_server(server.process)
    assert not (tmp_path / "data" / SCREEN_KEY_FILE).exists()


@pytest.mark.e2e
def test_server_refuses_a_short_screen_key_in_one_line(tmp_path: Path) -> None:
    result = run_cli(
        "server", "--data", str(tmp_path), "--port", "0", "--admin-token", TOKEN,
        "--screen-key", "short",
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "short_screen_key" in lines[0], result.stderr
