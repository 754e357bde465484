"""Screen credentials for tests: one place that hands out a screen's token.

Tokens are asked of the server the way an admin does (``GET /api/screens/{id}/token``, what
``kiosk publish ... screen-token`` calls), from a live server's URL or an in-process
``TestClient``, so tests never repeat the derivation.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests


def bearer(token: str) -> dict[str, str]:
    """``Authorization: Bearer <token>``."""
    return {"Authorization": f"Bearer {token}"}


def screen_token(server: Any, screen: str, admin_token: str) -> str:
    """The token of ``screen``, from ``server``: a base URL or a ``TestClient``."""
    path = f"/api/screens/{quote(screen, safe='')}/token"
    if isinstance(server, str):
        response = requests.get(server + path, headers=bearer(admin_token), timeout=10)
    else:
        response = server.get(path, headers=bearer(admin_token))
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def screen_auth(server: Any, screen: str, admin_token: str) -> dict[str, str]:
    """The header a screen sends with its own requests."""
    return bearer(screen_token(server, screen, admin_token))
