"""Who may call what: people, the superuser and screens, each with ``Authorization: Bearer
<token>``.

- Publishing, reading and administration routes take a caller (``caller_guard``): the admin
  token is the superuser; a session token (``POST /api/login``) or a personal API token is the
  account it belongs to, with its roles. What the caller may do where is
  ``content_server.scope``'s business.
- A screen's own routes (its manifest, its event stream, what it uploads) take that screen's
  credential or the admin token (``screen_guard``). A screen enrolled by pairing code has a
  random credential of its own (``content_server.enrollment``; only its sha256 is stored). A
  screen never enrolled opens with its derived token, ``HMAC-SHA256(screen_key, "screen:" +
  screen_id)`` in hex (``screen_token``), so existing installs need no table: a token stolen
  from one screen opens only that screen's routes. Once a screen is enrolled its derived token
  no longer opens it; once it is revoked neither does its credential (403 ``screen_revoked``).

Every comparison is constant-time. Assets (``/assets/{sha256}``) stay open: they are
content-addressed, so only someone who already read a manifest can name one.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Request

from content_server.accounts.store import principal_for
from content_server.audit.log import client_address
from content_server.db import Database
from content_server.enrollment.store import Enrollment, digest, enrollment_of
from content_server.errors import ApiError
from content_server.scope import SUPERUSER, Principal

SCREEN_TOKEN_LABEL = "screen:"
SCREEN_REFUSED = (
    "屏幕令牌无效或缺失：请用屏幕上的配对码登记该屏幕（kiosk admin screen enroll 配对码），"
    "或在其配置文件中设置 screen_token（kiosk publish ... screen-token 屏幕编号）"
)
SCREEN_REVOKED = "本屏已被管理员停用（撤销登记）：请联系管理员，用屏幕上的配对码重新登记"
# Compared against when a screen has no stored credential, so every request costs the same.
_NO_CREDENTIAL = "0" * 64


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
    return replace(resolve(authorization), address=client_address(request))


# What a route declares to learn who is calling: ``who: Caller``. ``create_app`` puts the
# app's own resolver (``caller_guard``) in ``app.state``, so nothing here is global.
Caller = Annotated[Principal, Depends(_current_caller)]


def screen_token(screen_key: str, screen_id: str) -> str:
    """The token of screen ``screen_id``: 64 hex digits, derived from the server's screen key."""
    message = (SCREEN_TOKEN_LABEL + screen_id).encode("utf-8")
    return hmac.new(screen_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def screen_guard(screen_key: str, admin_token: str) -> Callable[..., None]:
    """A FastAPI dependency for routes under ``/api/screens/{screen_id}/...`` that a screen
    calls: lets through the screen's own credential (its enrolled one; its derived token if it
    was never enrolled) or the admin token, else 401 ``screen_unauthorized``; a revoked
    screen's credential or derived token gets 403 ``screen_revoked``. Use it as
    ``Depends(screen_guard(...))`` on a route whose path has ``{screen_id}``; the enrollment is
    read from the app's database (``app.state.context``)."""
    admin = admin_token.encode("utf-8")

    def require_screen(
        screen_id: str, request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> None:
        provided = _bearer(authorization)
        database: Database = request.app.state.context.db
        with database.connect() as conn:
            enrollment = enrollment_of(conn, screen_id)
        verdict = screen_verdict(screen_key, admin, screen_id, provided, enrollment)
        if verdict == "revoked":
            raise ApiError(403, "screen_revoked", SCREEN_REVOKED)
        if verdict != "ok":
            raise ApiError(
                401, "screen_unauthorized", SCREEN_REFUSED, {"WWW-Authenticate": "Bearer"}
            )

    return require_screen


def screen_verdict(
    screen_key: str,
    admin: bytes,
    screen_id: str,
    provided: bytes,
    enrollment: Enrollment | None,
) -> str:
    """``ok``, ``revoked`` (the screen's own credential or derived token, but the screen is
    revoked) or ``refused``. Every comparison always runs, so the answer's timing says nothing
    about which one matched."""
    derived = screen_token(screen_key, screen_id).encode("ascii")
    stored = (enrollment.token_hash if enrollment else None) or _NO_CREDENTIAL
    as_admin = hmac.compare_digest(provided, admin)
    as_derived = hmac.compare_digest(provided, derived)
    as_enrolled = hmac.compare_digest(
        digest(provided.decode("utf-8", "replace")).encode("ascii"), stored.encode("ascii")
    )
    if as_admin:
        return "ok"
    if enrollment is None:
        return "ok" if as_derived else "refused"
    if as_enrolled | as_derived and enrollment.revoked_at is not None:
        return "revoked"
    return "ok" if as_enrolled and enrollment.token_hash is not None else "refused"


def _bearer(authorization: str | None) -> bytes:
    """The token of an ``Authorization: Bearer <token>`` header, or b"" (never matches)."""
    scheme, _, provided = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return b""
    return provided.strip().encode("utf-8")
