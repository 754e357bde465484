"""Bad requests get one clear Chinese message and a code; nothing ever shows a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from server_helpers import AUTH, manifest, poster_payload, publish

from content_server.events import ChangeNotifier


def post_item(client: TestClient, payload: Any) -> Any:
    return client.post("/api/items", headers=AUTH, json=payload)


def assert_error(response: Any, status: int, code: str, *detail_parts: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"detail", "code"}
    assert body["code"] == code
    for part in detail_parts:
        assert part in body["detail"]
    assert "Traceback" not in response.text


def test_until_before_from(client: TestClient) -> None:
    payload = {
        "kind": "notice",
        "text": "通知",
        "to": "all",
        "valid_from": "2026-07-02T08:00",
        "valid_until": "2026-07-01T08:00",
    }
    assert_error(post_item(client, payload), 422, "invalid_item", "valid_until 必须晚于")


def test_unknown_asset(client: TestClient) -> None:
    payload = {"kind": "poster", "title": "海报", "to": "all", "image": {"sha256": "ab" * 32}}
    assert_error(post_item(client, payload), 422, "unknown_asset", "请先上传")


@pytest.mark.parametrize("sha256", ["../../etc/passwd", "AB" * 32, 42, None])
def test_malformed_asset_reference(client: TestClient, sha256: object) -> None:
    payload = {"kind": "poster", "title": "海报", "to": "all", "image": {"sha256": sha256}}
    assert_error(post_item(client, payload), 422, "unknown_asset")


def test_missing_required_field(client: TestClient) -> None:
    response = post_item(client, {"kind": "notice", "to": "all"})
    assert_error(response, 422, "invalid_item", "字段 text：缺少必填字段")


def test_poster_without_image(client: TestClient) -> None:
    response = post_item(client, {"kind": "poster", "title": "t", "to": "all"})
    assert_error(response, 422, "invalid_item", "image")


def test_misspelt_field_is_refused_not_ignored(client: TestClient) -> None:
    payload = {"kind": "notice", "text": "t", "to": "all", "valid_untill": "2026-07-01"}
    assert_error(post_item(client, payload), 422, "unknown_field", "valid_untill")


def test_misspelt_nested_field(client: TestClient) -> None:
    payload = {
        "kind": "honor_roll",
        "to": "all",
        "entries": [{"name": "张建国", "titel": "优秀共产党员"}],
    }
    assert_error(post_item(client, payload), 422, "unknown_field", "entries[0].titel")


@pytest.mark.parametrize("kind", ["banner", None, 3])
def test_unknown_kind(client: TestClient, kind: object) -> None:
    assert_error(post_item(client, {"kind": kind, "to": "all"}), 422, "unknown_kind")


@pytest.mark.parametrize("to", ["../../etc", "bad id!", "", None, ["a", "b"], "screen:"])
def test_bad_target(client: TestClient, to: object) -> None:
    payload = {"kind": "notice", "text": "t", "to": to}
    assert_error(post_item(client, payload), 422, "bad_target", "all")


def test_bad_values_are_named(client: TestClient) -> None:
    payload = {"kind": "notice", "text": "t", "to": "all", "priority": 5000}
    assert_error(post_item(client, payload), 422, "invalid_item", "priority", "不能大于 1000")
    payload = {"kind": "notice", "text": "t", "to": "all", "valid_from": "next monday"}
    assert_error(post_item(client, payload), 422, "invalid_item", "valid_from", "不是有效的时间")


def test_window_that_already_ended(client: TestClient) -> None:
    payload = {"kind": "notice", "text": "t", "to": "all", "valid_until": "2020-01-01"}
    assert_error(post_item(client, payload), 422, "already_ended")


def test_meeting_that_ends_before_it_starts(client: TestClient) -> None:
    payload = {
        "kind": "meeting",
        "to": "all",
        "meeting_type": "党课",
        "start": "2026-06-05T15:00",
        "end": "2026-06-05T14:00",
    }
    assert_error(post_item(client, payload), 422, "invalid_item", "end")


def test_body_that_is_not_json(client: TestClient) -> None:
    response = client.post(
        "/api/items", headers={**AUTH, "Content-Type": "application/json"}, content=b"{nope"
    )
    assert_error(response, 422, "invalid_request", "JSON")


def test_body_that_is_not_an_object(client: TestClient) -> None:
    assert_error(post_item(client, ["notice"]), 422, "invalid_request")


def test_client_chosen_id_is_replaced(client: TestClient) -> None:
    item = publish(client, kind="notice", text="t", to="all", id="../../evil")
    assert item["id"].startswith("n-")
    assert manifest(client)["items"][0]["id"] == item["id"]


@pytest.mark.parametrize(
    "screen",
    ["bad%20id!", "-leading-dash", "x" * 65, "%E5%B1%8F%E5%B9%95", "%2E%2E", "a.b"],
)
def test_bad_screen_id_in_manifest_url(client: TestClient, screen: str) -> None:
    response = client.get(f"/api/screens/{screen}/manifest", headers=AUTH)
    assert_error(response, 400, "bad_screen_id", "屏幕编号")


@pytest.mark.parametrize("path", ["/api/screens/..%2F..%2Fetc/manifest", "/api/screens/../etc"])
def test_path_like_screen_id_never_matches(client: TestClient, path: str) -> None:
    response = client.get(path, headers=AUTH)
    assert response.status_code in (400, 404)
    assert "code" in response.json()


def test_unknown_route_and_method(client: TestClient) -> None:
    assert_error(client.get("/nowhere"), 404, "not_found")
    assert_error(client.patch("/healthz"), 405, "method_not_allowed")


def test_item_id_that_is_path_like(client: TestClient) -> None:
    assert_error(client.delete("/api/items/..%2F..%2Fetc", headers=AUTH), 404, "not_found")
    assert_error(client.delete("/api/items/a.b", headers=AUTH), 404, "item_not_found")


class FailingNotifier(ChangeNotifier):
    """A notifier whose transport is broken (an edge the server does not own)."""

    def notify_changed(self, targets: Iterable[str], revision: int) -> None:
        raise RuntimeError("event bus down: secret internals")


def test_unexpected_error_is_a_generic_500_and_one_log_line(
    make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(notifier=FailingNotifier())
    with caplog.at_level(logging.INFO, logger="content_server"):
        response = client.post(
            "/api/items", headers=AUTH, json={"kind": "notice", "text": "t", "to": "all"}
        )
    assert_error(response, 500, "internal_error", "服务器内部错误")
    assert "secret internals" not in response.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "RuntimeError" in errors[0].getMessage()
    assert "\n" not in errors[0].getMessage()


def test_upload_errors_for_assets_are_json(client: TestClient) -> None:
    payload = poster_payload(client, image={"sha256": "cd" * 32})
    assert_error(post_item(client, payload), 422, "unknown_asset")
