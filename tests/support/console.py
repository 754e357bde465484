"""The web console in real headless Chromium: accounts made through the real API, logging in
through the real login page, and screenshots of each page at a phone and a PC size.

Screenshots go to ``artifacts/console/`` at the top of the checkout (or ``$KIOSK_ARTIFACTS``),
named ``<page>-<width>x<height>.png``, so a person can look at every console page after a run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import requests

from tests.support.processes import ServerProcess

PASSWORD = "正确的密码-correct-horse"
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "locale": "zh-CN",
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
OFFICE = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}
SIZES = {"phone": PHONE, "office": OFFICE}
ARTIFACTS = Path(
    os.environ.get("KIOSK_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts")
)


def admin(server: ServerProcess) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token}"}


def add_node(server: ServerProcess, parent: int, kind: str, name: str) -> int:
    answer = requests.post(
        f"{server.url}/api/org/nodes",
        headers=admin(server),
        json={"parent_id": parent, "kind": kind, "name": name},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["node"]["id"])


def add_account(server: ServerProcess, name: str, node: int, *roles: str) -> None:
    answer = requests.post(
        f"{server.url}/api/accounts",
        headers=admin(server),
        json={"name": name, "password": PASSWORD, "node_id": node},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    for role in roles:
        answer = requests.post(
            f"{server.url}/api/accounts/{name}/grants",
            headers=admin(server),
            json={"node_id": node, "role": role},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text


def assign_screen(server: ServerProcess, screen: str, node: int) -> None:
    answer = requests.put(
        f"{server.url}/api/screens/{screen}/node",
        headers=admin(server),
        json={"node_id": node},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def log_in(page: Any, server: ServerProcess, name: str, password: str = PASSWORD) -> None:
    """Log in through the login page (two fields, one tap) and wait for the home page."""
    page.goto(f"{server.url}/console/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/console/")


def screenshot(page: Any, name: str) -> Path:
    """Save the whole page as ``artifacts/console/<name>-<w>x<h>.png``."""
    size = page.viewport_size
    folder = ARTIFACTS / "console"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{size['width']}x{size['height']}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
