"""再次发布: put an ended or withdrawn item on the screens again, from the items page.

The new item is a copy of the old one's content and target (a fresh id, shown from now on;
an end time that has passed is dropped), published through the same ``publish`` service as
everything else, so scope and review apply exactly as for a new item. Meetings are not
copied: a meeting is a time and a place, and a new one is made on the sign-in page.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from content_server import db
from content_server.console import web
from content_server.console.routes import PREFIX, back_to, chinese
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.items import is_valid_id
from content_server.routes.items import publish
from content_server.scope import Action, Principal, check_thing
from content_server.timefmt import from_db

log = logging.getLogger("content_server.console")

REPUBLISHABLE = frozenset({"poster", "video", "honor_roll", "notice"})


def build_router(ctx: ServerContext) -> APIRouter:
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    @router.post("/items/{item_id}/republish")
    def republish_page(
        request: Request, item_id: str, csrf: Annotated[str, Form(max_length=200)] = ""
    ) -> Response:
        web.check_csrf(ctx, request, csrf)
        who, _ = web.require_login(ctx, request)
        try:
            answer = republish(ctx, item_id, who)
        except ApiError as exc:
            return back_to(f"{PREFIX}/items?status=ended", err=chinese(exc.detail))
        log.info("console: %s republished %s as %s", who.name, item_id, answer["id"])
        return back_to(f"{PREFIX}/items", msg="已再次发布，屏幕将在几秒内播放")

    return router


def republish(ctx: ServerContext, item_id: str, who: Principal) -> dict[str, Any]:
    """Publish a copy of item ``item_id`` from now on; returns ``{"id", "revision"}``.

    Raises:
        ApiError: 404 for an item outside the caller's view, 422 for a meeting, and whatever
            ``publish`` refuses.
    """
    not_found = ApiError(404, "item_not_found", f"找不到内容 {item_id[:64]}")
    if not is_valid_id(item_id):
        raise not_found
    with ctx.db.connect() as conn, db.read_transaction(conn):
        row = db.get_item(conn, item_id)
        if row is None:
            raise not_found
        check_thing(conn, who, str(row["target"]), Action.PUBLISH, not_found)
    if row["kind"] not in REPUBLISHABLE:
        raise ApiError(422, "not_republishable", "会议不能再次发布：请在“签到”里新建一次会议")
    payload: dict[str, Any] = json.loads(row["body"])
    payload.pop("id", None)
    payload.pop("valid_from", None)
    until = payload.get("valid_until")
    if until is not None and from_db(row["valid_until"]) <= ctx.clock():
        payload.pop("valid_until")
    payload["to"] = str(row["target"])
    return publish(ctx, payload, principal=who)
