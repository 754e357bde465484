"""Who may call what: people, the superuser and screens, each with ``Authorization: Bearer
<token>``.

- Publishing, reading and administration routes take a caller (``caller_guard``): the admin
  token is the superuser; a session token (``POST /api/login``) or a personal API token is the
  account it belongs to, with its roles. What the caller may do where is
  ``content_server.scope``'s business.
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
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Request

from content_server.accounts.store import principal_for
from content_server.db import Database
from content_server.errors import ApiError
from content_server.scope import SUPERUSER, Principal

SCREEN_TOKEN_LABEL = "screen:"
SCREEN_REFUSED = (
    "屏幕令牌无效或缺失：请在该屏幕的配置文件中设置 screen_token"
    "（管理员用 kiosk publish ... screen-token 屏幕编号 查看）"
)


def caller_guard(
    database: Database, clock: Callable[[], datetime], admin_token: str
) -> Callable[..., Principal]:
    """Who is calling, from the ``Authorization`` header: the superuser for the admin token,
    the account of a live session or personal API token; else 401 ``unauthorized``. Routes
    reach it through :data:`Caller`."""
    admin = admin_token.encode("utf-8")

    def caller(authorization: str | None) -> Principal:
        provided = _bearer(authorization)
        if hmac.compare_digest(provided, admin):
            return SUPERUSER
        principal = None
        if provided:
            with database.connect() as conn:
                principal = principal_for(conn, provided.decode("utf-8", "replace"), clock())
        if principal is None:
            raise ApiError(
                401,
                "unauthorized",
                "令牌无效或缺失",
                {"WWW-Authenticate": "Bearer"},
            )
        return principal

    return caller


def _current_caller(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    resolve: Callable[[str | None], Principal] = request.app.state.resolve_caller
    return resolve(authorization)


# What a route declares to learn who is calling: ``who: Caller``. ``create_app`` puts the
# app's own resolver (``caller_guard``) in ``app.state``, so nothing here is global.
Caller = Annotated[Principal, Depends(_current_caller)]


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
