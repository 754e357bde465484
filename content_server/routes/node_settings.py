"""``/api/org/nodes/{node_id}/settings``: the screen settings of an organisation node's level,
for every screen of its subtree (emergency stops included). Viewers of the node (or an ancestor)
read, publishers change; a node out of the caller's view is 404 ``node_not_found``, one it sees
but may not publish to 403 ``forbidden``. The root's level is the level ``all`` (the same as
``/api/screens/all/settings``).

Why a node's route and not ``/api/screens/node:<id>/settings``: the level belongs to the node,
so it sits with the node's other sub-resources (``/review``), its id is typed (an integer, so
the schema and the 422 say so) and the scope check is the node's own, answered like every
other node route.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from content_server import db
from content_server.auth import Caller
from content_server.context import ServerContext
from content_server.errors import error_responses
from content_server.routes.screens import update_settings
from content_server.scope import Action, check_node_id
from content_server.settings_view import settings_view


def build_router(ctx: ServerContext) -> APIRouter:
    """Routes for the settings of organisation nodes."""
    router = APIRouter(prefix="/api/org/nodes/{node_id}", responses=error_responses(403, 404))

    @router.get("/settings")
    def get_node_settings(node_id: int, who: Caller) -> dict[str, Any]:
        """The settings of the node's level: its own, the effective ones for a screen of the
        node with nothing of its own, the levels above, and what is stopped or overridden
        below."""
        with ctx.db.connect() as conn, db.read_transaction(conn):
            node = check_node_id(conn, who, node_id, Action.VIEW)
            return settings_view(conn, node.target)

    @router.put("/settings")
    def put_node_settings(
        node_id: int, changes: Annotated[dict[str, Any], Body()], who: Caller
    ) -> dict[str, Any]:
        """Change some settings of the node's level (``emergency_stop: true`` stops every screen
        of its subtree, ``false`` ends this level's stop); a field set to null is removed from
        the level. Every screen of the subtree is told at once."""
        with ctx.db.connect() as conn, db.read_transaction(conn):
            level = check_node_id(conn, who, node_id, Action.PUBLISH).target
        return update_settings(ctx, level, changes, who=who)

    return router
