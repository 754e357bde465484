"""Helpers for the organisation tree tests: build a tree through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from server_helpers import AUTH

ROOT = 1


def add(client: TestClient, parent: int, kind: str, name: str) -> int:
    """POST /api/org/nodes and insist on 201; returns the new node's id."""
    response = client.post(
        "/api/org/nodes", headers=AUTH, json={"parent_id": parent, "kind": kind, "name": name}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["node"]["id"])


def assign(client: TestClient, screen: str, node: int) -> dict[str, Any]:
    """PUT /api/screens/{screen}/node and insist on 200."""
    response = client.put(f"/api/screens/{screen}/node", headers=AUTH, json={"node_id": node})
    assert response.status_code == 200, response.text
    return dict(response.json())


def nodes(client: TestClient) -> dict[int, dict[str, Any]]:
    """GET /api/org/nodes as id -> node."""
    response = client.get("/api/org/nodes", headers=AUTH)
    assert response.status_code == 200, response.text
    return {node["id"]: node for node in response.json()["nodes"]}


def committee_with_two_branches(client: TestClient) -> dict[str, int]:
    """A 党委 under the root with 第一党支部 (screen-a) and 第二党支部 (screen-b)."""
    committee = add(client, ROOT, "党委", "机关党委")
    branch_a = add(client, committee, "党支部", "第一党支部")
    branch_b = add(client, committee, "党支部", "第二党支部")
    assign(client, "screen-a", branch_a)
    assign(client, "screen-b", branch_b)
    return {"committee": committee, "a": branch_a, "b": branch_b}
