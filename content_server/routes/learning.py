"""Learning records: screens post them, viewers read the totals of their subtree
(``content_server.learning``)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from content_server.auth import Caller, screen_guard
from content_server.context import ServerContext
from content_server.errors import error_responses
from content_server.items import check_screen_id
from content_server.learning import store_batch, totals
from content_server.scope import Action, path_filter

log = logging.getLogger("content_server")


def build_router(ctx: ServerContext) -> APIRouter:
    """Routes for learning records."""
    router = APIRouter()
    # Like the manifest: the screen's own token (or the admin token).
    screen = [Depends(screen_guard(ctx.screen_key, ctx.settings.admin_token))]

    @router.post(
        "/api/screens/{screen_id}/learning-records",
        dependencies=screen,
        responses=error_responses(400, 403, 422),
    )
    def post_learning_records(
        screen_id: str, body: Annotated[Any, Body()] = None
    ) -> dict[str, Any]:
        """Store a batch ``{"records": [...]}``; answers ``{"accepted", "duplicates",
        "rejected": [{"index", "id", "error"}]}``. A known record id is a duplicate, not an
        error, so a batch may be sent again safely."""
        check_screen_id(screen_id)
        with ctx.db.connect() as conn:
            answer = store_batch(conn, screen_id, body, ctx.clock())
        log.info(
            "learning records from %s: %d new, %d duplicates, %d refused",
            screen_id,
            answer["accepted"],
            answer["duplicates"],
            len(answer["rejected"]),
        )
        return answer

    @router.get("/api/learning/totals", responses=error_responses(422))
    def get_learning_totals(who: Caller, by: str = "course") -> dict[str, Any]:
        """Watch seconds, plays and completions per ``course`` or per ``branch``, counting
        the records of screens in the subtrees the caller may view."""
        with ctx.db.connect() as conn:
            rows = totals(conn, by, path_filter(who, Action.VIEW, "node_path"))
        return {"by": by, "totals": rows}

    return router
