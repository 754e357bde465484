"""Health check and admin authentication."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from server_helpers import AUTH, TOKEN

ADMIN_ROUTES = [
    ("POST", "/api/items"),
    ("GET", "/api/items"),
    ("DELETE", "/api/items/p-0123456789"),
    ("PUT", "/api/screens/screen-1/settings"),
    ("POST", "/api/assets"),
]


def test_healthz_answers_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer"},
        {"Authorization": f"Bearer {TOKEN}x"},
    ],
    ids=["missing", "wrong", "not-bearer", "empty", "longer"],
)
def test_admin_routes_refuse_without_the_token(
    client: TestClient, method: str, path: str, headers: dict[str, str]
) -> None:
    response = client.request(method, path, headers=headers, json={})
    assert response.status_code == 401
    assert response.json() == {"detail": "令牌无效或缺失", "code": "unauthorized"}
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_token_lets_an_admin_in(client: TestClient) -> None:
    assert client.get("/api/items", headers=AUTH).status_code == 200
    lower_scheme = {"Authorization": f"bearer {TOKEN}"}
    assert client.get("/api/items", headers=lower_scheme).status_code == 200


def test_nothing_is_stored_by_an_unauthorised_upload(client: TestClient, data_dir) -> None:
    response = client.post("/api/assets", files={"file": ("a.png", b"\x89PNG")})
    assert response.status_code == 401
    assert list((data_dir / "assets").iterdir()) == []
    assert list((data_dir / "tmp").iterdir()) == []
