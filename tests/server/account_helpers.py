"""Helpers for the account tests: accounts, roles and logins through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from server_helpers import AUTH

PASSWORD = "正确的密码-correct-horse"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def add_account(
    client: TestClient,
    name: str,
    node: int,
    *roles: str,
    password: str = PASSWORD,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST /api/accounts (as the superuser unless ``headers``), then grant ``roles`` on
    ``node``; returns the account as the API shows it."""
    answer = client.post(
        "/api/accounts",
        headers=headers or AUTH,
        json={"name": name, "password": password, "node_id": node},
    )
    assert answer.status_code == 201, answer.text
    view = dict(answer.json())
    for role in roles:
        view = grant(client, name, node, role, headers=headers)
    return view


def grant(
    client: TestClient, name: str, node: int, role: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    answer = client.post(
        f"/api/accounts/{name}/grants",
        headers=headers or AUTH,
        json={"node_id": node, "role": role},
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """POST /api/login and insist on 200; returns the session token."""
    answer = client.post("/api/login", json={"name": name, "password": password})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def personal_token(client: TestClient, session: str, label: str = "cli") -> dict[str, Any]:
    answer = client.post("/api/me/tokens", headers=bearer(session), json={"label": label})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())
