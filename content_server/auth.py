"""Who may call what: admins and screens, each with ``Authorization: Bearer <token>``.

- Admin routes take the admin token (``admin_guard``).
- A screen's own routes (its manifest, its event stream, what it uploads) take that screen's
  token or the admin token (``screen_guard``). A screen's token is derived from the server's
  screen key: ``HMAC-SHA256(screen_key, "screen:" + screen_id)`` in hex (``screen_token``), so
  no table of tokens is kept and a token stolen from one screen opens only that screen's routes.

Every comparison is constant-time. Assets (``/assets/{sha256}``) stay open: they are
content-addressed, so only someone who already read a manifest can name one.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Header

from content_server.errors import ApiError

SCREEN_TOKEN_LABEL = "screen:"
SCREEN_REFUSED = (
    "屏幕令牌无效或缺失：请在该屏幕的配置文件中设置 screen_token"
    "（管理员用 kiosk publish ... screen-token 屏幕编号 查看）"
)


def admin_guard(token: str) -> Callable[..., None]:
    """A FastAPI dependency that lets through only requests carrying ``token``."""
    expected = token.encode("utf-8")

    def require_admin(authorization: Annotated[str | None, Header()] = None) -> None:
        if not hmac.compare_digest(_bearer(authorization), expected):
            raise ApiError(401, "unauthorized", "令牌无效或缺失", {"WWW-Authenticate": "Bearer"})

    return require_admin


def screen_token(screen_key: str, screen_id: str) -> str:
    """The token of screen ``screen_id``: 64 hex digits, derived from the server's screen key."""
    message = (SCREEN_TOKEN_LABEL + screen_id).encode("utf-8")
    return hmac.new(screen_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def screen_guard(screen_key: str, admin_token: str) -> Callable[..., None]:
    """A FastAPI dependency for routes under ``/api/screens/{screen_id}/...`` that a screen
    calls: lets through the screen's own token or the admin token, else 401
    ``screen_unauthorized``. Use it as ``Depends(screen_guard(...))`` on a route whose path has
    ``{screen_id}``."""
    admin = admin_token.encode("utf-8")

    def require_screen(
        screen_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> None:
        provided = _bearer(authorization)
        expected = screen_token(screen_key, screen_id).encode("ascii")
        # Both comparisons always run, so the answer's timing says nothing about either.
        as_screen = hmac.compare_digest(provided, expected)
        as_admin = hmac.compare_digest(provided, admin)
        if not (as_screen | as_admin):
            raise ApiError(
                401, "screen_unauthorized", SCREEN_REFUSED, {"WWW-Authenticate": "Bearer"}
            )

    return require_screen


def _bearer(authorization: str | None) -> bytes:
    """The token of an ``Authorization: Bearer <token>`` header, or b"" (never matches)."""
    scheme, _, provided = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return b""
    return provided.strip().encode("utf-8")
