"""What the console pages of videos, honor rolls and meetings share: who is logged in (a page
redirects to the login page, a script's request gets a JSON 401), and one Chinese line from an
API refusal."""

from __future__ import annotations

from fastapi import Request

from content_server.console import web
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.scope import Principal

# The person and the node they act for, or a redirect to the login page (and back).
page_login = web.require_login


def script_login(ctx: ServerContext, request: Request, *, unsafe: bool) -> Principal:
    """The person behind a request of a page's script; ``unsafe`` requests (they change
    something) must carry the ``X-CSRF-Token`` header.

    Raises:
        web.CsrfRefused: an unsafe request without the right token.
        ApiError: 401 ``login_required`` when the session has ended.
    """
    if unsafe:
        web.check_csrf(ctx, request, None)
    who = web.current_principal(ctx, request)
    if who is None:
        raise ApiError(401, "login_required", "登录已过期，请在新标签页重新登录后再试")
    return who


def line(detail: str) -> str:
    """The Chinese part of an API message (``中文 / english`` or ``中文 (english)``), one line."""
    text = detail.splitlines()[0] if detail else ""
    for separator in (" / ", " ("):
        head, sep, _ = text.partition(separator)
        if sep and any("\u4e00" <= ch <= "\u9fff" for ch in head):
            return head
    return text


def error_status(exc: ApiError) -> int:
    """The status of a form page that shows ``exc``: 403/404 as they are, else 422."""
    return exc.status if exc.status in (403, 404) else 422
