"""Admin authentication: ``Authorization: Bearer <admin token>``.

Screens fetch manifests and assets without a token for now; device credentials come later.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Header

from content_server.errors import ApiError


def admin_guard(token: str) -> Callable[..., None]:
    """A FastAPI dependency that lets through only requests carrying ``token``."""
    expected = token.encode("utf-8")

    def require_admin(authorization: Annotated[str | None, Header()] = None) -> None:
        scheme, _, provided = (authorization or "").strip().partition(" ")
        valid = scheme.lower() == "bearer" and hmac.compare_digest(
            provided.strip().encode("utf-8"), expected
        )
        if not valid:
            raise ApiError(401, "unauthorized", "令牌无效或缺失", {"WWW-Authenticate": "Bearer"})

    return require_admin
